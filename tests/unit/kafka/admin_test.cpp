// kafka::EnsureTopics where no broker is needed: a cluster that cannot be asked is an error (not
// an empty list of problems). Creating and checking topics needs a real broker (librdkafka's mock
// cluster answers no DescribeConfigs and creates any topic a metadata request names):
// tests/integration/ensure_topics_test.cpp, in the kafka-real tier.
#include "kafka/admin.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ats::kafka {
namespace {

TEST(EnsureTopicsTest, AClusterThatCannotBeAskedIsAnError) {
  const TopicRequirement state{
      {"ats.connector.state", 12, 3, {{"cleanup.policy", "compact"}, {"min.insync.replicas", "2"}}}, true};
  auto r = EnsureTopics("127.0.0.1:1", {state}, {}, true, std::chrono::milliseconds(1500));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().retryable());
  EXPECT_NE(r.error().message.find("ats.connector.state"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace ats::kafka
