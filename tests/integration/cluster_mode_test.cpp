// Cluster mode (issue 15) in process: two replicas (Services) in one group share connections
// through the state topic's partitions, restore a partition's state from the changelog when it
// moves, and go on without publishing again what the other replica published. Against the mock
// cluster here, and against real Apache Kafka in the kafka-real tier (same test).
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "connections/keyring.hpp"
#include "kafka/admin.hpp"
#include "runtime/service.hpp"
#include "sim/workable_tenant.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;

constexpr int kConnections = 8;
constexpr int kCandidates = 6;  // 2 jobs x 3

class ClusterModeTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartKafka());
    const std::string suffix = topics_.candidate_changed;  // unique per test on a real cluster
    topics_.connection_status = "status-" + suffix;
    cluster_config_.mode = "kafka";
    cluster_config_.group_id = "g-" + suffix;
    cluster_config_.state_topic = "state-" + suffix;
    cluster_config_.connections_topic = "connections-" + suffix;
    cluster_config_.state_partitions = 4;
    cluster_config_.create_topics = false;
    cluster_config_.replication_factor = 1;
    cluster_config_.min_insync_replicas = 1;
    cluster_config_.commit_interval_ms = 20;
    cluster_config_.session_timeout_s = 6;
    if (RealKafka()) {
      auto created = kafka::CreateTopics(
          bootstrap(),
          {{cluster_config_.state_topic, 4, 1, {{"cleanup.policy", "compact"}, {"min.insync.replicas", "1"}}},
           {cluster_config_.connections_topic,
            1,
            1,
            {{"cleanup.policy", "compact"}, {"min.insync.replicas", "1"}}},
           {topics_.connection_status, 1, 1, {}}});
      ASSERT_TRUE(created.ok()) << created.error().message;
    } else {
      ASSERT_TRUE(cluster_->CreateTopic(cluster_config_.state_topic, 4, 1).ok());
      ASSERT_TRUE(cluster_->CreateTopic(cluster_config_.connections_topic, 1, 1).ok());
      ASSERT_TRUE(cluster_->CreateTopic(topics_.connection_status, 1, 1).ok());
    }
    sim::WorkableTenantOptions options;
    options.token = "sandbox-token-0123456789";
    options.rate_limit_requests = 0;
    options.jobs = 2;
    options.candidates_per_job = 3;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
  }

  config::Config Replica(const std::string& name) {
    config::Config config;
    config.snapshot.path = dir_.File("cache-" + name);
    config.http.listen = "127.0.0.1:0";
    config.runtime.worker_threads = 4;
    config.kafka.bootstrap_servers = bootstrap();
    config.kafka.topics = topics_;
    config.kafka.delivery_timeout_s = 10;
    config.cluster = cluster_config_;
    for (int i = 0; i < kConnections; ++i) {
      auto c = testing::WorkableConnection("conn-" + std::to_string(i), tenant_->base_url(),
                                           "sandbox-token-0123456789");
      c.poll_interval_s = 1;
      config.connections.push_back(c);
    }
    return config;
  }

  static std::set<std::string> Running(const runtime::Service& service) {
    std::set<std::string> ids;
    for (const auto& s : service.Summaries())
      if (s.state != "remote") ids.insert(s.id);  // (a cluster replica lists the others' too)
    return ids;
  }

  static bool AllActive(const runtime::Service& service, size_t n) {
    size_t running = 0;
    for (const auto& s : service.Summaries()) {
      if (s.state == "remote") continue;
      if (s.status != "Active") return false;
      ++running;
    }
    return running == n;
  }

  // Candidate events of the partitions' connections since the last call, by connection.
  std::map<std::string, int> CandidateEvents(std::vector<testing::Event>& all, size_t at_least) {
    std::vector<testing::Event> events;
    Eventually(
        [&] {
          auto more = Consume(500ms, 5s);
          events.insert(events.end(), more.begin(), more.end());
          size_t n = 0;
          for (const auto& e : events) n += e.topic == topics_.candidate_changed ? 1 : 0;
          return n >= at_least;
        },
        60s);
    auto settle = Consume(1500ms, 5s);  // and nothing more arrives
    events.insert(events.end(), settle.begin(), settle.end());
    std::map<std::string, int> by_connection;
    for (const auto& e : events)
      if (e.topic == topics_.candidate_changed) ++by_connection[testing::JsonField(e.value, "connection")];
    all.insert(all.end(), events.begin(), events.end());
    return by_connection;
  }

  // A replica with the control API on (same token and keyring on every replica), no YAML connections.
  config::Config ApiReplica(const std::string& name) {
    auto config = Replica(name);
    config.connections.clear();
    config.http.admin_token = kAdminToken;
    config.secrets.keyring_file = dir_.File("keyring.yaml");
    if (!std::filesystem::exists(config.secrets.keyring_file)) {
      std::ofstream(config.secrets.keyring_file) << connections::Keyring::Generate();
      std::filesystem::permissions(config.secrets.keyring_file,
                                   std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    return config;
  }

  static constexpr const char* kAdminToken = "admin-token-0123456789abcdef";
  httplib::Headers auth_{{"Authorization", std::string("Bearer ") + kAdminToken}};
  config::ClusterConfig cluster_config_;
  std::unique_ptr<sim::WorkableTenant> tenant_;
};

TEST_F(ClusterModeTest, ReplicasShareConnectionsAndHandOverWithoutPublishingAgain) {
  std::vector<testing::Event> all;
  runtime::Service a(Replica("a"));
  auto started = a.Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  ASSERT_TRUE(Eventually([&] { return AllActive(a, kConnections); }, 60s))
      << "replica a never ran every connection";
  auto first = CandidateEvents(all, kConnections * kCandidates);
  ASSERT_EQ(first.size(), static_cast<size_t>(kConnections));
  for (const auto& [connection, n] : first) EXPECT_EQ(n, kCandidates) << connection;

  // A second replica joins: the group splits the partitions; what moves is restored and goes on.
  runtime::Service b(Replica("b"));
  started = b.Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  ASSERT_TRUE(Eventually(
      [&] {
        auto ra = Running(a), rb = Running(b);
        if (ra.empty() || rb.empty() || ra.size() + rb.size() != kConnections) return false;
        return AllActive(b, rb.size());
      },
      90s))
      << "the connections were not shared: a runs " << Running(a).size() << ", b " << Running(b).size();
  for (const auto& id : Running(b)) EXPECT_EQ(Running(a).count(id), 0u) << id << " runs on both replicas";
  std::string why;
  EXPECT_TRUE(b.status().Ready(&why)) << why;

  // One change in the tenant: every connection publishes it once, whichever replica runs it,
  // and nothing the first replica published comes again from the second.
  ASSERT_EQ(tenant_->MutateRandom(1).size(), 1u);
  auto second = CandidateEvents(all, kConnections);
  ASSERT_EQ(second.size(), static_cast<size_t>(kConnections));
  for (const auto& [connection, n] : second) EXPECT_EQ(n, 1) << connection;

  // The second replica leaves cleanly: the first takes back the partitions it gave away (and
  // had restored once: a partition handed back must be read again), from the changelog.
  b.Stop();
  ASSERT_TRUE(Eventually([&] { return AllActive(a, kConnections); }, 90s)) << "a runs " << Running(a).size();
  ASSERT_EQ(tenant_->MutateRandom(1).size(), 1u);
  auto third = CandidateEvents(all, kConnections);
  ASSERT_EQ(third.size(), static_cast<size_t>(kConnections));
  for (const auto& [connection, n] : third) EXPECT_EQ(n, 1) << connection;
  EXPECT_EQ(a.metrics().ClusterPartitionsOwned().Value(), 4.0);
  EXPECT_GE(a.metrics().ClusterTransactions("committed").Value(), 1.0);
  ExpectValid(all);
  a.Stop();
}

// The control API on any replica works for every connection: the write goes to the connections
// topic, the replica that owns the connection's partition runs it, pauses it, resyncs it and
// removes it; the other answers from the topics.
TEST_F(ClusterModeTest, AnApiCallOnAnyReplicaReachesTheConnectionsOwner) {
  runtime::Service a(ApiReplica("a")), b(ApiReplica("b"));
  auto started = a.Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  started = b.Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  ASSERT_TRUE(Eventually(
      [&] {
        return a.metrics().ClusterPartitionsOwned().Value() + b.metrics().ClusterPartitionsOwned().Value() ==
                   4 &&
               a.metrics().ClusterPartitionsOwned().Value() > 0 &&
               b.metrics().ClusterPartitionsOwned().Value() > 0 && a.status().Ready() && b.status().Ready();
      },
      90s))
      << "the two replicas never split the partitions";
  httplib::Client http_a("127.0.0.1", a.admin_port()), http_b("127.0.0.1", b.admin_port());
  // Several connections, so that each replica owns some of them whichever partitions it has.
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    const std::string id = "api-" + std::to_string(i);
    ids.push_back(id);
    const std::string body = R"({"id":")" + id +
                             R"(","source":"workable","poll_interval_s":1,"workable":{"subdomain":"acme",)"
                             R"("api_token":"sandbox-token-0123456789","base_url":")" +
                             tenant_->base_url() + R"(","allow_insecure_http":true}})";
    auto created = (i % 2 == 0 ? http_a : http_b).Post("/v1/connections", auth_, body, "application/json");
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status, 201) << created->body;
  }
  const auto owner_of = [&](const std::string& id) -> runtime::Service* {
    auto sa = a.Summary(id), sb = b.Summary(id);
    if (sa && sa->state != "remote") return &a;
    if (sb && sb->state != "remote") return &b;
    return nullptr;
  };
  ASSERT_TRUE(Eventually(
      [&] {
        for (const auto& id : ids) {
          auto* owner = owner_of(id);
          if (owner == nullptr || owner->Summary(id)->status != "Active") return false;
        }
        return true;
      },
      60s))
      << "not every API connection ran on its owner";
  size_t on_a = 0;
  for (const auto& id : ids) {
    on_a += owner_of(id) == &a ? 1 : 0;
    // Both replicas know it; exactly one runs it.
    EXPECT_TRUE(a.Summary(id).has_value() && b.Summary(id).has_value()) << id;
    EXPECT_FALSE(a.Summary(id)->state != "remote" && b.Summary(id)->state != "remote") << id << " runs twice";
  }
  EXPECT_GT(on_a, 0u);
  EXPECT_LT(on_a, ids.size());

  // Pause through the replica that does not run it; the owner's connection stops its cycles.
  const std::string& id = ids[0];
  runtime::Service* owner = owner_of(id);
  runtime::Service* other = owner == &a ? &b : &a;
  httplib::Client& other_http = owner == &a ? http_b : http_a;
  auto paused = other_http.Post(("/v1/connections/" + id + "/pause").c_str(), auth_, "", "application/json");
  ASSERT_TRUE(paused);
  ASSERT_EQ(paused->status, 200) << paused->body;
  ASSERT_TRUE(Eventually([&] { return owner->Summary(id)->paused; }, 30s)) << "the owner never paused " << id;
  EXPECT_TRUE(other->Summary(id)->paused);
  auto resumed =
      other_http.Post(("/v1/connections/" + id + "/resume").c_str(), auth_, "", "application/json");
  ASSERT_TRUE(resumed);
  ASSERT_EQ(resumed->status, 200) << resumed->body;
  ASSERT_TRUE(Eventually([&] { return !owner->Summary(id)->paused; }, 30s));

  // A resync through the other replica: the owner runs a cycle at once (its count grows).
  const long long cycles = owner->Summary(id)->cycles;
  auto resync =
      other_http.Post(("/v1/connections/" + id + "/resync").c_str(), auth_, "{}", "application/json");
  ASSERT_TRUE(resync);
  ASSERT_EQ(resync->status, 202) << resync->body;
  ASSERT_TRUE(Eventually([&] { return owner->Summary(id)->cycles > cycles; }, 30s));

  // Delete through the other replica: the owner stops running it, neither replica lists it.
  auto deleted = other_http.Delete(("/v1/connections/" + id + "?purge=true").c_str(), auth_);
  ASSERT_TRUE(deleted);
  ASSERT_EQ(deleted->status, 200) << deleted->body;
  ASSERT_TRUE(
      Eventually([&] { return !owner->Summary(id).has_value() && !other->Summary(id).has_value(); }, 30s))
      << id << " still known after its deletion";
  auto gone = (owner == &a ? http_a : http_b).Get(("/v1/connections/" + id).c_str(), auth_);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  b.Stop();
  a.Stop();
}

}  // namespace
}  // namespace ats
