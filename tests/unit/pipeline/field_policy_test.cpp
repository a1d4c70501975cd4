#include "pipeline/field_policy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace ats::pipeline {
namespace {

using Fields = std::map<std::string, std::string>;
using Names = std::vector<std::string>;

config::FieldPolicyConfig WithKey(std::string key = "0123456789abcdef-key-one") {
  config::FieldPolicyConfig c;
  c.hash_key = std::move(key);
  return c;
}

// A Workday report row as the mapping normalises it: fixed fields plus `attributes`.
Fields WorkdayRow() {
  return {
      {"candidate_id", "\"C1\""},
      {"name", "\"Ada\""},
      {"email", "\"ada@example.com\""},
      {"stage", "\"Screen\""},
      {"attributes",
       R"({"Date_of_Birth":"1990-01-01","GENDER":"Female","Hispanic_or_Latino":"0","Referral_Source":"Job board",)"
       R"("Personal_Data_group":[{"Ethnicity_Reference":"Asian","Preferred_Language":"en"}],"Trace_ID":"t-1"})"},
  };
}

TEST(FieldPolicyTest, ProtectedNamesMatchWorkdayAndWorkableSpellingsCaseInsensitively) {
  for (const char* name : {"gender",
                           "GENDER",
                           "Gender_Reference",
                           "sex",
                           "Ethnicity_Reference",
                           "race",
                           "Race_Ethnicity",
                           "veteran_status",
                           "Veteran",
                           "disability_status",
                           "Disability_Information_Data",
                           "date_of_birth",
                           "Date of Birth",
                           "birth_date",
                           "dob",
                           "DOB",
                           "dateOfBirth",
                           "religion",
                           "Religion_Reference",
                           "sexual_orientation",
                           "gender_identity",
                           "GenderIdentity",
                           "Pronoun_Reference",
                           "nationality",
                           "Primary_Nationality_Reference",
                           "marital_status",
                           "citizenship",
                           "Hispanic_or_Latino",
                           "hispanicOrLatino",
                           "Military_Status",
                           "age",
                           "Age_Range",
                           "eeo_gender"}) {
    EXPECT_TRUE(FieldPolicy::IsProtected(name)) << name;
  }
  // Words, not substrings: these hold no protected characteristic.
  for (const char* name : {"stage", "stage_kind", "page", "trace_id", "Trace_ID", "message", "average_score",
                           "essex_office", "Referral_Source", "name", "email", "status", "language"}) {
    EXPECT_FALSE(FieldPolicy::IsProtected(name)) << name;
  }
}

TEST(FieldPolicyTest, DefaultWithholdsProtectedAttributesAtAnyDepthAndNamesThem) {
  Fields fields = WorkdayRow();
  const Names withheld = FieldPolicy().Apply(fields);
  EXPECT_EQ(withheld, (Names{"attributes.Date_of_Birth", "attributes.GENDER", "attributes.Hispanic_or_Latino",
                             "attributes.Personal_Data_group.Ethnicity_Reference"}));
  EXPECT_EQ(
      fields.at("attributes"),
      R"({"Referral_Source":"Job board","Personal_Data_group":[{"Preferred_Language":"en"}],"Trace_ID":"t-1"})");
  EXPECT_EQ(fields.at("email"), "\"ada@example.com\"");
  EXPECT_EQ(fields.at("stage"), "\"Screen\"");
}

TEST(FieldPolicyTest, TopLevelProtectedFieldsAreWithheldToo) {
  Fields fields = {{"id", "\"1\""}, {"gender", "\"x\""}, {"date_of_birth", "null"}, {"name", "\"A\""}};
  EXPECT_EQ(FieldPolicy().Apply(fields), (Names{"date_of_birth", "gender"}));
  EXPECT_EQ(fields, (Fields{{"id", "\"1\""}, {"name", "\"A\""}}));
}

TEST(FieldPolicyTest, IncludeProtectedOptsOneFieldBackIn) {
  config::FieldPolicyConfig c;
  c.include_protected = {"attributes.gender"};  // case and separators do not matter
  Fields fields = WorkdayRow();
  const Names withheld = FieldPolicy(c).Apply(fields);
  EXPECT_EQ(withheld, (Names{"attributes.Date_of_Birth", "attributes.Hispanic_or_Latino",
                             "attributes.Personal_Data_group.Ethnicity_Reference"}));
  EXPECT_NE(fields.at("attributes").find(R"("GENDER":"Female")"), std::string::npos);
}

TEST(FieldPolicyTest, ExcludeRemovesFieldsAndAttributesByNormalisedName) {
  config::FieldPolicyConfig c;
  c.exclude = {"EMAIL", "attributes.referral source"};
  Fields fields = WorkdayRow();
  const Names withheld = FieldPolicy(c).Apply(fields);
  EXPECT_FALSE(fields.contains("email"));
  EXPECT_EQ(fields.at("attributes").find("Referral_Source"), std::string::npos);
  EXPECT_TRUE(std::find(withheld.begin(), withheld.end(), "email") != withheld.end());
  EXPECT_TRUE(std::find(withheld.begin(), withheld.end(), "attributes.Referral_Source") != withheld.end());
}

TEST(FieldPolicyTest, IncludeOnlyKeepsTheListedAndTheConnectorsOwnFields) {
  config::FieldPolicyConfig c;
  c.include_only = {"name", "attributes.Referral_Source"};
  Fields fields = WorkdayRow();
  const Names withheld = FieldPolicy(c).Apply(fields);
  EXPECT_EQ(fields, (Fields{{"attributes", R"({"Referral_Source":"Job board"})"},
                            {"candidate_id", "\"C1\""},
                            {"name", "\"Ada\""},
                            {"stage", "\"Screen\""}}));
  EXPECT_EQ(withheld, (Names{"attributes.Date_of_Birth", "attributes.GENDER", "attributes.Hispanic_or_Latino",
                             "attributes.Personal_Data_group", "attributes.Trace_ID", "email"}));
}

TEST(FieldPolicyTest, IncludeOnlyWithoutAttributesDropsThemWhole) {
  config::FieldPolicyConfig c;
  c.include_only = {"name"};
  Fields fields = WorkdayRow();
  const Names withheld = FieldPolicy(c).Apply(fields);
  EXPECT_FALSE(fields.contains("attributes"));
  EXPECT_EQ(withheld, (Names{"attributes", "email"}));
}

TEST(FieldPolicyTest, HashIsHmacSha256OfTheTextStableAndKeyed) {
  config::FieldPolicyConfig c = WithKey("key");
  c.hash = {"email"};
  Fields fields = WorkdayRow();
  FieldPolicy(c).Apply(fields);
  // RFC 4231-style check with a known vector: HMAC-SHA256("key", "The quick brown fox jumps over the lazy
  // dog").
  EXPECT_EQ(FieldPolicy(c).Hash("The quick brown fox jumps over the lazy dog"),
            "hmac-sha256:f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  EXPECT_EQ(fields.at("email"), "\"" + FieldPolicy(c).Hash("ada@example.com") + "\"");
  // Same key, another policy object (a restart): same value. Another key: another value.
  Fields again = WorkdayRow();
  FieldPolicy(c).Apply(again);
  EXPECT_EQ(again.at("email"), fields.at("email"));
  config::FieldPolicyConfig other = c;
  other.hash_key = "another-key-0123456789";
  Fields third = WorkdayRow();
  FieldPolicy(other).Apply(third);
  EXPECT_NE(third.at("email"), fields.at("email"));
}

TEST(FieldPolicyTest, HashingAnAttributeAndNonStringsAndIdempotence) {
  config::FieldPolicyConfig c = WithKey();
  c.hash = {"attributes.Trace_ID", "attributes.Personal_Data_group"};
  const FieldPolicy policy(c);
  Fields fields = WorkdayRow();
  policy.Apply(fields);
  const std::string& attrs = fields.at("attributes");
  EXPECT_NE(attrs.find("\"Trace_ID\":\"" + policy.Hash("t-1") + "\""), std::string::npos) << attrs;
  // An array is hashed as its compact JSON (after its protected keys were removed).
  EXPECT_NE(attrs.find("\"Personal_Data_group\":\"" + policy.Hash(R"([{"Preferred_Language":"en"}])") + "\""),
            std::string::npos)
      << attrs;
  // Applying the policy again (a stored state passing it) changes nothing.
  Fields twice = fields;
  EXPECT_EQ(policy.Apply(twice), Names{});
  EXPECT_EQ(twice, fields);
  // null stays null.
  c.hash = {"phone"};
  Fields with_null = {{"phone", "null"}};
  FieldPolicy(c).Apply(with_null);
  EXPECT_EQ(with_null.at("phone"), "null");
}

TEST(FieldPolicyTest, RawJsonDeadLetterLosesProtectedAndExcludedKeysAtAnyDepth) {
  config::FieldPolicyConfig c = WithKey();
  c.exclude = {"phone"};
  c.hash = {"email"};
  const FieldPolicy policy(c);
  const auto raw = policy.ApplyRaw(
      R"({ "id": 7, "email": "ada@example.com", "phone": "+1 555",
           "answers": [{"question": "Team", "gender": "Female"}, {"Veteran_Status": "no", "ok": true}],
           "custom": {"nested": {"date_of_birth": "1990-01-01", "n": 12345678901234567890123}} })");
  ASSERT_TRUE(raw.raw);
  EXPECT_EQ(
      *raw.raw,
      R"({"id":7,"email":")" + policy.Hash("ada@example.com") +
          R"(","answers":[{"question":"Team"},{"ok":true}],"custom":{"nested":{"n":12345678901234567890123}}})");
  EXPECT_EQ(raw.withheld,
            (Names{"answers.Veteran_Status", "answers.gender", "custom.nested.date_of_birth", "phone"}));
}

TEST(FieldPolicyTest, RawThatIsNotJsonIsWithheldUnlessTheConnectionPublishesIt) {
  const auto withheld = FieldPolicy().ApplyRaw(R"({"id": 7, "gender": "Female")");
  EXPECT_FALSE(withheld.raw);
  EXPECT_EQ(withheld.withheld, Names{"raw"});
  config::FieldPolicyConfig c;
  c.dead_letter_unparsed = "publish";
  const auto published = FieldPolicy(c).ApplyRaw("not json");
  ASSERT_TRUE(published.raw);
  EXPECT_EQ(*published.raw, "not json");
  EXPECT_TRUE(published.withheld.empty());
  // include_only cannot be mapped onto the source's raw shape: the raw text is withheld.
  config::FieldPolicyConfig only;
  only.include_only = {"name"};
  EXPECT_FALSE(FieldPolicy(only).ApplyRaw(R"({"name":"A"})").raw);
}

TEST(FieldPolicyTest, AQuestionnaireAnswerToAProtectedQuestionIsWithheldWhole) {
  const auto raw = FieldPolicy().ApplyRaw(
      R"({"id":"a1","answers":[{"question":{"body":"What is your gender?"},"answer":{"body":"F"}},)"
      R"({"question":{"body":"Link to your portfolio"},"answer":{"body":"https://x"}}]})");
  ASSERT_TRUE(raw.raw);
  EXPECT_EQ(*raw.raw,
            R"({"id":"a1","answers":[null,{"question":{"body":"Link to your portfolio"},"answer":{"body":"https://x"}}]})");
  EXPECT_EQ(raw.withheld, Names{"answers.question"});
}

TEST(FieldPolicyTest, HashingAProtectedFieldOptsItInHashed) {
  config::FieldPolicyConfig c = WithKey();
  c.hash = {"attributes.Date_of_Birth"};
  const FieldPolicy policy(c);
  Fields fields = WorkdayRow();
  const Names withheld = policy.Apply(fields);
  EXPECT_NE(fields.at("attributes").find("\"Date_of_Birth\":\"" + policy.Hash("1990-01-01") + "\""),
            std::string::npos);
  EXPECT_EQ(std::find(withheld.begin(), withheld.end(), "attributes.Date_of_Birth"), withheld.end());
}

TEST(FieldPolicyTest, ARawRecordWithNothingToWithholdKeepsItsExactBytes) {
  const std::string raw = "{ \"id\" : \"a1\",\n  \"note\": \"caf\xE9\" }";
  const auto out = FieldPolicy().ApplyRaw(raw);
  ASSERT_TRUE(out.raw);
  EXPECT_EQ(*out.raw, raw);
  EXPECT_TRUE(out.withheld.empty());
}

}  // namespace
}  // namespace ats::pipeline
