#pragma once
// Compares a freshly fetched record with its stored state.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/record.hpp"
#include "snapshot/snapshot_store.hpp"

namespace ats::snapshot {

enum class ChangeType { kCreated, kUpdated, kDeleted };
std::string_view ToString(ChangeType type);  // "created", "updated", "deleted"

struct Change {
  ChangeType type = ChangeType::kCreated;
  Entity entity = Entity::kCandidate;
  std::string id;
  std::string parent_id;
  std::string updated_at;
  // Current fields (created/updated); last known fields for deleted.
  std::map<std::string, std::string> fields;
  // updated: the names of changed fields, sorted, and their previous JSON values ("null" when
  // the field did not exist before). A field that disappeared is listed in changed_fields and
  // previous (with its old value) but is absent from `fields`.
  std::vector<std::string> changed_fields;
  std::map<std::string, std::string> previous;
  // Names the field policy withheld from `fields` (the last state's for deleted), sorted.
  std::vector<std::string> withheld = {};
  uint64_t old_hash = 0;  // 0 for created
  uint64_t new_hash = 0;  // 0 for deleted
  // Which change of this record this is: the stored record's sequence + 1 (created: the
  // tombstone's + 1, or 1 for a record never seen). Part of the ce_id, so a later change never
  // shares a replay's id even when its content repeats an earlier one.
  uint64_t sequence = 1;
  StoredRecord new_state;  // what to store once published (unused for deleted)
};

// nullopt when nothing changed. `stored` is the snapshot's state or nullopt; without one,
// `deleted_sequence` is the sequence a tombstone kept from the record's last deletion (0: none).
std::optional<Change> Diff(const Record& fetched, const std::optional<StoredRecord>& stored,
                           uint64_t deleted_sequence = 0);
// A deleted change from the stored state.
Change Deleted(Entity entity, std::string_view id, const StoredRecord& stored);
// Parses a stored body back into fields. Returns false on a corrupt body.
bool ParseFields(std::string_view body, std::map<std::string, std::string>& out);

}  // namespace ats::snapshot
