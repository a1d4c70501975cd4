#pragma once
// A listing always ends. Follows the paging.next URLs of one listing and says when to stop: past
// max_listing_pages pages, at a URL longer than max_next_url_bytes (both page_limit errors that
// name the key), or at a URL the listing already returned (a loop, retryable as before). Loop
// detection keeps 8-byte hashes of at most kMaxRemembered URLs, not the URLs: a server sending
// ever new 8 KiB URLs cannot grow it past a few MiB (a loop longer than that is ended by the
// page bound). Two URLs with the same hash (about 1 in 10^8 per listing of 10^5 pages) would
// end the listing early with a retryable error.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "common/result.hpp"

namespace ats::runtime {

struct ListingStop {
  std::string limit;  // label of ats_connector_page_limit_exceeded_total; "" for a loop
  Error error;
};

class ListingGuard {
 public:
  static constexpr size_t kMaxRemembered = size_t{1} << 18;

  ListingGuard(size_t max_pages, size_t max_url_bytes)
      : max_pages_(max_pages), max_url_bytes_(max_url_bytes) {}
  // Called with each paging.next before it is followed (the first page is already counted).
  std::optional<ListingStop> Next(std::string_view url);
  // Memory held for loop detection, approximately.
  size_t memory_bytes() const;

 private:
  size_t max_pages_;
  size_t max_url_bytes_;
  size_t pages_ = 1;
  std::unordered_set<uint64_t> seen_;
};

}  // namespace ats::runtime
