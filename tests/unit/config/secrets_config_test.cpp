// secrets.keyring_file and http.read_token: what the loader accepts and what it says otherwise.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "connections/keyring.hpp"
#include "support/test_support.hpp"

namespace ats::config {
namespace {

using ats::testing::TempDir;
using ats::testing::WriteFile;

std::optional<std::string> Env(const std::string& name) {
  static const std::map<std::string, std::string> kVars = {
      {"WORKABLE_TOKEN", "env-token-4f1c9a77"},
      {"ADMIN", "admin-token-0123456789"},
      {"READ", "read-token-9876543210"},
  };
  auto it = kVars.find(name);
  if (it == kVars.end()) return std::nullopt;
  return it->second;
}

const std::string kConnection = R"(connections:
  - id: acme
    source: workable
    workable:
      subdomain: acme
      api_token: ${WORKABLE_TOKEN}
)";

// `secrets: {keyring_file: ...}` naming a new keyring in `dir` (the control API needs one).
std::string KeyringIn(const TempDir& dir) {
  const std::string path = dir.File("keyring.yaml");
  WriteFile(path, connections::Keyring::Generate());
  chmod(path.c_str(), 0600);
  return "secrets:\n  keyring_file: " + path + "\n";
}

std::vector<Problem> ProblemsOf(const std::string& yaml) {
  try {
    LoadConfigString(yaml, &Env);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

std::string Dump(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.path + ": " + p.message + "\n";
  return out;
}

bool HasProblem(const std::vector<Problem>& problems, const std::string& path, const std::string& substring) {
  for (const auto& p : problems)
    if (p.path == path && p.message.find(substring) != std::string::npos) return true;
  return false;
}

TEST(SecretsConfigTest, AKeyringFileIsLoadedAndOnlyItsPathKept) {
  TempDir dir;
  const std::string path = dir.File("keyring.yaml");
  WriteFile(path, connections::Keyring::Generate());
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  const Config config = LoadConfigString(kConnection + "secrets:\n  keyring_file: " + path + "\n", &Env);
  EXPECT_EQ(config.secrets.keyring_file, path);
  EXPECT_TRUE(LoadConfigString(kConnection, &Env).secrets.keyring_file.empty());
}

TEST(SecretsConfigTest, AMissingKeyringFileSaysHowToCreateOne) {
  TempDir dir;
  const std::string path = dir.File("keyring.yaml");
  const auto problems = ProblemsOf(kConnection + "secrets:\n  keyring_file: " + path + "\n");
  ASSERT_EQ(problems.size(), 1u) << Dump(problems);
  EXPECT_TRUE(HasProblem(problems, "secrets.keyring_file", "ats-connector keygen --out " + path))
      << Dump(problems);
}

TEST(SecretsConfigTest, AMalformedKeyringIsReportedAtItsKeyPath) {
  TempDir dir;
  const std::string path = dir.File("keyring.yaml");
  WriteFile(path, "keys:\n  - {id: k1, key: MDEyMzQ1Njc4OWFiY2RlZg==}\nprimary: k1\n");
  const auto problems = ProblemsOf(kConnection + "secrets:\n  keyring_file: " + path + "\n");
  EXPECT_TRUE(HasProblem(problems, "secrets.keyring_file", "exactly 32 bytes")) << Dump(problems);
}

TEST(SecretsConfigTest, UnknownKeysUnderSecretsAreRejected) {
  const auto problems = ProblemsOf(kConnection + "secrets:\n  keyring: /etc/ats/keyring.yaml\n");
  EXPECT_TRUE(HasProblem(problems, "secrets.keyring", "did you mean 'keyring_file'")) << Dump(problems);
  EXPECT_TRUE(
      HasProblem(ProblemsOf(kConnection + "secrets:\n  keyring_file: ''\n"), "secrets.keyring_file", ""));
}

TEST(SecretsConfigTest, TheControlApiNeedsAKeyring) {
  const auto problems = ProblemsOf(kConnection + "http:\n  admin_token: ${ADMIN}\n");
  ASSERT_EQ(problems.size(), 1u) << Dump(problems);
  EXPECT_TRUE(HasProblem(problems, "secrets.keyring_file", "ats-connector keygen --out")) << Dump(problems);
  TempDir dir;
  EXPECT_TRUE(ProblemsOf(kConnection + "http:\n  admin_token: ${ADMIN}\n" + KeyringIn(dir)).empty());
  EXPECT_TRUE(ProblemsOf(kConnection).empty());  // no API, no keyring needed
}

TEST(SecretsConfigTest, AReadTokenIsResolvedLikeTheAdminToken) {
  TempDir dir;
  const std::string keyring = KeyringIn(dir);
  const Config config = LoadConfigString(
      kConnection + "http:\n  admin_token: ${ADMIN}\n  read_token: ${READ}\n" + keyring, &Env);
  EXPECT_EQ(config.http.admin_token, "admin-token-0123456789");
  EXPECT_EQ(config.http.read_token, "read-token-9876543210");

  WriteFile(dir.File("read"), "read-token-from-a-file-42\n");
  ASSERT_EQ(chmod(dir.File("read").c_str(), 0600), 0);
  const Config from_file = LoadConfigString(
      kConnection + "http:\n  admin_token: ${ADMIN}\n  read_token_file: " + dir.File("read") + "\n" + keyring,
      &Env);
  EXPECT_EQ(from_file.http.read_token, "read-token-from-a-file-42");
}

TEST(SecretsConfigTest, AReadTokenEqualToTheAdminTokenIsRefused) {
  const auto problems = ProblemsOf(kConnection + "http:\n  admin_token: ${ADMIN}\n  read_token: ${ADMIN}\n");
  EXPECT_TRUE(HasProblem(problems, "http.read_token", "is the admin token")) << Dump(problems);
  for (const auto& p : problems) EXPECT_EQ(p.message.find("admin-token-0123456789"), std::string::npos);
}

TEST(SecretsConfigTest, ABadReadTokenIsRefused) {
  EXPECT_TRUE(HasProblem(ProblemsOf(kConnection + "http:\n  admin_token: ${ADMIN}\n  read_token: short\n"),
                         "http.read_token", "at least 16 characters"));
  EXPECT_TRUE(HasProblem(ProblemsOf(kConnection + "http:\n  read_token: ${READ}\n"), "http.read_token",
                         "without an admin token"));
  EXPECT_TRUE(HasProblem(ProblemsOf(kConnection + "http:\n  admin_token: ${ADMIN}\n  read_token: ${NOPE}\n"),
                         "http.read_token", "NOPE"));
}

}  // namespace
}  // namespace ats::config
