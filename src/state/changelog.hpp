#pragma once
// The cluster changelog's records are the snapshot store's writes (snapshot/codec.hpp): a
// record's key is the store's key, its value the store's value, a null value a deletion. A
// stage's records go out in the same transaction as its events; restoring a partition applies
// them, in offset order, to the local store.
#include <string>
#include <vector>

#include "common/message.hpp"
#include "common/result.hpp"
#include "kafka/group_member.hpp"
#include "snapshot/snapshot_store.hpp"

namespace ats::state {

// The records of `batch` for `partition` of `topic`, in an order whose last write per key is
// the batch's outcome (puts, then deletions; metadata, then its deletions).
std::vector<Message> ChangelogRecords(const snapshot::Batch& batch, const std::string& topic, int partition);

// The local store's batch for restored records (offset order): the last record of each key wins.
// A record whose key or value does not decode is skipped and counted in `skipped`.
snapshot::Batch RestoreBatch(const std::vector<kafka::ChangelogRecord>& records, size_t& skipped);

// Where the local store keeps how far it restored a partition: the next offset to read
// ("~" never starts a meta key the pipeline writes, so it never reaches the changelog).
std::string CheckpointKey(const std::string& topic, int partition);

}  // namespace ats::state
