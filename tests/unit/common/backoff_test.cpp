#include "common/backoff.hpp"

#include <gtest/gtest.h>

#include <set>

namespace ats {
namespace {

using ms = std::chrono::milliseconds;

TEST(BackoffTest, EachDelayIsWithinHalfCapAndCapAndCapDoublesUpToMax) {
  for (uint64_t seed : {1ULL, 2ULL, 12345ULL}) {
    Backoff b(ms(100), ms(5000), seed);
    long long cap = 100;
    for (int i = 0; i < 20; ++i) {
      const auto d = b.Next().count();
      EXPECT_GE(d, cap / 2) << "attempt " << i;
      EXPECT_LE(d, cap) << "attempt " << i;
      cap = std::min<long long>(cap * 2, 5000);
    }
    EXPECT_EQ(b.attempts(), 20);
  }
}

TEST(BackoffTest, ReachesMaxAndStaysThere) {
  Backoff b(ms(1), ms(1000), 7);
  for (int i = 0; i < 10; ++i) (void)b.Next();  // caps 1..512
  for (int i = 0; i < 100; ++i) {
    const auto d = b.Next().count();
    EXPECT_GE(d, 500);
    EXPECT_LE(d, 1000);
  }
}

TEST(BackoffTest, ManyAttemptsDoNotOverflow) {
  Backoff b(ms(250), ms(60000), 3);
  for (int i = 0; i < 200; ++i) {
    const auto d = b.Next().count();
    EXPECT_GE(d, 1);
    EXPECT_LE(d, 60000);
  }
}

TEST(BackoffTest, ResetStartsOver) {
  Backoff b(ms(100), ms(10000), 9);
  for (int i = 0; i < 8; ++i) (void)b.Next();
  b.Reset();
  EXPECT_EQ(b.attempts(), 0);
  const auto d = b.Next().count();
  EXPECT_GE(d, 50);
  EXPECT_LE(d, 100);
}

TEST(BackoffTest, IsJitteredAndSeedDeterministic) {
  std::set<long long> values;
  for (int i = 0; i < 50; ++i) {
    Backoff b(ms(1000), ms(1000), static_cast<uint64_t>(i));
    values.insert(b.Next().count());
  }
  EXPECT_GT(values.size(), 10u);
  Backoff x(ms(100), ms(10000), 42), y(ms(100), ms(10000), 42);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(x.Next(), y.Next());
}

TEST(BackoffTest, NeverZero) {
  Backoff b(ms(1), ms(1), 5);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(b.Next().count(), 1);
}

}  // namespace
}  // namespace ats
