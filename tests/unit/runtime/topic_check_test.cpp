#include "runtime/topic_check.hpp"

#include <gtest/gtest.h>

namespace ats::runtime {
namespace {

TEST(TopicCheckTest, CompactedPoliciesPass) {
  EXPECT_EQ(StateTopicProblem("ats.jobs.state.v1", "compact", "b:9092"), std::nullopt);
  EXPECT_EQ(StateTopicProblem("ats.jobs.state.v1", "compact,delete", "b:9092"), std::nullopt);
  EXPECT_EQ(StateTopicProblem("ats.jobs.state.v1", "delete, compact", "b:9092"), std::nullopt);
}

TEST(TopicCheckTest, DeleteOnlyPolicyIsNamedWithTheTopicAndTheFix) {
  for (const std::string policy : {"delete", "", "compacted"}) {
    const auto problem = StateTopicProblem("ats.candidates.state.v1", policy, "kafka-0:9092");
    ASSERT_TRUE(problem.has_value()) << policy;
    EXPECT_NE(problem->find("state topic ats.candidates.state.v1 has cleanup.policy=" + policy),
              std::string::npos)
        << *problem;
    EXPECT_NE(problem->find("kafka-configs.sh --bootstrap-server kafka-0:9092 --alter --entity-type topics "
                            "--entity-name ats.candidates.state.v1 --add-config cleanup.policy=compact"),
              std::string::npos)
        << *problem;
  }
}

TEST(TopicCheckTest, MissingTopicIsAProblemEvenWhereBrokersAutoCreate) {
  const auto problem = StateTopicProblem("ats.jobs.state.v1", std::nullopt, "kafka-0:9092");
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("state topic ats.jobs.state.v1 does not exist"), std::string::npos) << *problem;
  EXPECT_NE(problem->find("--create --topic ats.jobs.state.v1 --config cleanup.policy=compact"),
            std::string::npos)
      << *problem;
}

}  // namespace
}  // namespace ats::runtime
