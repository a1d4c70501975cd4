#include "runtime/publisher.hpp"

#include "common/log.hpp"

namespace ats::runtime {

Publisher::Publisher(kafka::ProducerOptions options, telemetry::Metrics& metrics)
    : options_(std::move(options)), metrics_(metrics) {}

Result<void> Publisher::Start() {
  std::lock_guard lock(mu_);
  return EnsureProducer();
}

Result<void> Publisher::EnsureProducer() {
  if (producer_ && !producer_->fatal()) return Ok();
  if (producer_) {
    log::Warn(
        "Kafka producer hit a fatal error; recreating it. Unacknowledged events will be "
        "re-published from the snapshot.");
    producer_.reset();
    metrics_.ProducerRecreated().Increment();
  }
  auto created = kafka::Producer::Create(options_);
  if (!created) return created.error();
  producer_ = std::move(created).value();
  return Ok();
}

Result<void> Publisher::PublishAndAwait(const std::vector<Message>& batch) {
  std::lock_guard lock(mu_);
  if (auto ok = EnsureProducer(); !ok) return ok;
  const auto timeout = std::chrono::milliseconds(options_.delivery_timeout_ms + 5000);
  for (const auto& message : batch) {
    if (auto r = producer_->Produce(message, timeout); !r) {
      // Drain what was queued so the next batch starts from a clean generation.
      (void)producer_->AwaitDeliveries(timeout);
      metrics_.KafkaQueueMessages().Set(static_cast<double>(producer_->queue_length()));
      return r;
    }
  }
  auto acked = producer_->AwaitDeliveries(timeout);
  metrics_.KafkaQueueMessages().Set(static_cast<double>(producer_->queue_length()));
  return acked;
}

Result<void> Publisher::Ping(std::chrono::milliseconds timeout) {
  // A batch in flight holds the lock for as long as Kafka takes to acknowledge it; the health
  // check must not queue behind it, so it reports "busy" instead (the caller keeps its state).
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return Error::Retryable(ErrorCategory::kKafka, "busy");
  if (auto ok = EnsureProducer(); !ok) return ok;
  return producer_->Ping(timeout);
}

int64_t Publisher::queue_length() {
  std::lock_guard lock(mu_);
  return producer_ ? producer_->queue_length() : 0;
}

}  // namespace ats::runtime
