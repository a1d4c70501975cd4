#include "runtime/publisher.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

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
    std::shared_ptr<kafka::Producer> old;
    {
      std::lock_guard lock(producer_mu_);
      old.swap(producer_);
    }
    old.reset();  // flushes or purges what it still holds before the new one starts
    metrics_.ProducerRecreated().Increment();
  }
  auto created = kafka::Producer::Create(options_);
  if (!created) return created.error();
  std::lock_guard lock(producer_mu_);
  producer_ = std::shared_ptr<kafka::Producer>(std::move(created).value());
  return Ok();
}

std::shared_ptr<kafka::Producer> Publisher::CurrentProducer() {
  std::lock_guard lock(producer_mu_);
  return producer_;
}

Result<Publisher::Ticket> Publisher::Publish(const std::vector<Message>& batch) {
  std::lock_guard lock(mu_);
  if (auto ok = EnsureProducer(); !ok) return ok.error();
  const auto timeout = std::chrono::milliseconds(options_.delivery_timeout_ms + 5000);
  // Debug lines mark the two halves of a batch's publication (the fault suite kills the process
  // right after them to land mid-publish and mid-commit).
  log::Debug("Publishing events.", {{"events", batch.size()}});
  auto ticket = std::make_shared<kafka::DeliveryGroup>();
  for (const auto& message : batch) {
    if (auto r = producer_->Produce(message, timeout, ticket); !r) {
      // Let what was queued settle so the failed batch does not linger behind the next one.
      (void)producer_->Await(*ticket, timeout);
      metrics_.KafkaQueueMessages().Set(static_cast<double>(producer_->queue_length()));
      return r.error();
    }
  }
  metrics_.KafkaQueueMessages().Set(static_cast<double>(producer_->queue_length()));
  return ticket;
}

bool Publisher::Settled(const Ticket& ticket) {
  if (ticket->complete()) return true;
  if (auto producer = CurrentProducer()) {
    if (producer->fatal()) return true;
    producer->Poll();
  }
  return ticket->complete();
}

Result<void> Publisher::Await(const Ticket& ticket) {
  const auto timeout = std::chrono::milliseconds(options_.delivery_timeout_ms + 5000);
  auto producer = CurrentProducer();
  if (!producer) return Error::Retryable(ErrorCategory::kKafka, "kafka producer not started");
  // A producer recreated since the batch was enqueued purged it: the ticket holds the failures.
  auto acked = ticket->complete() ? ticket->outcome() : producer->Await(*ticket, timeout);
  metrics_.KafkaQueueMessages().Set(static_cast<double>(producer->queue_length()));
  if (acked) {
    log::Debug("Kafka acknowledged the events.", {{"events", static_cast<long long>(ticket->enqueued())}});
    // Fault injection for the crash suite (tests/fault): holds the acknowledged batch back from
    // its snapshot commit, so that a SIGKILL right after the line above lands before the commit.
    static const auto commit_delay = std::chrono::milliseconds([] {
      const char* v = std::getenv("ATS_FAULT_INJECT_COMMIT_DELAY_MS");
      return v != nullptr ? std::clamp(std::atol(v), 0L, 10000L) : 0L;
    }());
    if (commit_delay.count() > 0) std::this_thread::sleep_for(commit_delay);
  }
  return acked;
}

Result<void> Publisher::PublishAndAwait(const std::vector<Message>& batch) {
  auto ticket = Publish(batch);
  if (!ticket) return ticket.error();
  return Await(*ticket);
}

Result<void> Publisher::Ping(std::chrono::milliseconds timeout) {
  // Not behind mu_: a batch in flight holds it for as long as Kafka takes to acknowledge (up to
  // the delivery timeout in an outage), and readiness must say "Kafka not reachable" meanwhile.
  // The metadata request is thread-safe in librdkafka.
  std::shared_ptr<kafka::Producer> producer;
  {
    std::lock_guard lock(producer_mu_);
    producer = producer_;
  }
  if (producer && producer->fatal()) {
    // Recreate it now unless a batch is in flight (that batch's failure recreates it).
    std::unique_lock lock(mu_, std::try_to_lock);
    if (lock.owns_lock()) {
      if (auto ok = EnsureProducer(); !ok) return ok;
      std::lock_guard plock(producer_mu_);
      producer = producer_;
    }
  }
  if (!producer) return Error::Retryable(ErrorCategory::kKafka, "kafka producer not started");
  return producer->Ping(timeout);
}

int64_t Publisher::queue_length() {
  std::lock_guard lock(producer_mu_);
  return producer_ ? producer_->queue_length() : 0;
}

}  // namespace ats::runtime
