#include "runtime/service.hpp"

#include <simdjson.h>

#include <algorithm>
#include <set>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "connectors/registry.hpp"
#include "runtime/source_state.hpp"
#include "runtime/topic_check.hpp"

namespace ats::runtime {
namespace {

// {"job_ids": ["A", "B"]}: a non-empty list of non-empty strings.
Result<std::vector<std::string>> ParseJobIds(const std::string& body) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  std::vector<std::string> ids;
  auto bad = [] {
    return Error::Permanent(ErrorCategory::kBadResponse,
                            R"(expected a JSON body like {"job_ids": ["GROOV005", "4BC3F1C9E0"]})");
  };
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return bad();
  simdjson::ondemand::array array;
  if (doc["job_ids"].get_array().get(array)) return bad();
  for (auto element : array) {
    std::string_view id;
    if (element.get_string().get(id) || id.empty()) return bad();
    ids.emplace_back(id);
  }
  if (ids.empty()) return bad();
  return ids;
}

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
                              &config_.kafka.topics.candidates_state, &config_.kafka.topics.jobs_state}) {
      if (auto created = embedded_->CreateTopic(*topic, 4, std::min(3, config_.kafka.embedded_brokers));
          !created)
        return created.error();
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

  admin_ = std::make_unique<telemetry::AdminServer>(metrics_, status_, HttpLimitsOf(config_.http));
  admin_->SetAuthorizer([this](const telemetry::AdminRequest& r) { return Authorize(r); });
  const std::string jobs_route = "/v1/connections/([^/]+)/jobs";
  admin_->Handle("GET", jobs_route, [this](const telemetry::AdminRequest& r) { return JobsApi(r); });
  admin_->Handle("POST", jobs_route, [this](const telemetry::AdminRequest& r) { return JobsApi(r); });
  admin_->Handle("DELETE", jobs_route + "/([^/]+)", [this](const telemetry::AdminRequest& r) { return JobsApi(r); });
  if (auto bound = admin_->Start(config_.http.listen, config_.http.health_listen); !bound)
    return bound.error();

  scheduler_ = std::make_unique<Scheduler>(config_.runtime.worker_threads);
  scheduler_->Start();
  for (const auto& connection : config_.connections)
    if (auto added = AddConnection(connection, Origin::kYaml); !added) return added;
  ticker_ = std::thread([this] {
    while (!stop_.WaitFor(std::chrono::seconds(1))) Tick();
  });
  log::Info("ats-connector started.", {{"connections", config_.connections.size()},
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

// The admin API's bearer token, checked on the request head (before any body is read).
std::optional<telemetry::AdminReply> Service::Authorize(const telemetry::AdminRequest& request) {
  auto reply = [](int status, const std::string& message) {
    return telemetry::AdminReply{status, "{\"error\":" + JsonString(message) + "}"};
  };
  std::string token;
  {
    std::lock_guard lock(config_mu_);
    token = config_.http.admin_token;
  }
  if (token.empty()) return reply(403, "the admin API is off: set http.admin_token_file to enable it");
  const std::string expected = "Bearer " + token;
  // Constant-time comparison: the time taken does not tell how much of a guess was right.
  unsigned char diff = expected.size() == request.authorization.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size() && i < request.authorization.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ request.authorization[i]);
  if (diff != 0)
    return reply(401, "missing or wrong bearer token (Authorization: Bearer <http.admin_token_file>)");
  return std::nullopt;
}

std::mutex& Service::ConnectionLock(const std::string& connection) {
  std::lock_guard lock(connection_locks_mu_);
  auto& slot = connection_locks_[connection];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

// GET  /v1/connections/{id}/jobs  -> the selection and each job's import state
// POST /v1/connections/{id}/jobs  {"job_ids": [...]} -> imports more jobs, no restart
// DELETE /v1/connections/{id}/jobs/{job_id} -> the job leaves the selection (job-changed
//   left_selection; its candidates' events stop) until it is imported again
telemetry::AdminReply Service::JobsApi(const telemetry::AdminRequest& request) {
  auto reply = [](int status, const std::string& message) {
    return telemetry::AdminReply{status, "{\"error\":" + JsonString(message) + "}"};
  };
  std::optional<config::ConnectionConfig> connection;
  if (!request.captures.empty()) connection = Connection(request.captures[0]);
  if (!connection) return reply(404, "no connection with that id");

  // One read-modify-write of a connection's imported jobs at a time: concurrent imports all land.
  std::lock_guard write_lock(ConnectionLock(connection->id));
  const std::string key = SyncWorker::ImportedJobsKey(connection->id);
  auto stored = store_->GetMeta(key);
  if (!stored) return reply(503, stored.error().message);
  std::vector<std::string> imported =
      stored->has_value() ? DecodeStringArray(**stored) : std::vector<std::string>{};
  const std::string removed_key = SyncWorker::RemovedJobsKey(connection->id);
  auto stored_removed = store_->GetMeta(removed_key);
  if (!stored_removed) return reply(503, stored_removed.error().message);
  std::set<std::string> removed;
  if (stored_removed->has_value())
    for (auto& id : DecodeStringArray(**stored_removed)) removed.insert(std::move(id));
  auto stored_owed = store_->GetMeta(SyncWorker::BackfillOwedKey(connection->id));
  if (!stored_owed) return reply(503, stored_owed.error().message);
  const OwedBackfills owed = stored_owed->has_value() ? DecodeOwedBackfills(**stored_owed) : OwedBackfills{};
  const auto wake = [&] {
    if (auto task = Task(connection->id)) task->Wake();
  };

  // The imported list (in import order) and the removed set, in one commit.
  const auto save = [&]() -> Result<void> {
    JsonWriter list;
    list.BeginArray();
    for (const auto& id : imported) list.String(id);
    list.EndArray();
    snapshot::Batch batch;
    batch.PutMeta(key, list.Take());
    batch.PutMeta(removed_key, EncodeStringArray(removed));
    return store_->Commit(batch);
  };

  if (request.method == "POST") {
    auto ids = ParseJobIds(request.body);
    if (!ids) return reply(400, ids.error().message);
    for (auto& id : *ids) {
      removed.erase(id);  // imported again after a DELETE
      if (std::find(imported.begin(), imported.end(), id) == imported.end())
        imported.push_back(std::move(id));
    }
    if (auto saved = save(); !saved) return reply(503, saved.error().message);
    wake();
    log::Info("Jobs imported through the admin API.",
              {{"connection", connection->id}, {"jobs", ids->size()}});
  }

  if (request.method == "DELETE") {
    const std::string& job = request.captures.size() > 1 ? request.captures[1] : std::string();
    auto in_snapshot = store_->Get({connection->id, Entity::kJob, job});
    if (!in_snapshot) return reply(503, in_snapshot.error().message);
    const bool named = std::find(imported.begin(), imported.end(), job) != imported.end() ||
                       std::find(connection->jobs.begin(), connection->jobs.end(), job) != connection->jobs.end();
    if (!in_snapshot->has_value() && !named) return reply(404, "job " + job + " is not in the selection");
    imported.erase(std::remove(imported.begin(), imported.end(), job), imported.end());
    removed.insert(job);
    if (auto saved = save(); !saved) return reply(503, saved.error().message);
    wake();
    log::Info("Job removed from the selection through the admin API.",
              {{"connection", connection->id}, {"job", job}});
  }

  JsonWriter w;
  w.BeginObject();
  w.Key("connection").String(connection->id);
  w.Key("jobs_rule").String(connection->all_jobs ? "all" : "list");
  w.Key("jobs").BeginArray();
  auto write_job = [&](const std::string& id, const char* origin) {
    auto in_snapshot = store_->Get({connection->id, Entity::kJob, id});
    w.BeginObject();
    w.Key("job_id").String(id);
    w.Key("origin").String(origin);
    // imported: its job-imported event and its candidates' backfill were acknowledged by Kafka;
    // pending: not yet; removed: taken out with DELETE (it leaves at the next cycle).
    const char* state = removed.count(id) > 0                                            ? "removed"
                        : in_snapshot && in_snapshot->has_value() && owed.count(id) == 0 ? "imported"
                                                                                         : "pending";
    w.Key("state").String(state);
    w.EndObject();
  };
  for (const auto& id : connection->jobs) write_job(id, "config");
  for (const auto& id : imported)
    if (std::find(connection->jobs.begin(), connection->jobs.end(), id) == connection->jobs.end())
      write_job(id, "api");
  if (connection->all_jobs) {
    (void)store_->ForEach(connection->id, Entity::kJob,
                          [&](std::string_view id, const snapshot::StoredRecord&) {
                            const std::string job(id);
                            if (std::find(imported.begin(), imported.end(), job) == imported.end())
                              write_job(job, "all");
                            return true;
                          });
  }
  w.EndArray();
  w.EndObject();
  return {request.method == "GET" ? 200 : 202, w.Take()};
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

}  // namespace ats::runtime
