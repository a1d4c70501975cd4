// The assembled service: config in, workers running on their own threads, and what ops see on
// the admin port (/healthz, /readyz, /metrics, /status) over real HTTP.
#include "runtime/service.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "sim/workable_tenant.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

config::ConnectionConfig Connection(const std::string& id, const sim::WorkableTenant& tenant,
                                    const std::string& token) {
  config::ConnectionConfig c = testing::WorkableConnection(id, tenant.base_url(), token);
  c.poll_interval_s = 1;
  return c;
}

// Polls `fn` every 100 ms until it returns true or `limit` passes.
using testing::Eventually;

TEST(ServiceTest, AdminEndpointsTellTheTruthAboutEachConnection) {
  sim::WorkableTenantOptions options;
  options.rate_limit_requests = 0;
  sim::WorkableTenant tenant(options);
  ASSERT_TRUE(tenant.Start());
  testing::TempDir dir;

  const std::string bad_token = "revoked-token-SECRET-42";
  config::Config config;
  config.connections.push_back(Connection("good", tenant, options.token));
  config.connections.push_back(Connection("bad", tenant, bad_token));
  config.snapshot.path = dir.File("snapshot");
  config.http.listen = "127.0.0.1:0";
  runtime::Service service(config);
  auto started = service.Start();
  ASSERT_TRUE(started.ok()) << started.error().message;

  httplib::Client http("127.0.0.1", service.admin_port());
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  ASSERT_TRUE(Eventually([&] {
    auto r = http.Get("/readyz");
    return r && r->status == 200;
  })) << "never became ready";

  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  const std::string& m = metrics->body;
  EXPECT_NE(m.find("ats_connector_connection_up{connection=\"good\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("ats_connector_connection_up{connection=\"bad\"} 0"), std::string::npos) << m;
  EXPECT_NE(m.find("ats_connector_errors_total{connection=\"bad\",kind=\"auth\"}"), std::string::npos);
  EXPECT_NE(m.find("ats_connector_events_published_total{connection=\"good\",type=\"candidate-changed\"}"),
            std::string::npos);
  for (const char* name : {"ats_connector_sync_lag_seconds", "ats_connector_records_fetched_total",
                           "ats_connector_http_requests_total", "ats_connector_http_request_duration_seconds",
                           "ats_connector_rate_limit_remaining", "ats_connector_kafka_queue_messages",
                           "ats_connector_sync_duration_seconds", "ats_connector_source_freshness_seconds"})
    EXPECT_NE(m.find(name), std::string::npos) << name;
  EXPECT_EQ(m.find(bad_token), std::string::npos);

  auto status = http.Get("/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
  const std::string& s = status->body;
  EXPECT_NE(s.find("\"id\":\"good\""), std::string::npos) << s;
  EXPECT_NE(s.find("\"status\":\"Active\""), std::string::npos) << s;
  EXPECT_NE(s.find("\"status\":\"Failed\""), std::string::npos) << s;
  EXPECT_NE(s.find("\"kind\":\"auth\""), std::string::npos) << s;
  EXPECT_EQ(s.find(bad_token), std::string::npos) << "secret leaked into /status";
  service.Stop();
}

TEST(ServiceTest, AForeignSnapshotDirectoryStopsStartUpAndIsLeftAlone) {
  sim::WorkableTenant tenant(sim::WorkableTenantOptions{});
  ASSERT_TRUE(tenant.Start());
  testing::TempDir dir;
  testing::WriteFile(dir.File("notes.txt"), "somebody else's data");
  config::Config config;
  config.connections.push_back(Connection("c", tenant, "sandbox-token-0123456789"));
  config.snapshot.path = dir.path();
  config.http.listen = "127.0.0.1:0";
  runtime::Service service(config);
  auto started = service.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().category, ErrorCategory::kSnapshot);
  EXPECT_EQ(testing::ReadFile(dir.File("notes.txt")), "somebody else's data");
}

}  // namespace
}  // namespace ats
