#pragma once
// Helpers shared by the tests: temporary directories, running commands, and validating
// consumed events against schemas/ with an independent validator (python3-jsonschema).
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace ats::testing {

// Polls `fn` every 100 ms until it holds or `limit` passes; its last answer.
template <typename Fn>
bool Eventually(Fn fn, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return fn();
}

// A fresh directory under /tmp, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs `command` through /bin/sh and captures its output.
CommandResult RunCommand(const std::string& command);

// One consumed event: its CloudEvents type (header ce_type) and its JSON value.
struct EventForValidation {
  std::string ce_type;
  std::string value;
};
// Validates every event against the schema its ce_type names (schemas/<name>.v<N>.schema.json)
// with tests/support/validate_events.py. Returns "" when all are valid, else the report.
std::string ValidateAgainstSchemas(const std::vector<EventForValidation>& events);

std::string SourceDir();   // the repository root
std::string BinaryPath();  // the built ats-connector (env ATS_CONNECTOR_BIN)

}  // namespace ats::testing
