#include "snapshot/differ.hpp"

#include <gtest/gtest.h>

namespace ats::snapshot {
namespace {

Record Candidate(std::map<std::string, std::string> fields, std::string updated_at = "2026-07-23T18:58:18Z") {
  Record r;
  r.entity = Entity::kCandidate;
  r.id = "c1";
  r.parent_id = "JOB1";
  r.updated_at = std::move(updated_at);
  r.fields = std::move(fields);
  return r;
}

StoredRecord StateOf(const Record& r) {
  StoredRecord s;
  s.body = SerializeFields(r.fields);
  s.hash = ContentHash(s.body);
  s.updated_at = r.updated_at;
  s.parent_id = r.parent_id;
  return s;
}

const std::map<std::string, std::string> kBase{
    {"email", "\"ada@example.com\""}, {"name", "\"Ada\""}, {"stage", "\"Applied\""}, {"tags", "[\"a\"]"}};

TEST(DifferTest, ChangeTypeNames) {
  EXPECT_EQ(ToString(ChangeType::kCreated), "created");
  EXPECT_EQ(ToString(ChangeType::kUpdated), "updated");
  EXPECT_EQ(ToString(ChangeType::kDeleted), "deleted");
}

TEST(DifferTest, CreatedWhenNothingStored) {
  const Record r = Candidate(kBase);
  auto c = Diff(r, std::nullopt);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->type, ChangeType::kCreated);
  EXPECT_EQ(c->entity, Entity::kCandidate);
  EXPECT_EQ(c->id, "c1");
  EXPECT_EQ(c->parent_id, "JOB1");
  EXPECT_EQ(c->updated_at, "2026-07-23T18:58:18Z");
  EXPECT_EQ(c->fields, kBase);
  EXPECT_TRUE(c->changed_fields.empty());
  EXPECT_TRUE(c->previous.empty());
  EXPECT_EQ(c->old_hash, 0u);
  EXPECT_EQ(c->new_hash, ContentHash(SerializeFields(kBase)));
  EXPECT_EQ(c->new_state.hash, c->new_hash);
  EXPECT_EQ(c->new_state.body, SerializeFields(kBase));
  EXPECT_EQ(c->new_state.updated_at, "2026-07-23T18:58:18Z");
  EXPECT_EQ(c->new_state.parent_id, "JOB1");
}

TEST(DifferTest, UnchangedIsNullopt) {
  const Record r = Candidate(kBase);
  EXPECT_FALSE(Diff(r, StateOf(r)).has_value());
  // Only the source timestamp moved: the content is the same, nothing to publish.
  EXPECT_FALSE(Diff(Candidate(kBase, "2030-01-01T00:00:00Z"), StateOf(r)).has_value());
}

TEST(DifferTest, UpdatedListsExactlyTheChangedFieldsWithPreviousValues) {
  const Record before = Candidate(kBase);
  auto after_fields = kBase;
  after_fields["stage"] = "\"Interview\"";
  after_fields["tags"] = "[\"a\",\"b\"]";
  const Record after = Candidate(after_fields, "2026-07-24T09:00:00Z");
  auto c = Diff(after, StateOf(before));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->type, ChangeType::kUpdated);
  EXPECT_EQ(c->changed_fields, (std::vector<std::string>{"stage", "tags"}));
  EXPECT_EQ(c->previous, (std::map<std::string, std::string>{{"stage", "\"Applied\""}, {"tags", "[\"a\"]"}}));
  EXPECT_EQ(c->fields, after_fields);
  EXPECT_EQ(c->old_hash, ContentHash(SerializeFields(kBase)));
  EXPECT_EQ(c->new_hash, ContentHash(SerializeFields(after_fields)));
  EXPECT_NE(c->old_hash, c->new_hash);
  EXPECT_EQ(c->updated_at, "2026-07-24T09:00:00Z");
  EXPECT_EQ(c->new_state.body, SerializeFields(after_fields));
  EXPECT_EQ(c->new_state.hash, c->new_hash);
  EXPECT_EQ(c->new_state.updated_at, "2026-07-24T09:00:00Z");
  EXPECT_EQ(c->new_state.parent_id, "JOB1");
}

TEST(DifferTest, FieldAddedAndRemoved) {
  const Record before = Candidate(kBase);
  auto after_fields = kBase;
  after_fields.erase("email");
  after_fields["aaa_first"] = "1";
  after_fields["zzz_last"] = "null";  // a field that appears with value null still counts as added
  auto c = Diff(Candidate(after_fields), StateOf(before));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->type, ChangeType::kUpdated);
  EXPECT_EQ(c->changed_fields, (std::vector<std::string>{"aaa_first", "email", "zzz_last"}));
  EXPECT_EQ(c->previous, (std::map<std::string, std::string>{
                             {"aaa_first", "null"}, {"email", "\"ada@example.com\""}, {"zzz_last", "null"}}));
  EXPECT_EQ(c->fields.count("email"), 0u);  // removed fields are not current fields
  EXPECT_EQ(c->fields, after_fields);
}

TEST(DifferTest, AllFieldsRemoved) {
  auto c = Diff(Candidate({}), StateOf(Candidate({{"a", "1"}, {"b", "2"}})));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->changed_fields, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c->previous, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  EXPECT_TRUE(c->fields.empty());
  EXPECT_EQ(c->new_state.body, "{}");
}

TEST(DifferTest, TypeChangeIsAChange) {
  auto c = Diff(Candidate({{"n", "\"1\""}}), StateOf(Candidate({{"n", "1"}})));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->changed_fields, (std::vector<std::string>{"n"}));
  EXPECT_EQ(c->previous.at("n"), "1");
}

TEST(DifferTest, SameHashDifferentBodyIsStillAnUpdate) {
  const Record r = Candidate(kBase);
  StoredRecord stale = StateOf(Candidate({{"name", "\"Bob\""}}));
  stale.hash = ContentHash(SerializeFields(kBase));  // a (theoretical) hash collision
  auto c = Diff(r, stale);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->type, ChangeType::kUpdated);
  EXPECT_EQ(c->changed_fields, (std::vector<std::string>{"email", "name", "stage", "tags"}));
}

TEST(DifferTest, CorruptStoredBodyReportsEveryCurrentFieldAsNew) {
  StoredRecord broken;
  broken.body = "{not json";
  broken.hash = 99;
  auto c = Diff(Candidate({{"a", "1"}}), broken);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->type, ChangeType::kUpdated);
  EXPECT_EQ(c->old_hash, 99u);
  EXPECT_EQ(c->changed_fields, (std::vector<std::string>{"a"}));
  EXPECT_EQ(c->previous.at("a"), "null");
}

TEST(DifferTest, DeletedCarriesLastKnownState) {
  StoredRecord s = StateOf(Candidate(kBase));
  auto c = Deleted(Entity::kJob, "SHORT1", s);
  EXPECT_EQ(c.type, ChangeType::kDeleted);
  EXPECT_EQ(c.entity, Entity::kJob);
  EXPECT_EQ(c.id, "SHORT1");
  EXPECT_EQ(c.fields, kBase);
  EXPECT_EQ(c.old_hash, s.hash);
  EXPECT_EQ(c.new_hash, 0u);
  EXPECT_EQ(c.parent_id, "JOB1");
  EXPECT_EQ(c.updated_at, "2026-07-23T18:58:18Z");
  EXPECT_TRUE(c.changed_fields.empty());
}

// ----- ParseFields -----

TEST(ParseFieldsTest, RoundTripsEverySerializedValueExactly) {
  const std::map<std::string, std::string> fields{
      {"bool_f", "false"},
      {"bool_t", "true"},
      {"commas", R"("a,b:c}d]e{f[g \"h\",")"},
      {"control", R"("tab\tnl\ncr\r\u0001\u001f")"},
      {"empty_arr", "[]"},
      {"empty_obj", "{}"},
      {"empty_str", R"("")"},
      {"escapes", R"("quote \" backslash \\ slash \/ solidus")"},
      {"float", "-12.5e-3"},
      {"int", "42"},
      {"key with \"quotes\" and \\ and \n", "1"},
      {"nested", R"({"a":[1,{"b":null,"c":"x,y:}"}],"d":{"e":[[],{}]}})"},
      {"null", "null"},
      {"big", "123456789012345678901234567890"},  // beyond 64 bits: kept as text
      {"neg_zero", "-0"},
      {"exp", "1E+400"},
      {"unicode_escaped", R"("\u00e9\ud83d\ude00")"},
      {"unicode_raw", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\""},
      {"\xc3\xa9t\xc3\xa9", "\"key in utf-8\""},
  };
  const std::string body = SerializeFields(fields);
  std::map<std::string, std::string> parsed;
  ASSERT_TRUE(ParseFields(body, parsed)) << body;
  EXPECT_EQ(parsed, fields);
  EXPECT_EQ(SerializeFields(parsed), body);
}

TEST(ParseFieldsTest, EmptyObject) {
  std::map<std::string, std::string> out{{"stale", "1"}};
  ASSERT_TRUE(ParseFields("{}", out));
  EXPECT_TRUE(out.empty());
}

TEST(ParseFieldsTest, TrimsWhitespaceAroundValues) {
  std::map<std::string, std::string> out;
  ASSERT_TRUE(ParseFields(" { \"a\" : 1 , \"b\" : [ 1 ] ,\n\"c\":\"x\"\t}\n", out));
  EXPECT_EQ(out, (std::map<std::string, std::string>{{"a", "1"}, {"b", "[ 1 ]"}, {"c", "\"x\""}}));
}

TEST(ParseFieldsTest, RejectsAnythingButAValidObject) {
  for (const char* bad : {
           "",
           "   ",
           "null",
           "[]",
           "[{\"a\":1}]",
           "\"text\"",
           "42",
           "{",
           "{\"a\":1",
           "{\"a\":}",
           "{\"a\" 1}",
           "{a:1}",
           "{\"a\":1,}",
           "{\"a\":1} trailing",
           "{\"a\":1}{\"b\":2}",
           "{\"a\":tru}",      // bad literal
           "{\"a\":[1,tru]}",  // bad literal nested in an array
           "{\"a\":[1 2]}",
           "{\"a\":[1,]}",
           "{\"a\":1.}",
           "{\"a\":-}",
           "{\"a\":+1}",
           "{\"a\":.5}",
           "{\"a\":\"raw\x01control\"}",
           "{\"a\":\"\\u12\"}",   // short unicode escape
           "{\"a\":{\"b\":01}}",  // bad number nested in an object
           "{\"a\":\"\\x\"}",     // bad escape
           "{\"a\":\"\xff\"}",    // invalid UTF-8
           "{\"a\":1,\"a\":2}",   // duplicate field
       }) {
    std::map<std::string, std::string> out{{"stale", "1"}};
    EXPECT_FALSE(ParseFields(bad, out)) << bad;
    EXPECT_TRUE(out.empty()) << bad;
  }
}

// The change sequence (ce_id input): counts a record's changes across updates, deletion and
// re-creation, so a change whose content repeats an earlier one is still a change of its own.
TEST(DifferTest, SequenceCountsChangesAcrossDeletionAndRecreation) {
  const Record first = Candidate(kBase);
  auto created = Diff(first, std::nullopt);
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->sequence, 1u);
  EXPECT_EQ(created->new_state.sequence, 1u);

  StoredRecord stored = created->new_state;
  auto moved = kBase;
  moved["stage"] = "\"Interview\"";
  auto updated = Diff(Candidate(moved), stored);
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->sequence, 2u);
  EXPECT_EQ(updated->new_state.sequence, 2u);

  stored = updated->new_state;
  const Change deleted = Deleted(Entity::kCandidate, "c1", stored);
  EXPECT_EQ(deleted.sequence, 3u);

  // Re-created exactly as first seen: the content (and so the hashes) repeat the creation, the
  // sequence does not — it continues from the tombstone's.
  auto recreated = Diff(first, std::nullopt, deleted.sequence);
  ASSERT_TRUE(recreated.has_value());
  EXPECT_EQ(recreated->type, ChangeType::kCreated);
  EXPECT_EQ(recreated->new_hash, created->new_hash);
  EXPECT_EQ(recreated->sequence, 4u);
  EXPECT_EQ(recreated->new_state.sequence, 4u);

  // A record an earlier build stored (no sequence: 0) counts on from there.
  StoredRecord legacy = StateOf(first);
  legacy.sequence = 0;
  auto legacy_update = Diff(Candidate(moved), legacy);
  ASSERT_TRUE(legacy_update.has_value());
  EXPECT_EQ(legacy_update->sequence, 1u);
  // The tombstone is ignored when a live record is stored.
  auto with_both = Diff(first, stored, 99);
  ASSERT_TRUE(with_both.has_value());
  EXPECT_EQ(with_both->sequence, 3u);
}

// A deleted change carries the last stored state: fields, parent and source time.
TEST(DifferTest, DeletedCarriesTheLastStoredState) {
  const Record r = Candidate(kBase);
  StoredRecord stored = StateOf(r);
  stored.sequence = 5;
  const Change d = Deleted(Entity::kCandidate, "c1", stored);
  EXPECT_EQ(d.type, ChangeType::kDeleted);
  EXPECT_EQ(d.fields, kBase);
  EXPECT_EQ(d.parent_id, "JOB1");
  EXPECT_EQ(d.updated_at, r.updated_at);
  EXPECT_EQ(d.old_hash, stored.hash);
  EXPECT_EQ(d.sequence, 6u);
}

}  // namespace
}  // namespace ats::snapshot
