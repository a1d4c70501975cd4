#include "common/log.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace ats::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLevel(Level::kInfo);
    SetSinkForTest([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    SetSinkForTest(nullptr);
    SetLevel(Level::kInfo);
  }
  std::vector<std::string> lines_;
};

bool Contains(const std::string& s, std::string_view needle) {
  return s.find(needle) != std::string::npos;
}

TEST_F(LogTest, WritesOneJsonObjectPerLineWithFields) {
  Info("hello \"world\"", {{"count", 3}, {"ok", true}, {"name", "x\ny"}});
  ASSERT_EQ(lines_.size(), 1u);
  const std::string& line = lines_[0];
  EXPECT_EQ(line.front(), '{');
  EXPECT_EQ(line.back(), '}');
  EXPECT_FALSE(Contains(line, "\n"));
  EXPECT_TRUE(Contains(line, R"("level":"info")"));
  EXPECT_TRUE(Contains(line, R"("msg":"hello \"world\"")"));
  EXPECT_TRUE(Contains(line, R"("count":3,"ok":true,"name":"x\ny")"));
  EXPECT_TRUE(Contains(line, R"("ts":")"));
}

TEST_F(LogTest, LevelFilters) {
  Debug("hidden");
  Warn("shown");
  SetLevel(Level::kError);
  Warn("hidden too");
  Error("also shown");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_TRUE(Contains(lines_[0], R"("msg":"shown")"));
  EXPECT_TRUE(Contains(lines_[1], R"("level":"error")"));
}

TEST_F(LogTest, ParseLevel) {
  Level l = Level::kInfo;
  EXPECT_TRUE(ParseLevel("debug", l));
  EXPECT_EQ(l, Level::kDebug);
  EXPECT_TRUE(ParseLevel("error", l));
  EXPECT_EQ(l, Level::kError);
  EXPECT_FALSE(ParseLevel("verbose", l));
  EXPECT_FALSE(ParseLevel("INFO", l));
  EXPECT_EQ(l, Level::kError);
}

TEST_F(LogTest, RegisteredSecretNeverAppearsAnywhereInTheLine) {
  const std::string secret = "tok_9f8e7d6c5b4a";
  RegisterSecret(secret);
  Info("auth failed with " + secret,
       {{"url", "https://x.example/?access_token=" + secret}, {"header", "Bearer " + secret + secret}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_FALSE(Contains(lines_[0], secret));
  EXPECT_FALSE(Contains(lines_[0], "9f8e7d6c"));
  EXPECT_TRUE(Contains(lines_[0], "auth failed with [REDACTED]"));
  EXPECT_TRUE(Contains(lines_[0], "access_token=[REDACTED]"));
  EXPECT_TRUE(Contains(lines_[0], "Bearer [REDACTED][REDACTED]"));
}

TEST_F(LogTest, SecretWithCharactersThatJsonEscapesIsStillRedacted) {
  const std::string secret = "pa\"ss\\word/42\x01";
  RegisterSecret(secret);
  Warn("login", {{"password", secret}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_FALSE(Contains(lines_[0], R"(pa\"ss\\word)")) << lines_[0];
  EXPECT_TRUE(Contains(lines_[0], R"("password":"[REDACTED]")")) << lines_[0];
}

TEST_F(LogTest, SecretContainingAnotherIsRedactedWhole) {
  RegisterSecret("inner-secret-1");
  RegisterSecret("outer-inner-secret-1-tail");
  Info("x outer-inner-secret-1-tail y inner-secret-1 z");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_TRUE(Contains(lines_[0], R"("msg":"x [REDACTED] y [REDACTED] z")")) << lines_[0];
}

TEST_F(LogTest, EmptySecretIsIgnored) {
  RegisterSecret("");
  Info("ordinary text");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_TRUE(Contains(lines_[0], R"("msg":"ordinary text")"));
}

// An ISU password or a token may be short: it is redacted whatever its length, and the line
// stays one valid JSON object even when the secret is also a piece of JSON syntax.
TEST_F(LogTest, ShortSecretsAreRedactedToo) {
  RegisterSecret("q5zk");
  RegisterSecret("x:y");
  Info("login with q5zk failed", {{"password", "q5zk"}, {"detail", "user x:y"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_FALSE(Contains(lines_[0], "q5zk")) << lines_[0];
  EXPECT_FALSE(Contains(lines_[0], "x:y")) << lines_[0];
  EXPECT_TRUE(Contains(lines_[0], R"("msg":"login with [REDACTED] failed")")) << lines_[0];
  EXPECT_TRUE(Contains(lines_[0], R"("password":"[REDACTED]","detail":"user [REDACTED]")")) << lines_[0];
  EXPECT_EQ(Redact("q5zk"), "[REDACTED]");
}

// Eleven thousand connections' tokens (one per tenant, of the same length): each is still
// redacted wherever it appears, the same token registered twice counts once, and the others
// stay readable.
TEST_F(LogTest, ThousandsOfSecretsAreEachRedacted) {
  for (int i = 0; i < 11000; ++i) RegisterSecret("many-token-" + std::to_string(100000 + i));
  RegisterSecret("many-token-100007");
  EXPECT_EQ(Redact("a many-token-100007 b many-token-110999 c many-token-099999"),
            "a [REDACTED] b [REDACTED] c many-token-099999");
  Info("cycle", {{"connection", "many-token-105000"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_FALSE(Contains(lines_[0], "many-token-105000")) << lines_[0];
}

TEST_F(LogTest, AnUnregisteredSecretIsNoLongerRedactedAndTheOthersStillAre) {
  RegisterSecret("old-access-token-31");
  RegisterSecret("new-access-token-32");
  UnregisterSecret("old-access-token-31");
  UnregisterSecret("never-registered-33");
  EXPECT_EQ(Redact("old-access-token-31 new-access-token-32"), "old-access-token-31 [REDACTED]");
}

TEST_F(LogTest, RedactFunction) {
  RegisterSecret("sekrit-value-77");
  EXPECT_EQ(Redact("a sekrit-value-77 b sekrit-value-77"), "a [REDACTED] b [REDACTED]");
  EXPECT_EQ(Redact("nothing here"), "nothing here");
}

TEST_F(LogTest, NonFiniteDoubleFieldStillGivesValidJson) {
  Info("m", {{"ratio", std::numeric_limits<double>::quiet_NaN()},
             {"big", std::numeric_limits<double>::infinity()},
             {"fine", 0.5}});
  ASSERT_EQ(lines_.size(), 1u);
  // Bare nan/inf are not JSON; they must not appear unquoted.
  EXPECT_FALSE(Contains(lines_[0], ":nan")) << lines_[0];
  EXPECT_FALSE(Contains(lines_[0], ":-nan")) << lines_[0];
  EXPECT_FALSE(Contains(lines_[0], ":inf")) << lines_[0];
  EXPECT_TRUE(Contains(lines_[0], R"("fine":0.5)")) << lines_[0];
}

}  // namespace
}  // namespace ats::log
