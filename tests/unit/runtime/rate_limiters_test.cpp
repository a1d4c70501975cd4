// The service's registry of rate limiters: one per Workable account (subdomain and token),
// one per connection otherwise, keyed without the token itself.
#include "runtime/rate_limiters.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ats::runtime {
namespace {

using namespace std::chrono_literals;

config::ConnectionConfig WorkableConnection(const std::string& id, const std::string& subdomain,
                                            const std::string& token) {
  config::ConnectionConfig c;
  c.id = id;
  c.source = "workable";
  c.workable.subdomain = subdomain;
  c.workable.api_token = token;
  return c;
}

config::ConnectionConfig WorkdayConnection(const std::string& id) {
  config::ConnectionConfig c;
  c.id = id;
  c.source = "workday";
  c.workday.rest_endpoint = "https://wd2-impl-services1.workday.com/ccx/api/v1/acme";
  c.workday.refresh_token = "refresh-1";
  return c;
}

const config::RateLimitConfig kWorkableLimit{10, 10};

TEST(RateLimitersTest, ConnectionsOnOneWorkableAccountGetTheSameLimiter) {
  RateLimiters limiters;
  auto a = limiters.For(WorkableConnection("a", "acme", "token-1"), kWorkableLimit);
  auto b = limiters.For(WorkableConnection("b", "acme", "token-1"), kWorkableLimit);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(limiters.size(), 1u);
  // What one spends, the other cannot: the budget is the account's.
  const auto now = http::RateLimiter::Clock::now();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a->TryAcquire(now).count(), 0) << i;
  EXPECT_GT(b->TryAcquire(now).count(), 0);
}

TEST(RateLimitersTest, AnotherTokenSubdomainOrBaseUrlIsAnotherAccount) {
  RateLimiters limiters;
  auto a = limiters.For(WorkableConnection("a", "acme", "token-1"), kWorkableLimit);
  EXPECT_NE(a, limiters.For(WorkableConnection("b", "acme", "token-2"), kWorkableLimit));
  EXPECT_NE(a, limiters.For(WorkableConnection("c", "beta", "token-1"), kWorkableLimit));
  auto proxied = WorkableConnection("d", "acme", "token-1");
  proxied.workable.base_url = "http://127.0.0.1:9/spi/v3";
  EXPECT_NE(a, limiters.For(proxied, kWorkableLimit));
  EXPECT_EQ(limiters.size(), 4u);
}

TEST(RateLimitersTest, WorkdayConnectionsEachHaveTheirOwnAndKeepItAcrossCalls) {
  RateLimiters limiters;
  auto a = limiters.For(WorkdayConnection("wd-a"), {10, 1});
  auto b = limiters.For(WorkdayConnection("wd-b"), {10, 1});
  EXPECT_NE(a, b);
  // A reload asks again: the same limiter, so the window's sends are not forgotten.
  EXPECT_EQ(a, limiters.For(WorkdayConnection("wd-a"), {10, 1}));
}

TEST(RateLimitersTest, AChangedLimitGetsANewLimiter) {
  RateLimiters limiters;
  auto a = limiters.For(WorkableConnection("a", "acme", "token-1"), kWorkableLimit);
  EXPECT_NE(a, limiters.For(WorkableConnection("a", "acme", "token-1"), {5, 10}));
}

TEST(RateLimitersTest, TheKeyNeverHoldsTheToken) {
  const std::string token = "very-secret-workable-token-42";
  const std::string key = RateLimiters::Key(WorkableConnection("a", "acme", token), kWorkableLimit);
  EXPECT_EQ(key.find(token), std::string::npos) << key;
  EXPECT_NE(key.find("acme"), std::string::npos) << key;
}

}  // namespace
}  // namespace ats::runtime
