// The control API on the running Service: a connection created through it survives a restart
// (read back from the snapshot, origin "api"), so does its paused flag, its credential is on
// disk only sealed (the whole snapshot directory is searched for it), and the Service publishes
// the API's changes on ats.connection-status.v1 (read back and validated against schemas/).
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "connections/keyring.hpp"
#include "kafka/consumer.hpp"
#include "runtime/service.hpp"
#include "sim/workable_tenant.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

constexpr const char* kToken = "admin-token-0123456789abcdef";
constexpr const char* kStatusTopic = "ats.connection-status.v1";

class ControlRestartTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions o;
    o.jobs = 2;
    o.candidates_per_job = 2;
    o.rate_limit_requests = 0;
    tenant_token_ = o.token;
    tenant_ = std::make_unique<sim::WorkableTenant>(o);
    ASSERT_TRUE(tenant_->Start());
    ASSERT_NO_FATAL_FAILURE(StartKafka());
    ASSERT_TRUE(cluster_->CreateTopic(kStatusTopic, 1, 1).ok());
    config_.kafka.bootstrap_servers = bootstrap();
    config_.kafka.topics = topics_;
    config_.snapshot.path = dir_.File("snapshot");
    config_.http.listen = "127.0.0.1:0";
    config_.http.admin_token = kToken;
    config_.secrets.keyring_file = dir_.File("keyring.yaml");
    {
      std::ofstream keyring(config_.secrets.keyring_file);
      keyring << connections::Keyring::Generate();
    }
    std::filesystem::permissions(config_.secrets.keyring_file, std::filesystem::perms::owner_read |
                                                                   std::filesystem::perms::owner_write);
  }

  std::string Body() const {
    return R"({"id":"acme-api","source":"workable","poll_interval_s":3600,"workable":{"subdomain":"acme",)"
           R"("api_token":")" +
           tenant_token_ + R"(","base_url":")" + tenant_->base_url() + R"(","allow_insecure_http":true}})";
  }

  // Every byte of every file under `dir` (RocksDB's SSTs, WAL, MANIFEST, LOG ...).
  static bool AnyFileHolds(const std::string& dir, const std::string& needle) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      if (bytes.str().find(needle) != std::string::npos) return true;
    }
    return false;
  }

  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::string tenant_token_;
  config::Config config_;
  httplib::Headers auth_{{"Authorization", std::string("Bearer ") + kToken}};
};

TEST_F(ControlRestartTest, AnApiConnectionAndItsPauseSurviveARestartSealedAtRest) {
  auto status_consumer = kafka::Consumer::Create(bootstrap(), {kStatusTopic});
  ASSERT_TRUE(status_consumer.ok());
  {
    runtime::Service service(config_);
    ASSERT_TRUE(service.Start().ok());
    httplib::Client http("127.0.0.1", service.admin_port());
    auto created = http.Post("/v1/connections", auth_, Body(), "application/json");
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
    auto paused = http.Post("/v1/connections/acme-api/pause", auth_, "", "application/json");
    ASSERT_TRUE(paused);
    ASSERT_EQ(paused->status, 200) << paused->body;
    service.Stop();
  }
  EXPECT_FALSE(AnyFileHolds(config_.snapshot.path, tenant_token_)) << "the token is on disk in plain text";

  runtime::Service service(config_);
  ASSERT_TRUE(service.Start().ok());
  httplib::Client http("127.0.0.1", service.admin_port());
  auto got = http.Get("/v1/connections/acme-api", auth_);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_NE(got->body.find(R"("origin":"api")"), std::string::npos) << got->body;
  EXPECT_NE(got->body.find(R"("paused":true)"), std::string::npos) << got->body;
  EXPECT_EQ(got->body.find(tenant_token_), std::string::npos) << got->body;
  auto resumed = http.Post("/v1/connections/acme-api/resume", auth_, "", "application/json");
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->status, 200);
  EXPECT_NE(resumed->body.find(R"("paused":false)"), std::string::npos) << resumed->body;

  std::vector<kafka::ConsumedMessage> messages;
  ASSERT_TRUE(testing::Eventually([&] {
    auto drained = (*status_consumer)->Drain(std::chrono::milliseconds(300), std::chrono::seconds(5));
    if (drained.ok())
      for (auto& m : *drained) messages.push_back(std::move(m));
    // The runtime's own reports reach the topic too: the resumed connection's first cycle.
    return std::any_of(messages.begin(), messages.end(), [](const kafka::ConsumedMessage& m) {
      return testing::JsonField(m.value, "change") == "listing_completed";
    });
  }));
  std::vector<std::string> changes;
  std::vector<testing::EventForValidation> events;
  for (const auto& m : messages) {
    EXPECT_EQ(m.key, "acme-api");
    EXPECT_EQ(m.value.find(tenant_token_), std::string::npos);
    changes.push_back(testing::JsonField(m.value, "change"));
    events.push_back({m.headers.count("ce_type") ? m.headers.at("ce_type") : "", m.value});
  }
  // The first service's connection may finish a cycle before the pause lands (active,
  // listing_completed), so the API's changes are compared in order without those.
  std::vector<std::string> control_changes;
  for (const auto& c : changes)
    if (c == "created" || c == "paused" || c == "resumed") control_changes.push_back(c);
  EXPECT_EQ(control_changes, (std::vector<std::string>{"created", "paused", "resumed"}));
  EXPECT_EQ(changes.back(), "listing_completed");
  EXPECT_EQ(testing::ValidateAgainstSchemas(events), "");
}

}  // namespace
}  // namespace ats
