#include "common/backoff.hpp"

#include <algorithm>

namespace ats {

Backoff::ms Backoff::Next() {
  const int shift = std::min(attempt_, 30);
  ++attempt_;
  const long long cap = std::min<long long>(max_.count(), base_.count() << shift);
  std::uniform_int_distribution<long long> dist(cap / 2, cap);  // half jitter: never ~0
  return ms(std::max<long long>(1, dist(rng_)));
}

}  // namespace ats
