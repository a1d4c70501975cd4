#include "state/connection_state.hpp"

#include "common/log.hpp"
#include "state/changelog.hpp"

namespace ats::state {

Result<pipeline::Outbox::Ticket> ConnectionOutbox::Publish(const std::vector<Message>& batch) {
  std::lock_guard lock(mu_);
  pending_.insert(pending_.end(), batch.begin(), batch.end());
  return Ticket(std::make_shared<int>(0));
}

Result<void> ConnectionOutbox::PublishAndAwait(const std::vector<Message>& batch) {
  std::lock_guard lock(mu_);
  pending_.insert(pending_.end(), batch.begin(), batch.end());  // acknowledged with their commit
  return Ok();
}

std::vector<Message> ConnectionOutbox::Take() {
  std::lock_guard lock(mu_);
  return std::exchange(pending_, {});
}

void ConnectionOutbox::Drop() {
  std::lock_guard lock(mu_);
  pending_.clear();
}

ConnectionState::ConnectionState(snapshot::SnapshotStore& local,
                                 std::shared_ptr<PartitionCommitter> committer, std::string topic,
                                 int partition, std::shared_ptr<ConnectionOutbox> outbox)
    : local_(local),
      committer_(std::move(committer)),
      topic_(std::move(topic)),
      partition_(partition),
      outbox_(std::move(outbox)) {}

Result<void> ConnectionState::Commit(const snapshot::Batch& batch) {
  std::vector<Message> events = outbox_ ? outbox_->Take() : std::vector<Message>{};
  std::vector<Message> records = ChangelogRecords(batch, topic_, partition_);
  if (events.empty() && records.empty()) return Ok();
  // On failure nothing of it is visible; the worker resets its stages and starts again from
  // the local store, which this commit has not touched.
  if (auto committed = committer_->Commit(std::move(events), std::move(records)); !committed)
    return committed;
  if (batch.empty()) return Ok();
  if (auto cached = local_.Commit(batch); !cached) {
    // The changelog has it, the cache does not: the cache is behind, and a diff against it
    // would publish again what this commit published. Refuse further commits until the
    // partition is restored again (Cluster re-restores a partition whose committer is stale).
    log::Error("cluster: the local cache could not take a committed stage; the partition is restored again",
               {{"partition", partition_}, {"error", cached.error().message}});
    committer_->MarkStale();
    return cached;
  }
  return Ok();
}

Result<void> ConnectionState::DeleteRanges(const std::vector<std::string>& connections,
                                           const std::vector<std::string>& meta_prefixes) {
  // Tombstones for every key, so the changelog forgets them too (compaction drops them later).
  snapshot::Batch batch;
  const auto flush = [&]() -> Result<void> {
    if (batch.empty()) return Ok();
    auto committed = Commit(batch);
    batch = snapshot::Batch();
    return committed;
  };
  for (const auto& connection : connections) {
    for (Entity entity : {Entity::kJob, Entity::kCandidate}) {
      std::vector<std::string> ids;
      if (auto listed = local_.ForEach(connection, entity,
                                       [&](std::string_view id, const snapshot::StoredRecord&) {
                                         ids.emplace_back(id);
                                         return true;
                                       });
          !listed)
        return listed;
      for (auto& id : ids) {
        batch.Delete({connection, entity, std::move(id)});
        if (batch.deletes().size() >= 2000)
          if (auto f = flush(); !f) return f;
      }
    }
  }
  for (const auto& prefix : meta_prefixes) {
    std::vector<std::string> keys;
    if (auto listed = local_.ForEachMeta(prefix,
                                         [&](std::string_view key, std::string_view) {
                                           keys.emplace_back(key);
                                           return true;
                                         });
        !listed)
      return listed;
    for (auto& key : keys) batch.DeleteMeta(std::move(key));
  }
  if (auto f = flush(); !f) return f;
  return local_.DeleteRanges(connections, meta_prefixes);
}

}  // namespace ats::state
