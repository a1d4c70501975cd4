// The pieces of config.hpp that are not the YAML loader: the error type and the base URL.
#include "config/config.hpp"

#include <string>
#include <utility>
#include <vector>

namespace ats::config {
namespace {

// One problem per line, "path: message" (just the message for whole-file problems).
std::string FormatProblems(const std::vector<Problem>& problems) {
  if (problems.empty()) return "invalid configuration";
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out.push_back('\n');
    if (!p.path.empty()) out += p.path + ": ";
    out += p.message;
  }
  return out;
}

}  // namespace

ConfigError::ConfigError(std::vector<Problem> problems)
    : std::runtime_error(FormatProblems(problems)), problems_(std::move(problems)) {}

std::string WorkableBaseUrl(const WorkableConfig& c) {
  if (c.base_url.empty()) return "https://" + c.subdomain + ".workable.com/spi/v3";
  std::string url = c.base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace ats::config
