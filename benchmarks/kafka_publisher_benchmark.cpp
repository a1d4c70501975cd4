// Publishing to Kafka: the same 10,000 candidate-changed events (events::CandidateChanged of
// created changes of realistic candidates, ~1 KB each), to the embedded Kafka
// (kafka::EmbeddedCluster, librdkafka's mock cluster, in process, started once):
//   BM_Publisher/B         runtime::Publisher::PublishAndAwait in batches of B events (each
//                          batch waits for every acknowledgement: deletions use it so);
//   BM_PublisherPipelined/B  Publisher::Publish of batch i+1 before Await of batch i, as the
//                          sync workers' pipeline does (one stage in flight, SyncWorker::Advance);
//   BM_RawLibrdkafka/B     what librdkafka does at best with the same settings: a bare
//                          rd_kafka_producev loop (+ rd_kafka_poll(0)) and rd_kafka_flush after
//                          every B events;
//   BM_RawLibrdkafkaPollWait/B  the same loop, but waiting for the delivery reports with
//                          rd_kafka_poll as Producer::AwaitDeliveries does, instead of
//                          rd_kafka_flush (which also wakes the broker threads, so the last
//                          messages of a batch need not wait out linger.ms): separates the
//                          cost of that choice from the cost of the wrapper.
// Same producer settings as src/kafka/producer.cpp: enable.idempotence=true, acks=all,
// compression.type=lz4, linger.ms=5, message.timeout.ms=60000. The target of the performance
// issue: the publisher at >= 70 % of the raw loop (benchmarks/ratios.py). Wall-clock time
// (librdkafka works in its own threads). items = events, bytes = key + value + headers.
// This file is the only place outside src/kafka that calls librdkafka, to measure the wrapper.
#include <benchmark/benchmark.h>
#include <librdkafka/rdkafka.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "events/events.hpp"
#include "kafka/embedded_cluster.hpp"
#include "records_fixture.hpp"
#include "runtime/publisher.hpp"
#include "telemetry/metrics.hpp"

namespace {

constexpr int kEvents = 10000;
const std::string kTopic = "bench.candidate-changed";
constexpr int kTimeoutMs = 60000;

int64_t MessageBytes(const ats::Message& m) {
  int64_t n = static_cast<int64_t>(m.value.size() + m.key.size());
  for (const auto& [name, value] : m.headers) n += static_cast<int64_t>(name.size() + value.size());
  return n;
}

struct Events {
  std::vector<ats::Message> messages;
  int64_t bytes = 0;
  Events() {
    const ats::events::Context ctx{"bench", "workable", std::chrono::system_clock::now()};
    for (const ats::Record& record : ats::bench::ParsedCandidates(kEvents)) {
      auto change = ats::snapshot::Diff(record, std::nullopt);
      if (!change) continue;
      ats::events::CandidateExtras extras(false);
      std::string stage, kind;
      ats::DecodeJsonString(change->fields["stage"], stage);
      ats::DecodeJsonString(change->fields["stage_kind"], kind);
      extras.stage = ats::events::StageInfo{stage, kind, kind};
      messages.push_back(ats::events::CandidateChanged(ctx, *change, extras, kTopic));
      bytes += MessageBytes(messages.back());
    }
  }
};

const Events& TheEvents() {
  static const Events events;
  return events;
}

// Started once for the whole run: starting a cluster per iteration would measure its start-up.
ats::kafka::EmbeddedCluster* Cluster() {
  static const std::unique_ptr<ats::kafka::EmbeddedCluster> cluster = [] {
    auto started = ats::kafka::EmbeddedCluster::Start(1);
    if (!started.ok()) return std::unique_ptr<ats::kafka::EmbeddedCluster>();
    auto c = std::move(started).value();
    if (!c->CreateTopic(kTopic, 4, 1).ok()) return std::unique_ptr<ats::kafka::EmbeddedCluster>();
    return c;
  }();
  return cluster.get();
}

std::vector<std::vector<ats::Message>> Batches(size_t size) {
  std::vector<std::vector<ats::Message>> batches;
  const auto& all = TheEvents().messages;
  for (size_t at = 0; at < all.size(); at += size)
    batches.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(at),
                         all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), at + size)));
  return batches;
}

void SetCounters(benchmark::State& state) {
  const Events& e = TheEvents();
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(e.messages.size()));
  state.SetBytesProcessed(state.iterations() * e.bytes);
  state.counters["bytes_per_event"] = static_cast<double>(e.bytes) / static_cast<double>(e.messages.size());
  state.counters["batch"] = static_cast<double>(state.range(0));
}

// A publisher connected to the embedded Kafka and warmed up (metadata, producer id) before the
// clock starts; nullptr (and the benchmark skipped) when that fails.
std::unique_ptr<ats::runtime::Publisher> StartPublisher(benchmark::State& state, ats::telemetry::Metrics& metrics,
                                                        const std::vector<std::vector<ats::Message>>& batches) {
  auto* cluster = Cluster();
  if (cluster == nullptr || TheEvents().messages.size() != static_cast<size_t>(kEvents)) {
    state.SkipWithError("no embedded cluster or no events");
    return nullptr;
  }
  ats::kafka::ProducerOptions options;
  options.bootstrap_servers = cluster->bootstrap_servers();
  options.delivery_timeout_ms = kTimeoutMs;
  auto publisher = std::make_unique<ats::runtime::Publisher>(options, metrics);
  if (!publisher->Start().ok() || !publisher->PublishAndAwait(batches.front()).ok()) {
    state.SkipWithError("publisher could not start");
    return nullptr;
  }
  return publisher;
}

// Skips the benchmark with `r`'s error when it failed.
template <typename R>
bool Failed(benchmark::State& state, const R& r) {
  if (r.ok()) return false;
  state.SkipWithError(r.error().message.c_str());
  return true;
}

void BM_Publisher(benchmark::State& state) {
  const auto batches = Batches(static_cast<size_t>(state.range(0)));
  ats::telemetry::Metrics metrics;
  auto publisher = StartPublisher(state, metrics, batches);
  if (!publisher) return;
  for (auto _ : state) {
    for (const auto& batch : batches)
      if (Failed(state, publisher->PublishAndAwait(batch))) return;
  }
  SetCounters(state);
}
BENCHMARK(BM_Publisher)
    ->Arg(100)
    ->Arg(500)
    ->Arg(5000)
    ->Arg(kEvents)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_PublisherPipelined(benchmark::State& state) {
  const auto batches = Batches(static_cast<size_t>(state.range(0)));
  ats::telemetry::Metrics metrics;
  auto publisher = StartPublisher(state, metrics, batches);
  if (!publisher) return;
  for (auto _ : state) {
    ats::runtime::Publisher::Ticket in_flight;
    for (const auto& batch : batches) {
      auto ticket = publisher->Publish(batch);
      if (Failed(state, ticket) || (in_flight && Failed(state, publisher->Await(in_flight)))) return;
      in_flight = std::move(ticket).value();
    }
    if (Failed(state, publisher->Await(in_flight))) return;
  }
  SetCounters(state);
}
BENCHMARK(BM_PublisherPipelined)
    ->Arg(100)
    ->Arg(500)
    ->Arg(5000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

struct Reports {
  std::atomic<int64_t> acked{0};
  std::atomic<int64_t> failed{0};
};

void OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* msg, void* opaque) {
  auto* reports = static_cast<Reports*>(opaque);
  (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR ? reports->acked : reports->failed).fetch_add(1);
}

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};

std::unique_ptr<rd_kafka_t, RdKafkaDeleter> RawProducer(const std::string& bootstrap, Reports& reports,
                                                        std::string& error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::array<char, 512> errstr{};
  const std::pair<const char*, std::string> settings[] = {
      {"bootstrap.servers", bootstrap},
      {"client.id", "ats-bench-raw"},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"compression.type", "lz4"},
      {"linger.ms", "5"},
      {"partitioner", "murmur2_random"},
      {"message.timeout.ms", std::to_string(kTimeoutMs)},
  };
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key, value.c_str(), errstr.data(), errstr.size()) != RD_KAFKA_CONF_OK) {
      error = errstr.data();
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  rd_kafka_conf_set_opaque(conf, &reports);
  rd_kafka_conf_set_dr_msg_cb(conf, &OnDelivery);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr.data(), errstr.size());
  if (rk == nullptr) {
    error = errstr.data();
    rd_kafka_conf_destroy(conf);
  }
  return std::unique_ptr<rd_kafka_t, RdKafkaDeleter>(rk);
}

// Enqueues `batch` (headers, key and value copied, as the connector does).
bool Produce(rd_kafka_t* rk, const std::vector<ats::Message>& batch) {
  for (const ats::Message& m : batch) {
    while (true) {
      rd_kafka_headers_t* headers = rd_kafka_headers_new(m.headers.size());
      for (const auto& [name, value] : m.headers)
        rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(m.topic.c_str()), RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
#pragma GCC diagnostic pop
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_poll(rk, 0);
        break;
      }
      rd_kafka_headers_destroy(headers);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return false;
      rd_kafka_poll(rk, 50);
    }
  }
  return true;
}

bool ProduceAndFlush(rd_kafka_t* rk, const std::vector<ats::Message>& batch) {
  return Produce(rk, batch) && rd_kafka_flush(rk, kTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

// Polls until `reports` has a delivery report for every message produced so far.
bool ProduceAndPollWait(rd_kafka_t* rk, const std::vector<ats::Message>& batch, Reports& reports,
                        int64_t& produced) {
  if (!Produce(rk, batch)) return false;
  produced += static_cast<int64_t>(batch.size());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  while (reports.acked.load() + reports.failed.load() < produced) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    rd_kafka_poll(rk, 50);
  }
  return reports.failed.load() == 0;
}

void BM_RawLibrdkafka(benchmark::State& state) {
  auto* cluster = Cluster();
  if (cluster == nullptr || TheEvents().messages.size() != static_cast<size_t>(kEvents)) {
    state.SkipWithError("no embedded cluster or no events");
    return;
  }
  const auto batches = Batches(static_cast<size_t>(state.range(0)));
  Reports reports;
  std::string error;
  auto rk = RawProducer(cluster->bootstrap_servers(), reports, error);
  if (!rk || !ProduceAndFlush(rk.get(), batches.front())) {
    state.SkipWithError(("raw producer could not start: " + error).c_str());
    return;
  }
  const int64_t warm = reports.acked.load();
  for (auto _ : state) {
    for (const auto& batch : batches) {
      if (!ProduceAndFlush(rk.get(), batch)) {
        state.SkipWithError("produce or flush failed");
        return;
      }
    }
  }
  if (reports.failed.load() != 0 ||
      reports.acked.load() - warm != state.iterations() * static_cast<int64_t>(TheEvents().messages.size())) {
    state.SkipWithError("not every event was acknowledged");
    return;
  }
  SetCounters(state);
}
BENCHMARK(BM_RawLibrdkafka)
    ->Arg(100)
    ->Arg(500)
    ->Arg(5000)
    ->Arg(kEvents)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_RawLibrdkafkaPollWait(benchmark::State& state) {
  auto* cluster = Cluster();
  if (cluster == nullptr || TheEvents().messages.size() != static_cast<size_t>(kEvents)) {
    state.SkipWithError("no embedded cluster or no events");
    return;
  }
  const auto batches = Batches(static_cast<size_t>(state.range(0)));
  Reports reports;
  std::string error;
  auto rk = RawProducer(cluster->bootstrap_servers(), reports, error);
  int64_t produced = 0;
  if (!rk || !ProduceAndPollWait(rk.get(), batches.front(), reports, produced)) {
    state.SkipWithError(("raw producer could not start: " + error).c_str());
    return;
  }
  for (auto _ : state) {
    for (const auto& batch : batches) {
      if (!ProduceAndPollWait(rk.get(), batch, reports, produced)) {
        state.SkipWithError("produce failed or not every event was acknowledged");
        return;
      }
    }
  }
  SetCounters(state);
}
BENCHMARK(BM_RawLibrdkafkaPollWait)
    ->Arg(100)
    ->Arg(500)
    ->Arg(5000)
    ->Arg(kEvents)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
