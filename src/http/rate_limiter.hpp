#pragma once
// Client-side request pacing per account token: at most `requests` per sliding `window`,
// tightened by what the server says (X-Rate-Limit-Remaining/Reset, 429 + Retry-After).
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>

namespace ats::http {

// What a response says about the remaining request budget. Every field is optional: real
// Workable responses sometimes carry no X-Rate-Limit-* headers at all.
struct RateLimitInfo {
  std::optional<long long> limit;
  std::optional<long long> remaining;
  std::optional<long long> reset_epoch_s;  // when the current window ends (Unix seconds)
  std::optional<long long> retry_after_s;  // Retry-After, in seconds
};

// Thread-safe: connections that read one account share one limiter (runtime/rate_limiters.hpp).
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // requests <= 0 disables client-side pacing (server feedback is still honoured).
  RateLimiter(int requests, std::chrono::seconds window);

  // How long to wait before the next request may be sent (zero = now).
  std::chrono::milliseconds Delay(Clock::time_point now) const;
  // A request is being sent now.
  void Record(Clock::time_point now);
  // Delay and Record in one step, for limiters shared between threads: records a send at `now`
  // and returns zero when one may be sent now, else returns how long to wait (and records nothing).
  std::chrono::milliseconds TryAcquire(Clock::time_point now);
  // Feedback from a response. remaining == 0 with a reset time blocks until the reset.
  void Observe(const RateLimitInfo& info, Clock::time_point now,
               std::chrono::system_clock::time_point wall_now);
  // After a 429: how long to wait. The reset header if present, else Retry-After, else
  // `fallback` (the caller's exponential backoff). Also blocks Delay() for that long.
  std::chrono::milliseconds On429(const RateLimitInfo& info, Clock::time_point now,
                                  std::chrono::system_clock::time_point wall_now,
                                  std::chrono::milliseconds fallback);

 private:
  std::chrono::milliseconds DelayLocked(Clock::time_point now) const;
  void RecordLocked(Clock::time_point now);

  mutable std::mutex mu_;  // guards what follows
  int requests_;
  std::chrono::seconds window_;
  std::deque<Clock::time_point> sent_;  // send times inside the current window
  Clock::time_point blocked_until_{};
};

}  // namespace ats::http
