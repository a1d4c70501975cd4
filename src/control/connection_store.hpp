#pragma once
// Where the control API keeps the connections it creates: the canonical document (the accepted
// JSON, PATCHes merged) per id, sealed with the keyring wherever it is stored. Two stores:
// MetaConnectionStore (single mode: the snapshot's metadata, below) and TopicConnectionStore
// (cluster mode: the connections topic, topic_connection_store.hpp).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "connections/keyring.hpp"
#include "snapshot/snapshot_store.hpp"

namespace ats::control {

inline constexpr std::string_view kConnectionsPrefix = "control/connections/";

class ConnectionStore {
 public:
  virtual ~ConnectionStore() = default;
  virtual Result<void> Put(const std::string& id, const std::string& document) = 0;
  virtual Result<std::optional<std::string>> Get(const std::string& id) = 0;
  // Every stored (id, document), in id order.
  virtual Result<std::vector<std::pair<std::string, std::string>>> List() = 0;
  virtual Result<bool> Contains(const std::string& id) = 0;
  // `purge`: the connection's state goes too (what the owner does with it; the document goes either way).
  virtual Result<void> Remove(const std::string& id, bool purge) = 0;
};

// The key control/connections/<id> of the snapshot's metadata holds the document sealed with the
// keyring (the key is the seal's associated data, so a seal moved to another key does not open).
// Nothing of a document is on disk in plain text.
class MetaConnectionStore final : public ConnectionStore {
 public:
  // `keyring` null: Put fails (writes need a keyring), Get/List fail on a stored document.
  MetaConnectionStore(snapshot::SnapshotStore& store, const connections::Keyring* keyring)
      : store_(store), keyring_(keyring) {}

  Result<void> Put(const std::string& id, const std::string& document) override;
  Result<std::optional<std::string>> Get(const std::string& id) override;
  Result<std::vector<std::pair<std::string, std::string>>> List() override;
  Result<bool> Contains(const std::string& id) override;
  // The purge itself is the runtime's (RemoveConnection): here the document goes.
  Result<void> Remove(const std::string& id, bool purge) override;

  static std::string Key(const std::string& id) { return std::string(kConnectionsPrefix) + id; }

 private:
  Result<std::string> Open(const std::string& key, std::string_view sealed);

  snapshot::SnapshotStore& store_;
  const connections::Keyring* keyring_;
};

}  // namespace ats::control
