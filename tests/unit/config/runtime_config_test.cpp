// runtime.worker_threads: the scheduler pool's size, read, defaulted and validated like every key.
#include <gtest/gtest.h>

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

TEST(RuntimeConfigTest, WorkerThreadsDefaultsToEight) {
  EXPECT_EQ(LoadConfigString(kConnections).runtime.worker_threads, 8);
}

TEST(RuntimeConfigTest, WorkerThreadsIsRead) {
  EXPECT_EQ(LoadConfigString(kConnections + "runtime:\n  worker_threads: 32\n").runtime.worker_threads, 32);
}

TEST(RuntimeConfigTest, OutOfRangeAndUnknownKeysAreReportedWithTheirPath) {
  for (const std::string value : {"0", "257", "many", "-3"}) {
    const auto problems = ProblemsOf(kConnections + "runtime:\n  worker_threads: " + value + "\n");
    ASSERT_EQ(problems.size(), 1u) << value;
    EXPECT_EQ(problems[0].path, "runtime.worker_threads") << value;
  }
  const auto problems = ProblemsOf(kConnections + "runtime:\n  worker_thread: 4\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("worker_threads"), std::string::npos) << problems[0].message;
}

// The reload diff compares whole connections: any setting differs -> changed.
TEST(RuntimeConfigTest, ConnectionsCompareByEverySetting) {
  const Config a = LoadConfigString(kConnections);
  Config b = a;
  EXPECT_TRUE(a.connections[0] == b.connections[0]);
  b.connections[0].poll_interval_s = 5;
  EXPECT_FALSE(a.connections[0] == b.connections[0]);
  b = a;
  b.connections[0].workable.rate_limit.requests = 3;
  EXPECT_FALSE(a.connections[0] == b.connections[0]);
  b = a;
  b.connections[0].fields.exclude.push_back("email");
  EXPECT_FALSE(a.connections[0] == b.connections[0]);
}

}  // namespace
}  // namespace ats::config
