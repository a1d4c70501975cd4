#pragma once
// Exponential backoff with "equal jitter": the n-th delay is uniform in [cap/2, cap] where
// cap = min(max, base * 2^n), so retries spread out but never collapse to zero.
#include <chrono>
#include <cstdint>
#include <random>

namespace ats {

class Backoff {
 public:
  using ms = std::chrono::milliseconds;
  Backoff(ms base, ms max, uint64_t seed = std::random_device{}()) : base_(base), max_(max), rng_(seed) {}
  ms Next();
  void Reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  ms base_, max_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace ats
