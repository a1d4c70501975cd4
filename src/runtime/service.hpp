#pragma once
// Wires one process together from a Config: snapshot store, Kafka (external or embedded),
// publisher, metrics, the admin HTTP server and one worker thread per connection.
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
#include "connections/keyring.hpp"
#include "control/control_api.hpp"
#include "kafka/embedded_cluster.hpp"
#include "runtime/connection_runtime.hpp"
#include "runtime/publisher.hpp"
#include "runtime/rate_limiters.hpp"
#include "runtime/sync_worker.hpp"
#include "snapshot/snapshot_store.hpp"
#include "telemetry/admin_server.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status.hpp"

namespace ats::runtime {

struct ServiceOptions {
  bool log_events = false;  // a log line per published event (sandbox mode)
};

class Service : public ConnectionRuntime {
 public:
  explicit Service(config::Config config, ServiceOptions options = {});
  ~Service() override;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Opens the snapshot, starts (embedded) Kafka, the admin server and the workers. A permanent
  // error here (foreign snapshot directory, bad rdkafka option, port in use) stops start-up.
  Result<void> Start();
  // Signals every worker to finish its page, joins them, flushes Kafka. Idempotent.
  void Stop();
  // Applies a new configuration without a restart (SIGHUP, a changed file), whole or not at
  // all: changes of kafka, snapshot.path or http.listen are refused (they need a restart).
  Result<void> Reload(config::Config next);

  const std::string& bootstrap_servers() const { return bootstrap_; }
  int admin_port() const { return admin_ ? admin_->port() : 0; }
  telemetry::Metrics& metrics() { return metrics_; }
  telemetry::StatusBoard& status() { return status_; }
  const StopSignal& stop_signal() const { return stop_; }

  // ConnectionRuntime (the control API drives these).
  Result<void> AddConnection(const config::ConnectionConfig& connection, Origin origin) override;
  Result<void> ReplaceConnection(const config::ConnectionConfig& connection) override;
  Result<void> RemoveConnection(const std::string& id, bool purge) override;
  Result<void> SetPaused(const std::string& id, bool paused) override;
  Result<void> Resync(const std::string& id, const ResyncScope& scope) override;
  std::vector<ConnectionSummary> Summaries() const override;
  std::optional<ConnectionSummary> Summary(const std::string& id) const override;
  std::optional<config::ConnectionConfig> Connection(const std::string& id) const override;
  void SetStatusListener(StatusListener listener) override;

 private:
  void Tick();
  void CheckSnapshot();  // updates readiness, /status and the metric from SnapshotStore::Check
  Result<void> StartWorkers(const std::vector<config::ConnectionConfig>& connections);
  void StopWorkers();
  void PublishStatus(const ConnectionStatusChange& change);  // ats.connection-status.v1
  // (api branch, until the scheduler replaces the workers: restarts them without the paused ones)
  Result<void> RestartWorkers_tmp();

  config::Config config_;
  ServiceOptions options_;
  StopSignal stop_;
  telemetry::Metrics metrics_;
  telemetry::StatusBoard status_;
  std::unique_ptr<snapshot::SnapshotStore> store_;
  std::unique_ptr<kafka::EmbeddedCluster> embedded_;
  std::string bootstrap_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<telemetry::AdminServer> admin_;
  std::vector<std::unique_ptr<connectors::StateStore>> source_states_;
  RateLimiters limiters_;  // one per Workable account (or connection), kept across reloads
  std::mutex reload_mu_;            // one reload at a time
  mutable std::mutex config_mu_;    // config_.connections, the tokens, origins_, paused_, read by admin requests
  std::unique_ptr<connections::Keyring> keyring_;    // secrets.keyring_file; null: API writes refused
  std::unique_ptr<control::ControlApi> control_;     // the /v1 routes
  std::set<std::string> api_connections_;            // ids created through the API
  std::set<std::string> paused_;
  StatusListener status_listener_;
  std::mutex workers_mu_;                                                // workers_, threads_, workers_stop_
  std::unique_ptr<StopSignal> workers_stop_;  // this generation of workers (a reload starts another)
  std::vector<std::unique_ptr<SyncWorker>> workers_;
  std::vector<std::thread> threads_;
  std::thread ticker_;
  std::thread topic_check_;                  // the state topics' start-up check (CheckStateTopics)
  std::atomic<bool> topic_check_cancel_{false};
  bool stopped_ = false;
  bool snapshot_writable_ = true;  // as last reported (CheckSnapshot logs the changes)
};

}  // namespace ats::runtime
