// kafka::EnsureTopics against a real Apache Kafka (the kafka-real tier only: librdkafka's mock
// cluster cannot answer DescribeConfigs). Registered as `kafka-real.RealKafkaAdminTest.*` and
// excluded from the mock run in tests/CMakeLists.txt; run outside that tier it fails, never skips.
// Each test uses topics of its own (unique names), so reruns on one cluster do not meet.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "kafka/admin.hpp"
#include "support/pipeline_harness.hpp"

namespace ats {
namespace {

using kafka::TopicRequirement;
using kafka::TopicSpec;

bool Has(const std::vector<std::string>& problems, const std::vector<std::string>& parts) {
  for (const auto& p : problems) {
    bool all = true;
    for (const auto& part : parts) all = all && p.find(part) != std::string::npos;
    if (all) return true;
  }
  return false;
}

std::string Joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += "\n  " + p;
  return out;
}

class RealKafkaAdminTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RealKafka()) << "run through ctest -L kafka-real (ATS_TEST_KAFKA_DIR names the cluster)";
  }

  // A topic name no other test or earlier run uses.
  static std::string Unique(const std::string& base) {
    static int counter = 0;
    const auto now = std::chrono::system_clock::now().time_since_epoch().count();
    return base + "." + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
           std::to_string(now % 1000000007);
  }

  // The cluster topics as the connector asks for them (one broker: replication factor 1).
  static std::vector<TopicRequirement> ClusterTopics(const std::string& state, const std::string& connections,
                                                     int min_insync) {
    const std::string isr = std::to_string(min_insync);
    return {{{state, 3, 1, {{"cleanup.policy", "compact"}, {"min.insync.replicas", isr}}}, true},
            {{connections, 1, 1, {{"cleanup.policy", "compact"}, {"min.insync.replicas", isr}}}, true}};
  }
};

TEST_F(RealKafkaAdminTest, CreatesMissingTopicsWithPartitionsCompactionAndMinInsync) {
  const std::string state = Unique("ats.connector.state"), connections = Unique("ats.connector.connections");
  auto created = kafka::EnsureTopics(bootstrap(), ClusterTopics(state, connections, 1), {}, true);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_TRUE(created->empty()) << Joined(*created);

  // What the cluster now says, asked by other means than EnsureTopics.
  auto leaders = kafka::PartitionLeaders(bootstrap(), state);
  ASSERT_TRUE(leaders.ok()) << leaders.error().message;
  EXPECT_EQ(leaders->size(), 3u);
  auto conn_leaders = kafka::PartitionLeaders(bootstrap(), connections);
  ASSERT_TRUE(conn_leaders.ok()) << conn_leaders.error().message;
  EXPECT_EQ(conn_leaders->size(), 1u);
  for (const auto& t : {state, connections}) {
    auto policy = kafka::TopicCleanupPolicy(bootstrap(), t);
    ASSERT_TRUE(policy.ok()) << policy.error().message;
    EXPECT_EQ(policy->value_or("(none)"), "compact") << t;
  }

  // A second start finds them as required: nothing created, nothing to report.
  auto again = kafka::EnsureTopics(bootstrap(), ClusterTopics(state, connections, 1), {}, true);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->empty()) << Joined(*again);
  // min.insync.replicas was set on the topic itself (1): asking for 2 finds it low.
  auto stricter = kafka::EnsureTopics(bootstrap(), ClusterTopics(state, connections, 2), {}, false);
  ASSERT_TRUE(stricter.ok()) << stricter.error().message;
  EXPECT_EQ(stricter->size(), 2u) << Joined(*stricter);
  EXPECT_TRUE(Has(*stricter, {"topic " + state, "min.insync.replicas=1", "wanted at least 2"}))
      << Joined(*stricter);
}

TEST_F(RealKafkaAdminTest, ReportsWrongPartitionsDeletePolicyAndLowMinInsyncEachWithItsFix) {
  const std::string topic = Unique("ats.connector.state");
  ASSERT_TRUE(kafka::CreateTopics(
                  bootstrap(), {{topic, 2, 1, {{"cleanup.policy", "delete"}, {"min.insync.replicas", "1"}}}})
                  .ok());
  const TopicRequirement want{{topic, 3, 1, {{"cleanup.policy", "compact"}, {"min.insync.replicas", "2"}}},
                              true};
  auto r =
      kafka::EnsureTopics(bootstrap(), {want}, {}, true);  // create=true does not alter an existing topic
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 3u) << Joined(*r);
  EXPECT_TRUE(Has(*r, {"topic " + topic + " has 2 partitions, wanted exactly 3",
                       "kafka-topics.sh --bootstrap-server " + bootstrap() + " --delete --topic " + topic}))
      << Joined(*r);
  EXPECT_TRUE(Has(*r, {"topic " + topic + " has cleanup.policy=delete, wanted compact",
                       "kafka-configs.sh --bootstrap-server " + bootstrap() +
                           " --alter --entity-type topics --entity-name " + topic +
                           " --add-config cleanup.policy=compact"}))
      << Joined(*r);
  EXPECT_TRUE(Has(*r, {"topic " + topic + " has min.insync.replicas=1, wanted at least 2",
                       "--add-config min.insync.replicas=2"}))
      << Joined(*r);
  auto policy = kafka::TopicCleanupPolicy(bootstrap(), topic);
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  EXPECT_EQ(policy->value_or("(none)"), "delete");  // reported, not changed

  // Without exact_partitions, more partitions than asked is fine and fewer names --alter.
  auto at_least_one = kafka::EnsureTopics(bootstrap(), {{{topic, 1, 1, {}}, false}}, {}, false);
  ASSERT_TRUE(at_least_one.ok()) << at_least_one.error().message;
  EXPECT_TRUE(at_least_one->empty()) << Joined(*at_least_one);
  auto at_least_four = kafka::EnsureTopics(bootstrap(), {{{topic, 4, 1, {}}, false}}, {}, false);
  ASSERT_TRUE(at_least_four.ok()) << at_least_four.error().message;
  EXPECT_TRUE(Has(*at_least_four,
                  {"has 2 partitions, wanted at least 4", "--alter --topic " + topic + " --partitions 4"}))
      << Joined(*at_least_four);
  // A replication factor above what the topic has (1) names the reassignment tool.
  auto rf = kafka::EnsureTopics(bootstrap(), {{{topic, 2, 3, {}}, true}}, {}, false);
  ASSERT_TRUE(rf.ok()) << rf.error().message;
  EXPECT_TRUE(Has(*rf, {"replication factor 1, wanted at least 3", "kafka-reassign-partitions.sh"}))
      << Joined(*rf);
}

TEST_F(RealKafkaAdminTest, CreateFalseOnlyReportsAMissingTopic) {
  const std::string state = Unique("ats.connector.state"), connections = Unique("ats.connector.connections");
  auto r = kafka::EnsureTopics(bootstrap(), ClusterTopics(state, connections, 1), {}, false);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 2u) << Joined(*r);
  EXPECT_TRUE(
      Has(*r, {"topic " + state + " does not exist", "--create --topic " + state + " --partitions 3"}))
      << Joined(*r);
  // Not created, not even by the metadata request (the broker has auto.create.topics.enable=true).
  for (const auto& t : {state, connections}) {
    auto policy = kafka::TopicCleanupPolicy(bootstrap(), t);
    ASSERT_TRUE(policy.ok()) << policy.error().message;
    EXPECT_FALSE(policy->has_value()) << t << " exists";
  }
}

}  // namespace
}  // namespace ats
