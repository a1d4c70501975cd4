#include "connectors/registry.hpp"

#include <gtest/gtest.h>

namespace ats::connectors {
namespace {

config::ConnectionConfig Conn(const std::string& source) {
  config::ConnectionConfig conn;
  conn.id = "acme";
  conn.source = source;
  conn.workable.subdomain = "acme";
  conn.workable.api_token = "wk-registry-token-123";
  return conn;
}

TEST(RegistryTest, CreatesTheWorkableSource) {
  auto source = CreateSource(Conn("workable"));
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ((*source)->name(), "workable");
  auto request = (*source)->BuildRequest(Entity::kJob, std::nullopt);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->url, "https://acme.workable.com/spi/v3/jobs?limit=100");
}

TEST(RegistryTest, UnknownSourceIsAPermanentConfigError) {
  auto source = CreateSource(Conn("greenhouse"));
  ASSERT_FALSE(source.ok());
  EXPECT_FALSE(source.error().retryable());
  EXPECT_EQ(source.error().category, ErrorCategory::kConfig);
  EXPECT_NE(source.error().message.find("greenhouse"), std::string::npos) << source.error().message;
  EXPECT_NE(source.error().message.find("acme"), std::string::npos) << source.error().message;
}

TEST(RegistryTest, PassesOnTheSourcesOwnConfigErrors) {
  auto conn = Conn("workable");
  conn.workable.api_token.clear();
  auto source = CreateSource(conn);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().category, ErrorCategory::kConfig);
}

}  // namespace
}  // namespace ats::connectors
