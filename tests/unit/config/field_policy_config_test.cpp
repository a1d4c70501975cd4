// The `fields:` block of a connection (config_loader.cpp ReadFieldPolicy).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "support/test_support.hpp"

namespace ats::config {
namespace {

using ats::testing::TempDir;
using ats::testing::WriteFile;

std::string Connection(const std::string& fields) {
  return "connections:\n  - id: acme\n    source: workable\n    workable:\n      subdomain: acme\n"
         "      api_token: tok-123\n    fields:\n" +
         fields;
}

std::vector<Problem> ProblemsOf(const std::string& yaml) {
  try {
    LoadConfigString(yaml);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

bool HasProblem(const std::vector<Problem>& problems, const std::string& path, const std::string& substring) {
  for (const auto& p : problems)
    if (p.path == path && p.message.find(substring) != std::string::npos) return true;
  return false;
}

std::string Dump(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.path + ": " + p.message + "\n";
  return out;
}

TEST(FieldPolicyConfigTest, EveryKeyIsRead) {
  TempDir dir;
  const std::string key_file = dir.File("hash.key");
  WriteFile(key_file, "0123456789abcdef0123456789abcdef\n");
  ::chmod(key_file.c_str(), 0600);
  const Config cfg =
      LoadConfigString(Connection("      exclude: [phone]\n"
                                  "      include_only: [name, email, attributes.Source]\n"
                                  "      hash: [email]\n"
                                  "      hash_key_file: " +
                                  key_file +
                                  "\n"
                                  "      include_protected: [attributes.Veteran_Status]\n"
                                  "      dead_letter_unparsed: publish\n"));
  const FieldPolicyConfig& f = cfg.connections.at(0).fields;
  EXPECT_EQ(f.exclude, std::vector<std::string>{"phone"});
  EXPECT_EQ(f.include_only, (std::vector<std::string>{"name", "email", "attributes.Source"}));
  EXPECT_EQ(f.hash, std::vector<std::string>{"email"});
  EXPECT_EQ(f.hash_key, "0123456789abcdef0123456789abcdef");  // the trailing newline is not part of it
  EXPECT_EQ(f.include_protected, std::vector<std::string>{"attributes.Veteran_Status"});
  EXPECT_EQ(f.dead_letter_unparsed, "publish");
}

TEST(FieldPolicyConfigTest, DefaultsWithholdProtectedDataAndUnparsedDeadLetters) {
  const Config cfg = LoadConfigString(Connection("      exclude: []\n"));
  const FieldPolicyConfig& f = cfg.connections.at(0).fields;
  EXPECT_TRUE(f.include_protected.empty());
  EXPECT_EQ(f.dead_letter_unparsed, "withhold");
}

TEST(FieldPolicyConfigTest, ProblemsAreReportedWithTheirKeyPaths) {
  const auto p =
      ProblemsOf(Connection("      exclude: [Email, attributes.Gender, stage]\n"
                            "      hash: [email]\n"
                            "      include_protected: [attributes.gender, referral_source]\n"
                            "      include_onyl: [name]\n"
                            "      dead_letter_unparsed: maybe\n"));
  const std::string base = "connections[0].fields";
  EXPECT_TRUE(HasProblem(p, base + ".hash[0]", "also listed in " + base + ".exclude[0]")) << Dump(p);
  EXPECT_TRUE(HasProblem(p, base + ".include_protected[0]", "also listed in " + base + ".exclude[1]"))
      << Dump(p);
  EXPECT_TRUE(HasProblem(p, base + ".include_protected[1]", "not a protected characteristic")) << Dump(p);
  EXPECT_TRUE(HasProblem(p, base + ".exclude[2]", "the connector needs it")) << Dump(p);
  EXPECT_TRUE(HasProblem(p, base + ".include_onyl", "did you mean 'include_only'?")) << Dump(p);
  EXPECT_TRUE(HasProblem(p, base + ".dead_letter_unparsed", "expected 'withhold'")) << Dump(p);
  // hash lists a field but there is no key
  EXPECT_TRUE(HasProblem(p, base + ".hash_key_file", "required when fields.hash lists fields")) << Dump(p);
}

TEST(FieldPolicyConfigTest, AShortOrUnreadableKeyIsRefusedWithoutShowingIt) {
  TempDir dir;
  const std::string key_file = dir.File("short.key");
  WriteFile(key_file, "s3cr3t");
  ::chmod(key_file.c_str(), 0600);
  auto p = ProblemsOf(Connection("      hash: [email]\n      hash_key_file: " + key_file + "\n"));
  EXPECT_TRUE(HasProblem(p, "connections[0].fields.hash_key_file", "shorter than 16 bytes")) << Dump(p);
  EXPECT_EQ(Dump(p).find("s3cr3t"), std::string::npos);
  p = ProblemsOf(Connection("      hash: [email]\n      hash_key_file: " + dir.File("missing.key") + "\n"));
  EXPECT_TRUE(HasProblem(p, "connections[0].fields.hash_key_file", "cannot read hash key file")) << Dump(p);
}

}  // namespace
}  // namespace ats::config
