// The whole pipeline with real parts: the simulated Workable tenant over loopback HTTP, the
// embedded Kafka (librdkafka mock cluster) read back by a real consumer, RocksDB on disk, and
// every consumed event validated against schemas/ by python3-jsonschema.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "common/json_writer.hpp"
#include "config/config.hpp"
#include "connectors/registry.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "runtime/publisher.hpp"
#include "runtime/service.hpp"
#include "runtime/sync_worker.hpp"
#include "sim/workable_tenant.hpp"
#include "snapshot/snapshot_store.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

using testing::JsonField;

class PipelineTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions options;
    options.jobs = 6;
    options.candidates_per_job = 30;  // 180 candidates: two pages of 100
    options.rate_limit_requests = 0;  // pacing is tested separately
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
    ASSERT_NO_FATAL_FAILURE(StartKafka());
    connection_ = testing::WorkableConnection("acme", tenant_->base_url(), options.token);
    connection_.trigger_stages = {"phone-screen"};
    OpenWorker();
  }

  std::set<std::string> PublishedJobs() const {
    std::set<std::string> out;
    for (const auto& j : tenant_->jobs())
      if (j.state == "published") out.insert(j.shortcode);
    return out;
  }

  std::unique_ptr<sim::WorkableTenant> tenant_;
};

TEST_F(PipelineTest, FirstSyncThenExactlyTheChangesThenNothingAfterRestart) {
  // --- first sync: one job-imported per selected job, one created per candidate of those jobs
  auto first = worker_->RunCycle();
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto events = Consume();
  const auto jobs = PublishedJobs();
  ASSERT_GE(jobs.size(), 1u);
  ASSERT_LT(jobs.size(), tenant_->jobs().size())
      << "the data set should include unselected (non-published) jobs";
  std::set<std::string> imported, created;
  for (const auto& e : events) {
    if (e.topic == topics_.job_imported) {
      EXPECT_EQ(e.ce_type, "com.ats-connector.job-imported.v1");
      EXPECT_TRUE(imported.insert(e.job_id).second) << "job imported twice: " << e.job_id;
      EXPECT_EQ(e.key, "acme/" + e.job_id);
    } else {
      ASSERT_EQ(e.topic, topics_.candidate_changed);
      EXPECT_EQ(e.change, "created");
      EXPECT_TRUE(created.insert(e.candidate_id).second) << "candidate created twice: " << e.candidate_id;
      EXPECT_EQ(e.key, "acme/" + e.candidate_id);
    }
    EXPECT_EQ(e.headers.at("ce_specversion"), "1.0");
    EXPECT_EQ(e.headers.at("content-type"), "application/json");
    EXPECT_EQ(e.headers.at("ce_source"), "/ats-connector/workable/acme");
    EXPECT_EQ(e.ce_id.size(), 32u);
  }
  EXPECT_EQ(imported, jobs);
  std::set<std::string> expected_candidates;
  for (const auto& c : tenant_->candidates())
    if (jobs.count(c.job_shortcode)) expected_candidates.insert(c.id);
  EXPECT_EQ(created, expected_candidates);
  EXPECT_EQ(first->created, static_cast<long long>(expected_candidates.size()));
  ExpectValid(events);

  // --- mutations: exactly the changed, new and deleted candidates, and the new job
  std::vector<sim::SimCandidate> in_selected;
  for (const auto& c : tenant_->candidates())
    if (jobs.count(c.job_shortcode) && !c.disqualified && c.stage_kind != "interview")
      in_selected.push_back(c);
  ASSERT_GE(in_selected.size(), 3u);
  const auto moved = in_selected[0], disqualified = in_selected[1], removed = in_selected[2];
  ASSERT_TRUE(tenant_->MoveCandidate(moved.id, "interview"));
  ASSERT_TRUE(tenant_->Disqualify(disqualified.id, "Not enough experience"));
  ASSERT_TRUE(tenant_->DeleteCandidate(removed.id));
  const std::string added = tenant_->AddCandidate(*jobs.begin());
  const std::string new_job = tenant_->AddJob("published");
  const std::string new_job_candidate = tenant_->AddCandidate(new_job);

  // An incremental cycle: only what changed since the cursor (and the new job's candidates,
  // backfilled). Deletions cannot show in a listing of changes: they wait for the reconcile.
  auto second = worker_->RunCycle();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->incremental_listings, 1);
  EXPECT_EQ(second->deleted, 0);
  // The full reconcile (forced here by a zero interval) finds the deletion.
  connection_.full_reconcile_interval_s = 0;
  OpenWorker();
  auto reconcile = worker_->RunCycle();
  ASSERT_TRUE(reconcile.ok()) << reconcile.error().message;
  EXPECT_EQ(reconcile->incremental_listings, 0);
  EXPECT_EQ(reconcile->deleted, 1);
  connection_.full_reconcile_interval_s = 6 * 3600;
  OpenWorker();
  events = Consume();
  std::map<std::string, std::string> changes;  // candidate id -> change
  std::set<std::string> imported2;
  for (const auto& e : events) {
    if (e.topic == topics_.job_imported) {
      imported2.insert(e.job_id);
    } else {
      EXPECT_TRUE(changes.emplace(e.candidate_id, e.change).second) << "two events for " << e.candidate_id;
    }
  }
  EXPECT_EQ(imported2, std::set<std::string>{new_job});
  const std::map<std::string, std::string> expected{{moved.id, "updated"},
                                                    {disqualified.id, "updated"},
                                                    {removed.id, "deleted"},
                                                    {added, "created"},
                                                    {new_job_candidate, "created"}};
  EXPECT_EQ(changes, expected);
  for (const auto& e : events) {
    if (e.candidate_id == moved.id) {
      EXPECT_NE(e.value.find("\"changed_fields\":["), std::string::npos);
      EXPECT_NE(e.value.find("\"stage_kind\""), std::string::npos);
      EXPECT_NE(e.value.find("\"previous\":{"), std::string::npos);
      EXPECT_NE(e.value.find(JsonString(moved.stage_kind)), std::string::npos)
          << "previous stage_kind missing";
    }
  }
  ExpectValid(events);

  // --- nothing changed: nothing published
  auto third = worker_->RunCycle();
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_EQ(third->events(), 0);
  EXPECT_TRUE(Consume(1000ms).empty());

  // --- restart (new producer, snapshot reopened from disk): still nothing new
  OpenWorker();
  auto after_restart = worker_->RunCycle();
  ASSERT_TRUE(after_restart.ok()) << after_restart.error().message;
  EXPECT_EQ(after_restart->events(), 0);
  EXPECT_TRUE(Consume(1000ms).empty());
}

TEST_F(PipelineTest, FollowUpWhenACandidateEntersATriggerStage) {
  ASSERT_TRUE(worker_->RunCycle().ok());
  Consume();
  const auto jobs = PublishedJobs();
  std::string target;
  for (const auto& c : tenant_->candidates())
    if (jobs.count(c.job_shortcode) && !c.disqualified && c.stage_kind == "applied") target = c.id;
  ASSERT_FALSE(target.empty());
  ASSERT_TRUE(tenant_->MoveCandidate(target, "phone-screen"));
  ASSERT_TRUE(worker_->RunCycle().ok());
  auto events = Consume();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(JsonField(events[0].value, "follow_up"), "true");
  // Moving on to a non-trigger stage does not ask again.
  ASSERT_TRUE(tenant_->MoveCandidate(target, "interview"));
  ASSERT_TRUE(worker_->RunCycle().ok());
  events = Consume();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(JsonField(events[0].value, "follow_up"), "false");
}

TEST_F(PipelineTest, KafkaOutageNeverAdvancesTheSnapshotAndLosesNothing) {
  OpenWorker(/*delivery_timeout_ms=*/2000);
  ASSERT_NO_FATAL_FAILURE(KafkaDown());
  auto failed = worker_->RunCycle();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().category, ErrorCategory::kKafka);
  EXPECT_TRUE(failed.error().retryable());
  auto count = store_->Count("acme", Entity::kJob);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0u) << "snapshot advanced although Kafka acknowledged nothing";

  ASSERT_NO_FATAL_FAILURE(KafkaUp());
  OpenWorker();
  auto recovered = worker_->RunCycle();
  ASSERT_TRUE(recovered.ok()) << recovered.error().message;
  // Every candidate of a selected job reached Kafka at least once; replays carry the same ce_id.
  // (The consumer reconnects after the outage on its own schedule, so read until complete.)
  const auto jobs = PublishedJobs();
  std::set<std::string> expected;
  for (const auto& c : tenant_->candidates())
    if (jobs.count(c.job_shortcode)) expected.insert(c.id);
  std::map<std::string, std::set<std::string>> ids_by_candidate;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (ids_by_candidate.size() < expected.size() && std::chrono::steady_clock::now() < deadline)
    for (const auto& e : Consume())
      if (e.topic == topics_.candidate_changed) ids_by_candidate[e.candidate_id].insert(e.ce_id);
  for (const auto& id : expected) {
    ASSERT_TRUE(ids_by_candidate.count(id)) << "lost candidate " << id;
    EXPECT_EQ(ids_by_candidate[id].size(), 1u) << "a replay got a different ce_id";
  }
  EXPECT_EQ(ids_by_candidate.size(), expected.size());
}

TEST_F(PipelineTest, BadTokenIsClassifiedAndNothingIsPublished) {
  connection_.workable.api_token = "wrong-token-value-123";
  OpenWorker();
  auto result = worker_->RunCycle();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().category, ErrorCategory::kAuth);
  EXPECT_FALSE(result.error().retryable());
  EXPECT_NE(result.error().message.find("api_token"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find("wrong-token-value-123"), std::string::npos);
  EXPECT_TRUE(Consume(1000ms).empty());
}

TEST_F(PipelineTest, MissingScopeAndWrongSubdomainAreClassified) {
  tenant_->SetFault(sim::Fault::kForbidden);
  auto forbidden = worker_->RunCycle();
  ASSERT_FALSE(forbidden.ok());
  EXPECT_EQ(forbidden.error().category, ErrorCategory::kPermission);
  EXPECT_NE(forbidden.error().message.find("r_candidates"), std::string::npos) << forbidden.error().message;
  tenant_->SetFault(sim::Fault::kNotFound);
  auto not_found = worker_->RunCycle();
  ASSERT_FALSE(not_found.ok());
  EXPECT_EQ(not_found.error().category, ErrorCategory::kNotFound);
  EXPECT_NE(not_found.error().message.find("subdomain"), std::string::npos) << not_found.error().message;
}

TEST_F(PipelineTest, TransientServerErrorsAreRetriedWithinTheCycle) {
  tenant_->SetFault(sim::Fault::kServerError, 2);
  auto result = worker_->RunCycle();
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_GE(result->requests, 5);  // 2 failed + jobs + 2 candidate pages
  EXPECT_GT(result->created, 0);
}

TEST_F(PipelineTest, ForeignPagingUrlIsRefusedAndTheTokenStaysHome) {
  tenant_->SetFault(sim::Fault::kForeignNextUrl);
  auto result = worker_->RunCycle();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().category, ErrorCategory::kUnsafeUrl);
  EXPECT_EQ(result.error().message.find(connection_.workable.api_token), std::string::npos);
}

// A server limit of 2 requests/s against ~7 requests per cycle. With X-Rate-Limit headers the
// connector stops at Remaining=0 and waits for Reset, so no 429 at all even without client
// pacing; without headers it gets 429s and backs off; with client pacing it needs neither.
TEST_F(PipelineTest, RateLimitsAreHonouredWithAndWithoutHeaders) {
  struct Case {
    const char* name;
    bool headers;
    config::RateLimitConfig client;  // requests 0 = no client-side pacing
    bool expect_429;
  };
  const Case cases[] = {{"headers, no client pacing", true, {0, 1}, false},
                        {"no headers, no client pacing", false, {0, 1}, true},
                        {"no headers, client pacing 2 per 2 s", false, {2, 2}, false}};
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    sim::WorkableTenantOptions options;
    options.jobs = 3;
    options.candidates_per_job = 10;
    options.rate_limit_requests = 2;
    options.rate_limit_window_s = 1;
    options.rate_limit_headers = c.headers;
    sim::WorkableTenant limited(options);
    ASSERT_TRUE(limited.Start());
    connection_.id = "limited-" + std::to_string(n++);  // a fresh snapshot namespace per case
    connection_.workable.base_url = limited.base_url();
    connection_.workable.page_size = 5;
    connection_.workable.rate_limit = c.client;
    OpenWorker();
    auto result = worker_->RunCycle();
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_GE(result->requests, 6);
    if (c.expect_429) {
      EXPECT_GT(limited.stats().rate_limited, 0) << "the case should have provoked 429s";
    } else {
      EXPECT_EQ(limited.stats().rate_limited, 0);
    }
    std::set<std::string> expected, created;
    for (const auto& j : limited.jobs())
      if (j.state == "published")
        for (const auto& cand : limited.candidates())
          if (cand.job_shortcode == j.shortcode) expected.insert(cand.id);
    for (const auto& e : Consume())
      if (e.change == "created") created.insert(e.candidate_id);
    EXPECT_EQ(created, expected);
  }
}

// Two changes with the same updated_at on either side of a sync: the first is listed and
// moves the cursor to T; the second lands afterwards with the same T. An incremental listing
// that started strictly after T would lose it; the overlap lists it again.
TEST_F(PipelineTest, IncrementalSyncNeverLosesARecordSharingTheCursorTimestamp) {
  connection_.incremental_overlap_s = 1;
  OpenWorker();
  ASSERT_TRUE(worker_->RunCycle().ok());  // full listing: cursor set
  Consume();
  const auto jobs = PublishedJobs();
  std::vector<std::string> ids;
  for (const auto& c : tenant_->candidates())
    if (jobs.count(c.job_shortcode) && !c.disqualified && c.stage_kind != "offer") ids.push_back(c.id);
  ASSERT_GE(ids.size(), 2u);
  tenant_->FreezeClock(true);
  ASSERT_TRUE(tenant_->MoveCandidate(ids[0], "offer"));  // updated_at = T
  auto first = worker_->RunCycle();                      // cursor -> T
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->incremental_listings, 1);
  EXPECT_EQ(first->updated, 1);
  ASSERT_TRUE(tenant_->MoveCandidate(ids[1], "offer"));  // the same T, after the sync
  tenant_->FreezeClock(false);
  auto second = worker_->RunCycle();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->incremental_listings, 1);
  EXPECT_EQ(second->updated, 1) << "the record sharing the cursor's timestamp was lost";
  std::map<std::string, int> updates;
  for (const auto& e : Consume()) updates[e.candidate_id]++;
  EXPECT_EQ(updates, (std::map<std::string, int>{{ids[0], 1}, {ids[1], 1}})) << "each change exactly once";
}

// The API budget of issue 4, counted by the simulated tenant (request counts are deterministic):
// an incremental cycle with k changed candidates in J selected jobs costs at most
// ceil(k/100) + ceil(J/100) + 1 requests; a full reconcile of N candidates at most
// ceil(N/100) + ceil(J/100) + 1.
TEST(ApiBudgetTest, IncrementalAndFullCyclesStayWithinBudget) {
  sim::WorkableTenantOptions options;
  options.jobs = 150;  // two pages of jobs
  options.candidates_per_job = 4;
  options.rate_limit_requests = 0;
  sim::WorkableTenant tenant(options);
  ASSERT_TRUE(tenant.Start());
  auto cluster = kafka::EmbeddedCluster::Start(1);
  ASSERT_TRUE(cluster.ok());
  testing::TempDir dir;
  auto store = snapshot::OpenRocksDbStore(dir.File("snapshot"));
  ASSERT_TRUE(store.ok());
  telemetry::Metrics metrics;
  telemetry::StatusBoard status;
  StopSignal stop;
  kafka::ProducerOptions producer;
  producer.bootstrap_servers = (*cluster)->bootstrap_servers();
  runtime::Publisher publisher(producer, metrics);
  ASSERT_TRUE(publisher.Start().ok());
  config::ConnectionConfig c = testing::WorkableConnection("budget", tenant.base_url(), options.token);
  c.job_states = {"published", "closed", "draft", "archived"};  // J = every job
  c.incremental_overlap_s = 1;  // the simulator's clock moves one second per change
  auto worker = [&] {
    auto source = connectors::CreateSource(c);
    EXPECT_TRUE(source.ok());
    return std::make_unique<runtime::SyncWorker>(
        c, std::move(source).value(), runtime::WorkerDeps{**store, publisher, metrics, status, stop, {}});
  };
  auto ceil100 = [](long long n) { return (n + 99) / 100; };
  const long long jobs = static_cast<long long>(tenant.jobs().size());
  auto w = worker();

  tenant.ResetStats();
  auto full = w->RunCycle();
  ASSERT_TRUE(full.ok()) << full.error().message;
  const long long n = static_cast<long long>(tenant.candidates().size());
  EXPECT_LE(tenant.stats().requests, ceil100(n) + ceil100(jobs) + 1) << "full listing of " << n;
  EXPECT_EQ(full->requests, tenant.stats().requests);

  for (int k : {0, 7, 130}) {
    SCOPED_TRACE("k = " + std::to_string(k));
    const auto candidates = tenant.candidates();
    for (int i = 0; i < k; ++i)
      ASSERT_TRUE(tenant.MoveCandidate(candidates[static_cast<size_t>(i)].id, i % 2 ? "interview" : "offer"));
    tenant.ResetStats();
    auto incremental = w->RunCycle();
    ASSERT_TRUE(incremental.ok()) << incremental.error().message;
    EXPECT_EQ(incremental->incremental_listings, 1);
    EXPECT_EQ(incremental->updated, k);
    EXPECT_LE(tenant.stats().requests, ceil100(k) + ceil100(jobs) + 1);
  }
}

}  // namespace
}  // namespace ats
