#include "events/events.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "support/test_support.hpp"

namespace ats::events {
namespace {

using snapshot::Change;
using snapshot::ChangeType;

Context Ctx() {
  return Context{"acme-workable", "workable", ParseRfc3339("2026-07-23T19:00:02.417Z").value()};
}

Change UpdatedCandidate() {
  Change c;
  c.type = ChangeType::kUpdated;
  c.entity = Entity::kCandidate;
  c.id = "272702e9";
  c.parent_id = "B3627BCF5D";
  c.updated_at = "2026-07-23T20:58:18+02:00";
  c.fields = {{"id", R"("272702e9")"},
              {"name", R"("Cindy Sawyers")"},
              {"email", R"("cindy_sawyers@samplecandidate.com")"},
              {"stage", R"("Phone Screen")"},
              {"stage_kind", R"("phone-screen")"},
              {"disqualified", "false"},
              {"hired_at", "null"},
              {"created_at", R"("2026-04-21T05:54:46Z")"},
              {"updated_at", R"("2026-07-23T18:58:18Z")"}};
  c.changed_fields = {"stage", "stage_kind"};
  c.previous = {{"stage", R"("Applied")"}, {"stage_kind", R"("applied")"}};
  c.old_hash = 0x1111;
  c.new_hash = 0x2222;
  return c;
}

Change CreatedJob() {
  Change c;
  c.type = ChangeType::kCreated;
  c.entity = Entity::kJob;
  c.id = "9CD658E13E";
  c.updated_at = "2026-07-22T14:05:41Z";
  c.fields = {{"id", R"("61884e2")"},
              {"shortcode", R"("9CD658E13E")"},
              {"title", R"("Senior Backend Engineer")"},
              {"state", R"("published")"},
              {"department", "null"},
              {"location", R"({"city":"Athens","country_code":"GR","telecommuting":false})"}};
  c.new_hash = 0x3333;
  return c;
}

// The job of CreatedJob after it closed.
Change ClosedJob() {
  Change c = CreatedJob();
  c.type = ChangeType::kUpdated;
  c.fields["state"] = R"("closed")";
  c.changed_fields = {"state"};
  c.previous = {{"state", R"("published")"}};
  c.old_hash = 0x3333;
  c.new_hash = 0x4444;
  return c;
}

std::map<std::string, std::string> HeaderMap(const Message& m) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : m.headers) {
    EXPECT_FALSE(out.contains(k)) << "duplicate header " << k;
    out[k] = v;
  }
  return out;
}

bool IsLowerHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A parsed event value; the parser must outlive the element.
struct Parsed {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  explicit Parsed(const std::string& json) {
    auto r = parser.parse(json);
    EXPECT_EQ(r.error(), simdjson::SUCCESS) << json;
    if (r.error() == simdjson::SUCCESS) root = r.value();
  }
  std::string Str(std::string_view pointer) {
    std::string_view v;
    EXPECT_EQ(root.at_pointer(pointer).get(v), simdjson::SUCCESS) << pointer;
    return std::string(v);
  }
  bool IsNull(std::string_view pointer) { return root.at_pointer(pointer).is_null(); }
  size_t Size(std::string_view pointer) {
    auto e = root.at_pointer(pointer);
    if (e.is_array()) return e.get_array().size();
    if (e.is_object()) return e.get_object().size();
    ADD_FAILURE() << pointer << " is neither array nor object";
    return 0;
  }
  std::vector<std::string> Keys() {
    std::vector<std::string> keys;
    simdjson::dom::object obj;
    EXPECT_EQ(root.get(obj), simdjson::SUCCESS);
    for (auto field : obj) keys.emplace_back(field.key);
    return keys;
  }
};

std::string Compact(std::string json) {
  // JSON strings cannot hold raw newlines, so this keeps the document intact.
  for (char& c : json)
    if (c == '\n' || c == '\r') c = ' ';
  return json;
}

TEST(EventsTest, CandidateChangedHeadersAndKey) {
  const Change c = UpdatedCandidate();
  const Message m = CandidateChanged(Ctx(), c, true, "ats.candidates");
  EXPECT_EQ(m.topic, "ats.candidates");
  EXPECT_EQ(m.key, "acme-workable/272702e9");
  const auto h = HeaderMap(m);
  EXPECT_EQ(h.size(), 7u);
  EXPECT_EQ(h.at("ce_specversion"), "1.0");
  EXPECT_EQ(h.at("ce_type"), "com.ats-connector.candidate-changed.v1");
  EXPECT_EQ(h.at("ce_source"), "/ats-connector/workable/acme-workable");
  EXPECT_EQ(h.at("ce_time"), "2026-07-23T19:00:02.417Z");
  EXPECT_EQ(h.at("ce_subject"), "272702e9");
  EXPECT_EQ(h.at("content-type"), "application/json");
  EXPECT_EQ(h.at("ce_id"), EventId(Ctx(), c));
  EXPECT_EQ(h.at("ce_id").size(), 32u);
  EXPECT_TRUE(IsLowerHex(h.at("ce_id"))) << h.at("ce_id");
}

TEST(EventsTest, EventIdIsDeterministicAndCoversEveryIdentityPart) {
  const Change c = UpdatedCandidate();
  const std::string id = EventId(Ctx(), c);
  EXPECT_EQ(EventId(Ctx(), UpdatedCandidate()), id);
  // detected_at and non-identity content do not matter: a replay gets the same id.
  Context later = Ctx();
  later.detected_at += std::chrono::hours(5);
  EXPECT_EQ(EventId(later, c), id);
  EXPECT_EQ(HeaderMap(CandidateChanged(later, c, false, "t")).at("ce_id"), id);

  std::vector<Change> variants(6, c);
  variants[0].new_hash = 0x2223;
  variants[1].old_hash = 0x1112;
  variants[2].id = "272702e8";
  variants[3].type = ChangeType::kCreated;
  variants[4].entity = Entity::kJob;
  variants[5].type = ChangeType::kDeleted;
  std::set<std::string> ids = {id};
  for (const auto& v : variants) ids.insert(EventId(Ctx(), v));
  EXPECT_EQ(ids.size(), 7u);
  Context other = Ctx();
  other.connection = "acme-workable-2";
  EXPECT_NE(EventId(other, c), id);
}

TEST(EventsTest, EventIdSeparatorsAreUnambiguous) {
  Change a = UpdatedCandidate();
  Change b = a;
  Context ca = Ctx(), cb = Ctx();
  ca.connection = "ab";
  a.id = "c";
  cb.connection = "a";
  b.id = "bc";
  EXPECT_NE(EventId(ca, a), EventId(cb, b));
}

TEST(EventsTest, CandidateChangedValueHasExactlyTheSchemaKeys) {
  const Message m = CandidateChanged(Ctx(), UpdatedCandidate(), true, "t");
  Parsed p(m.value);
  EXPECT_EQ(p.Keys(), (std::vector<std::string>{"connection", "source", "change", "candidate_id", "job_id",
                                                "follow_up", "candidate", "withheld_fields", "changed_fields",
                                                "previous", "source_updated_at", "detected_at"}));
  EXPECT_EQ(p.Str("/connection"), "acme-workable");
  EXPECT_EQ(p.Str("/source"), "workable");
  EXPECT_EQ(p.Str("/change"), "updated");
  EXPECT_EQ(p.Str("/candidate_id"), "272702e9");
  EXPECT_EQ(p.Str("/job_id"), "B3627BCF5D");
  bool follow_up = false;
  ASSERT_EQ(p.root.at_pointer("/follow_up").get(follow_up), simdjson::SUCCESS);
  EXPECT_TRUE(follow_up);
  EXPECT_EQ(p.Str("/candidate/stage"), "Phone Screen");
  EXPECT_TRUE(p.IsNull("/candidate/hired_at"));  // raw JSON values pass through
  EXPECT_EQ(p.Size("/candidate"), 9u);
  EXPECT_EQ(p.Size("/changed_fields"), 2u);
  EXPECT_EQ(p.Str("/changed_fields/0"), "stage");
  EXPECT_EQ(p.Str("/previous/stage"), "Applied");
  EXPECT_EQ(p.Str("/source_updated_at"), "2026-07-23T18:58:18Z");  // normalised to UTC
  EXPECT_EQ(p.Str("/detected_at"), "2026-07-23T19:00:02.417Z");
}

TEST(EventsTest, CreatedAndDeletedCarryNoDiffAndNullsWhereUnknown) {
  for (ChangeType type : {ChangeType::kCreated, ChangeType::kDeleted}) {
    Change c = UpdatedCandidate();
    c.type = type;
    c.parent_id.clear();
    c.updated_at.clear();
    c.fields.erase("id");  // the id still reaches the candidate object
    const Message m = CandidateChanged(Ctx(), c, false, "t");
    Parsed p(m.value);
    EXPECT_EQ(p.Str("/change"), type == ChangeType::kCreated ? "created" : "deleted");
    EXPECT_TRUE(p.IsNull("/job_id"));
    EXPECT_TRUE(p.IsNull("/source_updated_at"));
    EXPECT_EQ(p.Str("/candidate/id"), "272702e9");
    EXPECT_EQ(p.Str("/candidate/name"), "Cindy Sawyers");
    EXPECT_EQ(p.Size("/changed_fields"), 0u);
    EXPECT_EQ(p.Size("/previous"), 0u);
  }
}

TEST(EventsTest, UnparseableSourceTimeBecomesNullAndFractionsAreKept) {
  Change c = UpdatedCandidate();
  c.updated_at = "yesterday";
  EXPECT_TRUE(Parsed(CandidateChanged(Ctx(), c, false, "t").value).IsNull("/source_updated_at"));
  c.updated_at = "2026-07-23T18:58:18.250Z";
  EXPECT_EQ(Parsed(CandidateChanged(Ctx(), c, false, "t").value).Str("/source_updated_at"),
            "2026-07-23T18:58:18.250Z");
}

TEST(EventsTest, JobImportedHeadersKeyAndValue) {
  const Change c = CreatedJob();
  const Message m = JobImported(Ctx(), c, "ats.jobs");
  EXPECT_EQ(m.topic, "ats.jobs");
  EXPECT_EQ(m.key, "acme-workable/9CD658E13E");
  const auto h = HeaderMap(m);
  EXPECT_EQ(h.at("ce_type"), "com.ats-connector.job-imported.v1");
  EXPECT_EQ(h.at("ce_subject"), "9CD658E13E");
  EXPECT_EQ(h.at("ce_id"), EventId(Ctx(), c));
  EXPECT_EQ(h.at("ce_specversion"), "1.0");
  EXPECT_EQ(h.at("content-type"), "application/json");
  Parsed p(m.value);
  EXPECT_EQ(p.Keys(), (std::vector<std::string>{"connection", "source", "job_id", "job", "withheld_fields",
                                                "source_updated_at", "detected_at"}));
  EXPECT_EQ(p.Str("/job_id"), "9CD658E13E");
  EXPECT_EQ(p.Str("/job/id"), "61884e2");
  EXPECT_EQ(p.Str("/job/location/city"), "Athens");
  EXPECT_EQ(p.Str("/source_updated_at"), "2026-07-22T14:05:41Z");
}

TEST(EventsTest, JobChangedHeadersKeyAndValue) {
  const Change c = ClosedJob();
  const Message m = JobChanged(Ctx(), c, {JobChange::kClosed, "closed", "published"}, "ats.job-changes");
  EXPECT_EQ(m.topic, "ats.job-changes");
  EXPECT_EQ(m.key, "acme-workable/9CD658E13E");
  const auto h = HeaderMap(m);
  EXPECT_EQ(h.at("ce_type"), "com.ats-connector.job-changed.v1");
  EXPECT_EQ(h.at("ce_subject"), "9CD658E13E");
  EXPECT_EQ(h.at("ce_id"), EventId(Ctx(), c));
  EXPECT_NE(h.at("ce_id"), EventId(Ctx(), CreatedJob())) << "the import and the change are two events";
  Parsed p(m.value);
  EXPECT_EQ(p.Keys(), (std::vector<std::string>{"connection", "source", "change", "job_id", "state", "previous_state",
                                                "job", "withheld_fields", "changed_fields", "previous",
                                                "source_updated_at", "detected_at"}));
  EXPECT_EQ(p.Size("/withheld_fields"), 0u);
  EXPECT_EQ(p.Str("/change"), "closed");
  EXPECT_EQ(p.Str("/state"), "closed");
  EXPECT_EQ(p.Str("/previous_state"), "published");
  EXPECT_EQ(p.Str("/job/state"), "closed");
  EXPECT_EQ(p.Size("/changed_fields"), 1u);
  EXPECT_EQ(p.Str("/previous/state"), "published");
  // Left the selection: the last known job, nothing changed, no state known -> nulls.
  Change left = ClosedJob();
  left.type = ChangeType::kDeleted;
  left.updated_at.clear();
  Parsed l(JobChanged(Ctx(), left, {JobChange::kLeftSelection, std::nullopt, std::nullopt}, "t").value);
  EXPECT_EQ(l.Str("/change"), "left_selection");
  EXPECT_TRUE(l.IsNull("/state"));
  EXPECT_TRUE(l.IsNull("/source_updated_at"));
  EXPECT_EQ(l.Size("/changed_fields"), 0u);
  EXPECT_EQ(l.Size("/previous"), 0u);
  EXPECT_EQ(l.Str("/job/title"), "Senior Backend Engineer");
  // What the field policy withheld from the last state is named.
  left.withheld = {"attributes.gender"};
  Parsed w(JobChanged(Ctx(), left, {JobChange::kLeftSelection, std::nullopt, std::nullopt}, "t").value);
  EXPECT_EQ(w.Size("/withheld_fields"), 1u);
  EXPECT_EQ(w.Str("/withheld_fields/0"), "attributes.gender");
}

TEST(EventsTest, DeadLetterHeadersKeyValueAndId) {
  const RejectedRecord rejected{Entity::kCandidate, R"({"name":"No Id"})", "missing required field 'id'"};
  const Message m = DeadLetter(Ctx(), rejected, "ats.dlq");
  EXPECT_EQ(m.topic, "ats.dlq");
  EXPECT_EQ(m.key, "acme-workable/candidate");
  const auto h = HeaderMap(m);
  EXPECT_EQ(h.at("ce_type"), "com.ats-connector.dead-letter.v1");
  EXPECT_EQ(h.at("ce_source"), "/ats-connector/workable/acme-workable");
  EXPECT_FALSE(h.contains("ce_subject"));
  EXPECT_EQ(h.at("ce_id").size(), 32u);
  EXPECT_EQ(HeaderMap(DeadLetter(Ctx(), rejected, "ats.dlq")).at("ce_id"), h.at("ce_id"));
  RejectedRecord other = rejected;
  other.raw = R"({"name":"Other"})";
  EXPECT_NE(HeaderMap(DeadLetter(Ctx(), other, "ats.dlq")).at("ce_id"), h.at("ce_id"));
  other = rejected;
  other.entity = Entity::kJob;
  EXPECT_NE(HeaderMap(DeadLetter(Ctx(), other, "ats.dlq")).at("ce_id"), h.at("ce_id"));

  Parsed p(m.value);
  EXPECT_EQ(p.Keys(), (std::vector<std::string>{"connection", "source", "entity", "reason", "raw",
                                                "raw_truncated", "withheld_fields", "detected_at"}));
  EXPECT_EQ(p.Str("/entity"), "candidate");
  EXPECT_EQ(p.Str("/reason"), "missing required field 'id'");
  EXPECT_EQ(p.Str("/raw"), rejected.raw);
  bool truncated = true;
  ASSERT_EQ(p.root.at_pointer("/raw_truncated").get(truncated), simdjson::SUCCESS);
  EXPECT_FALSE(truncated);
}

// Raw text withheld by the field policy: the id still tells the records apart (it is derived
// from the record as received), and stays equal for the same record.
TEST(EventsTest, DeadLettersWithWithheldRawKeepDistinctIds) {
  const RejectedRecord first{Entity::kCandidate, "", "not JSON", {"raw"}, "{broken 1"};
  const RejectedRecord second{Entity::kCandidate, "", "not JSON", {"raw"}, "{broken 2"};
  const Message a = DeadLetter(Ctx(), first, "ats.dlq");
  EXPECT_NE(HeaderMap(a).at("ce_id"), HeaderMap(DeadLetter(Ctx(), second, "ats.dlq")).at("ce_id"));
  EXPECT_EQ(HeaderMap(a).at("ce_id"), HeaderMap(DeadLetter(Ctx(), first, "ats.dlq")).at("ce_id"));
  EXPECT_EQ(a.value.find("broken"), std::string::npos) << a.value;  // identity is never published
}

TEST(EventsTest, DeadLetterTruncatesHugeRawOnACharacterBoundary) {
  // 65535 ASCII bytes, then a 3-byte character that would straddle the 64 KiB limit.
  std::string raw(65535, 'x');
  raw += "\xE2\x82\xAC";  // U+20AC
  raw += std::string(1000, 'y');
  const Message m = DeadLetter(Ctx(), RejectedRecord{Entity::kJob, raw, "bad"}, "t");
  Parsed p(m.value);  // simdjson rejects invalid UTF-8, so parsing proves the cut is clean
  const std::string got = p.Str("/raw");
  EXPECT_EQ(got, std::string(65535, 'x'));
  bool truncated = false;
  ASSERT_EQ(p.root.at_pointer("/raw_truncated").get(truncated), simdjson::SUCCESS);
  EXPECT_TRUE(truncated);
  EXPECT_NE(p.Str("/reason").find("truncated from 66538 to 65535 bytes"), std::string::npos)
      << p.Str("/reason");
  EXPECT_EQ(p.Str("/entity"), "job");
}

TEST(EventsTest, DeadLetterReplacesInvalidUtf8) {
  const std::string raw = std::string("{\"name\":\"caf") + "\xE9" + "\"}";  // Latin-1 é
  const Message m = DeadLetter(Ctx(), RejectedRecord{Entity::kCandidate, raw, "not UTF-8"}, "t");
  Parsed p(m.value);
  EXPECT_EQ(p.Str("/raw"), "{\"name\":\"caf\xEF\xBF\xBD\"}");
}

TEST(EventsTest, DeadLetterKeepsBytesThatAreNotUtf8AsBase64) {
  const std::string raw = std::string("{\"name\":\"caf") + "\xE9" + "\"}";  // Latin-1 é
  Parsed p(DeadLetter(Ctx(), RejectedRecord{Entity::kCandidate, raw, "not UTF-8"}, "t").value);
  EXPECT_EQ(p.Str("/raw_base64"), "eyJuYW1lIjoiY2Fm6SJ9");  // base64 of the bytes as received
  // Valid UTF-8 needs no copy.
  Parsed valid(DeadLetter(Ctx(), RejectedRecord{Entity::kCandidate, "{}", "bad"}, "t").value);
  EXPECT_EQ(valid.root.at_pointer("/raw_base64").error(), simdjson::NO_SUCH_FIELD);
}

TEST(EventsTest, SourceAndConnectionArePercentEncodedInCeSource) {
  Context ctx = Ctx();
  ctx.connection = "acme eu/1";
  const auto h = HeaderMap(CandidateChanged(ctx, UpdatedCandidate(), false, "t"));
  EXPECT_EQ(h.at("ce_source"), "/ats-connector/workable/acme%20eu%2F1");
}

// withheld_fields: the names the field policy withheld, as the change / rejected record carries
// them (empty when nothing was withheld), in every event that carries a record.
TEST(EventsTest, WithheldFieldsNameWhatThePolicyKeptOut) {
  Change c = UpdatedCandidate();
  EXPECT_EQ(Parsed(CandidateChanged(Ctx(), c, false, "t").value).Size("/withheld_fields"), 0u);
  c.withheld = {"attributes.Gender", "date_of_birth"};
  Parsed candidate(CandidateChanged(Ctx(), c, false, "t").value);
  ASSERT_EQ(candidate.Size("/withheld_fields"), 2u);
  EXPECT_EQ(candidate.Str("/withheld_fields/0"), "attributes.Gender");
  EXPECT_EQ(candidate.Str("/withheld_fields/1"), "date_of_birth");
  Change job = CreatedJob();
  job.withheld = {"attributes.EEO_Category"};
  EXPECT_EQ(Parsed(JobImported(Ctx(), job, "t").value).Str("/withheld_fields/0"), "attributes.EEO_Category");
  RejectedRecord rejected{Entity::kCandidate, "", "bad", {"raw"}};
  Parsed dead(DeadLetter(Ctx(), rejected, "t").value);
  EXPECT_EQ(dead.Str("/withheld_fields/0"), "raw");
  EXPECT_EQ(dead.Str("/raw"), "");
  std::vector<testing::EventForValidation> events = {
      {"com.ats-connector.candidate-changed.v1", CandidateChanged(Ctx(), c, false, "t").value},
      {"com.ats-connector.job-imported.v1", JobImported(Ctx(), job, "t").value},
      {"com.ats-connector.dead-letter.v1", DeadLetter(Ctx(), rejected, "t").value}};
  EXPECT_EQ(testing::ValidateAgainstSchemas(events), "");
}

TEST(EventsTest, EveryEventTypeValidatesAgainstItsSchema) {
  std::vector<testing::EventForValidation> events;
  auto add = [&](const Message& m) { events.push_back({HeaderMap(m).at("ce_type"), m.value}); };
  for (ChangeType type : {ChangeType::kCreated, ChangeType::kUpdated, ChangeType::kDeleted}) {
    Change c = UpdatedCandidate();
    c.type = type;
    add(CandidateChanged(Ctx(), c, type == ChangeType::kUpdated, "t"));
  }
  Change bare = UpdatedCandidate();
  bare.type = ChangeType::kCreated;
  bare.fields = {{"name", R"("Only Name")"}, {"custom_source_field", R"({"x":[1,2]})"}};
  bare.parent_id.clear();
  bare.updated_at.clear();
  add(CandidateChanged(Ctx(), bare, false, "t"));
  add(JobImported(Ctx(), CreatedJob(), "t"));
  Change job_without_time = CreatedJob();
  job_without_time.updated_at.clear();
  add(JobImported(Ctx(), job_without_time, "t"));
  Change closed = ClosedJob();
  add(JobChanged(Ctx(), closed, {JobChange::kClosed, "closed", "published"}, "t"));
  closed.type = ChangeType::kDeleted;
  closed.updated_at.clear();
  add(JobChanged(Ctx(), closed, {JobChange::kLeftSelection, std::nullopt, std::nullopt}, "t"));
  add(DeadLetter(Ctx(), RejectedRecord{Entity::kCandidate, R"({"name":"x"})", "missing id"}, "t"));
  add(DeadLetter(Ctx(), RejectedRecord{Entity::kJob, std::string(70000, 'z'), "too big"}, "t"));
  EXPECT_EQ(testing::ValidateAgainstSchemas(events), "");
}

TEST(EventsTest, SchemaExamplesAreValid) {
  std::vector<testing::EventForValidation> events;
  for (const std::string name :
       {"candidate-changed.v1", "job-imported.v1", "job-changed.v1", "dead-letter.v1", "connection-status.v1"}) {
    const std::string text =
        testing::ReadFile(testing::SourceDir() + "/schemas/examples/" + name + ".example.json");
    ASSERT_FALSE(text.empty()) << name;
    events.push_back({"com.ats-connector." + name, Compact(text)});
  }
  EXPECT_EQ(testing::ValidateAgainstSchemas(events), "");
}

// Every change of ats.connection-status.v1 as built is valid, keyed by the connection, with
// the failure fields only on failed and counts only on listing_completed.
TEST(EventsTest, ConnectionStatusEventsAreValidAndKeyedByConnection) {
  std::vector<testing::EventForValidation> events;
  for (const std::string change :
       {"created", "updated", "deleted", "paused", "resumed", "active", "failed", "listing_completed"}) {
    ConnectionStatusInfo info;
    info.change = change;
    info.category = "Token Errors";
    info.reason = "401";
    info.fix = "new token";
    info.records = 12;
    info.created = 3;
    const Message m = ConnectionStatus(Ctx(), info, "status-topic");
    EXPECT_EQ(m.topic, "status-topic");
    EXPECT_EQ(m.key, Ctx().connection);
    EXPECT_EQ(m.value.find("Token Errors") != std::string::npos, change == "failed") << m.value;
    EXPECT_EQ(m.value.find("\"counts\"") != std::string::npos, change == "listing_completed") << m.value;
    bool typed = false;
    for (const auto& [k, v] : m.headers) typed |= k == "ce_type" && v == kConnectionStatusType;
    EXPECT_TRUE(typed);
    events.push_back({std::string(kConnectionStatusType), m.value});
  }
  EXPECT_EQ(testing::ValidateAgainstSchemas(events), "");
  events.push_back({std::string(kConnectionStatusType), R"({"connection":"a","source":"workable","change":"failed","at":"2026-07-23T18:58:18.123Z"})"});
  EXPECT_NE(testing::ValidateAgainstSchemas(events), "") << "failed without category/reason/fix must be refused";
}

TEST(EventsTest, ValidatorRejectsBrokenEvents) {
  const Message good = CandidateChanged(Ctx(), UpdatedCandidate(), false, "t");
  const std::string type(kCandidateChangedType);
  ASSERT_EQ(testing::ValidateAgainstSchemas({{type, good.value}}), "");

  std::string missing_change = good.value;
  const std::string change_member = R"("change":"updated",)";
  const size_t pos = missing_change.find(change_member);
  ASSERT_NE(pos, std::string::npos);
  missing_change.erase(pos, change_member.size());
  const std::string report = testing::ValidateAgainstSchemas({{type, missing_change}});
  EXPECT_NE(report.find("'change' is a required property"), std::string::npos) << report;

  // A created event that carries a diff, an unknown top-level key, and a bad enum value.
  const Message created = CandidateChanged(
      Ctx(),
      [] {
        Change c = UpdatedCandidate();
        c.type = ChangeType::kCreated;
        return c;
      }(),
      false, "t");
  std::string with_diff = created.value;
  with_diff.replace(with_diff.find(R"("changed_fields":[])"), 19, R"("changed_fields":["x"])");
  EXPECT_NE(testing::ValidateAgainstSchemas({{type, with_diff}}), "");
  std::string extra = good.value;
  extra.insert(1, R"("unexpected":1,)");
  EXPECT_NE(testing::ValidateAgainstSchemas({{type, extra}}), "");
  std::string bad_enum = good.value;
  bad_enum.replace(bad_enum.find(R"("updated")"), 9, R"("renamed")");
  EXPECT_NE(testing::ValidateAgainstSchemas({{type, bad_enum}}), "");
  std::string bad_time = good.value;
  bad_time.replace(bad_time.find("2026-07-23T19:00:02.417Z"), 24, "23/07/2026 19:00");
  EXPECT_NE(testing::ValidateAgainstSchemas({{type, bad_time}}), "");
}

// ce_id: one change, one id. A replay (the same change derived again) keeps it; any other
// change of the record gets another, even with the same content and type.
TEST(EventsTest, EventIdCoversTheChangeSequence) {
  Change first = UpdatedCandidate();
  first.type = ChangeType::kCreated;
  first.old_hash = 0;
  first.sequence = 1;
  Change replay = first;
  EXPECT_EQ(EventId(Ctx(), first), EventId(Ctx(), replay));
  Change recreated = first;  // deleted (sequence 2), then back with identical content
  recreated.sequence = 3;
  EXPECT_NE(EventId(Ctx(), first), EventId(Ctx(), recreated));
  Change recreated_again = first;
  recreated_again.sequence = 5;
  EXPECT_NE(EventId(Ctx(), recreated), EventId(Ctx(), recreated_again));
  // Deleted twice (after a re-creation) with the same last content: two ids.
  Change deleted = first;
  deleted.type = ChangeType::kDeleted;
  deleted.old_hash = first.new_hash;
  deleted.new_hash = 0;
  deleted.sequence = 2;
  Change deleted_again = deleted;
  deleted_again.sequence = 4;
  EXPECT_NE(EventId(Ctx(), deleted), EventId(Ctx(), deleted_again));
  // The header is the id.
  EXPECT_EQ(HeaderMap(CandidateChanged(Ctx(), recreated, false, "t")).at("ce_id"), EventId(Ctx(), recreated));
}

std::string Sha256Hex(const std::string& input) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

// Sequence 1 hashes exactly what earlier builds hashed (no sequence part): a change replayed
// across the upgrade (a record stored without a sequence) keeps its id. The expected value is
// SHA-256 over the length-prefixed parts of the documented formula (schemas/README.md).
TEST(EventsTest, FirstChangeKeepsTheIdEarlierBuildsGave) {
  Change c = UpdatedCandidate();
  c.sequence = 1;
  const std::string legacy_input = "13:acme-workable;9:candidate;8:272702e9;7:updated;4:4369;4:8738;";
  EXPECT_EQ(EventId(Ctx(), c), Sha256Hex(legacy_input).substr(0, 32));
  c.sequence = 2;
  EXPECT_EQ(EventId(Ctx(), c), Sha256Hex(legacy_input + "1:2;").substr(0, 32));
}

TEST(EventsTest, StateRecordIsTheEventsRecordObjectWithOnlyContentType) {
  const Change c = UpdatedCandidate();
  const Message event = CandidateChanged(Ctx(), c, false, "events");
  const Message state = StateRecord(Ctx(), c, "ats.candidates.state.v1");
  EXPECT_EQ(state.topic, "ats.candidates.state.v1");
  EXPECT_EQ(state.key, event.key);
  EXPECT_FALSE(state.null_value);
  // Exactly the event's `candidate` object.
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(event.value).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(simdjson::minify(doc["candidate"]), state.value);
  ASSERT_EQ(state.headers.size(), 1u);
  EXPECT_EQ(state.headers[0], (std::pair<std::string, std::string>{"content-type", "application/json"}));

  // A job, whose fields keep the numeric id apart from the shortcode key.
  const Message job_state = StateRecord(Ctx(), CreatedJob(), "ats.jobs.state.v1");
  EXPECT_EQ(job_state.key, "acme-workable/9CD658E13E");
  const Message imported = JobImported(Ctx(), CreatedJob(), "t");
  ASSERT_EQ(parser.parse(imported.value).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(simdjson::minify(doc["job"]), job_state.value);

  // A source that keeps the id outside the fields still gets `id`, as in the event.
  Change bare = c;
  bare.fields = {{"name", R"("Only Name")"}};
  EXPECT_EQ(StateRecord(Ctx(), bare, "s").value, R"({"id":"272702e9","name":"Only Name"})");

  EXPECT_EQ(testing::ValidateAgainstSchemas({{"com.ats-connector.candidate-state.v1", state.value},
                                             {"com.ats-connector.candidate-state.v1", StateRecord(Ctx(), bare, "s").value},
                                             {"com.ats-connector.job-state.v1", job_state.value}}),
            "");
  // Not valid: the id is required.
  EXPECT_NE(testing::ValidateAgainstSchemas({{"com.ats-connector.candidate-state.v1", R"({"name":"x"})"}}), "");
}

TEST(EventsTest, DeletionMakesATombstone) {
  Change d = UpdatedCandidate();
  d.type = ChangeType::kDeleted;
  for (const Message& m : {StateRecord(Ctx(), d, "s"), StateTombstone(Ctx(), "272702e9", "s")}) {
    EXPECT_TRUE(m.null_value);
    EXPECT_EQ(m.key, "acme-workable/272702e9");
    EXPECT_EQ(m.topic, "s");
    EXPECT_TRUE(m.value.empty());
    ASSERT_EQ(m.headers.size(), 1u);
    EXPECT_EQ(m.headers[0].first, "content-type");
  }
}

// The state schemas describe exactly the record objects of the event schemas (one copy each,
// kept in step by this test), and their examples are the events' examples' objects.
TEST(EventsTest, StateSchemasMatchTheEventSchemasRecordObjects) {
  simdjson::dom::parser p1, p2;
  for (const auto& [state, event, def] : {std::tuple{"candidate-state.v1", "candidate-changed.v1", "candidate"},
                                          std::tuple{"job-state.v1", "job-imported.v1", "job"}}) {
    const std::string dir = testing::SourceDir() + "/schemas/";
    simdjson::dom::element s, e;
    ASSERT_EQ(p1.parse(testing::ReadFile(dir + state + ".schema.json")).get(s), simdjson::SUCCESS) << state;
    ASSERT_EQ(p2.parse(testing::ReadFile(dir + event + ".schema.json")).get(e), simdjson::SUCCESS) << event;
    for (const char* key : {"properties", "required", "additionalProperties", "type"})
      EXPECT_EQ(simdjson::minify(s[key]), simdjson::minify(e["$defs"][def][key])) << state << " " << key;
    const std::string state_example = testing::ReadFile(dir + "examples/" + state + ".example.json");
    const std::string event_example = testing::ReadFile(dir + "examples/" + event + ".example.json");
    ASSERT_EQ(p1.parse(state_example).get(s), simdjson::SUCCESS);
    ASSERT_EQ(p2.parse(event_example).get(e), simdjson::SUCCESS);
    EXPECT_EQ(simdjson::minify(s), simdjson::minify(e[def])) << state;
    EXPECT_EQ(testing::ValidateAgainstSchemas({{std::string("com.ats-connector.") + state, Compact(state_example)}}), "");
  }
}

}  // namespace
}  // namespace ats::events
