#pragma once
// The only producer in the program: idempotent, acks=all, compressed. Everything librdkafka is
// behind this header and its siblings in src/kafka.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/message.hpp"
#include "common/result.hpp"

namespace ats::kafka {

struct ProducerOptions {
  std::string bootstrap_servers;
  std::string client_id = "ats-connector";
  int delivery_timeout_ms = 60000;             // message.timeout.ms
  std::map<std::string, std::string> rdkafka;  // passthrough, applied last (may override)
};

class Producer {
 public:
  virtual ~Producer() = default;
  // Creates the producer (enable.idempotence=true, acks=all, compression.type=lz4,
  // linger.ms=5 unless overridden). Invalid passthrough keys are a permanent kConfig error.
  static Result<std::unique_ptr<Producer>> Create(const ProducerOptions& options);

  // Enqueues one message. While librdkafka's queue is full it serves delivery reports and
  // retries (back-pressure), up to `timeout`. A queued message is not yet acknowledged.
  virtual Result<void> Produce(const Message& message, std::chrono::milliseconds timeout) = 0;
  // Waits until every message enqueued since the previous call is acknowledged by the
  // brokers (acks=all) or failed. Ok only if all of them were acknowledged.
  virtual Result<void> AwaitDeliveries(std::chrono::milliseconds timeout) = 0;
  // librdkafka raised a fatal error (e.g. the idempotence sequence error of 2.0.2): this
  // producer is unusable; create a new one and resume from the snapshot.
  virtual bool fatal() const = 0;
  // Messages waiting in the local queue or in flight.
  virtual int64_t queue_length() const = 0;
  // Checks that the cluster answers a metadata request within `timeout`.
  virtual Result<void> Ping(std::chrono::milliseconds timeout) = 0;
};

}  // namespace ats::kafka
