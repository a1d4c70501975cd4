#include "runtime/rate_limiters.hpp"

#include <chrono>

#include "config/shared_accounts.hpp"

namespace ats::runtime {

std::string RateLimiters::Key(const config::ConnectionConfig& connection,
                              const config::RateLimitConfig& limit) {
  const std::string account = config::WorkableAccountKey(connection);
  const std::string who = account.empty() ? "connection\n" + connection.id : "workable\n" + account;
  return who + "\n" + std::to_string(limit.requests) + "/" + std::to_string(limit.per_s);
}

std::shared_ptr<http::RateLimiter> RateLimiters::For(const config::ConnectionConfig& connection,
                                                     const config::RateLimitConfig& limit) {
  std::lock_guard lock(mu_);
  auto& limiter = limiters_[Key(connection, limit)];
  if (!limiter)
    limiter = std::make_shared<http::RateLimiter>(limit.requests, std::chrono::seconds(limit.per_s));
  return limiter;
}

size_t RateLimiters::size() const {
  std::lock_guard lock(mu_);
  return limiters_.size();
}

}  // namespace ats::runtime
