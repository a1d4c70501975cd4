// TEMPORARY (api branch): ConnectionRuntime on main's thread-per-connection Service, the thinnest
// adapter that lets the control API run until the sched branch's scheduler replaces it (the merge
// deletes this file). Every change restarts the workers (the scheduler touches only the one
// connection). Not tested for itself.
#include <algorithm>

#include "common/log.hpp"
#include "runtime/service.hpp"

namespace ats::runtime {

Result<void> Service::RestartWorkers_tmp() {
  StopWorkers();
  std::vector<config::ConnectionConfig> running;
  {
    std::lock_guard lock(config_mu_);
    for (const auto& c : config_.connections)
      if (paused_.count(c.id) == 0) running.push_back(c);
  }
  return StartWorkers(running);
}

Result<void> Service::AddConnection(const config::ConnectionConfig& connection, Origin origin) {
  std::lock_guard reload(reload_mu_);
  {
    std::lock_guard lock(config_mu_);
    for (const auto& c : config_.connections)
      if (c.id == connection.id)
        return Error::Permanent(ErrorCategory::kConfig, "connection '" + c.id + "' exists");
    config_.connections.push_back(connection);
    if (origin == Origin::kApi) api_connections_.insert(connection.id);
    if (auto p = store_->GetMeta("control/" + connection.id + "/paused"); p && p->has_value())
      paused_.insert(connection.id);
  }
  return RestartWorkers_tmp();
}

Result<void> Service::ReplaceConnection(const config::ConnectionConfig& connection) {
  std::lock_guard reload(reload_mu_);
  {
    std::lock_guard lock(config_mu_);
    auto it = std::find_if(config_.connections.begin(), config_.connections.end(),
                           [&](const auto& c) { return c.id == connection.id; });
    if (it == config_.connections.end())
      return Error::Permanent(ErrorCategory::kConfig, "no connection '" + connection.id + "'");
    *it = connection;
  }
  return RestartWorkers_tmp();
}

Result<void> Service::RemoveConnection(const std::string& id, bool purge) {
  std::lock_guard reload(reload_mu_);
  {
    std::lock_guard lock(config_mu_);
    auto it = std::find_if(config_.connections.begin(), config_.connections.end(),
                           [&](const auto& c) { return c.id == id; });
    if (it == config_.connections.end())
      return Error::Permanent(ErrorCategory::kConfig, "no connection '" + id + "'");
    config_.connections.erase(it);
    api_connections_.erase(id);
    paused_.erase(id);
  }
  auto restarted = RestartWorkers_tmp();
  status_.RemoveConnection(id);
  snapshot::Batch batch;
  batch.DeleteMeta("control/" + id + "/paused");
  batch.DeleteMeta("control/" + id + "/resync");
  if (purge) {
    for (Entity entity : {Entity::kJob, Entity::kCandidate})
      (void)store_->ForEach(id, entity, [&](std::string_view record, const snapshot::StoredRecord&) {
        batch.Delete({id, entity, std::string(record)});
        return true;
      });
  }
  if (auto committed = store_->Commit(batch); !committed) return committed;
  return restarted;
}

Result<void> Service::SetPaused(const std::string& id, bool paused) {
  std::lock_guard reload(reload_mu_);
  if (!Connection(id)) return Error::Permanent(ErrorCategory::kConfig, "no connection '" + id + "'");
  snapshot::Batch batch;
  if (paused) {
    batch.PutMeta("control/" + id + "/paused", "true");
  } else {
    batch.DeleteMeta("control/" + id + "/paused");
  }
  if (auto committed = store_->Commit(batch); !committed) return committed;
  {
    std::lock_guard lock(config_mu_);
    if (paused) {
      paused_.insert(id);
    } else {
      paused_.erase(id);
    }
  }
  return RestartWorkers_tmp();
}

Result<void> Service::Resync(const std::string& id, const ResyncScope& scope) {
  if (!Connection(id)) return Error::Permanent(ErrorCategory::kConfig, "no connection '" + id + "'");
  snapshot::Batch batch;
  batch.PutMeta("control/" + id + "/resync", scope.entity + "\n" + scope.job_id + "\n" + scope.candidate_id);
  if (auto committed = store_->Commit(batch); !committed) return committed;
  std::lock_guard lock(workers_mu_);
  for (auto& w : workers_)
    if (w->id() == id) w->Wake();
  return Ok();
}

std::vector<ConnectionSummary> Service::Summaries() const {
  std::vector<ConnectionSummary> out;
  std::vector<std::string> ids;
  {
    std::lock_guard lock(config_mu_);
    for (const auto& c : config_.connections) ids.push_back(c.id);
  }
  for (const auto& id : ids)
    if (auto s = Summary(id)) out.push_back(std::move(*s));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::optional<ConnectionSummary> Service::Summary(const std::string& id) const {
  ConnectionSummary s;
  {
    std::lock_guard lock(config_mu_);
    auto it = std::find_if(config_.connections.begin(), config_.connections.end(),
                           [&](const auto& c) { return c.id == id; });
    if (it == config_.connections.end()) return std::nullopt;
    s.id = it->id;
    s.source = it->source;
    s.origin = api_connections_.count(id) ? Origin::kApi : Origin::kYaml;
    s.paused = paused_.count(id) > 0;
  }
  s.status = s.paused ? "Paused" : "Pending";
  s.state = "starting";
  for (const auto& c : status_.connections()) {
    if (c.id != id) continue;
    s.state = std::string(telemetry::ToString(c.state));
    s.last_attempt = c.last_attempt;
    s.last_success = c.last_success;
    s.cycles = c.cycles;
    s.records_fetched = c.records_fetched;
    s.events_published = c.events_published;
    s.dead_lettered = c.dead_lettered;
    if (!s.paused && c.tried) s.status = c.up ? "Active" : "Failed";
    if (!c.up && c.last_error) {
      s.category = c.error_category;
      s.reason = c.last_error->message;
      s.fix = c.error_fix;
    }
    if (c.last_success)
      s.lag_s = std::chrono::duration<double>(std::chrono::system_clock::now() - *c.last_success).count();
  }
  return s;
}

std::optional<config::ConnectionConfig> Service::Connection(const std::string& id) const {
  std::lock_guard lock(config_mu_);
  for (const auto& c : config_.connections)
    if (c.id == id) return c;
  return std::nullopt;
}

void Service::SetStatusListener(StatusListener listener) {
  std::lock_guard lock(config_mu_);
  status_listener_ = std::move(listener);
}

}  // namespace ats::runtime
