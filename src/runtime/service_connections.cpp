// Service as a ConnectionRuntime: connections added, replaced, paused, resynced and removed one
// at a time while the others run on (contract §2), and a reload applied as a difference.
#include <algorithm>
#include <set>

#include "common/log.hpp"
#include "connectors/registry.hpp"
#include "runtime/service.hpp"
#include "runtime/source_state.hpp"

namespace ats::runtime {
namespace {

Error NoConnection(const std::string& id) {
  return Error::Permanent(ErrorCategory::kConfig, "no connection '" + id + "'");
}

}  // namespace

Result<Service::Prepared> Service::Prepare(const config::ConnectionConfig& connection) {
  Prepared prepared;
  snapshot::SnapshotStore* state_store = store_.get();
  if (cluster_) {
    auto committer = cluster_->Committer(connection.id);
    if (!committer)
      return Error::Retryable(ErrorCategory::kInternal,
                              "connection '" + connection.id + "' lives in state partition " +
                                  std::to_string(cluster_->PartitionOf(connection.id)) +
                                  ", which this replica does not own (or has not restored) now");
    const int partition = committer->partition();
    prepared.outbox = std::make_shared<state::ConnectionOutbox>();
    prepared.store = std::make_shared<state::ConnectionState>(*store_, committer, cluster_->state_topic(), partition,
                                                              prepared.outbox);
    prepared.side_store =
        std::make_shared<state::ConnectionState>(*store_, committer, cluster_->state_topic(), partition, nullptr);
    state_store = prepared.side_store.get();
  }
  // (A rotated Workday refresh token is the source's own write: never with the worker's events.)
  prepared.state = std::make_unique<SnapshotStateStore>(*state_store, connection.id, keyring_ ? &*keyring_ : nullptr);
  auto source = connectors::CreateSource(connection, {prepared.state.get()});
  if (!source) return source.error();
  prepared.source = std::move(source).value();
  return prepared;
}

std::shared_ptr<ConnectionTask> Service::MakeTask(const config::ConnectionConfig& connection,
                                                  Prepared prepared) {
  auto stop = std::make_unique<StopSignal>();
  if (stop_.stopped()) stop->Stop();
  snapshot::SnapshotStore& worker_store = prepared.store ? *prepared.store : *store_;
  snapshot::SnapshotStore& side_store = prepared.side_store ? *prepared.side_store : *store_;
  WorkerDeps deps{worker_store,  *publisher_,       metrics_,          status_, *stop, config_.kafka.topics,
                  options_.log_events, prepared.outbox.get(), /*write_ahead=*/!prepared.outbox};
  // Connections on one Workable account pace their requests together (Workable's limit is per token).
  auto limiter = limiters_.For(connection, prepared.source->rate_limit());
  auto worker = std::make_unique<SyncWorker>(connection, std::move(prepared.source), deps, limiter);
  auto task = std::make_shared<ConnectionTask>(std::move(stop), std::move(prepared.state), std::move(worker),
                                               std::move(limiter),
                                               TaskDeps{*scheduler_, side_store, metrics_, status_, &listener_});
  if (prepared.store) {
    task->Keep(prepared.store);
    task->Keep(prepared.side_store);
    task->Keep(prepared.outbox);
  }
  return task;
}

snapshot::SnapshotStore& Service::StoreFor(const std::string& id) {
  std::lock_guard lock(connections_mu_);
  auto it = connections_.find(id);
  if (it != connections_.end() && it->second.side_store) return *it->second.side_store;
  return *store_;
}

bool Service::RunsHere(const std::string& id) const {
  return !cluster_ || cluster_->Runs(id);
}

std::shared_ptr<ConnectionTask> Service::Task(const std::string& id) const {
  std::lock_guard lock(connections_mu_);
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.task;
}

Result<bool> Service::StoredPaused(const std::string& id) {
  if (definitions_) return definitions_->Paused(id);  // cluster mode: the connections topic says
  auto stored = store_->GetMeta(PausedKey(id));
  if (!stored) return stored.error();
  return stored->has_value() && **stored == "true";
}

Result<void> Service::AddConnection(const config::ConnectionConfig& connection, Origin origin) {
  if (!scheduler_ || stop_.stopped())
    return Error::Permanent(ErrorCategory::kInternal, "the service is not running");
  // Cluster mode: the API wrote it to the connections topic; the owner of its partition runs it.
  if (definitions_ && origin == Origin::kApi) return Ok();
  auto prepared = Prepare(connection);
  if (!prepared) return prepared.error();
  std::lock_guard control(control_mu_);
  return AddLocked(connection, origin, std::move(prepared).value());
}

Result<void> Service::AddLocked(const config::ConnectionConfig& connection, Origin origin,
                                Prepared prepared) {
  if (Task(connection.id))
    return Error::Permanent(ErrorCategory::kConfig, "a connection '" + connection.id + "' exists already");
  auto paused = StoredPaused(connection.id);  // set through the control API before a restart
  if (!paused) return paused.error();
  auto side_store = std::shared_ptr<snapshot::SnapshotStore>(prepared.side_store);
  auto task = MakeTask(connection, std::move(prepared));
  {
    std::lock_guard lock(connections_mu_);
    connections_[connection.id] = Entry{connection, origin, task, std::chrono::system_clock::now(), side_store};
  }
  CountOwned();
  task->Start(*paused);
  if (*paused)
    log::Info("Connection paused (through the control API); no cycles until resumed.",
              {{"connection", connection.id}});
  return Ok();
}

Result<void> Service::ReplaceConnection(const config::ConnectionConfig& connection) {
  if (!scheduler_ || stop_.stopped())
    return Error::Permanent(ErrorCategory::kInternal, "the service is not running");
  if (definitions_) return Ok();  // cluster mode: applied by the owner from the connections topic
  auto prepared = Prepare(connection);
  if (!prepared) return prepared.error();
  std::lock_guard control(control_mu_);
  return ReplaceLocked(connection, std::move(prepared).value());
}

// The old task finishes its page in hand and stops; its /status entry goes with it, so the new
// one counts its cycles afresh (a replaced connection is a restarted one).
Result<void> Service::ReplaceLocked(const config::ConnectionConfig& connection, Prepared prepared) {
  Entry old;
  {
    std::lock_guard lock(connections_mu_);
    auto it = connections_.find(connection.id);
    if (it == connections_.end()) return NoConnection(connection.id);
    old = it->second;
  }
  const bool paused = old.task->paused();
  old.task->StopAndWait();
  status_.RemoveConnection(connection.id);
  auto side_store = std::shared_ptr<snapshot::SnapshotStore>(prepared.side_store);
  auto task = MakeTask(connection, std::move(prepared));
  {
    std::lock_guard lock(connections_mu_);
    connections_[connection.id] = Entry{connection, old.origin, task, std::chrono::system_clock::now(), side_store};
  }
  task->Start(paused);
  log::Info("Connection settings replaced; it runs with the new ones.", {{"connection", connection.id}});
  return Ok();
}

Result<void> Service::RemoveConnection(const std::string& id, bool purge) {
  if (!scheduler_) return Error::Permanent(ErrorCategory::kInternal, "the service is not running");
  if (definitions_) return Ok();  // cluster mode: the owner applies the removal marker
  std::lock_guard control(control_mu_);
  return RemoveLocked(id, purge);
}

Result<void> Service::RemoveLocked(const std::string& id, bool purge) {
  auto task = Task(id);
  if (!task) return NoConnection(id);
  task->StopAndWait();
  std::shared_ptr<snapshot::SnapshotStore> side_store;
  {
    std::lock_guard lock(connections_mu_);
    side_store = connections_[id].side_store;
    connections_.erase(id);
  }
  CountOwned();
  status_.RemoveConnection(id);
  if (purge) {
    // Its records (and the written-ahead and tombstone namespaces) and every metadata key
    // (cursors, resume markers, selection, control flags, the source's state); in cluster mode
    // as tombstones in its partition's changelog too.
    const auto ranges = RangesOf({id});
    auto purged = (side_store ? *side_store : *store_).DeleteRanges(ranges.connections, ranges.meta_prefixes);
    if (!purged) return purged;
  }
  log::Info("Connection removed.", {{"connection", id}, {"purged", purge}});
  return Ok();
}

Result<void> Service::SetPaused(const std::string& id, bool paused) {
  if (definitions_) {  // cluster mode: through the connections topic, to whichever replica runs it
    if (!Summary(id)) return NoConnection(id);
    return definitions_->SetPaused(id, paused);
  }
  std::lock_guard control(control_mu_);
  auto task = Task(id);
  if (!task) return NoConnection(id);
  snapshot::Batch batch;
  if (paused)
    batch.PutMeta(PausedKey(id), "true");
  else
    batch.DeleteMeta(PausedKey(id));
  if (auto saved = StoreFor(id).Commit(batch); !saved) return saved;
  task->SetPaused(paused);
  log::Info(paused ? "Connection paused." : "Connection resumed.", {{"connection", id}});
  return Ok();
}

Result<void> Service::Resync(const std::string& id, const ResyncScope& scope) {
  if (!scope.entity.empty() && scope.entity != "jobs" && scope.entity != "candidates")
    return Error::Permanent(ErrorCategory::kConfig, "unknown entity '" + scope.entity +
                                                        "' to resync; use \"jobs\" or \"candidates\"");
  if (definitions_) {
    if (!Summary(id)) return NoConnection(id);
    auto requested = definitions_->RequestResync(id, EncodeResync(scope, std::chrono::system_clock::now()));
    if (!requested) return requested.error();
    return Ok();
  }
  std::lock_guard control(control_mu_);
  auto task = Task(id);
  if (!task) return NoConnection(id);
  snapshot::Batch batch;
  batch.PutMeta(ResyncKey(id), EncodeResync(scope, std::chrono::system_clock::now()));
  if (auto saved = StoreFor(id).Commit(batch); !saved) return saved;
  task->Wake();
  log::Info("Resync requested; the next cycle lists in full.", {{"connection", id}});
  return Ok();
}

ConnectionSummary Service::SummaryOf(const Entry& entry, const telemetry::ConnectionStatus* status,
                                     SystemTime now) const {
  ConnectionSummary s;
  s.id = entry.config.id;
  s.source = entry.config.source;
  s.origin = entry.origin;
  s.paused = status != nullptr ? status->paused : false;
  s.status = "Pending";
  s.state = std::string(telemetry::ToString(telemetry::ConnectionState::kStarting));
  SystemTime since = entry.added;
  if (status != nullptr) {
    s.status = status->paused ? "Paused" : !status->tried ? "Pending" : status->up ? "Active" : "Failed";
    s.state = std::string(telemetry::ToString(status->state));
    if (status->tried && !status->up && status->last_error) {
      s.category = status->error_category;
      s.reason = log::Redact(status->last_error->message);
      s.fix = status->error_fix;
    }
    s.last_attempt = status->last_attempt;
    s.last_success = status->last_success;
    if (status->last_success) since = *status->last_success;
    s.cycles = status->cycles;
    s.records_fetched = status->records_fetched;
    s.events_published = status->events_published;
    s.dead_lettered = status->dead_lettered;
  }
  s.lag_s = std::max(0.0, std::chrono::duration<double>(now - since).count());
  return s;
}

std::vector<ConnectionSummary> Service::Summaries() const {
  std::map<std::string, telemetry::ConnectionStatus> statuses;
  for (auto& c : status_.connections()) statuses[c.id] = std::move(c);
  const auto now = std::chrono::system_clock::now();
  std::vector<ConnectionSummary> out;
  {
    std::lock_guard lock(connections_mu_);
    out.reserve(connections_.size());
    for (const auto& [id, entry] : connections_) {  // a std::map: sorted by id
      auto it = statuses.find(id);
      out.push_back(SummaryOf(entry, it == statuses.end() ? nullptr : &it->second, now));
    }
  }
  if (!cluster_) return out;
  // Cluster mode: the connections other replicas run too (not under connections_mu_).
  std::set<std::string> local;
  for (const auto& summary : out) local.insert(summary.id);
  for (const auto& id : KnownIds())
    if (local.count(id) == 0)
      if (auto remote = RemoteSummary(id)) out.push_back(std::move(*remote));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::optional<ConnectionSummary> Service::Summary(const std::string& id) const {
  std::optional<telemetry::ConnectionStatus> status;
  for (auto& c : status_.connections())
    if (c.id == id) status = std::move(c);
  {
    std::lock_guard lock(connections_mu_);
    auto it = connections_.find(id);
    if (it != connections_.end()) return SummaryOf(it->second, status ? &*status : nullptr, std::chrono::system_clock::now());
  }
  if (cluster_) return RemoteSummary(id);
  return std::nullopt;
}

std::optional<config::ConnectionConfig> Service::Connection(const std::string& id) const {
  {
    std::lock_guard lock(connections_mu_);
    auto it = connections_.find(id);
    if (it != connections_.end()) return it->second.config;
  }
  if (!cluster_) return std::nullopt;
  {  // cluster mode: one another replica runs
    std::lock_guard lock(config_mu_);
    for (const auto& c : config_.connections)
      if (c.id == id) return c;
  }
  if (definitions_)
    if (auto document = definitions_->Get(id))
      if (auto parsed = config::ParseConnectionDocument(*document); parsed.connection) return std::move(*parsed.connection);
  return std::nullopt;
}

void Service::SetStatusListener(StatusListener listener) {
  observer_ = std::move(listener);
}

// Every connection is told to stop first, then each is waited for: they finish their pages
// in parallel.
void Service::StopConnections() {
  std::vector<std::shared_ptr<ConnectionTask>> tasks;
  {
    std::lock_guard lock(connections_mu_);
    for (const auto& [id, entry] : connections_) tasks.push_back(entry.task);
  }
  for (const auto& task : tasks) task->RequestStop();
  for (const auto& task : tasks) task->StopAndWait();
}

Result<void> Service::ApplyConnections(const std::vector<config::ConnectionConfig>& next) {
  std::lock_guard control(control_mu_);
  std::map<std::string, Entry> yaml;
  {
    std::lock_guard lock(connections_mu_);
    for (const auto& [id, entry] : connections_) {
      if (entry.origin == Origin::kYaml) {
        yaml.emplace(id, entry);
        continue;
      }
      for (const auto& c : next)
        if (c.id == id)
          return Error::Permanent(ErrorCategory::kConfig,
                                  "connections: '" + id +
                                      "' is a connection created through the API; give the YAML "
                                      "one another id (or delete the API one first); the running "
                                      "configuration is kept");
    }
  }
  // Sources of what is added or changed first: a bad one refuses the reload before anything stops.
  std::map<std::string, Prepared> prepared;
  for (const auto& c : next) {
    if (!RunsHere(c.id)) continue;  // cluster mode: its partition's owner runs it
    auto it = yaml.find(c.id);
    if (it != yaml.end() && it->second.config == c) continue;
    auto made = Prepare(c);
    if (!made) return made.error();
    prepared.emplace(c.id, std::move(made).value());
  }
  std::set<std::string> next_ids;
  for (const auto& c : next)
    if (RunsHere(c.id)) next_ids.insert(c.id);
  size_t removed = 0, changed = 0, added = 0, elsewhere = 0;
  for (const auto& c : next) elsewhere += RunsHere(c.id) ? 0 : 1;
  for (const auto& [id, entry] : yaml) {
    if (next_ids.count(id) > 0) continue;
    if (auto gone = RemoveLocked(id, /*purge=*/false); !gone) return gone;
    ++removed;
  }
  for (const auto& c : next) {
    auto it = prepared.find(c.id);
    if (it == prepared.end()) continue;  // unchanged: keeps running
    auto done = yaml.count(c.id) > 0 ? ReplaceLocked(c, std::move(it->second))
                                     : AddLocked(c, Origin::kYaml, std::move(it->second));
    if (!done) return done;
    ++(yaml.count(c.id) > 0 ? changed : added);
  }
  {
    std::lock_guard lock(config_mu_);
    config_.connections = next;
  }
  log::Info("Connections reloaded as a difference.", {{"added", added},
                                                      {"changed", changed},
                                                      {"removed", removed},
                                                      {"elsewhere", elsewhere},
                                                      {"unchanged", next.size() - added - changed - elsewhere}});
  return Ok();
}

void Service::CountOwned() {
  if (!cluster_) return;
  size_t count = 0;
  {
    std::lock_guard lock(connections_mu_);
    count = connections_.size();
  }
  cluster_->SetConnectionsOwned(static_cast<long long>(count));
}

// Cluster mode: partition `partition` is restored here; its YAML connections (and, with the
// connections topic, its API ones) start.
void Service::StartPartition(int partition) {
  std::vector<config::ConnectionConfig> yaml;
  {
    std::lock_guard lock(config_mu_);
    yaml = config_.connections;
  }
  std::lock_guard control(control_mu_);
  for (const auto& c : yaml) {
    if (cluster_->PartitionOf(c.id) != partition || Task(c.id)) continue;
    auto prepared = Prepare(c);
    if (!prepared) {
      log::Error("cluster: cannot start a connection of an assigned partition",
                 {{"connection", c.id}, {"error", prepared.error().message}});
      continue;
    }
    if (auto added = AddLocked(c, Origin::kYaml, std::move(prepared).value()); !added)
      log::Error("cluster: cannot start a connection", {{"connection", c.id}, {"error", added.error().message}});
  }
  if (!definitions_) return;
  // The API connections of the partition, and what the topic asks of its YAML ones (pause, resync).
  for (const auto& [id, document] : definitions_->List())
    if (cluster_->PartitionOf(id) == partition && !IsYaml(id)) ApplyDefinitionLocked(id, /*reader_thread=*/false);
  for (const auto& c : yaml)
    if (cluster_->PartitionOf(c.id) == partition) ApplyDefinitionLocked(c.id, /*reader_thread=*/false);
}

std::vector<std::string> Service::IdsIn(int partition) const {
  std::vector<std::string> ids;
  std::lock_guard lock(connections_mu_);
  for (const auto& [id, entry] : connections_)
    if (cluster_->PartitionOf(id) == partition) ids.push_back(id);
  return ids;
}

void Service::RequestStopPartition(int partition) {
  for (const auto& id : IdsIn(partition))
    if (auto task = Task(id)) task->RequestStop();
}

void Service::StopPartition(int partition) {
  std::lock_guard control(control_mu_);
  for (const auto& id : IdsIn(partition)) (void)RemoveLocked(id, /*purge=*/false);
}

}  // namespace ats::runtime
