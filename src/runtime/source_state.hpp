#pragma once
// A source's durable state (e.g. Workday's rotated refresh token), kept as metadata in the
// connection's snapshot store so it shares its durability and its volume.
#include <string>

#include "connectors/source.hpp"
#include "snapshot/snapshot_store.hpp"

namespace ats::runtime {

class SnapshotStateStore final : public connectors::StateStore {
 public:
  SnapshotStateStore(snapshot::SnapshotStore& store, const std::string& connection)
      : store_(store), prefix_("source/" + connection + "/") {}
  Result<std::optional<std::string>> Get(const std::string& key) override {
    return store_.GetMeta(prefix_ + key);
  }
  Result<void> Put(const std::string& key, const std::string& value) override {
    snapshot::Batch batch;
    batch.PutMeta(prefix_ + key, value);
    return store_.Commit(batch);
  }

 private:
  snapshot::SnapshotStore& store_;
  std::string prefix_;
};

}  // namespace ats::runtime
