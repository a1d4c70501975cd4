#pragma once
// The control API's connection store in cluster mode: the connections topic every replica reads
// (connections::DefinitionsTopic). A write returns once this replica has read it back, so the API
// reads its own writes; the replica that owns the connection applies it from the topic.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connections/definitions_topic.hpp"
#include "control/connection_store.hpp"

namespace ats::control {

class TopicConnectionStore final : public ConnectionStore {
 public:
  explicit TopicConnectionStore(connections::DefinitionsTopic& topic) : topic_(topic) {}

  Result<void> Put(const std::string& id, const std::string& document) override {
    return topic_.Put(id, document);
  }
  Result<std::optional<std::string>> Get(const std::string& id) override { return topic_.Get(id); }
  Result<std::vector<std::pair<std::string, std::string>>> List() override { return topic_.List(); }
  Result<bool> Contains(const std::string& id) override { return topic_.Get(id).has_value(); }
  // A removal marker (with `purge`): the owner removes the connection, then forgets its records.
  Result<void> Remove(const std::string& id, bool purge) override { return topic_.Remove(id, purge); }

 private:
  connections::DefinitionsTopic& topic_;
};

}  // namespace ats::control
