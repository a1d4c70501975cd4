#pragma once
// Publishes batches of events and tells when Kafka acknowledged all of a batch, which is what
// allows the caller to advance the snapshot. Shared by the workers: each enqueues its batch
// whole, then waits for its own batch only, so a worker can prepare the next batch meanwhile.
// Recreates the producer after a fatal librdkafka error; the failed batch is reported as a
// retryable error and the caller resumes from its snapshot, so nothing is lost.
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "common/message.hpp"
#include "common/result.hpp"
#include "kafka/producer.hpp"
#include "telemetry/metrics.hpp"

namespace ats::runtime {

class Publisher {
 public:
  Publisher(kafka::ProducerOptions options, telemetry::Metrics& metrics);
  // Creates the first producer; a permanent error (bad rdkafka option) stops start-up.
  Result<void> Start();
  using Ticket = std::shared_ptr<kafka::DeliveryGroup>;
  // Enqueues the whole batch (waiting while librdkafka's queue is full); not yet acknowledged.
  Result<Ticket> Publish(const std::vector<Message>& batch);
  // Until Kafka acknowledged every event of the batch: Ok only if all of them were.
  Result<void> Await(const Ticket& ticket);
  // Whether Await would return at once (serves delivery reports, never waits).
  bool Settled(const Ticket& ticket);
  Result<void> PublishAndAwait(const std::vector<Message>& batch);
  Result<void> Ping(std::chrono::milliseconds timeout);
  int64_t queue_length();

 private:
  Result<void> EnsureProducer();  // mu_ held

  kafka::ProducerOptions options_;
  telemetry::Metrics& metrics_;
  std::shared_ptr<kafka::Producer> CurrentProducer();

  std::mutex mu_;  // one batch enqueued at a time; guards producer_ replacement
  // Shared so that Ping (the readiness check) can use the current producer without waiting for
  // a batch in flight, which during an outage may take the whole delivery timeout.
  std::shared_ptr<kafka::Producer> producer_;
  std::mutex producer_mu_;  // guards the producer_ pointer itself (not the producer)
};

}  // namespace ats::runtime
