// Importing more jobs later without a restart: through the admin API and through a config
// reload, with the running service, a Kafka cluster outside it, and its RocksDB snapshot.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "kafka/consumer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "runtime/service.hpp"
#include "sim/workable_tenant.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

using testing::Eventually;

// The harness's Kafka and directory only: the service under test builds its own workers.
class SyncOptionsTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions options;
    options.jobs = 4;
    options.candidates_per_job = 6;
    options.rate_limit_requests = 0;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
    for (const auto& j : tenant_->jobs())
      if (j.state == "published") published_.push_back(j.shortcode);
    ASSERT_GE(published_.size(), 2u);
    ASSERT_NO_FATAL_FAILURE(StartKafka({topics_.candidate_changed, topics_.job_imported}));

    config_.kafka.bootstrap_servers = bootstrap();
    config_.kafka.topics = topics_;
    config_.snapshot.path = dir_.File("snapshot");
    config_.http.listen = "127.0.0.1:0";
    config_.http.admin_token = "admin-token-0123456789";
    config::ConnectionConfig c = testing::WorkableConnection("acme", tenant_->base_url(), options.token);
    c.poll_interval_s = 3600;  // only the first cycle and explicit wake-ups run
    c.all_jobs = false;
    c.jobs = {published_[0]};
    config_.connections.push_back(c);
  }

  // Events published since the last call: job ids imported, candidate id -> change.
  void Read(std::set<std::string>& jobs, std::multimap<std::string, std::string>& candidates) {
    for (const auto& e : Consume()) {
      if (e.headers.at("ce_type") == "com.ats-connector.job-imported.v1") {
        jobs.insert(e.job_id);
      } else {
        candidates.emplace(e.candidate_id, e.change);
      }
    }
  }

  std::set<std::string> CandidatesOf(const std::string& job) const {
    std::set<std::string> out;
    for (const auto& c : tenant_->candidates())
      if (c.job_shortcode == job) out.insert(c.id);
    return out;
  }

  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::vector<std::string> published_;
  config::Config config_;
};

TEST_F(SyncOptionsTest, AJobImportedThroughTheAdminApiIsBackfilledOnceAndSurvivesARestart) {
  auto service = std::make_unique<runtime::Service>(config_);
  ASSERT_TRUE(service->Start().ok());
  httplib::Client http("127.0.0.1", service->admin_port());
  ASSERT_TRUE(Eventually([&] {
    auto r = http.Get("/readyz");
    return r && r->status == 200;
  }));
  std::set<std::string> jobs;
  std::multimap<std::string, std::string> candidates;
  Read(jobs, candidates);
  EXPECT_EQ(jobs, std::set<std::string>{published_[0]});
  EXPECT_EQ(candidates.size(), CandidatesOf(published_[0]).size());

  // Without the bearer token: refused.
  const std::string body = R"({"job_ids": [")" + published_[1] + R"("]})";
  auto anonymous = http.Post("/v1/connections/acme/jobs", body, "application/json");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  httplib::Headers auth{{"Authorization", "Bearer " + config_.http.admin_token}};
  auto bad = http.Post("/v1/connections/acme/jobs", auth, R"({"job_ids": "nope"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto imported = http.Post("/v1/connections/acme/jobs", auth, body, "application/json");
  ASSERT_TRUE(imported);
  EXPECT_EQ(imported->status, 202) << imported->body;

  // The worker wakes up: one job-imported, and every candidate of that job as created.
  jobs.clear();
  candidates.clear();
  ASSERT_TRUE(Eventually([&] {
    Read(jobs, candidates);
    return jobs.count(published_[1]) > 0 && candidates.size() >= CandidatesOf(published_[1]).size();
  }));
  EXPECT_EQ(jobs, std::set<std::string>{published_[1]});
  std::set<std::string> backfilled;
  for (const auto& [id, change] : candidates) {
    EXPECT_EQ(change, "created");
    EXPECT_TRUE(backfilled.insert(id).second) << "duplicate event for " << id;
  }
  EXPECT_EQ(backfilled, CandidatesOf(published_[1]));
  auto listed = http.Get("/v1/connections/acme/jobs", auth);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
  EXPECT_NE(listed->body.find(R"({"job_id":")" + published_[1] + R"(","origin":"api","state":"imported"})"),
            std::string::npos)
      << listed->body;
  service->Stop();
  service.reset();

  // Restart: the imported job is still selected (it is stored with the snapshot), and nothing
  // is published twice.
  service = std::make_unique<runtime::Service>(config_);
  ASSERT_TRUE(service->Start().ok());
  httplib::Client http2("127.0.0.1", service->admin_port());
  ASSERT_TRUE(Eventually([&] {
    auto r = http2.Get("/readyz");
    return r && r->status == 200;
  }));
  jobs.clear();
  candidates.clear();
  Read(jobs, candidates);
  EXPECT_TRUE(jobs.empty());
  EXPECT_TRUE(candidates.empty());
  // And its candidates keep flowing: a move in the imported job is published.
  const std::string mover = *CandidatesOf(published_[1]).begin();
  ASSERT_TRUE(tenant_->MoveCandidate(mover, "offer"));
  auto again = http2.Post("/v1/connections/acme/jobs", auth, body, "application/json");  // wakes it
  ASSERT_TRUE(again);
  ASSERT_TRUE(Eventually([&] {
    Read(jobs, candidates);
    return candidates.count(mover) > 0;
  }));
  EXPECT_EQ(candidates.find(mover)->second, "updated");
  service->Stop();
}

TEST_F(SyncOptionsTest, AReloadAddsAndRemovesJobsAndAnInvalidOneIsRefused) {
  runtime::Service service(config_);
  ASSERT_TRUE(service.Start().ok());
  std::set<std::string> jobs;
  std::multimap<std::string, std::string> candidates;
  ASSERT_TRUE(Eventually([&] {
    Read(jobs, candidates);
    return jobs.count(published_[0]) > 0;
  }));
  // The job's import is published before its candidates: let the first cycle finish and read
  // what it published, so that what follows is only what the swap causes.
  ASSERT_TRUE(Eventually([&] { return service.Summary("acme")->cycles >= 1; }));
  Read(jobs, candidates);
  candidates.clear();

  // Swap the selection: job 1 in, job 0 out.
  config::Config next = config_;
  next.connections[0].jobs = {published_[1]};
  ASSERT_TRUE(service.Reload(next).ok());
  jobs.clear();
  ASSERT_TRUE(Eventually([&] {
    Read(jobs, candidates);
    return jobs.count(published_[1]) > 0 && candidates.size() >= CandidatesOf(published_[1]).size();
  }));
  for (const auto& [id, change] : candidates) {
    EXPECT_TRUE(CandidatesOf(published_[1]).count(id)) << "event for a candidate of another job: " << id;
    EXPECT_EQ(change, "created");
  }

  // A job that left the selection stops its events (nothing is deleted downstream).
  const std::string quiet = *CandidatesOf(published_[0]).begin();
  ASSERT_TRUE(tenant_->MoveCandidate(quiet, "offer"));
  // A reload restarts only a changed connection (which runs a cycle at once): change a setting
  // that does not touch the selection, and wait for that cycle.
  config::Config touched = next;
  touched.connections[0].request_timeout_s += 1;
  ASSERT_TRUE(service.Reload(touched).ok());
  ASSERT_TRUE(Eventually([&] { return service.Summary(touched.connections[0].id)->cycles >= 1; }));
  jobs.clear();
  candidates.clear();
  Read(jobs, candidates);
  EXPECT_EQ(candidates.count(quiet), 0u);
  for (const auto& [id, change] : candidates) EXPECT_NE(change, "deleted") << id;

  // Refused whole: a change that needs a restart.
  config::Config moved = touched;
  moved.snapshot.path = dir_.File("elsewhere");
  auto refused = service.Reload(moved);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("snapshot.path"), std::string::npos);
  service.Stop();
}

// 40 imports at once, one job each: every one is stored (writes are serialised per connection).
TEST_F(SyncOptionsTest, ConcurrentImportsAllLand) {
  config_.http.max_connections_per_client = 64;  // 40 clients on one address
  runtime::Service service(config_);
  ASSERT_TRUE(service.Start().ok());
  httplib::Headers auth{{"Authorization", "Bearer " + config_.http.admin_token}};
  std::vector<std::thread> callers;
  std::atomic<int> accepted{0};
  for (int i = 0; i < 40; ++i)
    callers.emplace_back([&, i] {
      httplib::Client http("127.0.0.1", service.admin_port());
      http.set_read_timeout(30, 0);
      auto r = http.Post("/v1/connections/acme/jobs", auth,
                         R"({"job_ids": ["JOB)" + std::to_string(i) + R"("]})", "application/json");
      if (r && r->status == 202) ++accepted;
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(accepted, 40);
  httplib::Client http("127.0.0.1", service.admin_port());
  auto listed = http.Get("/v1/connections/acme/jobs", auth);
  ASSERT_TRUE(listed);
  int found = 0;
  for (int i = 0; i < 40; ++i)
    if (listed->body.find(R"({"job_id":"JOB)" + std::to_string(i) + R"(","origin":"api")") !=
        std::string::npos)
      ++found;
  EXPECT_EQ(found, 40) << listed->body;
  service.Stop();
}

// Ids with JSON escapes (a trailing backslash, a quote, non-ASCII) are stored and listed intact,
// and so is every id after them.
TEST_F(SyncOptionsTest, JobIdsWithEscapesSurviveTheRoundTrip) {
  runtime::Service service(config_);
  ASSERT_TRUE(service.Start().ok());
  httplib::Client http("127.0.0.1", service.admin_port());
  httplib::Headers auth{{"Authorization", "Bearer " + config_.http.admin_token}};
  auto r = http.Post("/v1/connections/acme/jobs", auth,
                     R"({"job_ids": ["ENDS\\", "QU\"OTE", "caf\u00e9", "AFTER"]})", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  for (const auto* body : {&r->body}) {
    for (const char* id : {R"("ENDS\\")", R"("QU\"OTE")", "\"caf\xc3\xa9\"", R"("AFTER")"})
      EXPECT_NE(body->find(std::string(R"("job_id":)") + id), std::string::npos) << id << " in " << *body;
  }
  // A second import reads the stored list back: nothing before it may be lost.
  auto again = http.Post("/v1/connections/acme/jobs", auth, R"({"job_ids": ["LAST"]})", "application/json");
  ASSERT_TRUE(again);
  for (const char* id : {R"("ENDS\\")", R"("QU\"OTE")", "\"caf\xc3\xa9\"", R"("AFTER")", R"("LAST")"})
    EXPECT_NE(again->body.find(std::string(R"("job_id":)") + id), std::string::npos)
        << id << " in " << again->body;
  service.Stop();
}

}  // namespace
}  // namespace ats
