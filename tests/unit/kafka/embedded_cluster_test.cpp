#include "kafka/embedded_cluster.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "kafka/consumer.hpp"
#include "support/test_support.hpp"

namespace ats::kafka {
namespace {

TEST(EmbeddedClusterTest, ListensOnLoopbackWithOneAddressPerBroker) {
  auto cluster = EmbeddedCluster::Start(3);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  const std::string& bootstrap = (*cluster)->bootstrap_servers();
  size_t count = 0;
  for (size_t pos = 0; (pos = bootstrap.find("127.0.0.1:", pos)) != std::string::npos; ++pos) ++count;
  EXPECT_EQ(count, 3u) << bootstrap;
}

TEST(EmbeddedClusterTest, RejectsAZeroBrokerCluster) {
  auto cluster = EmbeddedCluster::Start(0);
  ASSERT_FALSE(cluster.ok());
  EXPECT_EQ(cluster.error().category, ErrorCategory::kConfig);
}

TEST(EmbeddedClusterTest, TopicCreationAndBrokerControlReportErrors) {
  auto cluster = EmbeddedCluster::Start(1);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  ASSERT_TRUE((*cluster)->CreateTopic("jobs", 2, 1).ok());
  const auto again = (*cluster)->CreateTopic("jobs", 2, 1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().category, ErrorCategory::kKafka);
  EXPECT_NE(again.error().message.find("cannot create topic jobs"), std::string::npos)
      << again.error().message;
  for (int partitions : {0, -1}) {
    const auto bad = (*cluster)->CreateTopic("bad", partitions, 1);
    ASSERT_FALSE(bad.ok()) << partitions;
    EXPECT_EQ(bad.error().category, ErrorCategory::kConfig);
  }
  EXPECT_TRUE((*cluster)->SetBrokerDown(1).ok());
  EXPECT_TRUE((*cluster)->SetBrokerUp(1).ok());
  EXPECT_FALSE((*cluster)->SetBrokerDown(42).ok());
}

TEST(EmbeddedClusterTest, ConsumerSeesATopicCreatedAfterIt) {
  auto cluster = EmbeddedCluster::Start(1);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  auto consumer = Consumer::Create((*cluster)->bootstrap_servers(), {"later"});
  ASSERT_TRUE(consumer.ok()) << consumer.error().message;
  auto empty = (*consumer)->Drain(std::chrono::milliseconds(100), std::chrono::milliseconds(500));
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->empty());
  ASSERT_TRUE((*cluster)->CreateTopic("later", 1, 1).ok());
  // The topic is now assigned; with nothing in it, Drain still succeeds with no messages.
  auto still_empty = (*consumer)->Drain(std::chrono::milliseconds(100), std::chrono::milliseconds(500));
  ASSERT_TRUE(still_empty.ok()) << still_empty.error().message;
  EXPECT_TRUE(still_empty->empty());
}

// The mock brokers are real Kafka-protocol listeners: an external client lists their metadata.
TEST(EmbeddedClusterTest, KcatListsTheClusterMetadata) {
  const auto which = testing::RunCommand("command -v kcat");
  ASSERT_EQ(which.exit_code, 0)
      << "kcat is not on PATH; install it (scripts/install-deps.sh installs kcat) to run this test";

  auto cluster = EmbeddedCluster::Start(2);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  ASSERT_TRUE((*cluster)->CreateTopic("kcat-visible", 3, 2).ok());
  const auto r = testing::RunCommand("kcat -b " + (*cluster)->bootstrap_servers() + " -L -J -m 10");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // -J prints one JSON document; check the parts that prove a real metadata exchange.
  EXPECT_NE(r.output.find(R"("topic":"kcat-visible")"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(R"("name":"127.0.0.1:)"), std::string::npos) << r.output;
  size_t partitions = 0;
  for (size_t pos = 0; (pos = r.output.find(R"("partition":)", pos)) != std::string::npos; ++pos)
    ++partitions;
  EXPECT_EQ(partitions, 3u) << r.output;
}

}  // namespace
}  // namespace ats::kafka
