#pragma once
// Publishes a batch of events and returns only when Kafka acknowledged all of them, which is
// what allows the caller to advance the snapshot. Shared by the workers (one batch at a time).
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
  Result<void> PublishAndAwait(const std::vector<Message>& batch);
  Result<void> Ping(std::chrono::milliseconds timeout);
  int64_t queue_length();

 private:
  Result<void> EnsureProducer();  // mu_ held

  kafka::ProducerOptions options_;
  telemetry::Metrics& metrics_;
  std::mutex mu_;  // one batch at a time; guards producer_ replacement
  // Shared so that Ping (the readiness check) can use the current producer without waiting for
  // a batch in flight, which during an outage may take the whole delivery timeout.
  std::shared_ptr<kafka::Producer> producer_;
  std::mutex producer_mu_;  // guards the producer_ pointer itself (not the producer)
};

}  // namespace ats::runtime
