#pragma once
// What each connection is doing, for /status and /readyz. Written by the workers, read by the
// admin server; every method is thread-safe.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"

namespace ats::telemetry {

enum class ConnectionState { kStarting, kSyncing, kIdle, kBackingOff, kFailed, kStopped };
std::string_view ToString(ConnectionState state);

struct ConnectionStatus {
  std::string id;
  std::string source;
  ConnectionState state = ConnectionState::kStarting;
  bool tried = false;  // at least one cycle finished (successfully or not)
  bool up = false;     // the last cycle succeeded
  bool paused = false;  // paused through the control API: no cycles; counts as tried for readiness
  // Added before start-up completed (SetStartupComplete): its first attempt gates readiness. One
  // added later (the control API, a reload) does not make a running process unready.
  bool gates_readiness = true;
  std::optional<SystemTime> last_attempt;
  std::optional<SystemTime> last_success;
  std::optional<Error> last_error;
  std::string error_category;  // as the setup screens say it: "Token Errors", "Invalid API Endpoint", ...
  std::string error_fix;
  std::optional<SystemTime> last_error_at;
  long long cycles = 0;
  long long events_published = 0;
  long long records_fetched = 0;
  long long dead_lettered = 0;
};

// This replica in cluster mode (/status "cluster", /readyz).
struct ClusterStatus {
  std::string mode = "single";  // single | kafka
  std::string group_id, member_id;
  bool joined = false;          // took part in a rebalance (its assignment, maybe empty, is known)
  long long rebalances = 0;
  std::vector<int> owned, restoring;
  long long connections_owned = 0;
};

class StatusBoard {
 public:
  void AddConnection(const std::string& id, const std::string& source);
  void RemoveConnection(const std::string& id);
  void SetState(const std::string& id, ConnectionState state);
  void SetPaused(const std::string& id, bool paused);
  void CycleSucceeded(const std::string& id, SystemTime at, long long events, long long records,
                      long long dead_lettered);
  // `category` and `fix` come from connectors::Diagnose.
  void CycleFailed(const std::string& id, SystemTime at, const Error& error, const std::string& category = "",
                   const std::string& fix = "");
  void SetKafkaReachable(bool reachable, const std::string& detail = "");
  // Whether the snapshot takes commits (SnapshotStore::Check); `detail` says why not.
  void SetSnapshotWritable(bool writable, const std::string& detail = "");
  void SetConfigLoaded(bool loaded);
  void SetCluster(ClusterStatus cluster);

  std::vector<ConnectionStatus> connections() const;
  // Connections added from now on do not gate readiness (called at the end of start-up).
  void SetStartupComplete();
  // Ready: config loaded, Kafka reachable, the snapshot writable, every connection present at
  // start-up tried at least once (or paused).
  bool Ready(std::string* why_not = nullptr) const;
  // JSON document for /status. Error messages pass through log::Redact.
  std::string ToJson(SystemTime now) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ConnectionStatus> connections_;
  bool kafka_reachable_ = false;
  std::string kafka_detail_;
  bool snapshot_writable_ = true;
  std::string snapshot_detail_;
  bool config_loaded_ = false;
  bool startup_complete_ = false;
  ClusterStatus cluster_;
};

}  // namespace ats::telemetry
