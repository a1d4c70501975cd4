#include "runtime/service.hpp"

#include "common/log.hpp"
#include "connectors/registry.hpp"
#include "runtime/source_state.hpp"

namespace ats::runtime {

Service::Service(config::Config config, ServiceOptions options)
    : config_(std::move(config)), options_(options) {}

Service::~Service() {
  Stop();
}

Result<void> Service::Start() {
  log::Level level = log::Level::kInfo;
  if (log::ParseLevel(config_.log_level, level)) log::SetLevel(level);
  status_.SetConfigLoaded(true);

  auto store = snapshot::OpenRocksDbStore(config_.snapshot.path);
  if (!store) return store.error();
  store_ = std::move(store).value();

  if (config_.kafka.embedded()) {
    auto cluster = kafka::EmbeddedCluster::Start(config_.kafka.embedded_brokers);
    if (!cluster) return cluster.error();
    embedded_ = std::move(cluster).value();
    for (const auto* topic : {&config_.kafka.topics.candidate_changed, &config_.kafka.topics.job_imported,
                              &config_.kafka.topics.dead_letter}) {
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
  } else {
    status_.SetKafkaReachable(false, ping.error().message);
    log::Warn("Kafka is not reachable yet; events wait until it is.", {{"error", ping.error().message}});
  }

  admin_ = std::make_unique<telemetry::AdminServer>(metrics_, status_);
  if (auto bound = admin_->Start(config_.http.listen); !bound) return bound.error();

  for (const auto& connection : config_.connections) {
    source_states_.push_back(std::make_unique<SnapshotStateStore>(*store_, connection.id));
    auto source = connectors::CreateSource(connection, {source_states_.back().get()});
    if (!source) return source.error();
    WorkerDeps deps{*store_, *publisher_,          metrics_,           status_,
                    stop_,   config_.kafka.topics, options_.log_events};
    workers_.push_back(std::make_unique<SyncWorker>(connection, std::move(source).value(), deps));
  }
  for (auto& worker : workers_) threads_.emplace_back([w = worker.get()] { w->Run(); });
  ticker_ = std::thread([this] {
    while (!stop_.WaitFor(std::chrono::seconds(1))) Tick();
  });
  log::Info("ats-connector started.", {{"connections", workers_.size()},
                                       {"http_listen", config_.http.listen},
                                       {"admin_port", admin_->port()},
                                       {"snapshot", config_.snapshot.path}});
  return Ok();
}

void Service::Tick() {
  const auto now = std::chrono::system_clock::now();
  for (auto& worker : workers_) worker->UpdateGauges(now);
  if (auto ping = publisher_->Ping(std::chrono::seconds(2)); ping) {
    status_.SetKafkaReachable(true);
  } else if (ping.error().message != "busy") {
    status_.SetKafkaReachable(false, ping.error().message);
  }
  metrics_.KafkaQueueMessages().Set(static_cast<double>(publisher_->queue_length()));
}

void Service::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_.Stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  if (ticker_.joinable()) ticker_.join();
  if (admin_) admin_->Stop();
  publisher_.reset();  // flushes the producer
  embedded_.reset();
  store_.reset();
  log::Info("ats-connector stopped.");
}

}  // namespace ats::runtime
