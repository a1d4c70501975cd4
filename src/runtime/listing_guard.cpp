#include "runtime/listing_guard.hpp"

#include "common/record.hpp"

namespace ats::runtime {

std::optional<ListingStop> ListingGuard::Next(std::string_view url) {
  if (url.size() > max_url_bytes_) {
    return ListingStop{
        "next_url_bytes",
        Error::Permanent(ErrorCategory::kPageLimit,
                         "the source returned a paging.next URL of " + std::to_string(url.size()) +
                             " bytes, more than max_next_url_bytes (" + std::to_string(max_url_bytes_) +
                             "); stopping this listing: raise max_next_url_bytes if the "
                             "tenant's URLs really are that long")};
  }
  if (++pages_ > max_pages_) {
    return ListingStop{
        "listing_pages",
        Error::Permanent(ErrorCategory::kPageLimit,
                         "the listing did not end within max_listing_pages (" + std::to_string(max_pages_) +
                             ") pages; stopping it: raise max_listing_pages if the tenant "
                             "really has more pages, else its paging.next never ends")};
  }
  const uint64_t hash = ContentHash(url);
  if (seen_.count(hash) > 0) {
    return ListingStop{"", Error::Retryable(ErrorCategory::kBadResponse,
                                            "the source returned a paging.next URL it had already returned; "
                                            "stopping this listing to avoid a loop")};
  }
  if (seen_.size() < kMaxRemembered) seen_.insert(hash);
  return std::nullopt;
}

size_t ListingGuard::memory_bytes() const {
  // A node holds the hash and a next pointer (plus the allocator's header); a bucket a pointer.
  return seen_.size() * (sizeof(uint64_t) + 2 * sizeof(void*)) + seen_.bucket_count() * sizeof(void*);
}

}  // namespace ats::runtime
