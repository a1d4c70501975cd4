// Event identity and the current-state topics, against the simulated Workable tenant over
// loopback HTTP, Kafka (mock cluster, or a real one in the kafka-real tier) and RocksDB on disk:
// - a candidate deleted and re-created with identical content makes three events with three
//   distinct ce_ids, and a replay after a crash before the snapshot commit repeats the same ids;
// - a deleted event carries the candidate's last published state;
// - the state topics hold every tracked record's current state (jobs too, also when a change
//   publishes no event) and a tombstone once it is gone.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "connectors/registry.hpp"
#include "sim/workable_tenant.hpp"
#include "support/pipeline_harness.hpp"

namespace ats {
namespace {

using testing::Event;

// The snapshot as the worker sees it, except that a commit matching `crash_on` fails as if the
// process died just before it: what was published stays published, the snapshot does not move.
class CrashBeforeCommit : public snapshot::SnapshotStore {
 public:
  CrashBeforeCommit(snapshot::SnapshotStore& inner, std::function<bool(const snapshot::Batch&)> crash_on)
      : inner_(inner), crash_on_(std::move(crash_on)) {}
  Result<std::optional<snapshot::StoredRecord>> Get(const snapshot::Key& key) override {
    return inner_.Get(key);
  }
  Result<void> ForEach(
      std::string_view connection, Entity entity,
      const std::function<bool(std::string_view, const snapshot::StoredRecord&)>& fn) override {
    return inner_.ForEach(connection, entity, fn);
  }
  Result<size_t> Count(std::string_view connection, Entity entity) override {
    return inner_.Count(connection, entity);
  }
  Result<std::optional<std::string>> GetMeta(std::string_view key) override { return inner_.GetMeta(key); }
  Result<void> Commit(const snapshot::Batch& batch) override {
    if (crash_on_(batch)) {
      ++crashes;
      return Error::Retryable(ErrorCategory::kSnapshot, "simulated crash before the snapshot commit");
    }
    return inner_.Commit(batch);
  }
  int crashes = 0;

 private:
  snapshot::SnapshotStore& inner_;
  std::function<bool(const snapshot::Batch&)> crash_on_;
};

// The `name` member of a JSON object, minified ("" when absent).
std::string Member(const std::string& json, const char* name) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) return "";
  simdjson::dom::element member;
  if (doc[name].get(member)) return "";
  return simdjson::minify(member);
}

class EventIdentityTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions options;
    options.jobs = 3;
    options.candidates_per_job = 4;
    options.rate_limit_requests = 0;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
    const config::TopicsConfig defaults;
    ASSERT_NO_FATAL_FAILURE(StartKafka(
        {defaults.candidate_changed, defaults.job_imported, defaults.candidates_state, defaults.jobs_state}));
    connection_ = testing::WorkableConnection("acme", tenant_->base_url(), options.token);
    connection_.full_reconcile_interval_s = 0;  // every cycle a full listing: deletions are seen
    connection_.job_states = {"published", "closed"};
    OpenWorker();
  }

  // A worker on the same snapshot whose commits matching `crash_on` fail (the harness's worker
  // is replaced; OpenWorker() brings back a plain one, as a restart would).
  void OpenCrashingWorker(std::function<bool(const snapshot::Batch&)> crash_on) {
    worker_.reset();
    crashing_ = std::make_unique<CrashBeforeCommit>(*store_, std::move(crash_on));
    auto source = connectors::CreateSource(connection_);
    ASSERT_TRUE(source.ok()) << source.error().message;
    worker_ = std::make_unique<runtime::SyncWorker>(
        connection_, std::move(source).value(),
        runtime::WorkerDeps{*crashing_, *publisher_, metrics_, status_, stop_, topics_});
  }

  // Events and state records of one candidate, in the order consumed (one key: one partition).
  static std::vector<Event> Of(const std::vector<Event>& events, const std::string& topic,
                               const std::string& key) {
    std::vector<Event> out;
    for (const auto& e : events)
      if (e.topic == topic && e.key == key) out.push_back(e);
    return out;
  }

  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::unique_ptr<CrashBeforeCommit> crashing_;
};

bool DeletesLive(const snapshot::Batch& batch, const std::string& id) {
  for (const auto& key : batch.deletes())
    if (key.connection == "acme" && key.entity == Entity::kCandidate && key.id == id) return true;
  return false;
}

bool PutsLive(const snapshot::Batch& batch, const std::string& id) {
  for (const auto& [key, record] : batch.puts())
    if (key.connection == "acme" && key.entity == Entity::kCandidate && key.id == id) return true;
  return false;
}

TEST_F(EventIdentityTest, RecreatedCandidateGetsItsOwnCeIdAndReplaysKeepTheirs) {
  ASSERT_TRUE(worker_->RunCycle().ok());
  auto first = Consume();
  ExpectValid(first);
  std::string id;
  for (const auto& e : first)
    if (e.topic == topics_.candidate_changed && e.change == "created") id = e.candidate_id;
  ASSERT_FALSE(id.empty());
  const std::string key = "acme/" + id;
  const auto created = Of(first, topics_.candidate_changed, key);
  ASSERT_EQ(created.size(), 1u);
  const std::string last_state = Member(created[0].value, "candidate");
  ASSERT_FALSE(last_state.empty());
  const auto state = Of(first, topics_.candidates_state, key);
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].value, last_state);
  EXPECT_EQ(state[0].headers.count("ce_id"), 0u);
  EXPECT_EQ(state[0].headers.at("content-type"), "application/json");

  // --- deleted; the process dies after Kafka acknowledged the event, before the commit
  ASSERT_TRUE(tenant_->DeleteCandidate(id));
  ASSERT_NO_FATAL_FAILURE(OpenCrashingWorker([&](const snapshot::Batch& b) { return DeletesLive(b, id); }));
  auto crashed = worker_->RunCycle();
  ASSERT_FALSE(crashed.ok());
  EXPECT_EQ(crashing_->crashes, 1);
  auto before_crash = Consume();
  const auto deleted = Of(before_crash, topics_.candidate_changed, key);
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].change, "deleted");
  // The deleted event carries the last published state: exactly the created event's candidate.
  EXPECT_EQ(Member(deleted[0].value, "candidate"), last_state);
  EXPECT_EQ(Member(deleted[0].value, "job_id"), Member(created[0].value, "job_id"));
  EXPECT_EQ(Member(deleted[0].value, "stage"), Member(created[0].value, "stage"));
  auto tombstones = Of(before_crash, topics_.candidates_state, key);
  ASSERT_EQ(tombstones.size(), 1u);
  EXPECT_TRUE(tombstones[0].null_value);

  // The restart re-derives the deletion from the unchanged snapshot: the same ce_id.
  OpenWorker();
  ASSERT_TRUE(worker_->RunCycle().ok());
  auto replayed = Consume();
  const auto deleted_again = Of(replayed, topics_.candidate_changed, key);
  ASSERT_EQ(deleted_again.size(), 1u);
  EXPECT_EQ(deleted_again[0].ce_id, deleted[0].ce_id);
  EXPECT_EQ(deleted_again[0].value.substr(0, deleted_again[0].value.find("\"detected_at\"")),
            deleted[0].value.substr(0, deleted[0].value.find("\"detected_at\"")));
  ASSERT_EQ(Of(replayed, topics_.candidates_state, key).size(), 1u);
  EXPECT_TRUE(Of(replayed, topics_.candidates_state, key)[0].null_value);

  // --- re-created with identical content (restored, same updated_at); again a crash first
  ASSERT_TRUE(tenant_->RestoreCandidate(id));
  ASSERT_NO_FATAL_FAILURE(OpenCrashingWorker([&](const snapshot::Batch& b) { return PutsLive(b, id); }));
  ASSERT_FALSE(worker_->RunCycle().ok());
  EXPECT_EQ(crashing_->crashes, 1);
  auto recreated_events = Consume();
  const auto recreated = Of(recreated_events, topics_.candidate_changed, key);
  ASSERT_EQ(recreated.size(), 1u);
  EXPECT_EQ(recreated[0].change, "created");
  EXPECT_EQ(Member(recreated[0].value, "candidate"), last_state)
      << "the content should repeat the first creation";
  OpenWorker();
  ASSERT_TRUE(worker_->RunCycle().ok());
  auto replayed_creation = Consume();
  const auto recreated_again = Of(replayed_creation, topics_.candidate_changed, key);
  ASSERT_EQ(recreated_again.size(), 1u);
  EXPECT_EQ(recreated_again[0].ce_id, recreated[0].ce_id);
  ASSERT_EQ(Of(replayed_creation, topics_.candidates_state, key).size(), 1u);
  EXPECT_EQ(Of(replayed_creation, topics_.candidates_state, key)[0].value, last_state);

  // Three changes, three ids; each replay repeated its change's id.
  const std::set<std::string> ids = {created[0].ce_id, deleted[0].ce_id, recreated[0].ce_id};
  EXPECT_EQ(ids.size(), 3u);

  // Settled: nothing more for it. Deleted once more, the count goes on (a fourth id).
  ASSERT_TRUE(worker_->RunCycle().ok());
  EXPECT_TRUE(
      Of(Consume(std::chrono::milliseconds(1500), std::chrono::seconds(3)), topics_.candidate_changed, key)
          .empty());
  ASSERT_TRUE(tenant_->DeleteCandidate(id));
  ASSERT_TRUE(worker_->RunCycle().ok());
  const auto deleted_twice = Of(Consume(), topics_.candidate_changed, key);
  ASSERT_EQ(deleted_twice.size(), 1u);
  EXPECT_EQ(deleted_twice[0].change, "deleted");
  EXPECT_EQ(ids.count(deleted_twice[0].ce_id), 0u);

  ExpectValid(before_crash);
  ExpectValid(replayed);
  ExpectValid(recreated_events);
  ExpectValid(replayed_creation);
}

// The state topics as a table: the last value per key is every live record's current state
// (the same object its events carry), deleted records are tombstoned, and job changes that
// publish no event still reach the jobs' state topic.
TEST_F(EventIdentityTest, StateTopicsHoldTheCurrentStateOfEveryTrackedRecord) {
  ASSERT_TRUE(worker_->RunCycle().ok());
  std::vector<Event> all = Consume();
  std::set<std::string> selected_jobs, published_jobs;
  for (const auto& j : tenant_->jobs()) {
    if (j.state == "published") published_jobs.insert(j.shortcode);
    if (j.state == "published" || j.state == "closed") selected_jobs.insert(j.shortcode);
  }
  ASSERT_FALSE(published_jobs.empty());
  const std::string job = *published_jobs.begin();
  std::vector<sim::SimCandidate> of_job;
  for (const auto& c : tenant_->candidates())
    if (c.job_shortcode == job) of_job.push_back(c);
  ASSERT_GE(of_job.size(), 2u);
  ASSERT_TRUE(tenant_->MoveCandidate(of_job[0].id, "interview"));
  ASSERT_TRUE(tenant_->DeleteCandidate(of_job[1].id));
  ASSERT_TRUE(tenant_->SetJobState(job, "closed"));  // still selected (job_states): an update, no event
  ASSERT_TRUE(worker_->RunCycle().ok());
  auto second = Consume();
  for (const auto& e : second)
    EXPECT_NE(e.topic == topics_.job_imported ? e.job_id : "", job) << "a job update makes no job-imported";
  all.insert(all.end(), second.begin(), second.end());
  ExpectValid(all);

  // Read the state topics as a table: the last value per key, a tombstone removes the key.
  std::map<std::string, std::string> candidates, jobs;
  std::map<std::string, std::string> last_event;  // candidate key -> `candidate` of its last event
  for (const auto& e : all) {
    if (e.topic == topics_.candidates_state || e.topic == topics_.jobs_state) {
      auto& table = e.topic == topics_.jobs_state ? jobs : candidates;
      if (e.null_value) {
        table.erase(e.key);
      } else {
        table[e.key] = e.value;
      }
    } else if (e.topic == topics_.candidate_changed && e.change != "deleted") {
      last_event[e.key] = Member(e.value, "candidate");
    }
  }
  std::map<std::string, std::string> expected_candidates;
  for (const auto& c : tenant_->candidates())
    if (selected_jobs.count(c.job_shortcode))
      expected_candidates["acme/" + c.id] = last_event["acme/" + c.id];
  EXPECT_EQ(candidates, expected_candidates);
  EXPECT_EQ(candidates.count("acme/" + of_job[1].id), 0u);
  EXPECT_EQ(Member(candidates["acme/" + of_job[0].id], "stage_kind"), "\"interview\"");

  std::set<std::string> job_keys;
  for (const auto& [k, value] : jobs) job_keys.insert(k);
  std::set<std::string> expected_jobs;
  for (const auto& j : selected_jobs) expected_jobs.insert("acme/" + j);
  EXPECT_EQ(job_keys, expected_jobs);
  EXPECT_EQ(Member(jobs["acme/" + job], "state"), "\"closed\"");
}

// publish: triggers_only tells downstream only about follow-ups, but the state topic is the
// full current state: it carries every change regardless.
TEST_F(EventIdentityTest, TriggersOnlyStillKeepsTheStateTopicsComplete) {
  connection_.publish = "triggers_only";
  connection_.trigger_stages = {"offer"};
  OpenWorker();
  ASSERT_TRUE(worker_->RunCycle().ok());
  auto events = Consume();
  size_t state_records = 0;
  for (const auto& e : events) {
    if (e.topic == topics_.candidate_changed) {
      EXPECT_EQ(testing::JsonField(e.value, "follow_up"), "true");
    }
    if (e.topic == topics_.candidates_state) ++state_records;
  }
  size_t expected = 0;
  for (const auto& c : tenant_->candidates())
    for (const auto& j : tenant_->jobs())
      if (j.shortcode == c.job_shortcode && (j.state == "published" || j.state == "closed")) ++expected;
  EXPECT_EQ(state_records, expected);
  ExpectValid(events);
}

}  // namespace
}  // namespace ats
