// libFuzzer target: config::LoadConfigString on arbitrary YAML. It must return a Config or
// throw ConfigError with the problems: no other exception, no crash, no leak. ${VAR}
// references resolve to a fixed value; nothing is read from the real environment.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/log.hpp"
#include "config/config.hpp"

namespace {

std::optional<std::string> FixedEnv(const std::string& name) {
  if (name.empty() || name[0] == 'X') return std::nullopt;  // some references are unset
  return std::string("env-value-0123456789");
}

[[maybe_unused]] const bool kQuiet = [] {
  ats::log::SetSinkForTest([](std::string_view) {});  // warnings are not what is fuzzed
  return true;
}();

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  try {
    const ats::config::Config config = ats::config::LoadConfigString(yaml, &FixedEnv);
    // A config that loads has what the service needs to start.
    if (config.connections.empty()) __builtin_trap();
  } catch (const ats::config::ConfigError& e) {
    if (e.problems().empty()) __builtin_trap();
  }
  return 0;
}
