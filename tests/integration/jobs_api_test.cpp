// The admin API's job lifecycle on the running service: an imported job is "pending" until its
// backfill is acknowledged, then "imported"; DELETE takes it out of the selection (job-changed
// left_selection, its candidates stop, nothing is deleted downstream) and a new POST brings it
// back as a new import.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <set>
#include <thread>

#include "runtime/service.hpp"
#include "sim/workable_tenant.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

using testing::Eventually;

class JobsApiTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions options;
    options.jobs = 4;
    options.candidates_per_job = 4;
    options.rate_limit_requests = 0;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
    for (const auto& j : tenant_->jobs())
      if (j.state == "published") published_.push_back(j.shortcode);
    ASSERT_GE(published_.size(), 2u);
    ASSERT_NO_FATAL_FAILURE(StartKafka());
    config_.kafka.bootstrap_servers = bootstrap();
    config_.kafka.topics = topics_;
    config_.snapshot.path = dir_.File("snapshot");
    config_.http.listen = "127.0.0.1:0";
    config_.http.admin_token = "admin-token-0123456789";
    config::ConnectionConfig c = testing::WorkableConnection("acme", tenant_->base_url(), options.token);
    c.poll_interval_s = 3600;  // only the first cycle and wake-ups run
    c.incremental = false;
    c.all_jobs = false;
    c.jobs = {published_[0]};
    config_.connections.push_back(c);
  }

  // Reads events until `done` holds for everything read so far.
  template <typename Fn>
  bool ReadUntil(std::vector<testing::Event>& events, Fn done) {
    return Eventually([&] {
      for (auto& e : Consume()) events.push_back(std::move(e));
      return done();
    });
  }

  std::string JobState(httplib::Client& http, const std::string& job) {
    auto r = http.Get("/v1/connections/acme/jobs", auth_);
    if (!r || r->status != 200) return "?";
    for (const char* state : {"pending", "imported", "removed"})
      if (r->body.find(R"({"job_id":")" + job + R"(","origin":"api","state":")" + state) !=
              std::string::npos ||
          r->body.find(R"({"job_id":")" + job + R"(","origin":"config","state":")" + state) !=
              std::string::npos)
        return state;
    return "absent";
  }

  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::vector<std::string> published_;
  config::Config config_;
  httplib::Headers auth_{{"Authorization", "Bearer admin-token-0123456789"}};
};

TEST_F(JobsApiTest, DeleteTakesAJobOutAndAPostBringsItBackAsANewImport) {
  runtime::Service service(config_);
  ASSERT_TRUE(service.Start().ok());
  httplib::Client http("127.0.0.1", service.admin_port());
  const std::string job = published_[1];
  std::vector<testing::Event> events;
  ASSERT_TRUE(ReadUntil(events, [&] { return !events.empty(); }));  // the first cycle

  auto posted =
      http.Post("/v1/connections/acme/jobs", auth_, R"({"job_ids": [")" + job + R"("]})", "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 202);
  ASSERT_TRUE(Eventually([&] { return JobState(http, job) == "imported"; }));
  // Imported means its candidates were acknowledged too: they are all in Kafka by now.
  events.clear();
  for (auto& e : Consume()) events.push_back(std::move(e));
  std::set<std::string> created;
  for (const auto& e : events)
    if (e.ce_type == "com.ats-connector.candidate-changed.v1" && e.job_id == job)
      created.insert(e.candidate_id);
  std::set<std::string> expected;
  for (const auto& c : tenant_->candidates())
    if (c.job_shortcode == job) expected.insert(c.id);
  EXPECT_EQ(created, expected);

  auto unknown = http.Delete("/v1/connections/acme/jobs/NOSUCHJOB", auth_);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto anonymous = http.Delete("/v1/connections/acme/jobs/" + job);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto removed = http.Delete("/v1/connections/acme/jobs/" + job, auth_);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 202) << removed->body;
  events.clear();
  ASSERT_TRUE(ReadUntil(events, [&] {
    for (const auto& e : events)
      if (e.ce_type == "com.ats-connector.job-changed.v1" && e.job_id == job) return true;
    return false;
  }));
  ExpectValid(events);
  for (const auto& e : events) {
    if (e.ce_type == "com.ats-connector.job-changed.v1") {
      EXPECT_EQ(e.change, "left_selection");
    }
    EXPECT_NE(e.change, "deleted") << "leaving the selection deletes nothing downstream";
  }

  // Its candidates stop; the configured job's keep flowing (one cycle publishes both moves).
  std::string mover_out, mover_in;
  for (const auto& c : tenant_->candidates()) {
    if (c.job_shortcode == job && mover_out.empty()) mover_out = c.id;
    if (c.job_shortcode == published_[0] && mover_in.empty()) mover_in = c.id;
  }
  ASSERT_TRUE(tenant_->MoveCandidate(mover_out, "offer"));
  ASSERT_TRUE(tenant_->MoveCandidate(mover_in, "offer"));
  auto wake = http.Post("/v1/connections/acme/jobs", auth_, R"({"job_ids": [")" + published_[0] + R"("]})",
                        "application/json");
  ASSERT_TRUE(wake);
  events.clear();
  ASSERT_TRUE(ReadUntil(events, [&] {
    for (const auto& e : events)
      if (e.candidate_id == mover_in) return true;
    return false;
  }));
  for (const auto& e : events) EXPECT_NE(e.candidate_id, mover_out);

  // Back: a new job-imported, and the candidate that moved while it was out is reconciled.
  auto back =
      http.Post("/v1/connections/acme/jobs", auth_, R"({"job_ids": [")" + job + R"("]})", "application/json");
  ASSERT_TRUE(back);
  events.clear();
  ASSERT_TRUE(ReadUntil(events, [&] {
    bool imported = false, moved = false;
    for (const auto& e : events) {
      imported |= e.ce_type == "com.ats-connector.job-imported.v1" && e.job_id == job;
      moved |= e.candidate_id == mover_out;
    }
    return imported && moved;
  }));
  ExpectValid(events);
  ASSERT_TRUE(Eventually([&] { return JobState(http, job) == "imported"; }));
  service.Stop();
}

}  // namespace
}  // namespace ats
