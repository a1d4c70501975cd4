#pragma once
// Wires one process together from a Config: snapshot store, Kafka (external or embedded),
// publisher, metrics, the admin HTTP server and one worker thread per connection.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "common/stop.hpp"
#include "config/config.hpp"
#include "connections/keyring.hpp"
#include "kafka/embedded_cluster.hpp"
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

class Service {
 public:
  explicit Service(config::Config config, ServiceOptions options = {});
  ~Service();
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

 private:
  void Tick();
  void CheckSnapshot();  // updates readiness, /status and the metric from SnapshotStore::Check
  Result<void> StartWorkers(const std::vector<config::ConnectionConfig>& connections);
  void StopWorkers();
  telemetry::AdminReply JobsApi(const telemetry::AdminRequest& request);
  std::optional<telemetry::AdminReply> Authorize(const telemetry::AdminRequest& request);
  std::mutex& ConnectionLock(const std::string& connection);

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
  std::unique_ptr<telemetry::AdminServer> admin_;
  std::vector<std::unique_ptr<connectors::StateStore>> source_states_;
  RateLimiters limiters_;  // one per Workable account (or connection), kept across reloads
  std::mutex reload_mu_;            // one reload at a time
  std::mutex config_mu_;            // config_.connections and admin token, read by admin requests
  std::mutex connection_locks_mu_;  // connection_locks_
  std::map<std::string, std::unique_ptr<std::mutex>> connection_locks_;  // admin writes, per connection
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
