#pragma once
// The service's rate limiters, one per source account. Workable counts requests per account
// token (10 per 10 s), so every connection that reads one account (same subdomain and token)
// paces its requests with the same limiter; any other connection has one of its own. Owned by
// the Service and kept across reloads, so a reload does not forget the requests of the window.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.hpp"
#include "http/rate_limiter.hpp"

namespace ats::runtime {

class RateLimiters {
 public:
  // The limiter `connection` uses, pacing at `limit` (the source's rate_limit).
  std::shared_ptr<http::RateLimiter> For(const config::ConnectionConfig& connection,
                                         const config::RateLimitConfig& limit);
  // Limiters handed out so far (distinct accounts and connections).
  size_t size() const;

  // The registry key: the Workable account (subdomain, API base and a fingerprint of the token,
  // never the token) or the connection id, with the limit.
  static std::string Key(const config::ConnectionConfig& connection, const config::RateLimitConfig& limit);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<http::RateLimiter>> limiters_;
};

}  // namespace ats::runtime
