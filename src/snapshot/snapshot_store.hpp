#pragma once
// The last published state of every record, per connection and entity, plus small metadata
// (cursors). Advanced only after Kafka acknowledged the events a batch implies; a commit is
// atomic and durable. Behind an interface so a Kafka-changelog-backed store can follow.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/record.hpp"
#include "common/result.hpp"

namespace ats::snapshot {

struct StoredRecord {
  uint64_t hash = 0;       // ContentHash(body)
  std::string body;        // SerializeFields(record.fields)
  std::string updated_at;  // source timestamp, for freshness
  std::string parent_id;   // candidate: job id
  // How many changes of this record have been published (created = 1); the next change's ce_id
  // counts from here, so a change is identified even when its content repeats an earlier one.
  uint64_t sequence = 0;
  // Names of the fields the connection's field policy withheld from `body` (sorted).
  std::vector<std::string> withheld;
};

struct Key {
  std::string connection;
  Entity entity;
  std::string id;
};

class Batch {
 public:
  void Put(Key key, StoredRecord record) { puts_.emplace_back(std::move(key), std::move(record)); }
  void Delete(Key key) { deletes_.push_back(std::move(key)); }
  void PutMeta(std::string key, std::string value) { meta_.emplace_back(std::move(key), std::move(value)); }
  // Removes a metadata key (absent: no-op), applied after the PutMeta calls of the same batch.
  void DeleteMeta(std::string key) { meta_deletes_.push_back(std::move(key)); }
  bool empty() const { return puts_.empty() && deletes_.empty() && meta_.empty() && meta_deletes_.empty(); }
  const auto& puts() const { return puts_; }
  const auto& deletes() const { return deletes_; }
  const auto& meta() const { return meta_; }
  const auto& meta_deletes() const { return meta_deletes_; }

 private:
  std::vector<std::pair<Key, StoredRecord>> puts_;
  std::vector<Key> deletes_;
  std::vector<std::pair<std::string, std::string>> meta_;
  std::vector<std::string> meta_deletes_;
};

class SnapshotStore {
 public:
  virtual ~SnapshotStore() = default;
  virtual Result<std::optional<StoredRecord>> Get(const Key& key) = 0;
  // Visits every record of (connection, entity) in id order. Stops early when fn returns false.
  virtual Result<void> ForEach(std::string_view connection, Entity entity,
                               const std::function<bool(std::string_view id, const StoredRecord&)>& fn) = 0;
  virtual Result<size_t> Count(std::string_view connection, Entity entity) = 0;
  virtual Result<std::optional<std::string>> GetMeta(std::string_view key) = 0;
  // Visits every metadata key starting with `prefix`, in key order. Stops early when fn returns false.
  virtual Result<void> ForEachMeta(std::string_view prefix,
                                   const std::function<bool(std::string_view key, std::string_view value)>& fn) {
    (void)prefix;
    (void)fn;
    return Error::Permanent(ErrorCategory::kInternal, "this snapshot store cannot list metadata");
  }
  // Atomic and durable (fsync) before it returns.
  virtual Result<void> Commit(const Batch& batch) = 0;
  // Health, called periodically (and by Commit before it writes): an error while the snapshot
  // cannot take commits (a write failed, e.g. a full disk, and the store could not recover yet:
  // retryable; its directory was removed or replaced: permanent).
  virtual Result<void> Check() { return Ok(); }
  // Removes, in one atomic and durable write, every record of each of `connections` (all
  // entities) and every metadata key starting with one of `meta_prefixes` (each non-empty).
  // A removed connection's purge (runtime::ConnectionRuntime::RemoveConnection).
  virtual Result<void> DeleteRanges(const std::vector<std::string>& connections,
                                    const std::vector<std::string>& meta_prefixes) {
    (void)connections;
    (void)meta_prefixes;
    return Error::Permanent(ErrorCategory::kSnapshot, "snapshot: this store cannot delete ranges");
  }
};

// Opens (creating if absent) a RocksDB snapshot at `path`. A directory that exists but is not
// an ats-connector snapshot, or has an unknown format version, is refused with a clear error
// and never reset.
Result<std::unique_ptr<SnapshotStore>> OpenRocksDbStore(const std::string& path);

}  // namespace ats::snapshot
