// cluster: how replicas share the connections; read, defaulted and validated like every key.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ats::config {
namespace {

const std::string kConnections = R"(connections:
  - id: acme
    source: workable
    workable:
      subdomain: acme
      api_token: token-0123456789
)";

std::vector<Problem> ProblemsOf(const std::string& yaml) {
  try {
    LoadConfigString(yaml);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

TEST(ClusterConfigTest, SingleModeByDefaultWithKafkaModesDefaults) {
  const auto c = LoadConfigString(kConnections).cluster;
  EXPECT_EQ(c.mode, "single");
  EXPECT_FALSE(c.kafka_mode());
  EXPECT_TRUE(c.exactly_once());
  EXPECT_EQ(c.state_partitions, 12);
  EXPECT_EQ(c.session_timeout_s, 10);
  EXPECT_EQ(c.group_id, "ats-connector");
}

TEST(ClusterConfigTest, EveryKeyIsRead) {
  const auto c = LoadConfigString(kConnections + R"(cluster:
  mode: kafka
  group_id: prod
  state_topic: s.state
  connections_topic: s.connections
  state_partitions: 24
  replication_factor: 5
  min_insync_replicas: 3
  create_topics: false
  delivery: at_least_once
  session_timeout_s: 30
  commit_interval_ms: 250
)").cluster;
  EXPECT_TRUE(c.kafka_mode());
  EXPECT_FALSE(c.exactly_once());
  EXPECT_EQ(c.group_id, "prod");
  EXPECT_EQ(c.state_topic, "s.state");
  EXPECT_EQ(c.connections_topic, "s.connections");
  EXPECT_EQ(c.state_partitions, 24);
  EXPECT_EQ(c.replication_factor, 5);
  EXPECT_EQ(c.min_insync_replicas, 3);
  EXPECT_FALSE(c.create_topics);
  EXPECT_EQ(c.session_timeout_s, 30);
  EXPECT_EQ(c.commit_interval_ms, 250);
}

// All at once, each with its key path.
TEST(ClusterConfigTest, BadValuesAreReportedTogetherWithTheirPaths) {
  const auto problems = ProblemsOf(kConnections + R"(cluster:
  mode: swarm
  delivery: maybe
  state_partitions: 0
  state_topic: "bad topic"
  min_insync_replicas: 4
  session_timeout_s: 2
  replicas: 3
)");
  std::map<std::string, std::string> by_path;
  for (const auto& p : problems) by_path[p.path] = p.message;
  ASSERT_EQ(by_path.size(), 7u) << problems.size();
  EXPECT_NE(by_path["cluster.mode"].find("single"), std::string::npos);
  EXPECT_NE(by_path["cluster.delivery"].find("exactly_once"), std::string::npos);
  EXPECT_TRUE(by_path.count("cluster.state_partitions"));
  EXPECT_NE(by_path["cluster.state_topic"].find("invalid topic name"), std::string::npos);
  EXPECT_NE(by_path["cluster.min_insync_replicas"].find("replication_factor"), std::string::npos);
  EXPECT_TRUE(by_path.count("cluster.session_timeout_s"));
  EXPECT_TRUE(by_path.count("cluster.replicas"));
}

TEST(ClusterConfigTest, TheTwoTopicsMustDiffer) {
  const auto problems = ProblemsOf(kConnections + "cluster:\n  state_topic: same\n  connections_topic: same\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "cluster.connections_topic");
}

}  // namespace
}  // namespace ats::config
