#pragma once
// Helpers shared by the tests: temporary directories, running commands, and validating
// consumed events against schemas/ with an independent validator (python3-jsonschema).
#include <string>
#include <vector>

namespace ats::testing {

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
