#pragma once
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/record.hpp"

namespace ats::pipeline {

// The ids a complete listing returned, for finding deletions afterwards. Kept as sorted 64-bit
// hashes: 8 bytes an id, so a report of millions of rows stays within memory bounds. (Two ids
// with the same hash — about 1 in 10^7 per cycle for 2 million ids — would only delay that
// one deletion to a later cycle.)
class SeenIds {
 public:
  void Add(std::string_view id) {
    hashes_.push_back(ContentHash(id));
    sorted_ = false;
  }
  bool Contains(std::string_view id) const {
    if (!sorted_) {
      std::sort(hashes_.begin(), hashes_.end());
      sorted_ = true;
    }
    return std::binary_search(hashes_.begin(), hashes_.end(), ContentHash(id));
  }

 private:
  mutable std::vector<uint64_t> hashes_;
  mutable bool sorted_ = true;
};

}  // namespace ats::pipeline
