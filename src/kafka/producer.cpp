#include "kafka/producer.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <string>

#include "common/log.hpp"
#include "kafka/rdkafka_util.hpp"

namespace ats::kafka {
namespace {

using internal::ConfPtr;
using internal::HandlePtr;
using internal::HeadersPtr;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kDestroyFlushMs = 10000;
constexpr milliseconds kPollSlice{50};
constexpr milliseconds kAwaitSlice{5};

int ToMs(milliseconds d) {
  return static_cast<int>(std::clamp<milliseconds::rep>(d.count(), 0, 24 * 3600 * 1000));
}

std::string FormatMs(milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

class RdKafkaProducer final : public Producer {
 public:
  RdKafkaProducer() = default;
  ~RdKafkaProducer() override;
  RdKafkaProducer(const RdKafkaProducer&) = delete;
  RdKafkaProducer& operator=(const RdKafkaProducer&) = delete;

  Result<void> Init(const ProducerOptions& options);

  Result<void> Produce(const Message& message, milliseconds timeout,
                       const std::shared_ptr<DeliveryGroup>& group) override;
  Result<void> AwaitDeliveries(milliseconds timeout) override;
  Result<void> Await(const DeliveryGroup& group, milliseconds timeout) override;
  void Poll() override { rd_kafka_poll(rk_.get(), 0); }
  bool fatal() const override { return fatal_.load(); }
  int64_t queue_length() const override { return rk_ ? rd_kafka_outq_len(rk_.get()) : 0; }
  Result<void> Ping(milliseconds timeout) override;

 private:
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  // Records the fatal error librdkafka raised (idempotent): later calls fail fast.
  void MarkFatal();
  Error FatalError() const;
  // `owner` (a heap copy of the group's shared pointer) rides along as the message's opaque
  // and is released by its delivery report.
  rd_kafka_resp_err_t Enqueue(const Message& message, std::shared_ptr<DeliveryGroup>* owner);

  HandlePtr rk_;
  // Serialises Produce and AwaitDeliveries, so that the generation is not replaced under a
  // caller enqueuing into it.
  std::mutex call_mu_;
  // The current generation: messages enqueued without a group since the last completed
  // AwaitDeliveries.
  std::shared_ptr<DeliveryGroup> generation_ = std::make_shared<DeliveryGroup>();
  std::atomic<bool> fatal_{false};
  mutable std::mutex mu_;  // guards the string below
  std::string fatal_reason_;
};

Result<void> RdKafkaProducer::Init(const ProducerOptions& options) {
  ConfPtr conf(rd_kafka_conf_new());
  const std::map<std::string, std::string> fixed = {
      {"bootstrap.servers", options.bootstrap_servers},
      {"client.id", options.client_id},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"compression.type", "lz4"},
      {"linger.ms", "5"},
      // The partition a Java client (the default partitioner of kafka-clients, Kafka Streams)
      // picks for the same key: murmur2 of the key bytes. librdkafka's own default
      // (consistent_random, CRC32) puts a key elsewhere, so a JVM producer writing the same
      // keys, or a consumer that relies on co-partitioning, would disagree with us. Records
      // without a key (none today) go to a random partition, as with consistent_random.
      {"partitioner", "murmur2_random"},
      {"message.timeout.ms", std::to_string(options.delivery_timeout_ms)},
  };
  if (auto r = internal::SetConfs(conf.get(), fixed, "kafka."); !r) return r;
  if (auto r = internal::SetConfs(conf.get(), options.rdkafka, "kafka.rdkafka."); !r) return r;

  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &RdKafkaProducer::OnDelivery);
  rd_kafka_conf_set_error_cb(conf.get(), &RdKafkaProducer::OnError);
  internal::RouteLogs(conf.get());

  std::array<char, 512> errstr{};
  // rd_kafka_new takes ownership of conf only on success.
  rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr.data(), errstr.size()));
  if (!rk_) {
    std::string why = errstr.data();
    for (const auto& [key, value] : options.rdkafka)
      if (internal::IsSecretKey(key)) why = internal::RedactValue(std::move(why), value);
    return Error::Permanent(ErrorCategory::kConfig, "kafka: cannot create the producer: " + why);
  }
  static_cast<void>(conf.release());
  return Ok();
}

RdKafkaProducer::~RdKafkaProducer() {
  if (!rk_) return;
  const rd_kafka_resp_err_t err = rd_kafka_flush(rk_.get(), kDestroyFlushMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const int left = rd_kafka_outq_len(rk_.get());
    log::Warn(
        "kafka producer closed with undelivered messages; they will be published again from "
        "the snapshot",
        {{"undelivered", left}, {"error", rd_kafka_err2str(err)}});
    // Fail what is left now so that rd_kafka_destroy does not wait on it.
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_.get(), 0);
  }
  rk_.reset();
}

}  // namespace

Result<void> DeliveryGroup::outcome() const {
  const int64_t failed = failed_.load();
  if (failed == 0) return Ok();
  std::lock_guard lock(mu_);
  return Error::Retryable(ErrorCategory::kKafka, "kafka: " + std::to_string(failed) +
                                                     " messages not delivered; first: " + first_failure_);
}

void DeliveryGroup::OnReport(bool ok, const std::string& failure) {
  if (ok) {
    acked_.fetch_add(1);
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (first_failure_.empty()) first_failure_ = failure;
  }
  failed_.fetch_add(1);
}

namespace {

void RdKafkaProducer::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* msg, void* /*opaque*/) {
  std::unique_ptr<std::shared_ptr<DeliveryGroup>> owner(static_cast<std::shared_ptr<DeliveryGroup>*>(msg->_private));
  if (!owner) return;
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    (*owner)->OnReport(true, {});
    return;
  }
  const char* topic = msg->rkt != nullptr ? rd_kafka_topic_name(msg->rkt) : "?";
  (*owner)->OnReport(false, std::string("delivery to ") + topic + " failed: " + rd_kafka_err2str(msg->err));
}

void RdKafkaProducer::OnError(rd_kafka_t* /*rk*/, int err, const char* reason, void* opaque) {
  auto* self = static_cast<RdKafkaProducer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    self->MarkFatal();
    return;
  }
  // Transport errors, "all brokers down" and the like: librdkafka keeps retrying by itself.
  log::Warn("kafka producer error",
            {{"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))}, {"reason", reason}});
}

void RdKafkaProducer::MarkFatal() {
  std::array<char, 512> buf{};
  const rd_kafka_resp_err_t underlying = rd_kafka_fatal_error(rk_.get(), buf.data(), buf.size());
  std::string reason = std::string(rd_kafka_err2name(underlying)) + ": " + buf.data();
  bool first = false;
  {
    std::lock_guard lock(mu_);
    if (fatal_reason_.empty()) {
      fatal_reason_ = reason;
      first = true;
    }
  }
  fatal_.store(true);
  if (first) log::Error("kafka producer hit a fatal error; it must be recreated", {{"reason", reason}});
}

Error RdKafkaProducer::FatalError() const {
  std::lock_guard lock(mu_);
  return Error::Retryable(ErrorCategory::kKafka, "kafka producer is unusable after a fatal error (" +
                                                     fatal_reason_ +
                                                     "); recreate it and resume from the snapshot");
}

rd_kafka_resp_err_t RdKafkaProducer::Enqueue(const Message& message,
                                             std::shared_ptr<DeliveryGroup>* owner) {
  return internal::EnqueueCopy(rk_.get(), message, owner);
}

Result<void> RdKafkaProducer::Produce(const Message& message, milliseconds timeout,
                                      const std::shared_ptr<DeliveryGroup>& group) {
  std::lock_guard call_lock(call_mu_);
  const auto deadline = Clock::now() + timeout;
  const std::shared_ptr<DeliveryGroup>& target = group ? group : generation_;
  while (true) {
    if (fatal_.load()) return FatalError();
    auto owner = std::make_unique<std::shared_ptr<DeliveryGroup>>(target);
    // Counted before it is enqueued: its report may arrive (on another polling thread) at once.
    target->OnEnqueued();
    const rd_kafka_resp_err_t err = Enqueue(message, owner.get());
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      static_cast<void>(owner.release());  // the delivery report releases it
      rd_kafka_poll(rk_.get(), 0);          // serve delivery reports as we go
      return Ok();
    }
    target->OnNotEnqueued();
    switch (err) {
      case RD_KAFKA_RESP_ERR__QUEUE_FULL: {
        const auto now = Clock::now();
        if (now >= deadline) {
          return Error::Retryable(ErrorCategory::kKafka, "kafka: local producer queue still full after " +
                                                             FormatMs(timeout) +
                                                             " (brokers slow or unreachable)");
        }
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - now);
        rd_kafka_poll(rk_.get(), ToMs(std::min(left, kPollSlice)));
        continue;
      }
      case RD_KAFKA_RESP_ERR__FATAL: MarkFatal(); return FatalError();
      case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
        return Error::Permanent(ErrorCategory::kKafka, "kafka: message for " + message.topic + " (" +
                                                           std::to_string(message.value.size()) +
                                                           " bytes) exceeds message.max.bytes");
      default:
        return Error::Retryable(ErrorCategory::kKafka, "kafka: cannot enqueue a message for " +
                                                           message.topic + ": " + rd_kafka_err2str(err));
    }
  }
}

Result<void> RdKafkaProducer::Await(const DeliveryGroup& group, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!group.complete()) {
    if (fatal_.load()) return FatalError();
    const auto now = Clock::now();
    if (now >= deadline) {
      // The group stays open: a later call keeps waiting for these messages.
      return Error::Retryable(ErrorCategory::kKafka,
                              "kafka: " + std::to_string(group.pending()) +
                                  " messages not acknowledged within " + FormatMs(timeout));
    }
    // Short slices: another thread's poll may serve this group's reports meanwhile.
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - now);
    rd_kafka_poll(rk_.get(), ToMs(std::min(left, kAwaitSlice)));
  }
  if (fatal_.load()) return FatalError();
  return group.outcome();
}

Result<void> RdKafkaProducer::AwaitDeliveries(milliseconds timeout) {
  std::lock_guard call_lock(call_mu_);
  auto awaited = Await(*generation_, timeout);
  // Closed once every report is in (a timed-out generation stays open for the next call).
  if (generation_->complete()) generation_ = std::make_shared<DeliveryGroup>();
  return awaited;
}

Result<void> RdKafkaProducer::Ping(milliseconds timeout) {
  if (fatal_.load()) return FatalError();
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 0, nullptr, &raw, ToMs(timeout));
  internal::MetadataPtr metadata(raw);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error::Retryable(ErrorCategory::kKafka, std::string("kafka: no metadata answer within ") +
                                                       FormatMs(timeout) + ": " + rd_kafka_err2str(err));
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<Producer>> Producer::Create(const ProducerOptions& options) {
  auto producer = std::make_unique<RdKafkaProducer>();
  if (auto r = producer->Init(options); !r) return r.error();
  return std::unique_ptr<Producer>(std::move(producer));
}

}  // namespace ats::kafka
