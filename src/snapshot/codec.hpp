#pragma once
// The snapshot's key and value encoding, shared by the local RocksDB store and the cluster
// changelog (state/changelog.hpp), whose records are the store's writes: the same key bytes,
// the same value bytes, a null value for a deletion.
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "snapshot/snapshot_store.hpp"

namespace ats::snapshot {

std::string EncodeRecordKey(const Key& key);       // 'r' 0 connection 0 entity 0 id
std::string EncodeMetaKey(std::string_view name);  // 'm' 0 name
std::string EncodeStoredRecord(const StoredRecord& record);
// "" on success, else what is wrong with the value.
std::string DecodeStoredRecord(std::string_view value, StoredRecord& record);

// A decoded key: a record's (connection, entity, id) or a metadata name; nullopt if malformed.
using DecodedKey = std::variant<Key, std::string>;
std::optional<DecodedKey> DecodeKey(std::string_view key);

}  // namespace ats::snapshot
