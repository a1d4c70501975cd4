#pragma once
// Wires one process together from a Config: snapshot store, Kafka (external or embedded),
// publisher, metrics, the admin HTTP server and the scheduler whose bounded pool runs every
// connection's cycles (runtime/scheduler.hpp, runtime/connection_task.hpp). Connections are
// added, replaced, paused and removed one at a time (ConnectionRuntime).
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "common/stop.hpp"
#include "config/config.hpp"
#include "connections/definitions_topic.hpp"
#include "connections/keyring.hpp"
#include "control/control_api.hpp"
#include "kafka/embedded_cluster.hpp"
#include "runtime/connection_runtime.hpp"
#include "runtime/cluster.hpp"
#include "runtime/connection_task.hpp"
#include "runtime/publisher.hpp"
#include "runtime/publisher_outbox.hpp"
#include "runtime/rate_limiters.hpp"
#include "runtime/scheduler.hpp"
#include "runtime/sync_worker.hpp"
#include "snapshot/snapshot_store.hpp"
#include "state/connection_state.hpp"
#include "telemetry/admin_server.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status.hpp"

namespace ats::runtime {

struct ServiceOptions {
  bool log_events = false;  // a log line per published event (sandbox mode)
};

class Service final : public ConnectionRuntime {
 public:
  explicit Service(config::Config config, ServiceOptions options = {});
  ~Service() override;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Opens the snapshot, starts (embedded) Kafka, the admin server, the scheduler and the YAML
  // connections. A permanent error here (foreign snapshot directory, bad rdkafka option, port
  // in use) stops start-up.
  Result<void> Start();
  // Signals every connection to finish its page, waits for them, flushes Kafka. Idempotent.
  void Stop();
  // Applies a new configuration without a restart (SIGHUP, a changed file), whole or not at
  // all: changes of kafka, snapshot.path or http.listen are refused (they need a restart). Of
  // the YAML connections only those added, removed or changed are touched; the others keep
  // running. API connections are left alone (a YAML connection with an API connection's id is
  // refused).
  Result<void> Reload(config::Config next);

  // ConnectionRuntime (connection_runtime.hpp); callable once Start succeeded.
  Result<void> AddConnection(const config::ConnectionConfig& connection, Origin origin) override;
  Result<void> ReplaceConnection(const config::ConnectionConfig& connection) override;
  Result<void> RemoveConnection(const std::string& id, bool purge) override;
  Result<void> SetPaused(const std::string& id, bool paused) override;
  Result<void> Resync(const std::string& id, const ResyncScope& scope) override;
  std::vector<ConnectionSummary> Summaries() const override;
  std::optional<ConnectionSummary> Summary(const std::string& id) const override;
  std::optional<config::ConnectionConfig> Connection(const std::string& id) const override;
  void SetStatusListener(StatusListener listener) override;

  const std::string& bootstrap_servers() const { return bootstrap_; }
  int admin_port() const { return admin_ ? admin_->port() : 0; }
  telemetry::Metrics& metrics() { return metrics_; }
  telemetry::StatusBoard& status() { return status_; }
  const StopSignal& stop_signal() const { return stop_; }


 private:
  void Tick();
  void CheckSnapshot();  // updates readiness, /status and the metric from SnapshotStore::Check
  struct Entry {
    config::ConnectionConfig config;
    Origin origin = Origin::kYaml;
    std::shared_ptr<ConnectionTask> task;
    SystemTime added{};
    // Cluster mode: where the control plane's writes for it go (its partition's changelog).
    std::shared_ptr<snapshot::SnapshotStore> side_store;
  };
  // A connection's source (and its state store), made before anything is stopped so a bad
  // connection changes nothing.
  struct Prepared {
    std::unique_ptr<connectors::StateStore> state;
    connectors::SourcePtr source;
    // Cluster mode: the worker's store and outbox, and the store of its other writers.
    std::shared_ptr<state::ConnectionState> store, side_store;
    std::shared_ptr<state::ConnectionOutbox> outbox;
  };
  Result<Prepared> Prepare(const config::ConnectionConfig& connection);
  std::shared_ptr<ConnectionTask> MakeTask(const config::ConnectionConfig& connection, Prepared prepared);
  std::shared_ptr<ConnectionTask> Task(const std::string& id) const;
  Result<bool> StoredPaused(const std::string& id);
  ConnectionSummary SummaryOf(const Entry& entry, const telemetry::ConnectionStatus* status, SystemTime now) const;
  Result<void> AddLocked(const config::ConnectionConfig& connection, Origin origin, Prepared prepared);
  Result<void> ReplaceLocked(const config::ConnectionConfig& connection, Prepared prepared);
  Result<void> RemoveLocked(const std::string& id, bool purge);
  void StopConnections();
  // Reload: the YAML connections' difference to `next`, applied whole or not at all.
  Result<void> ApplyConnections(const std::vector<config::ConnectionConfig>& next);
  void PublishStatus(const ConnectionStatusChange& change);  // ats.connection-status.v1
  // Where control-plane writes for `id` go: its partition's changelog in cluster mode.
  snapshot::SnapshotStore& StoreFor(const std::string& id);
  // Cluster mode (runtime/cluster.hpp): a partition's connections start, are told to stop, stop.
  Result<void> StartCluster();
  Result<void> Started();  // the ticker and the start-up line
  void StartPartition(int partition);
  void RequestStopPartition(int partition);
  void StopPartition(int partition);
  bool RunsHere(const std::string& id) const;  // single mode: always
  std::vector<std::string> IdsIn(int partition) const;  // the running connections of a partition
  void CountOwned();
  // Cluster mode: the connections topic changed about `id` (its reader thread); the owner
  // applies it (add, replace, remove, pause, resync).
  void OnDefinition(const std::string& id);
  void ApplyDefinitionLocked(const std::string& id, bool reader_thread);
  Result<void> OpenDefinitions();
  bool IsYaml(const std::string& id) const;
  // A summary of a connection another replica runs (from the topics), none if unknown.
  std::optional<ConnectionSummary> RemoteSummary(const std::string& id) const;
  std::vector<std::string> KnownIds() const;  // YAML and API connections (cluster mode)

  config::Config config_;
  ServiceOptions options_;
  StopSignal stop_;
  telemetry::Metrics metrics_;
  telemetry::StatusBoard status_;
  std::optional<connections::Keyring> keyring_;  // secrets.keyring_file, loaded by Start()
  std::unique_ptr<snapshot::SnapshotStore> store_;
  std::unique_ptr<kafka::EmbeddedCluster> embedded_;
  std::string bootstrap_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<PublisherOutbox> publisher_outbox_;  // the at-least-once cluster committers'
  std::unique_ptr<Cluster> cluster_;                  // cluster mode
  std::unique_ptr<telemetry::AdminServer> admin_;
  RateLimiters limiters_;  // one per Workable account (or connection), kept across reloads
  std::mutex reload_mu_;            // one reload at a time
  mutable std::mutex config_mu_;            // config_.connections (the YAML ones) and the admin token
  std::unique_ptr<control::ConnectionStore> connection_store_;  // API connections (snapshot meta or topic)
  std::unique_ptr<connections::DefinitionsTopic> definitions_;  // cluster mode: the connections topic
  std::unique_ptr<control::ControlApi> control_;  // the /v1 routes
  std::unique_ptr<Scheduler> scheduler_;
  StatusListener listener_;  // publishes ats.connection-status.v1, then tells observer_
  StatusListener observer_;  // SetStatusListener's (before Start)
  std::mutex control_mu_;    // one add / replace / remove / pause / resync at a time
  mutable std::mutex connections_mu_;  // connections_
  std::map<std::string, Entry> connections_;  // YAML and API connections, by id
  std::thread ticker_;
  std::thread topic_check_;                  // the state topics' start-up check (CheckStateTopics)
  std::atomic<bool> topic_check_cancel_{false};
  bool stopped_ = false;
  bool snapshot_writable_ = true;  // as last reported (CheckSnapshot logs the changes)
};

}  // namespace ats::runtime
