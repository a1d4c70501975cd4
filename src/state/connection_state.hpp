#pragma once
// A connection's snapshot store in cluster mode: reads come from the local store (a cache of
// the changelog, restored when the partition was assigned); a commit goes to the changelog
// through the partition's committer, together with the events the connection's worker
// published since its last commit (ConnectionOutbox), in one transaction; only then is the
// local cache updated. So the worker's pipeline is unchanged: publish, then commit.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/message.hpp"
#include "pipeline/stager.hpp"
#include "snapshot/snapshot_store.hpp"
#include "state/partition_committer.hpp"

namespace ats::state {

// The worker's outbox: events wait here for the commit that carries their state.
class ConnectionOutbox final : public pipeline::Outbox {
 public:
  Result<Ticket> Publish(const std::vector<Message>& batch) override;
  Result<void> Await(const Ticket&) override { return Ok(); }  // acknowledged with their commit
  bool Settled(const Ticket&) override { return true; }
  Result<void> PublishAndAwait(const std::vector<Message>& batch) override;
  std::vector<Message> Take();
  void Drop();

 private:
  std::mutex mu_;
  std::vector<Message> pending_;
};

class ConnectionState final : public snapshot::SnapshotStore {
 public:
  // `outbox`: the worker's (its events go with each commit); null for the connection's other
  // writers (the source's token store, the control plane), which never carry events.
  ConnectionState(snapshot::SnapshotStore& local, std::shared_ptr<PartitionCommitter> committer,
                  std::string topic, int partition, std::shared_ptr<ConnectionOutbox> outbox);

  Result<std::optional<snapshot::StoredRecord>> Get(const snapshot::Key& key) override {
    return local_.Get(key);
  }
  Result<void> ForEach(
      std::string_view connection, Entity entity,
      const std::function<bool(std::string_view, const snapshot::StoredRecord&)>& fn) override {
    return local_.ForEach(connection, entity, fn);
  }
  Result<size_t> Count(std::string_view connection, Entity entity) override {
    return local_.Count(connection, entity);
  }
  Result<std::optional<std::string>> GetMeta(std::string_view key) override { return local_.GetMeta(key); }
  Result<void> ForEachMeta(std::string_view prefix,
                           const std::function<bool(std::string_view, std::string_view)>& fn) override {
    return local_.ForEachMeta(prefix, fn);
  }
  Result<void> Commit(const snapshot::Batch& batch) override;
  Result<void> Check() override { return local_.Check(); }
  Result<void> DeleteRanges(const std::vector<std::string>& connections,
                            const std::vector<std::string>& meta_prefixes) override;

 private:
  snapshot::SnapshotStore& local_;
  std::shared_ptr<PartitionCommitter> committer_;
  std::string topic_;
  int partition_;
  std::shared_ptr<ConnectionOutbox> outbox_;
};

}  // namespace ats::state
