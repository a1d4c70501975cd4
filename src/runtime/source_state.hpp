#pragma once
// A source's durable state (e.g. Workday's rotated refresh token), kept as metadata in the
// connection's snapshot store so it shares its durability and its volume. With a keyring
// (secrets.keyring_file) every value is sealed (AES-256-GCM, bound to its meta key) before it
// reaches the disk; a value stored unsealed before the keyring was configured is still read, and
// sealed when it is next written.
#include <string>

#include "connections/keyring.hpp"
#include "connectors/source.hpp"
#include "snapshot/snapshot_store.hpp"

namespace ats::runtime {

class SnapshotStateStore final : public connectors::StateStore {
 public:
  SnapshotStateStore(snapshot::SnapshotStore& store, const std::string& connection,
                     const connections::Keyring* keyring = nullptr)
      : store_(store), prefix_("source/" + connection + "/"), keyring_(keyring) {}
  Result<std::optional<std::string>> Get(const std::string& key) override {
    const std::string meta_key = prefix_ + key;
    auto stored = store_.GetMeta(meta_key);
    if (!stored || !stored->has_value() || !connections::Keyring::IsSealed(**stored)) return stored;
    if (keyring_ == nullptr)
      return Error::Permanent(ErrorCategory::kConfig,
                              "'" + meta_key +
                                  "' in the snapshot is sealed, and no keyring is configured: set "
                                  "secrets.keyring_file to the keyring that sealed it");
    auto opened = keyring_->Open(**stored, meta_key);
    if (!opened) return Error{opened.error().kind, opened.error().category, meta_key + ": " + opened.error().message};
    return std::optional<std::string>(std::move(opened).value());
  }
  Result<void> Put(const std::string& key, const std::string& value) override {
    const std::string meta_key = prefix_ + key;
    snapshot::Batch batch;
    batch.PutMeta(meta_key, keyring_ != nullptr ? keyring_->Seal(value, meta_key) : value);
    return store_.Commit(batch);
  }

 private:
  snapshot::SnapshotStore& store_;
  std::string prefix_;
  const connections::Keyring* keyring_;  // null: values are stored as given
};

}  // namespace ats::runtime
