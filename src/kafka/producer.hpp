#pragma once
// The only producer in the program: idempotent, acks=all, compressed. Everything librdkafka is
// behind this header and its siblings in src/kafka.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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

// The delivery reports of a group of messages (one batch of a sync cycle): its caller can
// enqueue the group, go on with other work, and later ask whether Kafka acknowledged all of it.
// Shared with every message of the group until its delivery report arrives.
class DeliveryGroup {
 public:
  int64_t enqueued() const { return enqueued_.load(); }
  // Every message enqueued so far has its delivery report.
  bool complete() const { return pending() <= 0; }
  // Messages still without a delivery report.
  int64_t pending() const { return enqueued_.load() - acked_.load() - failed_.load(); }
  // Once complete: Ok if every message was acknowledged, else the first failure.
  Result<void> outcome() const;

  // Called by the producer.
  void OnEnqueued() { enqueued_.fetch_add(1); }
  void OnNotEnqueued() { enqueued_.fetch_sub(1); }  // librdkafka refused it after all
  void OnReport(bool ok, const std::string& failure);

 private:
  std::atomic<int64_t> enqueued_{0};
  std::atomic<int64_t> acked_{0};
  std::atomic<int64_t> failed_{0};
  mutable std::mutex mu_;
  std::string first_failure_;
};

class Producer {
 public:
  virtual ~Producer() = default;
  // Creates the producer (enable.idempotence=true, acks=all, compression.type=lz4,
  // linger.ms=5, partitioner=murmur2_random (Java's default placement of a key) unless
  // overridden). Invalid passthrough keys are a permanent kConfig error.
  static Result<std::unique_ptr<Producer>> Create(const ProducerOptions& options);

  // Enqueues one message. While librdkafka's queue is full it serves delivery reports and
  // retries (back-pressure), up to `timeout`. A queued message is not yet acknowledged.
  // Without a group, the message belongs to the current generation (AwaitDeliveries).
  virtual Result<void> Produce(const Message& message, std::chrono::milliseconds timeout,
                               const std::shared_ptr<DeliveryGroup>& group = nullptr) = 0;
  // Waits until every message enqueued without a group since the previous call is
  // acknowledged by the brokers (acks=all) or failed. Ok only if all of them were acknowledged.
  virtual Result<void> AwaitDeliveries(std::chrono::milliseconds timeout) = 0;
  // Waits until every message of `group` has its delivery report: Ok only if all of them were
  // acknowledged. Callable from several threads at once, each for its own group.
  virtual Result<void> Await(const DeliveryGroup& group, std::chrono::milliseconds timeout) = 0;
  // Serves the delivery reports that have arrived, without waiting.
  virtual void Poll() = 0;
  // librdkafka raised a fatal error (e.g. the idempotence sequence error of 2.0.2): this
  // producer is unusable; create a new one and resume from the snapshot.
  virtual bool fatal() const = 0;
  // Messages waiting in the local queue or in flight.
  virtual int64_t queue_length() const = 0;
  // Checks that the cluster answers a metadata request within `timeout`.
  virtual Result<void> Ping(std::chrono::milliseconds timeout) = 0;
};

}  // namespace ats::kafka
