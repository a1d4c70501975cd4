#pragma once
// The runtime as the control plane drives it (issue 14, contract §2): connections added,
// replaced, removed, paused and resynced one at a time. Implemented by runtime::Service.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "events/events.hpp"

namespace ats::runtime {

enum class Origin { kYaml, kApi };

// What `POST /v1/connections/{id}/resync` asks for: everything (all empty), one entity
// ("jobs" | "candidates"), one job's candidates, or one candidate. The next cycle re-lists the
// scope in full (no incremental cursor) and publishes what differs, deletions included.
struct ResyncScope {
  std::string entity;        // "", "jobs", "candidates"
  std::string job_id;        // candidates of this job
  std::string candidate_id;  // this candidate
};

struct ConnectionSummary {
  std::string id, source;
  Origin origin = Origin::kYaml;
  bool paused = false;
  std::string status;  // "Active" (last cycle succeeded), "Failed", "Pending" (no cycle yet), "Paused"
  // telemetry::ToString(ConnectionState): starting/syncing/idle/backing_off/failed/stopped
  std::string state;
  std::string category, reason, fix;  // when Failed (reason redacted)
  std::optional<SystemTime> last_attempt, last_success;
  double lag_s = 0;  // now - last success (or since added)
  long long cycles = 0, records_fetched = 0, events_published = 0, dead_lettered = 0;
};

// A change of a connection's status, for `ats.connection-status.v1` (built and published by the
// api branch's ConnectionStatusPublisher; the runtime only reports them through this callback).
struct ConnectionStatusChange {
  std::string connection, source;
  std::string change;  // created|updated|deleted|paused|resumed|active|failed|listing_completed
  // failed:
  std::string category, reason, fix;
  long long records = 0, created = 0, updated = 0, deleted = 0, dead_lettered = 0;  // listing_completed
  SystemTime at{};
};
using StatusListener = std::function<void(const ConnectionStatusChange&)>;
// What an ats.connection-status.v1 event says of `change` (events::ConnectionStatus's input).
inline events::ConnectionStatusInfo StatusInfo(const ConnectionStatusChange& change) {
  events::ConnectionStatusInfo info;
  info.change = change.change;
  info.category = change.category;
  info.reason = change.reason;
  info.fix = change.fix;
  info.records = change.records;
  info.created = change.created;
  info.updated = change.updated;
  info.deleted = change.deleted;
  info.dead_lettered = change.dead_lettered;
  return info;
}

// The runtime as the control plane drives it. Every call touches only the connection it names:
// no other connection stops, restarts or misses a cycle. Thread-safe.
class ConnectionRuntime {
 public:
  virtual ~ConnectionRuntime() = default;
  // Starts scheduling `connection` (first cycle at once). Permanent error if the id exists.
  virtual Result<void> AddConnection(const config::ConnectionConfig& connection, Origin origin) = 0;
  // Replaces its settings: it finishes the page in hand, then runs with the new ones.
  virtual Result<void> ReplaceConnection(const config::ConnectionConfig& connection) = 0;
  // Stops it (at a page boundary); purge: also removes its snapshot records and metadata.
  virtual Result<void> RemoveConnection(const std::string& id, bool purge) = 0;
  // Paused: no cycles until resumed; the flag is persisted in the snapshot (meta key
  // control/<id>/paused) and survives restarts (AddConnection reads it).
  virtual Result<void> SetPaused(const std::string& id, bool paused) = 0;
  // Persisted (meta key control/<id>/resync), applied by the next cycle, which starts now.
  virtual Result<void> Resync(const std::string& id, const ResyncScope& scope) = 0;
  virtual std::vector<ConnectionSummary> Summaries() const = 0;  // sorted by id
  virtual std::optional<ConnectionSummary> Summary(const std::string& id) const = 0;
  virtual std::optional<config::ConnectionConfig> Connection(const std::string& id) const = 0;
  // Before Start: an observer of the changes the runtime reports (active, failed, paused,
  // resumed, listing_completed); the Service publishes them to ats.connection-status.v1 itself.
  virtual void SetStatusListener(StatusListener listener) = 0;
};

}  // namespace ats::runtime
