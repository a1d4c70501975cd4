// Pause, resume and resync of one connection through runtime::ConnectionRuntime (what the
// control API calls): persisted in the snapshot, surviving a restart, reported to the status
// listener. Real HTTP against simulated Workable tenants, the embedded Kafka, RocksDB on disk.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <string>
#include <vector>

#include "kafka/consumer.hpp"
#include "runtime/connection_task.hpp"
#include "runtime/service.hpp"
#include "sim/workable_tenant.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;

config::Config ServiceConfig(const testing::TempDir& dir) {
  config::Config config;
  config.snapshot.path = dir.File("snapshot");
  config.http.listen = "127.0.0.1:0";
  config.runtime.worker_threads = 2;
  return config;
}

config::ConnectionConfig Connection(const std::string& id, const sim::WorkableTenant& tenant) {
  auto c = testing::WorkableConnection(id, tenant.base_url(), "sandbox-token-0123456789");
  c.poll_interval_s = 1;
  return c;
}

long long Cycles(const runtime::Service& service, const std::string& id) {
  auto summary = service.Summary(id);
  return summary ? summary->cycles : -1;
}

struct Changes {
  std::mutex mu;
  std::vector<runtime::ConnectionStatusChange> all;
  runtime::StatusListener Listener() {
    return [this](const runtime::ConnectionStatusChange& c) {
      std::lock_guard lock(mu);
      all.push_back(c);
    };
  }
  int Count(const std::string& connection, const std::string& change) {
    std::lock_guard lock(mu);
    int n = 0;
    for (const auto& c : all) n += c.connection == connection && c.change == change;
    return n;
  }
};

TEST(ConnectionControlTest, APausedConnectionStaysPausedAcrossARestartUntilResumed) {
  sim::WorkableTenantOptions options;
  options.rate_limit_requests = 0;
  options.jobs = 1;
  options.candidates_per_job = 3;
  sim::WorkableTenant tenant(options);
  ASSERT_TRUE(tenant.Start());
  testing::TempDir dir;
  auto config = ServiceConfig(dir);
  config.connections.push_back(Connection("a", tenant));
  config.connections.push_back(Connection("clock", tenant));  // its cycles measure time passing

  {
    Changes changes;
    runtime::Service service(config);
    service.SetStatusListener(changes.Listener());
    ASSERT_TRUE(service.Start().ok());
    ASSERT_TRUE(Eventually([&] { return Cycles(service, "a") >= 2; }));
    EXPECT_EQ(changes.Count("a", "active"), 1) << "active is reported on the transition only";
    EXPECT_GE(changes.Count("a", "listing_completed"), 2);
    ASSERT_TRUE(service.SetPaused("a", true).ok());
    EXPECT_EQ(changes.Count("a", "paused"), 1);
    EXPECT_TRUE(service.Summary("a")->paused);
    EXPECT_EQ(service.Summary("a")->status, "Paused");
    // A cycle running when paused finishes; after it none starts.
    ASSERT_TRUE(Eventually([&] { return service.Summary("a")->state != "syncing"; }));
    const long long paused_at = Cycles(service, "a");
    const long long clock = Cycles(service, "clock");
    ASSERT_TRUE(Eventually([&] { return Cycles(service, "clock") >= clock + 3; }));
    EXPECT_EQ(Cycles(service, "a"), paused_at) << "a paused connection ran a cycle";
    EXPECT_FALSE(service.SetPaused("nope", true).ok());
    service.Stop();
  }

  Changes changes;
  runtime::Service service(config);
  service.SetStatusListener(changes.Listener());
  ASSERT_TRUE(service.Start().ok());
  EXPECT_TRUE(service.Summary("a")->paused) << "the pause did not survive the restart";
  httplib::Client http("127.0.0.1", service.admin_port());
  // Paused counts as tried: the process gets ready without a cycle of "a".
  ASSERT_TRUE(Eventually([&] {
    auto r = http.Get("/readyz");
    return r && r->status == 200;
  }));
  auto status = http.Get("/status");
  ASSERT_TRUE(status);
  EXPECT_NE(status->body.find("\"status\":\"Paused\""), std::string::npos) << status->body;
  const long long clock = Cycles(service, "clock");
  ASSERT_TRUE(Eventually([&] { return Cycles(service, "clock") >= clock + 2; }));
  EXPECT_EQ(Cycles(service, "a"), 0);

  ASSERT_TRUE(service.SetPaused("a", false).ok());
  EXPECT_EQ(changes.Count("a", "resumed"), 1);
  ASSERT_TRUE(Eventually([&] { return Cycles(service, "a") >= 1; })) << "resumed, but no cycle";
  EXPECT_FALSE(service.Summary("a")->paused);
  EXPECT_EQ(service.Summary("a")->status, "Active");
  service.Stop();
}

// A candidate deleted in the tenant is invisible to incremental listings (they list only what
// changed); a resync of the candidates lists them in full and publishes the deletion.
TEST(ConnectionControlTest, AResyncPublishesWhatTheIncrementalCursorHid) {
  sim::WorkableTenantOptions options;
  options.rate_limit_requests = 0;
  options.jobs = 2;
  options.candidates_per_job = 4;
  sim::WorkableTenant tenant(options);
  ASSERT_TRUE(tenant.Start());
  testing::TempDir dir;
  auto config = ServiceConfig(dir);
  config.connections.push_back(Connection("a", tenant));
  runtime::Service service(config);
  ASSERT_TRUE(service.Start().ok());
  ASSERT_TRUE(Eventually([&] { return Cycles(service, "a") >= 2; }));
  auto consumer =
      kafka::Consumer::Create(service.bootstrap_servers(), {config.kafka.topics.candidate_changed});
  ASSERT_TRUE(consumer.ok()) << consumer.error().message;

  std::string victim;
  for (const auto& c : tenant.candidates())
    for (const auto& j : tenant.jobs())
      if (victim.empty() && j.shortcode == c.job_shortcode && j.state == "published") victim = c.id;
  ASSERT_FALSE(victim.empty());
  ASSERT_TRUE(tenant.DeleteCandidate(victim));

  std::vector<testing::EventForValidation> events;
  const auto deleted_published = [&] {
    auto drained = (*consumer)->Drain(300ms, 2s);
    EXPECT_TRUE(drained.ok());
    bool found = false;
    for (const auto& m : *drained) {
      events.push_back({m.headers.at("ce_type"), m.value});
      found = found || (testing::JsonField(m.value, "change") == "deleted" &&
                        testing::JsonField(m.value, "candidate_id") == victim);
    }
    return found;
  };
  const long long before = Cycles(service, "a");
  ASSERT_TRUE(Eventually([&] { return Cycles(service, "a") >= before + 2; }));
  EXPECT_FALSE(deleted_published()) << "an incremental listing saw the deletion: the test proves nothing";

  ASSERT_TRUE(service.Resync("a", {"candidates", "", ""}).ok());
  EXPECT_FALSE(service.Resync("a", {"applicants", "", ""}).ok());
  EXPECT_FALSE(service.Resync("nope", {}).ok());
  bool published = false;
  ASSERT_TRUE(Eventually([&] { return published = published || deleted_published(); }, 60s));
  EXPECT_EQ(testing::ValidateAgainstSchemas(events), "");
  // The request is consumed by the cycle that applied it.
  const long long after = Cycles(service, "a");
  ASSERT_TRUE(Eventually([&] { return Cycles(service, "a") >= after + 1; }));
  service.Stop();
  auto store = snapshot::OpenRocksDbStore(config.snapshot.path);
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->GetMeta(runtime::ResyncKey("a")).value().has_value());
}

// A connection added to a running process (the control API, a reload) does not make it unready
// while its first cycle runs: readiness waits only for the connections present at start-up.
TEST(ConnectionControlTest, AConnectionAddedLaterLeavesTheProcessReady) {
  sim::WorkableTenantOptions options;
  options.rate_limit_requests = 0;
  options.jobs = 1;
  options.candidates_per_job = 2;
  sim::WorkableTenant first(options);
  sim::WorkableTenant slow(options);
  ASSERT_TRUE(first.Start());
  ASSERT_TRUE(slow.Start());
  testing::TempDir dir;
  auto config = ServiceConfig(dir);
  config.connections.push_back(Connection("first", first));
  runtime::Service service(config);
  ASSERT_TRUE(service.Start().ok());
  service.status().SetKafkaReachable(true);  // the embedded cluster answers; the ticker may lag
  ASSERT_TRUE(Eventually([&] { return service.status().Ready(); }));

  // The added connection's first answer takes 3 s: its first cycle is still running below.
  slow.SetFaultDelay(3s);
  slow.SetFault(sim::Fault::kTimeout, 1);
  auto added = Connection("added", slow);
  added.request_timeout_s = 10;
  ASSERT_TRUE(service.AddConnection(added, runtime::Origin::kApi).ok());
  ASSERT_TRUE(Eventually([&] { return slow.stats().requests >= 1; }));
  std::string why_not;
  EXPECT_TRUE(service.status().Ready(&why_not)) << why_not;
  EXPECT_EQ(Cycles(service, "added"), 0) << "the first cycle should still be waiting for the answer";
  ASSERT_TRUE(Eventually([&] { return Cycles(service, "added") >= 1; }));
}

// A resync asked for while the connection is paused waits in the snapshot: after a restart and
// the resume, the cycle lists the candidates in full and publishes what the cursor hid.
TEST(ConnectionControlTest, AResyncRequestedWhilePausedSurvivesARestart) {
  sim::WorkableTenantOptions options;
  options.rate_limit_requests = 0;
  options.jobs = 2;
  options.candidates_per_job = 4;
  sim::WorkableTenant tenant(options);
  ASSERT_TRUE(tenant.Start());
  testing::TempDir dir;
  auto config = ServiceConfig(dir);
  config.connections.push_back(Connection("a", tenant));
  std::string victim;
  {
    runtime::Service service(config);
    ASSERT_TRUE(service.Start().ok());
    ASSERT_TRUE(Eventually([&] { return Cycles(service, "a") >= 2; }));
    for (const auto& c : tenant.candidates())
      for (const auto& j : tenant.jobs())
        if (victim.empty() && j.shortcode == c.job_shortcode && j.state == "published") victim = c.id;
    ASSERT_FALSE(victim.empty());
    ASSERT_TRUE(tenant.DeleteCandidate(victim));
    const long long before = Cycles(service, "a");
    ASSERT_TRUE(Eventually([&] { return Cycles(service, "a") >= before + 1; }));  // incremental: unseen
    ASSERT_TRUE(service.SetPaused("a", true).ok());
    ASSERT_TRUE(service.Resync("a", {"candidates", "", ""}).ok());
    service.Stop();
  }
  runtime::Service service(config);
  ASSERT_TRUE(service.Start().ok());
  auto consumer =
      kafka::Consumer::Create(service.bootstrap_servers(), {config.kafka.topics.candidate_changed});
  ASSERT_TRUE(consumer.ok()) << consumer.error().message;
  ASSERT_TRUE(service.Summary("a").has_value());
  EXPECT_TRUE(service.Summary("a")->paused);
  ASSERT_TRUE(service.SetPaused("a", false).ok());
  bool published = false;
  std::vector<testing::EventForValidation> events;
  ASSERT_TRUE(Eventually(
      [&] {
        auto drained = (*consumer)->Drain(300ms, 2s);
        EXPECT_TRUE(drained.ok());
        for (const auto& m : *drained) {
          events.push_back({m.headers.at("ce_type"), m.value});
          published = published || (testing::JsonField(m.value, "change") == "deleted" &&
                                     testing::JsonField(m.value, "candidate_id") == victim);
        }
        return published;
      },
      60s));
  EXPECT_EQ(testing::ValidateAgainstSchemas(events), "");
}

}  // namespace
}  // namespace ats
