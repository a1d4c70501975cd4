// An interrupted Workable listing continues from the paging.next of its last committed page
// (the resume marker stored with the snapshot) instead of page 1. Real parts: the simulated
// tenant over loopback HTTP (which counts the requests), the embedded Kafka read back by a
// consumer, and RocksDB on disk reopened by a new worker as a restart would.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "connectors/registry.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "runtime/publisher.hpp"
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

constexpr int kJobs = 10;
constexpr int kPerJob = 100;  // 1000 candidates: ten pages of 100
constexpr int kPages = kJobs * kPerJob / 100;
constexpr const char* kCandidatesPath = "/spi/v3/candidates";
constexpr const char* kJobsPath = "/spi/v3/jobs";

// Log lines written while it lives.
class LogCapture {
 public:
  LogCapture() {
    log::SetSinkForTest([this](std::string_view line) {
      std::lock_guard lock(mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() { log::SetSinkForTest(nullptr); }
  // The lines containing every one of `parts`.
  std::vector<std::string> With(std::initializer_list<std::string_view> parts) const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& line : lines_) {
      bool all = true;
      for (auto p : parts) all = all && line.find(p) != std::string::npos;
      if (all) out.push_back(line);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

class ResumeListingTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions options;
    options.jobs = kJobs;
    options.candidates_per_job = kPerJob;
    options.rate_limit_requests = 0;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
    ASSERT_EQ(tenant_->candidates().size(), static_cast<size_t>(kJobs * kPerJob));
    ASSERT_NO_FATAL_FAILURE(StartKafka({topics_.candidate_changed}));
    connection_ = testing::WorkableConnection("acme", tenant_->base_url(), options.token);
    connection_.job_states = {"published", "closed", "draft", "archived"};  // every candidate counts
    connection_.incremental_overlap_s = 1;  // the simulator's clock moves one second per change
    OpenWorker();
  }

  // A new worker on the same snapshot directory: what a restart does. This test keeps the
  // producer's default delivery timeout (ProducerOptions), not the harness's 10 s.
  void OpenWorker() { PipelineHarness::OpenWorker(kafka::ProducerOptions{}.delivery_timeout_ms); }

  // candidate-changed events since the last call, in order: (candidate id, change).
  std::vector<std::pair<std::string, std::string>> Consume() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : PipelineHarness::Consume()) out.emplace_back(e.candidate_id, e.change);
    return out;
  }

  std::string MarkerKey() const { return "sync/" + connection_.id + "/candidate/resume"; }

  std::optional<std::string> Meta(const std::string& key) {
    auto value = store_->GetMeta(key);
    EXPECT_TRUE(value.ok());
    return value.ok() ? *value : std::nullopt;
  }

  // Runs a cycle that the tenant breaks off after `pages` candidate pages (and the jobs page)
  // were answered: every later call is refused with 401, a permanent error that ends the cycle.
  void InterruptAfter(int pages) {
    tenant_->SetFaultAfter(1 + pages, sim::Fault::kUnauthorized);
    auto interrupted = worker_->RunCycle();
    tenant_->SetFault(sim::Fault::kNone);
    ASSERT_FALSE(interrupted.ok());
    ASSERT_EQ(interrupted.error().category, ErrorCategory::kAuth) << interrupted.error().message;
  }

  std::set<std::string> AllCandidates() const {
    std::set<std::string> out;
    for (const auto& c : tenant_->candidates()) out.insert(c.id);
    return out;
  }

  std::unique_ptr<sim::WorkableTenant> tenant_;
};

TEST_F(ResumeListingTest, ARestartedWorkerListsOnlyTheRemainingPagesAndPublishesEachCandidateOnce) {
  constexpr int k = 4;
  InterruptAfter(k);
  const auto before = Consume();
  EXPECT_EQ(before.size(), static_cast<size_t>(k * 100)) << "the committed pages were published";
  const auto stored = Meta(MarkerKey());
  ASSERT_TRUE(stored.has_value()) << "no resume marker after an interrupted listing";
  const auto marker = runtime::DecodeResumeMarker(*stored);
  ASSERT_TRUE(marker.has_value()) << *stored;
  EXPECT_TRUE(marker->full);
  EXPECT_NE(marker->next.find("since_id="), std::string::npos) << marker->next;
  EXPECT_EQ(marker->next.rfind(tenant_->base_url(), 0), 0u) << marker->next;

  // The restart: a new worker, the same snapshot.
  OpenWorker();
  LogCapture logs;
  tenant_->ResetStats();
  auto resumed = worker_->RunCycle();
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  auto stats = tenant_->stats();
  EXPECT_EQ(resumed->resumed_listings, 1);
  EXPECT_EQ(stats.by_path[kCandidatesPath], kPages - k) << "the resumed listing started over";
  EXPECT_EQ(stats.by_path[kJobsPath], 1);
  EXPECT_EQ(stats.requests, 1 + kPages - k);
  EXPECT_EQ(resumed->deleted, 0);
  EXPECT_EQ(logs.With({"Resuming an interrupted listing.", "acme", "candidate"}).size(), 1u);

  // Every candidate reached Kafka exactly once, as created; nothing was deleted.
  std::map<std::string, int> created;
  for (const auto& list : {before, Consume()})
    for (const auto& [id, change] : list) {
      EXPECT_EQ(change, "created") << id;
      ++created[id];
    }
  std::set<std::string> ids;
  for (const auto& [id, n] : created) {
    EXPECT_EQ(n, 1) << "published " << n << " times: " << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids, AllCandidates());

  // Done: the marker is gone, and the next full reconcile is due one interval after the
  // interrupted listing began, with the deletion check recorded as owed since then.
  EXPECT_FALSE(Meta(MarkerKey()).has_value());
  EXPECT_EQ(Meta("sync/acme/candidate/last_full_listing").value_or(""), FormatRfc3339Millis(marker->started));
  EXPECT_EQ(Meta("sync/acme/candidate/deletions_owed").value_or(""), FormatRfc3339Millis(marker->started));

  // The next cycle is an ordinary incremental one, and publishes nothing.
  tenant_->ResetStats();
  auto next = worker_->RunCycle();
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->resumed_listings, 0);
  EXPECT_EQ(next->incremental_listings, 1);
  EXPECT_EQ(next->events(), 0);
  EXPECT_TRUE(Consume().empty());

  // The deletion check is deferred once only. The next reconcile falls due (last_full_listing
  // moved back past the interval) and is interrupted and resumed as well: last_full_listing
  // stays, so the cycle after it is a complete full listing, which settles the debt.
  const std::string overdue = FormatRfc3339Millis(std::chrono::system_clock::now() - 7h);
  snapshot::Batch age;
  age.PutMeta("sync/acme/candidate/last_full_listing", overdue);
  ASSERT_TRUE(store_->Commit(age).ok());
  InterruptAfter(k);
  OpenWorker();
  auto again = worker_->RunCycle();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->resumed_listings, 1);
  EXPECT_EQ(again->incremental_listings, 0);
  EXPECT_EQ(Meta("sync/acme/candidate/last_full_listing").value_or(""), overdue);
  EXPECT_EQ(Meta("sync/acme/candidate/deletions_owed").value_or(""), FormatRfc3339Millis(marker->started));
  auto full = worker_->RunCycle();
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_EQ(full->resumed_listings, 0);
  EXPECT_EQ(full->incremental_listings, 0);
  EXPECT_FALSE(Meta("sync/acme/candidate/deletions_owed").has_value());
  EXPECT_NE(Meta("sync/acme/candidate/last_full_listing").value_or(overdue), overdue);
  EXPECT_TRUE(Consume().empty());
}

// A record from the part listed before the interruption, changed during the gap, is not listed
// by the resumed part: the cursor must stay low enough for the next incremental listing to
// find it, even when the resumed part saw newer changes. Deletions made during the gap wait for
// the next full reconcile, which finds them.
TEST_F(ResumeListingTest, AChangeDuringTheGapIsCaughtAndADeletionWaitsForTheReconcile) {
  constexpr int k = 3;
  InterruptAfter(k);
  Consume();
  const auto all = tenant_->candidates();
  const auto& early = all[0];       // listed on page 1, before the interruption
  const auto& gone = all[1];        // listed on page 1, deleted during the gap
  const auto& late = all.back();    // on the last page: listed by the resumed part only
  ASSERT_TRUE(tenant_->MoveCandidate(early.id, early.stage_kind == "offer" ? "interview" : "offer"));
  ASSERT_TRUE(tenant_->DeleteCandidate(gone.id));
  // Later changes (the tenant clock moves a second each) to a record the resumed part lists:
  // well beyond the one-second overlap.
  for (const char* stage : {"interview", "offer", "phone-screen"}) ASSERT_TRUE(tenant_->MoveCandidate(late.id, stage));

  OpenWorker();
  auto resumed = worker_->RunCycle();
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->resumed_listings, 1);
  EXPECT_EQ(resumed->deleted, 0) << "a resumed listing cannot tell what was deleted";
  std::map<std::string, std::vector<std::string>> changes;
  for (const auto& [id, change] : Consume()) changes[id].push_back(change);
  EXPECT_EQ(changes[late.id], std::vector<std::string>{"created"});  // first listed now
  EXPECT_EQ(changes.count(early.id), 0u) << "page 1 was listed again";

  auto next = worker_->RunCycle();
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->incremental_listings, 1);
  EXPECT_EQ(next->deleted, 0);
  changes.clear();
  for (const auto& [id, change] : Consume()) changes[id].push_back(change);
  EXPECT_EQ(changes[early.id], std::vector<std::string>{"updated"})
      << "the change made during the gap was lost: the cursor moved past it";
  EXPECT_EQ(changes.count(late.id), 0u);

  // The full reconcile (forced by a zero interval) finds the deletion and settles the debt.
  connection_.full_reconcile_interval_s = 0;
  OpenWorker();
  auto reconcile = worker_->RunCycle();
  ASSERT_TRUE(reconcile.ok()) << reconcile.error().message;
  EXPECT_EQ(reconcile->incremental_listings, 0);
  EXPECT_EQ(reconcile->resumed_listings, 0);
  EXPECT_EQ(reconcile->deleted, 1);
  changes.clear();
  for (const auto& [id, change] : Consume()) changes[id].push_back(change);
  EXPECT_EQ(changes, (std::map<std::string, std::vector<std::string>>{{gone.id, {"deleted"}}}));
  EXPECT_FALSE(Meta("sync/acme/candidate/deletions_owed").has_value());
}

// A stored resume point that cannot be trusted is not followed: the listing starts from page 1
// with a warning, and still publishes every candidate exactly once.
TEST_F(ResumeListingTest, AnUnsafeStaleOrUnreadableResumePointIsDiscarded) {
  struct Case {
    const char* name;
    std::function<void()> spoil;  // after an interrupted cycle: what makes the marker unusable
    const char* reason;           // in the warning
  };
  constexpr int k = 2;
  const Case cases[] = {
      // The page's paging.next pointed at another host: the cycle failed on it, but the marker
      // written with that page holds it.
      {"foreign host",
       [&] {
         tenant_->SetFaultAfter(1 + k, sim::Fault::kForeignNextUrl);
         auto failed = worker_->RunCycle();
         ASSERT_FALSE(failed.ok());
         EXPECT_EQ(failed.error().category, ErrorCategory::kUnsafeUrl);
         EXPECT_NE(Meta(MarkerKey()).value_or("").find("evil.example.invalid"), std::string::npos);
       },
       "evil.example.invalid"},
      {"older than full_reconcile_interval_s",
       [&] {
         InterruptAfter(k);
         connection_.full_reconcile_interval_s = 1;
         std::this_thread::sleep_for(1100ms);
       },
       "full_reconcile_interval_s"},
      {"unreadable",
       [&] {
         InterruptAfter(k);
         snapshot::Batch damage;
         damage.PutMeta(MarkerKey(), R"({"next": 42)");
         ASSERT_TRUE(store_->Commit(damage).ok());
       },
       "unreadable"},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    connection_.id = "acme-" + std::to_string(n);  // a fresh snapshot namespace per case
    connection_.full_reconcile_interval_s = 6 * 3600;
    OpenWorker();
    c.spoil();
    ASSERT_TRUE(Meta(MarkerKey()).has_value());
    const auto before = Consume();

    OpenWorker();
    LogCapture logs;
    tenant_->ResetStats();
    auto result = worker_->RunCycle();
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->resumed_listings, 0);
    EXPECT_EQ(tenant_->stats().by_path[kCandidatesPath], kPages) << "not listed from page 1";
    EXPECT_EQ(logs.With({"Not resuming the interrupted listing", connection_.id, c.reason}).size(), 1u);
    EXPECT_TRUE(logs.With({"Resuming an interrupted listing."}).empty());
    EXPECT_FALSE(Meta(MarkerKey()).has_value());
    std::map<std::string, int> created;
    for (const auto& list : {before, Consume()})
      for (const auto& [id, change] : list) {
        EXPECT_EQ(change, "created") << id;
        ++created[id];
      }
    std::set<std::string> ids;
    for (const auto& [id, times] : created) {
      EXPECT_EQ(times, 1) << id;
      ids.insert(id);
    }
    EXPECT_EQ(ids, AllCandidates());
    ++n;
  }
  EXPECT_EQ(n, 3);
}

// An incremental listing resumes too, and the listing of changes it continues keeps its filter
// (Workable's paging.next carries updated_after).
TEST_F(ResumeListingTest, AnInterruptedIncrementalListingResumes) {
  ASSERT_TRUE(worker_->RunCycle().ok());  // full listing: cursor set
  Consume();
  const auto all = tenant_->candidates();
  constexpr int kChanged = 250;  // three pages of changes
  for (int i = 0; i < kChanged; ++i) {
    const auto& c = all[static_cast<size_t>(i) * 4];
    ASSERT_TRUE(tenant_->MoveCandidate(c.id, c.stage_kind == "offer" ? "interview" : "offer"));
  }
  InterruptAfter(1);
  const auto before = Consume();
  EXPECT_EQ(before.size(), 100u);
  const auto marker = runtime::DecodeResumeMarker(Meta(MarkerKey()).value_or(""));
  ASSERT_TRUE(marker.has_value());
  EXPECT_FALSE(marker->full);
  EXPECT_TRUE(marker->updated_after.has_value());
  EXPECT_NE(marker->next.find("updated_after="), std::string::npos) << marker->next;

  OpenWorker();
  tenant_->ResetStats();
  auto resumed = worker_->RunCycle();
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->resumed_listings, 1);
  EXPECT_EQ(resumed->incremental_listings, 1);
  EXPECT_EQ(tenant_->stats().by_path[kCandidatesPath], 2);
  std::map<std::string, int> updated;
  for (const auto& list : {before, Consume()})
    for (const auto& [id, change] : list) {
      EXPECT_EQ(change, "updated") << id;
      ++updated[id];
    }
  EXPECT_EQ(updated.size(), static_cast<size_t>(kChanged));
  for (const auto& [id, times] : updated) EXPECT_EQ(times, 1) << id;
  EXPECT_FALSE(Meta(MarkerKey()).has_value());
  // A resumed incremental listing is no full listing: no deletion debt, no reconcile moved.
  EXPECT_FALSE(Meta("sync/acme/candidate/deletions_owed").has_value());
}

TEST(ResumeMarkerTest, RoundTripsAndRefusesWhatItDidNotWrite) {
  runtime::ResumeMarker m;
  m.next = "https://acme.workable.com/spi/v3/candidates?limit=100&since_id=2f1c";
  m.full = false;
  m.updated_after = *ParseRfc3339("2026-11-22T06:00:00.250Z");
  m.started = *ParseRfc3339("2026-11-22T07:00:00.000Z");
  m.newest = *ParseRfc3339("2026-11-22T06:59:58.000Z");
  const auto back = runtime::DecodeResumeMarker(runtime::EncodeResumeMarker(m));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->next, m.next);
  EXPECT_EQ(back->full, m.full);
  EXPECT_EQ(back->updated_after, m.updated_after);
  EXPECT_EQ(back->started, m.started);
  EXPECT_EQ(back->newest, m.newest);
  runtime::ResumeMarker full;
  full.next = "x";
  full.started = m.started;
  const auto full_back = runtime::DecodeResumeMarker(runtime::EncodeResumeMarker(full));
  ASSERT_TRUE(full_back.has_value());
  EXPECT_TRUE(full_back->full);
  EXPECT_FALSE(full_back->updated_after.has_value());
  EXPECT_FALSE(full_back->newest.has_value());
  for (const char* bad : {"", "null", "[]", R"({"next":"x","mode":"full"})",
                          R"({"next":"","mode":"full","started":"2026-11-22T07:00:00Z"})",
                          R"({"next":"x","mode":"sideways","started":"2026-11-22T07:00:00Z"})",
                          R"({"next":"x","mode":"full","started":"yesterday"})",
                          R"({"next":"x","mode":"incremental","started":"2026-11-22T07:00:00Z"})",
                          R"({"next":"x","mode":"full","started":"2026-11-22T07:00:00Z","newest":7})"})
    EXPECT_FALSE(runtime::DecodeResumeMarker(bad).has_value()) << bad;
}

}  // namespace
}  // namespace ats
