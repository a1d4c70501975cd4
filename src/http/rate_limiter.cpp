#include "http/rate_limiter.hpp"

#include <algorithm>

namespace ats::http {
namespace {

using std::chrono::milliseconds;

// Added to every server-announced reset so the next request lands in the new window even if
// our clock and the server's disagree by a little.
constexpr milliseconds kSafetyMargin{250};
// A remaining=0 block never lasts longer than this (Workable windows are 10 s).
constexpr milliseconds kMaxObserveBlock{60000};
// No 429 makes us wait longer than this, whatever the headers say.
constexpr milliseconds kMaxOn429Wait{120000};

// Milliseconds from wall_now until the Unix time `epoch_s`; negative when it has passed.
// Clamped before any multiplication, so absurd header values cannot overflow.
long long MillisUntilEpoch(long long epoch_s, std::chrono::system_clock::time_point wall_now) {
  constexpr long long kMaxEpochS = 100'000'000'000LL;  // year ~5138
  epoch_s = std::clamp(epoch_s, 0LL, kMaxEpochS);
  const long long wall_ms =
      std::chrono::duration_cast<milliseconds>(wall_now.time_since_epoch()).count();
  return epoch_s * 1000 - wall_ms;
}

milliseconds Clamp(long long ms, milliseconds max) {
  return milliseconds(std::clamp(ms, 0LL, static_cast<long long>(max.count())));
}

}  // namespace

RateLimiter::RateLimiter(int requests, std::chrono::seconds window)
    : requests_(requests), window_(window) {}

milliseconds RateLimiter::Delay(Clock::time_point now) const {
  std::lock_guard lock(mu_);
  return DelayLocked(now);
}

void RateLimiter::Record(Clock::time_point now) {
  std::lock_guard lock(mu_);
  RecordLocked(now);
}

milliseconds RateLimiter::TryAcquire(Clock::time_point now) {
  std::lock_guard lock(mu_);
  const milliseconds delay = DelayLocked(now);
  if (delay.count() == 0) RecordLocked(now);
  return delay;
}

milliseconds RateLimiter::DelayLocked(Clock::time_point now) const {
  milliseconds delay{0};
  if (requests_ > 0 && sent_.size() >= static_cast<size_t>(requests_)) {
    // The oldest of the last `requests_` sends must leave the window first.
    const Clock::time_point frees_at = sent_[sent_.size() - static_cast<size_t>(requests_)] + window_;
    if (frees_at > now) delay = std::chrono::ceil<milliseconds>(frees_at - now);
  }
  if (blocked_until_ > now) {
    delay = std::max(delay, std::chrono::ceil<milliseconds>(blocked_until_ - now));
  }
  return delay;
}

void RateLimiter::RecordLocked(Clock::time_point now) {
  if (requests_ <= 0) return;
  sent_.push_back(now);
  while (!sent_.empty() && sent_.front() + window_ <= now) sent_.pop_front();
  // Only the last `requests_` sends can ever decide a delay.
  while (sent_.size() > static_cast<size_t>(requests_)) sent_.pop_front();
}

void RateLimiter::Observe(const RateLimitInfo& info, Clock::time_point now,
                          std::chrono::system_clock::time_point wall_now) {
  if (!info.remaining || *info.remaining > 0 || !info.reset_epoch_s) return;
  std::lock_guard lock(mu_);
  const milliseconds wait =
      Clamp(MillisUntilEpoch(*info.reset_epoch_s, wall_now), kMaxObserveBlock) + kSafetyMargin;
  blocked_until_ = std::max(blocked_until_, now + wait);
}

milliseconds RateLimiter::On429(const RateLimitInfo& info, Clock::time_point now,
                                std::chrono::system_clock::time_point wall_now,
                                milliseconds fallback) {
  long long wait_ms = 0;
  if (info.reset_epoch_s) {
    wait_ms = std::max(0LL, MillisUntilEpoch(*info.reset_epoch_s, wall_now)) + kSafetyMargin.count();
  } else if (info.retry_after_s) {
    // Clamped before scaling to milliseconds, so a huge value cannot overflow.
    wait_ms = std::clamp(*info.retry_after_s, 0LL, 86'400LL) * 1000;
  } else {
    wait_ms = fallback.count();
  }
  const milliseconds wait = Clamp(wait_ms, kMaxOn429Wait);
  std::lock_guard lock(mu_);
  blocked_until_ = std::max(blocked_until_, now + wait);
  return wait;
}

}  // namespace ats::http
