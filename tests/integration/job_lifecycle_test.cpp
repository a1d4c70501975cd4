// Jobs have a lifecycle: a job that entered the selection keeps its candidates flowing when it
// closes or is archived (a job-changed event says so) until the user removes it; removing it
// (config, admin API) is a job-changed left_selection that stops its candidates, and coming back
// is a new import with a backfill. Against the simulated Workday and Workable tenants over
// loopback HTTP, events read back from Kafka and validated against schemas/.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sim/workable_tenant.hpp"
#include "sim/workday_tenant.hpp"
#include "support/pipeline_harness.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

using testing::Event;
using testing::JsonField;

// job id -> changes of its job-changed events, in order.
std::map<std::string, std::vector<std::string>> JobChanges(const std::vector<Event>& events) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& e : events)
    if (e.ce_type == "com.ats-connector.job-changed.v1") out[e.job_id].push_back(e.change);
  return out;
}

std::set<std::string> Imported(const std::vector<Event>& events) {
  std::set<std::string> out;
  for (const auto& e : events)
    if (e.ce_type == "com.ats-connector.job-imported.v1") out.insert(e.job_id);
  return out;
}

// candidate id -> change of its candidate-changed events (the last one).
std::map<std::string, std::string> CandidateChanges(const std::vector<Event>& events) {
  std::map<std::string, std::string> out;
  for (const auto& e : events)
    if (e.ce_type == "com.ats-connector.candidate-changed.v1") out[e.candidate_id] = e.change;
  return out;
}

const Event* FindJobChange(const std::vector<Event>& events, const std::string& job) {
  for (const auto& e : events)
    if (e.ce_type == "com.ats-connector.job-changed.v1" && e.job_id == job) return &e;
  return nullptr;
}

// --- Workday ---

class WorkdayLifecycleTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    options_.job_postings = 3;
    options_.applications = 60;
    tenant_ = std::make_unique<sim::WorkdayTenant>(options_);
    ASSERT_TRUE(tenant_->Start());
    ASSERT_NO_FATAL_FAILURE(StartKafka());
    connection_.id = "acme-wd";
    connection_.source = "workday";
    connection_.workday.rest_endpoint = tenant_->rest_endpoint();
    connection_.workday.client_id = options_.client_id;
    connection_.workday.client_secret = options_.client_secret;
    connection_.workday.refresh_token = options_.refresh_token;
    connection_.workday.allow_insecure_http = true;
    connection_.workday.rate_limit = {1000, 1};
    config::WorkdayReportConfig report;
    report.url = tenant_->report_url();
    connection_.workday.reports.push_back(report);
    with_source_state_ = true;
    OpenWorker();
  }

  std::vector<Event> Cycle() {
    auto result = worker_->RunCycle();
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    auto events = Consume();
    if (!events.empty()) ExpectValid(events);
    return events;
  }

  // An application of `requisition` and a stage it is not in.
  std::pair<std::string, std::string> ApplicationOf(const std::string& requisition) const {
    for (const auto& a : tenant_->applications())
      if (a.requisition_id == requisition)
        return {a.application_id, a.stage == "Offer" ? "Interview" : "Offer"};
    return {};
  }

  sim::WorkdayTenantOptions options_;
  std::unique_ptr<sim::WorkdayTenant> tenant_;
};

TEST_F(WorkdayLifecycleTest, AClosedPostingIsAJobChangeAndItsCandidatesKeepFlowingAcrossARestart) {
  const auto first = Cycle();
  const std::string job = tenant_->postings()[0].requisition_id;
  ASSERT_EQ(Imported(first).count(job), 1u);

  ASSERT_TRUE(tenant_->ClosePosting(job));
  const auto closing = Cycle();
  EXPECT_EQ(JobChanges(closing), (std::map<std::string, std::vector<std::string>>{{job, {"closed"}}}));
  EXPECT_TRUE(CandidateChanges(closing).empty()) << "closing a posting deletes no candidate";
  const Event* closed = FindJobChange(closing, job);
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(JsonField(closed->value, "state"), "closed");
  EXPECT_EQ(JsonField(closed->value, "previous_state"), "published");
  EXPECT_EQ(closed->key, "acme-wd/" + job);
  EXPECT_EQ(metrics_.EventsPublished(connection_.id, "job-changed").Value(), 1);

  // A restart keeps the closed job selected (it is in the snapshot), and says nothing again.
  CloseWorker();
  OpenWorker();
  const auto [application, stage] = ApplicationOf(job);
  ASSERT_FALSE(application.empty());
  ASSERT_TRUE(tenant_->MoveApplication(application, stage));  // the offer after the posting closed
  const auto offer = Cycle();
  EXPECT_TRUE(JobChanges(offer).empty());
  EXPECT_EQ(CandidateChanges(offer), (std::map<std::string, std::string>{{application, "updated"}}));

  ASSERT_TRUE(tenant_->ReopenPosting(job));
  const auto reopening = Cycle();
  EXPECT_EQ(JobChanges(reopening), (std::map<std::string, std::vector<std::string>>{{job, {"reopened"}}}));
  EXPECT_TRUE(Imported(reopening).empty());
}

TEST_F(WorkdayLifecycleTest, ARequisitionWithoutAPostingIsImportedFromTheRowsThatReferenceIt) {
  Cycle();
  const std::string requisition = tenant_->AddRequisitionWithoutPosting();
  const std::string a1 = tenant_->AddApplication(requisition);
  const std::string a2 = tenant_->AddApplication(requisition);
  ASSERT_FALSE(a1.empty());
  const auto events = Cycle();
  EXPECT_EQ(Imported(events), std::set<std::string>{requisition});
  EXPECT_EQ(CandidateChanges(events), (std::map<std::string, std::string>{{a1, "created"}, {a2, "created"}}));
  for (const auto& e : events) {
    if (e.ce_type != "com.ats-connector.job-imported.v1") continue;
    EXPECT_NE(e.value.find(R"("state":"unposted")"), std::string::npos) << e.value;
    EXPECT_NE(e.value.find(R"("requisition_id":")" + requisition + "\""), std::string::npos) << e.value;
  }
  // Sticky like any job: its next changes flow, and no closed event (it never had a posting).
  ASSERT_TRUE(tenant_->MoveApplication(a1, "Offer"));
  const auto next = Cycle();
  EXPECT_TRUE(JobChanges(next).empty());
  EXPECT_EQ(CandidateChanges(next), (std::map<std::string, std::string>{{a1, "updated"}}));
}

TEST_F(WorkdayLifecycleTest, ARequisitionNotInTheJobsListIsNotImported) {
  const auto postings = tenant_->postings();
  connection_.all_jobs = false;
  connection_.jobs = {postings[0].requisition_id};
  CloseWorker();
  OpenWorker();
  const std::string requisition = tenant_->AddRequisitionWithoutPosting();
  ASSERT_FALSE(tenant_->AddApplication(requisition).empty());
  const auto events = Cycle();
  EXPECT_EQ(Imported(events), std::set<std::string>{postings[0].requisition_id});
  for (const auto& e : events) EXPECT_NE(e.job_id, requisition);
}

TEST_F(WorkdayLifecycleTest, LeavingTheJobsListStopsItsCandidatesAndComingBackIsABackfillDespiteTheWindow) {
  connection_.workday.reports[0].prompts = {{"From_Date", "{window_start}"}};
  connection_.incremental_overlap_s = 1;
  const auto postings = tenant_->postings();
  const std::string kept = postings[0].requisition_id;
  const std::string job = postings[1].requisition_id;
  connection_.all_jobs = false;
  connection_.jobs = {kept, job};
  CloseWorker();
  OpenWorker();
  Cycle();  // full read: sets the cursor

  connection_.jobs = {kept};  // the user drops the job
  CloseWorker();
  OpenWorker();
  const auto leaving = Cycle();
  EXPECT_EQ(JobChanges(leaving),
            (std::map<std::string, std::vector<std::string>>{{job, {"left_selection"}}}));
  EXPECT_TRUE(CandidateChanges(leaving).empty()) << "leaving the selection deletes nothing downstream";
  const auto [application, stage] = ApplicationOf(job);
  ASSERT_TRUE(tenant_->MoveApplication(application, stage));
  const auto silent = Cycle();
  EXPECT_TRUE(silent.empty()) << "a job out of the selection publishes nothing";

  connection_.jobs = {kept, job};  // and takes it back
  CloseWorker();
  OpenWorker();
  auto result = worker_->RunCycle();
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->incremental_listings, 0) << "a job that entered is backfilled from a full read";
  const auto back = Consume();
  ExpectValid(back);
  EXPECT_EQ(Imported(back), std::set<std::string>{job});
  EXPECT_EQ(CandidateChanges(back), (std::map<std::string, std::string>{{application, "updated"}}))
      << "unchanged candidates downstream already has are not repeated; the change missed meanwhile is";
  // The backfill is settled: the next cycle reads only the window again.
  auto after = worker_->RunCycle();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->incremental_listings, 1);
}

// --- Workable ---

class WorkableLifecycleTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions options;
    options.jobs = 4;
    options.candidates_per_job = 5;
    options.rate_limit_requests = 0;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
    // The events and the current-state topics (a job's leaving and return show on both).
    ASSERT_NO_FATAL_FAILURE(StartKafka({topics_.candidate_changed, topics_.job_imported, topics_.job_changed,
                                        topics_.dead_letter, topics_.candidates_state, topics_.jobs_state}));
    connection_ = testing::WorkableConnection("acme", tenant_->base_url(), options.token);
    connection_.incremental = false;  // every cycle a full listing
    OpenWorker();
  }

  std::vector<Event> Cycle() {
    auto result = worker_->RunCycle();
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    auto events = Consume();
    if (!events.empty()) ExpectValid(events);
    return events;
  }

  std::string PublishedJob() const {
    for (const auto& j : tenant_->jobs())
      if (j.state == "published") return j.shortcode;
    return "";
  }

  std::set<std::string> CandidatesOf(const std::string& job) const {
    std::set<std::string> out;
    for (const auto& c : tenant_->candidates())
      if (c.job_shortcode == job) out.insert(c.id);
    return out;
  }

  std::unique_ptr<sim::WorkableTenant> tenant_;
};

TEST_F(WorkableLifecycleTest, AnArchivedJobSaysSoAndItsCandidatesKeepFlowing) {
  const std::string job = PublishedJob();
  ASSERT_FALSE(job.empty());
  ASSERT_EQ(Imported(Cycle()).count(job), 1u);

  ASSERT_TRUE(tenant_->SetJobState(job, "closed"));
  const auto closing = Cycle();
  EXPECT_EQ(JobChanges(closing), (std::map<std::string, std::vector<std::string>>{{job, {"closed"}}}));
  ASSERT_TRUE(tenant_->SetJobState(job, "archived"));
  const auto archiving = Cycle();
  EXPECT_EQ(JobChanges(archiving), (std::map<std::string, std::vector<std::string>>{{job, {"archived"}}}));
  const Event* archived = FindJobChange(archiving, job);
  ASSERT_NE(archived, nullptr);
  EXPECT_EQ(JsonField(archived->value, "previous_state"), "closed");
  EXPECT_NE(archived->value.find(R"("changed_fields":["state")"), std::string::npos) << archived->value;

  // job_states: [published] decides only which jobs enter: the archived job's hire still flows.
  const std::string candidate = *CandidatesOf(job).begin();
  ASSERT_TRUE(tenant_->MoveCandidate(candidate, "hired"));
  const std::string added = tenant_->AddCandidate(job);
  const auto hire = Cycle();
  EXPECT_TRUE(JobChanges(hire).empty());
  EXPECT_EQ(CandidateChanges(hire),
            (std::map<std::string, std::string>{{candidate, "updated"}, {added, "created"}}));

  // A job that never entered (archived before the first sync) still does not.
  const std::string late = tenant_->AddJob("archived");
  tenant_->AddCandidate(late);
  const auto none = Cycle();
  EXPECT_TRUE(Imported(none).empty());
  EXPECT_TRUE(CandidateChanges(none).empty());
}

TEST_F(WorkableLifecycleTest, RemovedFromTheJobsListThenBackIsLeftSelectionThenAFullImport) {
  const std::string job = PublishedJob();
  connection_.all_jobs = false;
  connection_.jobs = {job};
  CloseWorker();
  OpenWorker();
  const auto first = Cycle();
  ASSERT_EQ(Imported(first), std::set<std::string>{job});
  const Event* first_import = nullptr;
  for (const auto& e : first)
    if (e.ce_type == "com.ats-connector.job-imported.v1") first_import = &e;
  ASSERT_NE(first_import, nullptr);
  const std::string first_import_id = first_import->ce_id;
  const std::set<std::string> before = CandidatesOf(job);

  const std::string other = tenant_->AddJob("published");
  connection_.jobs = {other};
  CloseWorker();
  OpenWorker();
  const auto swapped = Cycle();
  EXPECT_EQ(JobChanges(swapped),
            (std::map<std::string, std::vector<std::string>>{{job, {"left_selection"}}}));
  EXPECT_EQ(Imported(swapped), std::set<std::string>{other});
  for (const auto& [id, change] : CandidateChanges(swapped)) EXPECT_NE(change, "deleted") << id;
  // It leaves the current-state topics: the job and each of its candidates get a tombstone.
  std::set<std::string> tombstoned;
  bool job_tombstoned = false;
  for (const auto& e : swapped) {
    if (e.topic == topics_.candidates_state && e.null_value) tombstoned.insert(e.key.substr(connection_.id.size() + 1));
    if (e.topic == topics_.jobs_state && e.null_value && e.key == connection_.id + "/" + job) job_tombstoned = true;
  }
  EXPECT_TRUE(job_tombstoned);
  EXPECT_EQ(tombstoned, before);
  const std::string candidate = *CandidatesOf(job).begin();
  ASSERT_TRUE(tenant_->MoveCandidate(candidate, "interview"));
  const std::string added = tenant_->AddCandidate(job);
  EXPECT_TRUE(CandidateChanges(Cycle()).empty()) << "the removed job's candidates stopped";

  // Back in the selection: a new import, and its candidates reconciled with what downstream
  // heard before it left: the one added meanwhile is created, the one moved is updated, the
  // unchanged ones are not repeated.
  connection_.jobs = {other, job};
  CloseWorker();
  OpenWorker();
  const auto back = Cycle();
  EXPECT_EQ(Imported(back), std::set<std::string>{job});
  EXPECT_EQ(CandidateChanges(back),
            (std::map<std::string, std::string>{{candidate, "updated"}, {added, "created"}}));
  // A new import, not a replay of the first one (same content, later change): its own ce_id.
  for (const auto& e : back)
    if (e.ce_type == "com.ats-connector.job-imported.v1") {
      EXPECT_NE(e.ce_id, first_import_id);
    }
  // Every candidate of the job is back on the current-state topic, the unchanged ones too.
  std::set<std::string> restored;
  for (const auto& e : back)
    if (e.topic == topics_.candidates_state && !e.null_value) restored.insert(e.key.substr(connection_.id.size() + 1));
  EXPECT_EQ(restored, CandidatesOf(job));
}

// The admin API says "imported" only once the job's candidates were backfilled and Kafka
// acknowledged them: until then the job is owed a backfill (BackfillOwedKey), also across a
// failed cycle.
TEST_F(WorkableLifecycleTest, AnImportIsOwedItsBackfillUntilTheCandidatesAreAcknowledged) {
  const std::string job = PublishedJob();
  connection_.all_jobs = false;
  connection_.jobs = {job};
  CloseWorker();
  OpenWorker();
  Cycle();
  const std::string owed_key = runtime::SyncWorker::BackfillOwedKey(connection_.id);
  auto owed = store_->GetMeta(owed_key);
  ASSERT_TRUE(owed.ok());
  EXPECT_FALSE(owed->has_value()) << "the first cycle's backfill is complete";

  // An admin import (what POST /v1/connections/{id}/jobs stores), then the candidates listing
  // fails after the jobs page.
  const std::string imported = tenant_->AddJob("published");
  const std::string candidate = tenant_->AddCandidate(imported);
  snapshot::Batch batch;
  batch.PutMeta(runtime::SyncWorker::ImportedJobsKey(connection_.id), "[\"" + imported + "\"]");
  ASSERT_TRUE(store_->Commit(batch).ok());
  tenant_->SetFaultAfter(1, sim::Fault::kForbidden);
  EXPECT_FALSE(worker_->RunCycle().ok());
  const auto half = Consume();
  EXPECT_EQ(Imported(half), std::set<std::string>{imported});
  EXPECT_TRUE(CandidateChanges(half).empty());
  owed = store_->GetMeta(owed_key);
  ASSERT_TRUE(owed.ok());
  ASSERT_TRUE(owed->has_value());
  const auto owed_jobs = runtime::DecodeOwedBackfills(**owed);
  ASSERT_EQ(owed_jobs.size(), 1u);
  EXPECT_EQ(owed_jobs.begin()->first, imported);

  tenant_->SetFault(sim::Fault::kNone);
  const auto rest = Cycle();
  EXPECT_TRUE(Imported(rest).empty());
  EXPECT_EQ(CandidateChanges(rest), (std::map<std::string, std::string>{{candidate, "created"}}));
  owed = store_->GetMeta(owed_key);
  ASSERT_TRUE(owed.ok());
  EXPECT_FALSE(owed->has_value()) << "settled once the backfill was acknowledged";
}

}  // namespace
}  // namespace ats
