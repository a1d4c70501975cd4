// The control API's connection documents: canonical JSON, RFC 7396 merge patches and secrets
// shown only as fingerprints.
#include "control/json_doc.hpp"

#include <gtest/gtest.h>

#include "connections/keyring.hpp"

namespace ats::control {
namespace {

std::string Merge(const std::string& target, const std::string& patch) {
  return ToJson(MergePatch(YAML::Load(target), YAML::Load(patch)));
}

TEST(JsonDocTest, ToJsonKeepsStringsNumbersBooleansAndNull) {
  EXPECT_EQ(
      ToJson(*ParseObject(R"({"a":"60","b":60,"c":true,"d":"true","e":null,"f":[1,"x"],"g":{"h":-1.5e3}})")),
      R"({"a":"60","b":60,"c":true,"d":"true","e":null,"f":[1,"x"],"g":{"h":-1.5e3}})");
  EXPECT_EQ(ToJson(*ParseObject(R"({"s":"quote \" and \\ back"})")), R"({"s":"quote \" and \\ back"})");
  EXPECT_FALSE(ParseObject("[1]"));
  EXPECT_FALSE(ParseObject("{\"a\":"));
}

// RFC 7396, section 3's examples (those with an object patch).
TEST(JsonDocTest, MergePatchFollowsRfc7396) {
  EXPECT_EQ(Merge(R"({"a":"b"})", R"({"a":"c"})"), R"({"a":"c"})");
  EXPECT_EQ(Merge(R"({"a":"b"})", R"({"b":"c"})"), R"({"a":"b","b":"c"})");
  EXPECT_EQ(Merge(R"({"a":"b"})", R"({"a":null})"), R"({})");
  EXPECT_EQ(Merge(R"({"a":"b","b":"c"})", R"({"a":null})"), R"({"b":"c"})");
  EXPECT_EQ(Merge(R"({"a":["b"]})", R"({"a":"c"})"), R"({"a":"c"})");
  EXPECT_EQ(Merge(R"({"a":"c"})", R"({"a":["b"]})"), R"({"a":["b"]})");
  EXPECT_EQ(Merge(R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})"), R"({"a":{"b":"d"}})");
  EXPECT_EQ(Merge(R"({"a":[{"b":"c"}]})", R"({"a":[1]})"), R"({"a":[1]})");
  EXPECT_EQ(Merge(R"({"e":null})", R"({"a":1})"), R"({"e":null,"a":1})");
  EXPECT_EQ(Merge(R"({})", R"({"a":{"bb":{"ccc":null}}})"), R"({"a":{"bb":{}}})");
  // The target is not changed in place.
  YAML::Node target = YAML::Load(R"({"a":{"b":1}})");
  (void)MergePatch(target, YAML::Load(R"({"a":{"b":2}})"));
  EXPECT_EQ(ToJson(target), R"({"a":{"b":1}})");
}

TEST(JsonDocTest, SecretsAreShownOnlyAsFingerprints) {
  const std::string masked = ToJson(MaskSecrets(*ParseObject(
      R"({"id":"a","workable":{"api_token":"tok-1"},"workday":{"client_id":"cid","client_secret":"s-2",)"
      R"("refresh_token":"r-3","reports":[{"url":"u","password":"p-4"}]},"fields":{"hash_key":"h-5"}})")));
  for (const char* secret : {"tok-1", "s-2", "r-3", "p-4", "h-5"}) {
    EXPECT_EQ(masked.find(secret), std::string::npos) << secret << " in " << masked;
    EXPECT_NE(masked.find(R"({"configured":true,"fingerprint":")" + connections::Fingerprint(secret) + "\"}"),
              std::string::npos)
        << masked;
  }
  EXPECT_NE(masked.find(R"("client_id":"cid")"), std::string::npos) << "not a secret: " << masked;
}

TEST(JsonDocTest, UnknownKeysAreNamed) {
  EXPECT_EQ(UnknownKeys(*ParseObject(R"({"entity":"jobs","what":1,"x":2})"), {"entity", "job_id"}),
            (std::vector<std::string>{"what", "x"}));
}

}  // namespace
}  // namespace ats::control

namespace ats::control {
namespace {

// Replies echo ids and keys; JSON must stay UTF-8 whatever a client sent.
TEST(JsonDocTest, InvalidUtf8IsRefusedAndNeverEchoed) {
  EXPECT_TRUE(ValidUtf8("plain, é, 日本, 😀"));
  for (const std::string bad : {"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "T\xf0:"}) {
    EXPECT_FALSE(ValidUtf8(bad)) << bad;
    EXPECT_TRUE(ValidUtf8(Utf8Safe(bad))) << bad;
    EXPECT_FALSE(ParseObject("{\"" + bad + "\":1}")) << bad;
  }
  EXPECT_EQ(Utf8Safe("a\xffz"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(Utf8Safe("ok é"), "ok é");
}

}  // namespace
}  // namespace ats::control
