#include "runtime/service.hpp"

#include <algorithm>
#include <set>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "connectors/registry.hpp"
#include "events/events.hpp"
#include "runtime/check.hpp"
#include "runtime/cluster_topics.hpp"
#include "control/topic_connection_store.hpp"
#include "runtime/source_state.hpp"
#include "runtime/topic_check.hpp"

namespace ats::runtime {
namespace {

telemetry::HttpLimits HttpLimitsOf(const config::HttpConfig& http) {
  telemetry::HttpLimits limits;
  limits.max_connections = static_cast<unsigned>(http.max_connections);
  limits.max_connections_per_client = static_cast<unsigned>(http.max_connections_per_client);
  limits.idle_timeout_s = static_cast<unsigned>(http.idle_timeout_s);
  limits.max_head_bytes = static_cast<size_t>(http.max_header_bytes);
  return limits;
}

}  // namespace

Service::Service(config::Config config, ServiceOptions options)
    : config_(std::move(config)), options_(options) {}

Service::~Service() {
  Stop();
}

Result<void> Service::Start() {
  log::Level level = log::Level::kInfo;
  if (log::ParseLevel(config_.log_level, level)) log::SetLevel(level);
  status_.SetConfigLoaded(true);

  if (!config_.secrets.keyring_file.empty()) {
    auto keyring = connections::Keyring::Load(config_.secrets.keyring_file);
    if (!keyring) return keyring.error();
    keyring_ = std::move(keyring).value();
  }
  for (const auto& connection : config_.connections)
    if (connection.source == "workday" && !keyring_)
      log::Warn(
          "Workday refresh tokens this connection rotates are stored unencrypted in the snapshot; set "
          "secrets.keyring_file (create one with `ats-connector keygen --out FILE`) to seal them.",
          {{"connection", connection.id}});

  auto store = snapshot::OpenRocksDbStore(config_.snapshot.path);
  if (!store) return store.error();
  store_ = std::move(store).value();
  CheckSnapshot();

  if (config_.kafka.embedded()) {
    auto cluster = kafka::EmbeddedCluster::Start(config_.kafka.embedded_brokers);
    if (!cluster) return cluster.error();
    embedded_ = std::move(cluster).value();
    // (The mock cluster keeps no topic configs: the state topics cannot be compacted in it, and
    // need not be, the cluster living only as long as the process.)
    for (const auto* topic : {&config_.kafka.topics.candidate_changed, &config_.kafka.topics.job_imported,
                              &config_.kafka.topics.job_changed, &config_.kafka.topics.dead_letter,
                              &config_.kafka.topics.candidates_state, &config_.kafka.topics.jobs_state,
                              &config_.kafka.topics.connection_status}) {
      if (auto created = embedded_->CreateTopic(*topic, 4, std::min(3, config_.kafka.embedded_brokers));
          !created)
        return created.error();
    }
    if (config_.cluster.kafka_mode()) {
      if (auto created = embedded_->CreateTopic(config_.cluster.state_topic, config_.cluster.state_partitions,
                                                std::min(3, config_.kafka.embedded_brokers));
          !created)
        return created.error();
      if (auto created = embedded_->CreateTopic(config_.cluster.connections_topic, 1,
                                                std::min(3, config_.kafka.embedded_brokers));
          !created)
        return created.error();
      log::Warn(
          "cluster mode on the embedded Kafka (librdkafka's mock): it neither fences a zombie producer nor "
          "hides aborted transactions from read_committed consumers; for tests only, use real brokers.");
    }
    bootstrap_ = embedded_->bootstrap_servers();
    log::Info("Embedded Kafka started (librdkafka mock cluster, in memory).",
              {{"bootstrap_servers", bootstrap_}, {"brokers", config_.kafka.embedded_brokers}});
  } else {
    bootstrap_ = config_.kafka.bootstrap_servers;
  }

  kafka::ProducerOptions options;
  options.bootstrap_servers = bootstrap_;
  options.client_id = config_.kafka.client_id;
  options.delivery_timeout_ms = config_.kafka.delivery_timeout_s * 1000;
  options.rdkafka = config_.kafka.rdkafka;
  publisher_ = std::make_unique<Publisher>(options, metrics_);
  if (auto started = publisher_->Start(); !started) return started.error();
  publisher_outbox_ = std::make_unique<PublisherOutbox>(*publisher_);
  if (auto ping = publisher_->Ping(std::chrono::seconds(5)); ping) {
    status_.SetKafkaReachable(true);
    // A real cluster: the state topics should be compacted (warnings only; see topic_check.hpp).
    // Beside the start, not before it: a cluster may take its timeout to answer.
    if (!config_.kafka.embedded())
      topic_check_ = std::thread([this, kafka = config_.kafka] { (void)CheckStateTopics(kafka, &topic_check_cancel_); });
  } else {
    status_.SetKafkaReachable(false, ping.error().message);
    log::Warn("Kafka is not reachable yet; events wait until it is.", {{"error", ping.error().message}});
  }

  if (config_.cluster.kafka_mode()) {
    // The cluster's topics first: the connections topic is read right below.
    if (!config_.kafka.embedded())
      if (auto ensured = EnsureClusterTopics(config_.cluster, config_.kafka.topics.connection_status, bootstrap_,
                                             config_.kafka.rdkafka);
          !ensured)
        return ensured;
    // The cluster object exists before anything that asks it (the connections topic's reader
    // thread, the API); it joins the group only in StartCluster, so it owns nothing until then.
    ClusterHooks hooks{[this](int p) { StartPartition(p); }, [this](int p) { RequestStopPartition(p); },
                       [this](int p) { StopPartition(p); }};
    cluster_ = std::make_unique<Cluster>(config_, bootstrap_, *store_, *publisher_outbox_, metrics_, status_,
                                         std::move(hooks));
    if (auto opened = OpenDefinitions(); !opened) return opened;
    connection_store_ = std::make_unique<control::TopicConnectionStore>(*definitions_);
  } else {
    connection_store_ = std::make_unique<control::MetaConnectionStore>(*store_, keyring_ ? &*keyring_ : nullptr);
  }
  control::ControlDeps deps{
      *this,
      *store_,
      *connection_store_,
      keyring_ ? &*keyring_ : nullptr,
      [this](const config::ConnectionConfig& c) {
        // A rotated Workday refresh token lands where the connection's worker will read it (in
        // cluster mode: its partition's changelog when this replica owns it).
        SnapshotStateStore state(StoreFor(c.id), c.id, keyring_ ? &*keyring_ : nullptr);
        return CheckConnection(c, &state, /*register_secrets=*/false);
      },
      [this](const ConnectionStatusChange& change) { PublishStatus(change); },
      [this] {
        std::lock_guard lock(config_mu_);
        return control::Tokens{config_.http.admin_token, config_.http.read_token};
      },
      [this](const std::string& id) {
        if (auto task = Task(id)) task->Wake();
      }};
  control_ = std::make_unique<control::ControlApi>(std::move(deps));
  // What the runtime reports (active, failed, paused, resumed, listing_completed) goes to
  // ats.connection-status.v1, and to an observer when one was set (tests).
  listener_ = [this](const ConnectionStatusChange& change) {
    PublishStatus(change);
    if (observer_) observer_(change);
  };
  if (config_.cluster.kafka_mode()) {
    // Not ready until the group assigned this replica its partitions and they are restored: set
    // before the listener opens, so no probe sees "ready" in between.
    telemetry::ClusterStatus cluster;
    cluster.mode = "kafka";
    cluster.group_id = config_.cluster.group_id;
    status_.SetCluster(std::move(cluster));
  }
  admin_ = std::make_unique<telemetry::AdminServer>(metrics_, status_, HttpLimitsOf(config_.http));
  control_->Register(*admin_);
  if (auto bound = admin_->Start(config_.http.listen, config_.http.health_listen); !bound)
    return bound.error();

  scheduler_ = std::make_unique<Scheduler>(config_.runtime.worker_threads);
  scheduler_->Start();
  if (config_.cluster.kafka_mode()) return StartCluster();
  for (const auto& connection : config_.connections)
    if (auto added = AddConnection(connection, Origin::kYaml); !added) return added;
  // Connections created through the API, stored sealed in the snapshot, join the YAML ones.
  auto stored = control_->StoredConnections();
  if (!stored) return stored.error();
  for (const auto& connection : *stored) {
    if (Connection(connection.id)) {
      return Error::Permanent(ErrorCategory::kConfig,
                              "connection '" + connection.id +
                                  "' is defined both in the config file and through the API; remove it from "
                                  "the file, or delete the API one (DELETE /v1/connections/" + connection.id + ")");
    }
    if (auto added = AddConnection(connection, Origin::kApi); !added) return added;
  }
  // From here on a connection the API creates (or a reload adds) does not make the process
  // unready while its first cycle runs.
  status_.SetStartupComplete();
  return Started();
}

// The periodic checks (Tick) and the start-up line, single and cluster mode alike.
Result<void> Service::Started() {
  ticker_ = std::thread([this] {
    while (!stop_.WaitFor(std::chrono::seconds(1))) Tick();
  });
  log::Info("ats-connector started.", {{"mode", config_.cluster.mode},
                                       {"yaml_connections", config_.connections.size()},
                                       {"worker_threads", scheduler_->threads()},
                                       {"http_listen", config_.http.listen},
                                       {"admin_port", admin_->port()},
                                       {"snapshot", config_.snapshot.path}});
  return Ok();
}

// Applied whole or not at all: a config that changes what the process is bound to (Kafka,
// snapshot, listen address) needs a restart and is refused; otherwise only the YAML connections
// added, removed or changed are touched (a changed one finishes its page in hand and starts
// again with its new settings, a first cycle at once); the others keep running undisturbed.
Result<void> Service::Reload(config::Config next) {
  std::lock_guard reload_lock(reload_mu_);
  const auto& k = config_.kafka;
  const auto& n = next.kafka;
  std::string needs_restart;
  if (k.bootstrap_servers != n.bootstrap_servers || k.client_id != n.client_id || k.rdkafka != n.rdkafka ||
      k.embedded_brokers != n.embedded_brokers || k.delivery_timeout_s != n.delivery_timeout_s ||
      k.topics.candidate_changed != n.topics.candidate_changed ||
      k.topics.job_imported != n.topics.job_imported || k.topics.job_changed != n.topics.job_changed ||
      k.topics.dead_letter != n.topics.dead_letter || k.topics.candidates_state != n.topics.candidates_state ||
      k.topics.jobs_state != n.topics.jobs_state)
    needs_restart = "kafka";
  else if (config_.cluster.mode != next.cluster.mode || config_.cluster.group_id != next.cluster.group_id ||
           config_.cluster.state_topic != next.cluster.state_topic ||
           config_.cluster.connections_topic != next.cluster.connections_topic ||
           config_.cluster.state_partitions != next.cluster.state_partitions ||
           config_.cluster.delivery != next.cluster.delivery ||
           config_.cluster.session_timeout_s != next.cluster.session_timeout_s ||
           config_.cluster.commit_interval_ms != next.cluster.commit_interval_ms)
    needs_restart = "cluster";
  else if (config_.snapshot.path != next.snapshot.path)
    needs_restart = "snapshot.path";
  else if (config_.http.listen != next.http.listen)
    needs_restart = "http.listen";
  else if (config_.secrets.keyring_file != next.secrets.keyring_file)
    needs_restart = "secrets.keyring_file";
  if (!needs_restart.empty())
    return Error::Permanent(
        ErrorCategory::kConfig,
        "changing " + needs_restart + " needs a restart; the running configuration is kept");
  if (config_.runtime.worker_threads != next.runtime.worker_threads)
    log::Warn("runtime.worker_threads changes at the next restart; the pool keeps its size.",
              {{"worker_threads", config_.runtime.worker_threads}});
  auto applied = ApplyConnections(next.connections);
  if (!applied) return applied;
  {
    std::lock_guard lock(config_mu_);
    config_.http.admin_token = next.http.admin_token;
    config_.log_level = next.log_level;
    config_.shutdown_grace_s = next.shutdown_grace_s;
  }
  log::Level level = log::Level::kInfo;
  if (log::ParseLevel(next.log_level, level)) log::SetLevel(level);
  log::Info("Configuration reloaded.", {{"connections", next.connections.size()}});
  return Ok();
}

// ats.connection-status.v1: what the control API and the runtime report, enqueued (not awaited:
// a status event must not hold an API request while Kafka is away).
void Service::PublishStatus(const ConnectionStatusChange& change) {
  events::Context ctx{change.connection, change.source, change.at};
  auto published =
      publisher_->Publish({events::ConnectionStatus(ctx, StatusInfo(change), config_.kafka.topics.connection_status)});
  if (!published)
    log::Warn("A connection-status event could not be enqueued.",
              {{"connection", change.connection}, {"change", change.change}, {"error", published.error().message}});
}

// A snapshot that cannot take commits (a full disk, its directory removed) makes the process
// unready and is said once in the log when it starts and when it ends; the store reopens itself
// when it can (SnapshotStore::Check).
void Service::CheckSnapshot() {
  const auto health = store_->Check();
  metrics_.SnapshotWritable().Set(health ? 1 : 0);
  status_.SetSnapshotWritable(health.ok(), health ? "" : health.error().message);
  if (health.ok() == snapshot_writable_) return;
  snapshot_writable_ = health.ok();
  if (health) {
    log::Info("The snapshot takes commits again; the process is ready once Kafka is reachable.",
              {{"snapshot", config_.snapshot.path}});
  } else {
    log::Error("The snapshot cannot take commits; the process is unready and nothing is committed.",
               {{"snapshot", config_.snapshot.path},
                {"retryable", health.error().retryable()},
                {"error", health.error().message}});
  }
}

void Service::Tick() {
  CheckSnapshot();
  const auto now = std::chrono::system_clock::now();
  std::vector<std::shared_ptr<ConnectionTask>> tasks;
  {
    std::lock_guard lock(connections_mu_);
    tasks.reserve(connections_.size());
    for (const auto& [id, entry] : connections_) tasks.push_back(entry.task);
  }
  for (const auto& task : tasks) task->UpdateGauges(now);
  if (auto ping = publisher_->Ping(std::chrono::seconds(2)); ping) {
    status_.SetKafkaReachable(true);
  } else {
    status_.SetKafkaReachable(false, ping.error().message);
  }
  metrics_.KafkaQueueMessages().Set(static_cast<double>(publisher_->queue_length()));
}

void Service::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_.Stop();
  if (cluster_) cluster_->Stop();  // revokes its partitions: their connections stop
  definitions_.reset();
  StopConnections();
  if (scheduler_) scheduler_->Stop();
  if (ticker_.joinable()) ticker_.join();
  topic_check_cancel_ = true;
  if (topic_check_.joinable()) topic_check_.join();
  if (admin_) admin_->Stop();
  publisher_.reset();  // flushes the producer
  embedded_.reset();
  store_.reset();
  log::Info("ats-connector stopped.");
}

// Cluster mode: the group decides which connections run here (StartPartition, StopPartition).
Result<void> Service::StartCluster() {
  // Readiness: this replica's partitions restored (StatusBoard::Ready), not every connection tried.
  status_.SetStartupComplete();
  if (auto started = cluster_->Start(); !started) return started;
  return Started();
}

}  // namespace ats::runtime
