#pragma once
// The connections created through the API, kept in the snapshot's metadata: the key
// control/connections/<id> holds the canonical document (the accepted JSON, PATCHes merged)
// sealed with the keyring (the key is the seal's associated data, so a seal moved to another
// key does not open). Nothing of a document is on disk in plain text.
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
  // `keyring` null: Put fails (writes need a keyring), Get/List fail on a stored document.
  ConnectionStore(snapshot::SnapshotStore& store, const connections::Keyring* keyring)
      : store_(store), keyring_(keyring) {}

  Result<void> Put(const std::string& id, const std::string& document);
  Result<std::optional<std::string>> Get(const std::string& id);
  // Every stored (id, document), in id order.
  Result<std::vector<std::pair<std::string, std::string>>> List();
  Result<bool> Contains(const std::string& id);
  Result<void> Remove(const std::string& id);

  static std::string Key(const std::string& id) { return std::string(kConnectionsPrefix) + id; }

 private:
  Result<std::string> Open(const std::string& key, std::string_view sealed);

  snapshot::SnapshotStore& store_;
  const connections::Keyring* keyring_;
};

}  // namespace ats::control
