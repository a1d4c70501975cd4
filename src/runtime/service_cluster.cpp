// Service in cluster mode: the connections topic (API connections, pause, resync) read by every
// replica and applied by the owner of each connection's partition; summaries of the connections
// other replicas run. (The partitions' start and stop are in service_connections.cpp.)
#include <algorithm>

#include "common/log.hpp"
#include "runtime/service.hpp"
#include "state/connection_state.hpp"

namespace ats::runtime {
namespace {

std::string ResyncAppliedKey(const std::string& id) {
  return "control/" + id + "/resync_request";
}

}  // namespace

Result<void> Service::OpenDefinitions() {
  connections::DefinitionsOptions options;
  options.bootstrap_servers = bootstrap_;
  options.topic = config_.cluster.connections_topic;
  options.status_topic = config_.kafka.topics.connection_status;
  options.client_id = config_.kafka.client_id + "-definitions";
  options.rdkafka = config_.kafka.rdkafka;
  options.keyring = keyring_ ? &*keyring_ : nullptr;
  auto opened =
      connections::DefinitionsTopic::Open(options, [this](const std::string& id) { OnDefinition(id); });
  if (!opened) return opened.error();
  definitions_ = std::move(opened).value();
  return definitions_->WaitCaughtUp(std::chrono::seconds(60));
}

bool Service::IsYaml(const std::string& id) const {
  std::lock_guard lock(config_mu_);
  return std::any_of(config_.connections.begin(), config_.connections.end(),
                     [&](const config::ConnectionConfig& c) { return c.id == id; });
}

void Service::OnDefinition(const std::string& id) {
  if (!cluster_ || stop_.stopped() || !cluster_->Runs(id)) return;  // its owner applies it
  std::lock_guard control(control_mu_);
  ApplyDefinitionLocked(id, /*reader_thread=*/true);
}

// What the connections topic says of `id`, made true here (this replica owns its partition).
void Service::ApplyDefinitionLocked(const std::string& id, bool reader_thread) {
  const bool yaml = IsYaml(id);
  if (auto removed = definitions_->Removed(id); removed && !yaml) {
    if (Task(id)) {
      if (auto gone = RemoveLocked(id, removed->purge); !gone)
        log::Error("cluster: cannot remove a deleted connection",
                   {{"connection", id}, {"error", gone.error().message}});
    }
    // (Forgetting waits for the topic's reader: only from its own thread, which cannot wait
    // for itself; a marker left for later is applied again, harmlessly.)
    if (reader_thread) (void)definitions_->Forget(id);
    return;
  }
  if (!yaml) {
    if (auto document = definitions_->Get(id)) {
      auto parsed = config::ParseConnectionDocument(*document);
      if (!parsed.connection) {
        log::Error("cluster: an API connection no longer loads; it does not run",
                   {{"connection", id},
                    {"error", parsed.problems.front().path + ": " + parsed.problems.front().message}});
        return;
      }
      for (const auto& secret : config::SecretsOf(*parsed.connection)) log::RegisterSecret(secret);
      std::optional<config::ConnectionConfig>
          running;  // this replica's (Connection() also answers for others')
      {
        std::lock_guard lock(connections_mu_);
        if (auto it = connections_.find(id); it != connections_.end()) running = it->second.config;
      }
      if (!running || !(*running == *parsed.connection)) {
        auto prepared = Prepare(*parsed.connection);
        if (!prepared) {
          log::Error("cluster: cannot start an API connection",
                     {{"connection", id}, {"error", prepared.error().message}});
          return;
        }
        auto applied = Task(id) ? ReplaceLocked(*parsed.connection, std::move(prepared).value())
                                : AddLocked(*parsed.connection, Origin::kApi, std::move(prepared).value());
        if (!applied)
          log::Error("cluster: cannot apply an API connection",
                     {{"connection", id}, {"error", applied.error().message}});
      }
    }
  }
  auto task = Task(id);
  if (!task) return;
  if (const bool paused = definitions_->Paused(id); task->paused() != paused) {
    task->SetPaused(paused);
    log::Info(paused ? "Connection paused." : "Connection resumed.", {{"connection", id}});
  }
  if (auto request = definitions_->PendingResync(id)) {
    auto& store = StoreFor(id);
    auto applied = store.GetMeta(ResyncAppliedKey(id));
    if (applied && (!applied->has_value() || **applied != request->request_id)) {
      auto scope = DecodeResync(request->scope_json);
      snapshot::Batch batch;
      batch.PutMeta(ResyncKey(id),
                    EncodeResync(scope.value_or(ResyncScope{}), std::chrono::system_clock::now()));
      batch.PutMeta(ResyncAppliedKey(id), request->request_id);
      if (auto saved = store.Commit(batch); saved) {
        task->Wake();
        log::Info("Resync requested; the next cycle lists in full.", {{"connection", id}});
      } else {
        log::Error("cluster: cannot record a resync request",
                   {{"connection", id}, {"error", saved.error().message}});
      }
    }
  }
}

std::vector<std::string> Service::KnownIds() const {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(config_mu_);
    for (const auto& c : config_.connections) ids.push_back(c.id);
  }
  if (definitions_)
    for (const auto& [id, document] : definitions_->List()) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// What the replicas' status events last said of a connection this replica does not run.
std::optional<ConnectionSummary> Service::RemoteSummary(const std::string& id) const {
  ConnectionSummary s;
  s.id = id;
  bool known = false;
  {
    std::lock_guard lock(config_mu_);
    for (const auto& c : config_.connections)
      if (c.id == id) {
        s.source = c.source;
        s.origin = Origin::kYaml;
        known = true;
      }
  }
  if (!known && definitions_) {
    auto document = definitions_->Get(id);
    if (!document) return std::nullopt;
    auto parsed = config::ParseConnectionDocument(*document);
    if (parsed.connection) s.source = parsed.connection->source;
    s.origin = Origin::kApi;
    known = true;
  }
  if (!known) return std::nullopt;
  s.paused = definitions_ && definitions_->Paused(id);
  s.state = "remote";  // another replica runs it (or its partition is moving)
  s.status = s.paused ? "Paused" : "Pending";
  if (auto last = definitions_ ? definitions_->LastStatus(id) : std::nullopt) {
    if (last->change == "failed") {
      s.status = "Failed";
      s.category = last->category;
      s.reason = last->reason;
      s.fix = last->fix;
    } else if (last->change == "active" || last->change == "listing_completed" || last->change == "resumed") {
      s.status = s.paused ? "Paused" : "Active";
    }
    s.last_attempt = last->at;
  }
  return s;
}

}  // namespace ats::runtime
