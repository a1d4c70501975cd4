#include "http/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace ats::http {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;
using std::chrono::milliseconds;

// Synthetic time: a fixed steady origin and a wall clock at a known Unix second.
const Clock::time_point kT0 = Clock::time_point(1000h);
const std::chrono::system_clock::time_point kWall0 =
    std::chrono::system_clock::time_point(std::chrono::seconds(1'785'000'000));
constexpr long long kWall0S = 1'785'000'000;

TEST(RateLimiterTest, AllowsRequestsUpToTheLimit) {
  RateLimiter limiter(10, 10s);
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(limiter.Delay(kT0 + milliseconds(100 * i)), 0ms);
    limiter.Record(kT0 + milliseconds(100 * i));
  }
  EXPECT_EQ(limiter.Delay(kT0 + 900ms), 0ms);
}

TEST(RateLimiterTest, TenthSendBlocksExactlyUntilTheOldestLeavesTheWindow) {
  RateLimiter limiter(10, 10s);
  for (int i = 0; i < 10; ++i) limiter.Record(kT0 + milliseconds(100 * i));
  // The oldest send (kT0) leaves the 10 s window at kT0 + 10 s.
  EXPECT_EQ(limiter.Delay(kT0 + 1s), 9000ms);
  EXPECT_EQ(limiter.Delay(kT0 + 9999ms), 1ms);
  EXPECT_EQ(limiter.Delay(kT0 + 10s), 0ms);
  // After one more send the second-oldest (kT0 + 100 ms) decides.
  limiter.Record(kT0 + 10s);
  EXPECT_EQ(limiter.Delay(kT0 + 10s), 100ms);
}

TEST(RateLimiterTest, ZeroRequestsDisablesClientSidePacing) {
  RateLimiter limiter(0, 10s);
  for (int i = 0; i < 100; ++i) limiter.Record(kT0);
  EXPECT_EQ(limiter.Delay(kT0), 0ms);
}

TEST(RateLimiterTest, RemainingZeroBlocksUntilResetPlusMargin) {
  RateLimiter limiter(10, 10s);
  RateLimitInfo info;
  info.limit = 10;
  info.remaining = 0;
  info.reset_epoch_s = kWall0S + 7;
  limiter.Observe(info, kT0, kWall0);
  const milliseconds delay = limiter.Delay(kT0);
  EXPECT_GE(delay, 7000ms);
  EXPECT_LE(delay, 8000ms);  // a small safety margin, not another window
  EXPECT_EQ(limiter.Delay(kT0 + delay), 0ms);
}

TEST(RateLimiterTest, RemainingAboveZeroOrNoResetDoesNotBlock) {
  RateLimiter limiter(10, 10s);
  RateLimitInfo some_left;
  some_left.remaining = 3;
  some_left.reset_epoch_s = kWall0S + 7;
  limiter.Observe(some_left, kT0, kWall0);
  EXPECT_EQ(limiter.Delay(kT0), 0ms);

  RateLimitInfo no_reset;
  no_reset.remaining = 0;
  limiter.Observe(no_reset, kT0, kWall0);
  EXPECT_EQ(limiter.Delay(kT0), 0ms);

  limiter.Observe(RateLimitInfo{}, kT0, kWall0);  // no headers at all
  EXPECT_EQ(limiter.Delay(kT0), 0ms);
}

TEST(RateLimiterTest, ObserveClampsAFarResetToSixtySeconds) {
  RateLimiter limiter(10, 10s);
  RateLimitInfo info;
  info.remaining = 0;
  info.reset_epoch_s = kWall0S + 3600;
  limiter.Observe(info, kT0, kWall0);
  EXPECT_GE(limiter.Delay(kT0), 60s);
  EXPECT_LE(limiter.Delay(kT0), 61s);
}

TEST(RateLimiterTest, ObserveWithAResetInThePastBlocksOnlyTheMargin) {
  RateLimiter limiter(10, 10s);
  RateLimitInfo info;
  info.remaining = 0;
  info.reset_epoch_s = kWall0S - 30;
  limiter.Observe(info, kT0, kWall0);
  EXPECT_GT(limiter.Delay(kT0), 0ms);
  EXPECT_LE(limiter.Delay(kT0), 1s);
}

TEST(RateLimiterTest, On429PrefersTheResetHeader) {
  RateLimiter limiter(10, 10s);
  RateLimitInfo info;
  info.reset_epoch_s = kWall0S + 9;
  info.retry_after_s = 30;
  const milliseconds wait = limiter.On429(info, kT0, kWall0, 5s);
  EXPECT_GE(wait, 9s);
  EXPECT_LE(wait, 10s);
  EXPECT_EQ(limiter.Delay(kT0), wait);
}

TEST(RateLimiterTest, On429UsesRetryAfterWithoutReset) {
  RateLimiter limiter(10, 10s);
  RateLimitInfo info;
  info.retry_after_s = 4;
  const milliseconds wait = limiter.On429(info, kT0, kWall0, 15s);
  EXPECT_EQ(wait, 4s);
  EXPECT_EQ(limiter.Delay(kT0 + 1s), 3s);
}

TEST(RateLimiterTest, On429FallsBackWithoutHeaders) {
  RateLimiter limiter(10, 10s);
  const milliseconds wait = limiter.On429(RateLimitInfo{}, kT0, kWall0, 12500ms);
  EXPECT_EQ(wait, 12500ms);
  EXPECT_EQ(limiter.Delay(kT0), 12500ms);
}

TEST(RateLimiterTest, On429ClampsToTwoMinutes) {
  RateLimiter limiter(10, 10s);
  RateLimitInfo huge_retry;
  huge_retry.retry_after_s = 1'000'000'000'000LL;
  EXPECT_EQ(limiter.On429(huge_retry, kT0, kWall0, 1s), 120s);

  RateLimitInfo far_reset;
  far_reset.reset_epoch_s = 9'000'000'000'000'000'000LL;
  EXPECT_EQ(limiter.On429(far_reset, kT0, kWall0, 1s), 120s);

  EXPECT_EQ(limiter.On429(RateLimitInfo{}, kT0, kWall0, 10min), 120s);
}

TEST(RateLimiterTest, ServerBlockAndWindowCombineByMaximum) {
  RateLimiter limiter(2, 10s);
  limiter.Record(kT0);
  limiter.Record(kT0 + 1s);
  EXPECT_EQ(limiter.Delay(kT0 + 2s), 8s);  // window
  RateLimitInfo info;
  info.retry_after_s = 1;
  (void)limiter.On429(info, kT0 + 2s, kWall0, 1s);
  EXPECT_EQ(limiter.Delay(kT0 + 2s), 8s);  // the window is longer
  info.retry_after_s = 20;
  (void)limiter.On429(info, kT0 + 2s, kWall0, 1s);
  EXPECT_EQ(limiter.Delay(kT0 + 2s), 20s);  // now the server block is
}

TEST(RateLimiterTest, TryAcquireTakesASlotOnlyWhenOneIsFree) {
  RateLimiter limiter(2, 10s);
  EXPECT_EQ(limiter.TryAcquire(kT0), 0ms);
  EXPECT_EQ(limiter.TryAcquire(kT0 + 1s), 0ms);
  EXPECT_EQ(limiter.TryAcquire(kT0 + 2s), 8s);  // full: nothing recorded
  EXPECT_EQ(limiter.TryAcquire(kT0 + 9s), 1s);  // still the same two sends decide
  EXPECT_EQ(limiter.TryAcquire(kT0 + 10s), 0ms);
  EXPECT_EQ(limiter.Delay(kT0 + 10s), 1s);  // the third send is in
}

// Connections on one Workable account share a limiter from their own threads: together they
// get exactly the budget, not a send each past it.
TEST(RateLimiterTest, ThreadsSharingALimiterGetExactlyItsBudgetTogether) {
  RateLimiter limiter(10, 10s);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        if (limiter.TryAcquire(kT0).count() == 0) ++granted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 10);
  EXPECT_EQ(limiter.Delay(kT0), 10s);
}

}  // namespace
}  // namespace ats::http
