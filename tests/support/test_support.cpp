#include "support/test_support.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ats::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ats-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  const std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string SourceDir() {
  return ATS_SOURCE_DIR;
}

std::string BinaryPath() {
  if (const char* bin = std::getenv("ATS_CONNECTOR_BIN")) return bin;
  return "ats-connector";
}

std::string ValidateAgainstSchemas(const std::vector<EventForValidation>& events) {
  TempDir dir;
  std::string jsonl;
  for (const auto& e : events) {
    // One line per event: <ce_type>\t<json value>
    jsonl += e.ce_type;
    jsonl += '\t';
    jsonl += e.value;
    jsonl += '\n';
  }
  WriteFile(dir.File("events.tsv"), jsonl);
  const auto r =
      RunCommand(std::string(ATS_PYTHON3) + " " + SourceDir() + "/tests/support/validate_events.py " +
                 SourceDir() + "/schemas " + dir.File("events.tsv"));
  if (r.exit_code == 0) return "";
  return r.output.empty() ? "validator exited " + std::to_string(r.exit_code) : r.output;
}

}  // namespace ats::testing
