// Workday end to end: OAuth refresh-token auth, REST job postings, the candidates report
// streamed while it downloads, against the simulated tenant over loopback HTTP; events read
// back from the embedded Kafka and validated against schemas/; the connection check's verdicts.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "config/config.hpp"
#include "connectors/registry.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "runtime/check.hpp"
#include "runtime/publisher.hpp"
#include "runtime/source_state.hpp"
#include "runtime/sync_worker.hpp"
#include "sim/workable_tenant.hpp"
#include "sim/workday_tenant.hpp"
#include "snapshot/snapshot_store.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

config::ConnectionConfig WorkdayConnection(const sim::WorkdayTenant& tenant,
                                           const sim::WorkdayTenantOptions& o) {
  config::ConnectionConfig c;
  c.id = "acme-wd";
  c.source = "workday";
  c.workday.rest_endpoint = tenant.rest_endpoint();
  c.workday.client_id = o.client_id;
  c.workday.client_secret = o.client_secret;
  c.workday.refresh_token = o.refresh_token;
  c.workday.allow_insecure_http = true;
  c.workday.rate_limit = {1000, 1};
  config::WorkdayReportConfig report;
  report.url = tenant.report_url();
  c.workday.reports.push_back(report);
  return c;
}

class WorkdayPipelineTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    options_.job_postings = 5;
    options_.applications = 1200;  // several stream batches
    tenant_ = std::make_unique<sim::WorkdayTenant>(options_);
    ASSERT_TRUE(tenant_->Start());
    ASSERT_NO_FATAL_FAILURE(StartKafka());
    connection_ = WorkdayConnection(*tenant_, options_);
    with_source_state_ = true;  // the source persists a rotated refresh token in state_
    OpenWorker();
  }

  // These tests wait up to 60 s for the events to arrive (the harness waits 30 s by default).
  std::vector<testing::Event> Consume(std::chrono::milliseconds idle = 1500ms) {
    return PipelineHarness::Consume(idle, 60s);
  }

  sim::WorkdayTenantOptions options_;
  std::unique_ptr<sim::WorkdayTenant> tenant_;
};

TEST_F(WorkdayPipelineTest, JobsAndCandidatesFlowThenExactlyTheChanges) {
  auto first = worker_->RunCycle();
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto messages = Consume();
  std::set<std::string> imported;
  std::map<std::string, std::string> created;  // record id -> change
  std::vector<testing::EventForValidation> to_validate;
  for (const auto& m : messages) {
    to_validate.push_back({m.headers.at("ce_type"), m.value});
    if (m.topic == topics_.job_imported) {
      imported.insert(m.job_id);
    } else {
      created[m.candidate_id] = m.change;
    }
  }
  std::set<std::string> requisitions;
  for (const auto& p : tenant_->postings()) requisitions.insert(p.requisition_id);
  EXPECT_EQ(imported, requisitions) << "one job-imported per posting, keyed by its requisition id";
  const auto applications = tenant_->applications();
  ASSERT_EQ(applications.size(), 1200u);
  EXPECT_EQ(created.size(), applications.size());
  for (const auto& a : applications) EXPECT_EQ(created[a.application_id], "created") << a.application_id;
  EXPECT_EQ(testing::ValidateAgainstSchemas(to_validate), "");

  // Changes: one moved, one removed, one added.
  const std::string moved = applications[3].application_id;
  const std::string removed = applications[7].application_id;
  ASSERT_TRUE(tenant_->MoveApplication(moved, applications[3].stage == "Offer" ? "Interview" : "Offer"));
  ASSERT_TRUE(tenant_->RemoveApplication(removed));
  const std::string added = tenant_->AddApplication(applications[0].requisition_id);
  auto second = worker_->RunCycle();
  ASSERT_TRUE(second.ok()) << second.error().message;
  std::map<std::string, std::string> changes;
  for (const auto& m : Consume()) {
    ASSERT_EQ(m.topic, topics_.candidate_changed);
    changes[m.candidate_id] = m.change;
  }
  const std::map<std::string, std::string> expected{
      {moved, "updated"}, {removed, "deleted"}, {added, "created"}};
  EXPECT_EQ(changes, expected);
}

TEST_F(WorkdayPipelineTest, TokenExpiryMidSyncIsInvisibleExceptInAMetric) {
  ASSERT_TRUE(worker_->RunCycle().ok());
  Consume();
  EXPECT_EQ(metrics_.AuthRetries(connection_.id).Value(), 0);
  tenant_->SetFault(sim::WorkdayFault::kExpireTokens);  // the cached access token is now dead
  ASSERT_TRUE(tenant_->MoveApplication(tenant_->applications()[0].application_id, "Reference Check"));
  auto result = worker_->RunCycle();
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->updated, 1);
  EXPECT_EQ(metrics_.AuthRetries(connection_.id).Value(), 1);
  EXPECT_EQ(Consume().size(), 1u);
}

TEST_F(WorkdayPipelineTest, ARotatedRefreshTokenSurvivesARestart) {
  worker_.reset();
  tenant_->Stop();
  options_.rotate_refresh_token = true;
  tenant_ = std::make_unique<sim::WorkdayTenant>(options_);
  ASSERT_TRUE(tenant_->Start());
  connection_ = WorkdayConnection(*tenant_, options_);
  OpenWorker();
  ASSERT_TRUE(worker_->RunCycle().ok());
  const std::string rotated = tenant_->current_refresh_token();
  ASSERT_NE(rotated, options_.refresh_token) << "the tenant should have rotated the token";
  auto stored = state_->Get("workday.refresh_token");
  ASSERT_TRUE(stored.ok());
  // The token persisted is the one the tenant accepts now (the source may have rotated it
  // again on a later token call in the same cycle).
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ(**stored, tenant_->current_refresh_token());
  // Restart with the (now stale) configured token: the persisted one is used.
  OpenWorker();
  tenant_->SetFault(sim::WorkdayFault::kExpireTokens);
  auto after = worker_->RunCycle();
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->events(), 0);
}

TEST_F(WorkdayPipelineTest, ATruncatedReportIsFetchedAgainAndNothingIsLost) {
  tenant_->SetFault(sim::WorkdayFault::kTruncateReport, 1);
  auto result = worker_->RunCycle();
  ASSERT_TRUE(result.ok()) << result.error().message;
  std::set<std::string> seen;
  for (const auto& m : Consume())
    if (m.topic == topics_.candidate_changed) seen.insert(m.candidate_id);
  EXPECT_EQ(seen.size(), tenant_->applications().size());
  EXPECT_GE(tenant_->stats().report_requests, 2);
}

TEST_F(WorkdayPipelineTest, ConnectionCheckNamesEachFailureAndItsFix) {
  auto active = runtime::CheckConnection(connection_, state_.get());
  EXPECT_TRUE(active.active) << active.category << ": " << active.reason;

  struct Case {
    sim::WorkdayFault fault;
    const char* category;
    const char* fix_mentions;
  };
  for (const Case& c :
       {Case{sim::WorkdayFault::kInvalidGrant, "Token Errors", "refresh token"},
        Case{sim::WorkdayFault::kInvalidClient, "Failed", "Client ID"},
        Case{sim::WorkdayFault::kInsufficientScope, "Insufficient Permissions", "Recruiting"}}) {
    SCOPED_TRACE(c.category);
    // A fresh source each time: no cached access token.
    OpenWorker();
    tenant_->SetFault(c.fault);
    auto failed = runtime::CheckConnection(connection_, state_.get());
    tenant_->SetFault(sim::WorkdayFault::kNone);
    EXPECT_FALSE(failed.active);
    EXPECT_EQ(failed.category, c.category) << failed.reason;
    EXPECT_NE(failed.fix.find(c.fix_mentions), std::string::npos) << failed.fix;
    EXPECT_EQ(failed.reason.find(options_.client_secret), std::string::npos);
    EXPECT_EQ(failed.reason.find(options_.refresh_token), std::string::npos);
    EXPECT_NE(runtime::FormatCheckResult(failed).find("Status: Failed"), std::string::npos);
  }

  // A tenant name the host does not know: the token endpoint is not found.
  auto wrong_tenant = connection_;
  const auto pos = wrong_tenant.workday.rest_endpoint.rfind("/acme");
  ASSERT_NE(pos, std::string::npos);
  wrong_tenant.workday.rest_endpoint.replace(pos, 5, "/nosuchtenant");
  wrong_tenant.workday.reports.clear();
  auto endpoint = runtime::CheckConnection(wrong_tenant, nullptr);
  EXPECT_FALSE(endpoint.active);
  EXPECT_EQ(endpoint.category, "Invalid API Endpoint") << endpoint.reason;
}

TEST_F(WorkdayPipelineTest, EnteringATriggerStageAsksForFollowUpWithBothVocabularies) {
  connection_.trigger_stages = {"Reference Check"};
  OpenWorker();
  ASSERT_TRUE(worker_->RunCycle().ok());
  Consume();
  std::string target;
  for (const auto& a : tenant_->applications())
    if (a.stage == "Interview" && a.status == "Active") target = a.application_id;
  ASSERT_FALSE(target.empty());
  ASSERT_TRUE(tenant_->MoveApplication(target, "Reference Check"));
  ASSERT_TRUE(worker_->RunCycle().ok());
  auto messages = Consume();
  ASSERT_EQ(messages.size(), 1u);
  const std::string& v = messages[0].value;
  EXPECT_NE(v.find(R"("follow_up":true)"), std::string::npos) << v;
  EXPECT_NE(
      v.find(R"("stage":{"source":"Reference Check","source_kind":"Active","canonical":"Reference Check"})"),
      std::string::npos)
      << v;
  EXPECT_NE(
      v.find(R"("previous_stage":{"source":"Interview","source_kind":"Active","canonical":"Interview"})"),
      std::string::npos)
      << v;
  EXPECT_EQ(testing::ValidateAgainstSchemas({{messages[0].headers.at("ce_type"), v}}), "");
}

// Report prompts as a time window: after a full read sets the cursor, each cycle asks the
// report only for rows changed since (From_Date = cursor - overlap); deletions wait for the
// full reconcile.
TEST_F(WorkdayPipelineTest, ReportPromptsReadOnlyTheChangedWindow) {
  connection_.workday.reports[0].prompts = {{"From_Date", "{window_start}"}};
  connection_.incremental_overlap_s = 1;
  OpenWorker();
  auto full = worker_->RunCycle();
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_EQ(full->incremental_listings, 0);
  EXPECT_EQ(full->created, 1200);
  Consume();

  const auto apps = tenant_->applications();
  ASSERT_TRUE(
      tenant_->MoveApplication(apps[5].application_id, apps[5].stage == "Offer" ? "Interview" : "Offer"));
  ASSERT_TRUE(tenant_->RemoveApplication(apps[9].application_id));
  tenant_->ResetStats();
  auto incremental = worker_->RunCycle();
  ASSERT_TRUE(incremental.ok()) << incremental.error().message;
  EXPECT_EQ(incremental->incremental_listings, 1);
  EXPECT_EQ(incremental->updated, 1);
  EXPECT_EQ(incremental->deleted, 0) << "a window of changes cannot show deletions";
  EXPECT_LT(tenant_->stats().report_rows, 10) << "the report should have returned only the window";
  EXPECT_EQ(Consume().size(), 1u);

  connection_.full_reconcile_interval_s = 0;
  OpenWorker();
  auto reconcile = worker_->RunCycle();
  ASSERT_TRUE(reconcile.ok()) << reconcile.error().message;
  EXPECT_EQ(reconcile->incremental_listings, 0);
  EXPECT_EQ(reconcile->deleted, 1);
}

TEST(WorkableCheckTest, ActiveTokenErrorsPermissionsAndEndpoint) {
  sim::WorkableTenantOptions options;
  options.rate_limit_requests = 0;
  sim::WorkableTenant tenant(options);
  ASSERT_TRUE(tenant.Start());
  config::ConnectionConfig c = testing::WorkableConnection("acme", tenant.base_url(), options.token);
  c.workable.rate_limit = {};  // the configured default pacing, not the harness's none
  auto ok = runtime::CheckConnection(c, nullptr);
  EXPECT_TRUE(ok.active) << ok.reason;
  EXPECT_EQ(runtime::FormatCheckResult(ok), "acme (workable): Status: Active\n");
  EXPECT_EQ(ok.requests, 2) << "one minimal read per API: jobs and candidates";

  const std::pair<sim::Fault, const char*> cases[] = {{sim::Fault::kUnauthorized, "Token Errors"},
                                                      {sim::Fault::kForbidden, "Insufficient Permissions"},
                                                      {sim::Fault::kNotFound, "Invalid API Endpoint"}};
  for (const auto& [fault, category] : cases) {
    tenant.SetFault(fault);
    auto r = runtime::CheckConnection(c, nullptr);
    EXPECT_FALSE(r.active);
    EXPECT_EQ(r.category, category) << r.reason;
    EXPECT_FALSE(r.fix.empty());
  }
}

}  // namespace
}  // namespace ats
