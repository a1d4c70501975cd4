#include "state/partitioning.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace ats::state {
namespace {

// The vectors of Kafka's own UtilsTest.testMurmur2 (as signed Java ints): the connector puts a
// connection where a Java client would put its id as a key.
TEST(PartitioningTest, Murmur2MatchesKafkasJavaImplementation) {
  const std::pair<std::string, int32_t> cases[] = {
      {"21", -973932308},
      {"foobar", -790332482},
      {"a-little-bit-long-string", -985981536},
      {"a-little-bit-longer-string", -1486304829},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
      {"abc", 479470107},
  };
  for (const auto& [text, expected] : cases) EXPECT_EQ(static_cast<int32_t>(Murmur2(text)), expected) << text;
}

TEST(PartitioningTest, PartitionIsPositiveModuloAndStable) {
  // toPositive(-973932308) = -973932308 & 0x7fffffff = 1173551340; % 12 = 0.
  EXPECT_EQ(PartitionOf("21", 12), static_cast<int>((static_cast<uint32_t>(-973932308) & 0x7fffffffU) % 12));
  EXPECT_EQ(PartitionOf("anything", 1), 0);
  int seen[12] = {};
  for (int i = 0; i < 1200; ++i) {
    const int p = PartitionOf("tenant-" + std::to_string(i), 12);
    ASSERT_GE(p, 0);
    ASSERT_LT(p, 12);
    ++seen[p];
    EXPECT_EQ(p, PartitionOf("tenant-" + std::to_string(i), 12));
  }
  for (int count : seen) EXPECT_GT(count, 50);  // spread, not piled on one partition
}

}  // namespace
}  // namespace ats::state
