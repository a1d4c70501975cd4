// ParseConnectionDocument: one connection as the control API receives it. The YAML rules apply,
// paths are relative to the connection, credentials are inline only and nothing is expanded.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "common/log.hpp"
#include "config/config.hpp"
#include "connections/keyring.hpp"

namespace ats::config {
namespace {

std::string Problems(const ConnectionDocumentResult& r) {
  std::string out;
  for (const auto& p : r.problems) out += p.path + ": " + p.message + "\n";
  return out;
}

TEST(ConnectionDocumentTest, AJsonConnectionParsesLikeAYamlOne) {
  auto r = ParseConnectionDocument(R"({"id":"acme","source":"workable","poll_interval_s":120,"jobs":["J1"],)"
                                   R"("workable":{"subdomain":"acme","api_token":"tok-0123456789"}})");
  ASSERT_TRUE(r.connection) << Problems(r);
  EXPECT_EQ(r.connection->id, "acme");
  EXPECT_EQ(r.connection->poll_interval_s, 120);
  EXPECT_FALSE(r.connection->all_jobs);
  EXPECT_EQ(r.connection->workable.api_token, "tok-0123456789");
}

TEST(ConnectionDocumentTest, ProblemsHavePathsRelativeToTheConnection) {
  auto r = ParseConnectionDocument(
      R"({"id":"acme","source":"workable","pol_interval_s":1,"workable":{"subdomain":"acme.workable.com","api_token":"t-0123456789"}})");
  EXPECT_FALSE(r.connection);
  const std::string text = Problems(r);
  EXPECT_NE(text.find("pol_interval_s: "), std::string::npos) << text;
  EXPECT_NE(text.find("poll_interval_s"), std::string::npos) << "suggests the known key: " << text;
  EXPECT_NE(text.find("workable.subdomain: "), std::string::npos) << text;
  EXPECT_EQ(text.find("connections["), std::string::npos) << text;
}

TEST(ConnectionDocumentTest, CredentialFilesAndEnvironmentReferencesAreRefused) {
  auto file = ParseConnectionDocument(
      R"({"id":"a","source":"workable","workable":{"subdomain":"a","api_token_file":"/etc/hostname"}})");
  EXPECT_FALSE(file.connection);
  EXPECT_NE(
      Problems(file).find("workable.api_token_file: the API takes the credential itself: api_token: <token>"),
      std::string::npos)
      << Problems(file);
  setenv("ATS_DOC_TEST_TOKEN", "from-env-0123456789", 1);
  auto env = ParseConnectionDocument(
      R"({"id":"a","source":"workable","workable":{"subdomain":"a","api_token":"${ATS_DOC_TEST_TOKEN}"}})");
  EXPECT_FALSE(env.connection);
  EXPECT_NE(Problems(env).find("not expanded"), std::string::npos) << Problems(env);
  auto missing = ParseConnectionDocument(R"({"id":"a","source":"workable","workable":{"subdomain":"a"}})");
  EXPECT_FALSE(missing.connection);
  EXPECT_NE(Problems(missing).find("workable.api_token: missing credential"), std::string::npos)
      << Problems(missing);
}

TEST(ConnectionDocumentTest, NotAnObjectOrNotJsonIsOneProblem) {
  for (const char* body : {"[1]", "\"x\"", "{\"id\":", ""}) {
    auto r = ParseConnectionDocument(body);
    EXPECT_FALSE(r.connection) << body;
    EXPECT_FALSE(r.problems.empty()) << body;
  }
  EXPECT_FALSE(ParseConnectionDocument(std::string(kMaxConnectionDocumentBytes + 1, ' ')).connection);
}

TEST(ConnectionDocumentTest, NoInlineSecretWarningIsLogged) {
  std::string lines;
  log::SetSinkForTest([&](std::string_view line) { lines.append(line); });
  auto r = ParseConnectionDocument(
      R"({"id":"a","source":"workable","workable":{"subdomain":"a","api_token":"tok-0123456789"}})");
  log::SetSinkForTest(nullptr);
  ASSERT_TRUE(r.connection) << Problems(r);
  EXPECT_EQ(lines.find("inline secret"), std::string::npos) << lines;
}

}  // namespace
}  // namespace ats::config

namespace ats::config {
namespace {

std::optional<std::string> TokenEnv(const std::string& name) {
  if (name == "ATS_ADMIN_TOKEN") return std::string("admin-token-0123456789abcdef");
  return std::nullopt;
}

// With the control API on, a config may list no connections: they come through POST.
TEST(ConnectionDocumentTest, NoConnectionsIsFineOnlyWithTheControlApiOn) {
  const std::string keyring = ::testing::TempDir() + "connection_document_keyring.yaml";
  {
    std::ofstream out(keyring);
    out << connections::Keyring::Generate();
  }
  ::chmod(keyring.c_str(), 0600);
  for (const char* connections : {"", "connections: []\n"}) {
    const std::string with_api = std::string(connections) + "http:\n  admin_token: ${ATS_ADMIN_TOKEN}\n" +
                                 "secrets:\n  keyring_file: " + keyring + "\n";
    EXPECT_NO_THROW({
      Config c = LoadConfigString(with_api, &TokenEnv);
      EXPECT_TRUE(c.connections.empty());
    }) << with_api;
    const std::string without = std::string(connections) + "log_level: info\n";
    try {
      LoadConfigString(without, &TokenEnv);
      ADD_FAILURE() << "accepted: " << without;
    } catch (const ConfigError& e) {
      ASSERT_EQ(e.problems().size(), 1u);
      EXPECT_EQ(e.problems()[0].path, "connections");
      EXPECT_NE(e.problems()[0].message.find("POST /v1/connections"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace ats::config
