#include "snapshot/identity.hpp"

#include "common/time.hpp"

namespace ats::snapshot {

bool LosesToStored(const Record& fetched, const StoredRecord& stored) {
  if (fetched.parent_id == stored.parent_id) return false;
  const auto fetched_at = fetched.updated_at.empty() ? std::nullopt : ParseRfc3339(fetched.updated_at);
  const auto stored_at = stored.updated_at.empty() ? std::nullopt : ParseRfc3339(stored.updated_at);
  if (fetched_at && stored_at && *fetched_at != *stored_at) return *fetched_at < *stored_at;
  if (fetched_at.has_value() != stored_at.has_value()) return !fetched_at;  // a time beats none
  return fetched.parent_id < stored.parent_id;
}

}  // namespace ats::snapshot
