#pragma once
// A transactional producer (cluster mode, exactly-once): one per owned state partition, with
// transactional.id <group_id>-state-<partition>. init_transactions fences every older producer
// of the same id (a zombie owner of the partition) and aborts its open transaction; whatever it
// still commits fails. One transaction at a time; callers serialise (state::PartitionCommitter).
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "common/message.hpp"
#include "common/result.hpp"
#include "kafka/producer.hpp"

namespace ats::kafka {

struct TransactionalOptions {
  ProducerOptions producer;  // bootstrap, client id, delivery timeout, passthrough
  std::string transactional_id;
  int transaction_timeout_ms = 60000;
};

// How a transactional call failed: retry the same call, abort the transaction and retry it, or
// give the producer up (fenced by a newer owner of the transactional id, or another fatal error).
enum class TxnFailure { kRetriable, kAbortable, kFatal };

// A transactional call's outcome: ok, or how it failed.
struct [[nodiscard]] TxnResult {
  bool ok = true;
  TxnFailure kind = TxnFailure::kRetriable;
  bool fenced = false;  // kFatal because a newer producer with the same transactional.id exists
  Error error;
  explicit operator bool() const { return ok; }
  static TxnResult Success() { return {}; }
  static TxnResult Failure(TxnFailure kind, Error error, bool fenced = false) {
    return {false, kind, fenced, std::move(error)};
  }
};

class TransactionalProducer {
 public:
  virtual ~TransactionalProducer() = default;
  static Result<std::unique_ptr<TransactionalProducer>> Create(const TransactionalOptions& options);

  // Registers the transactional id with its coordinator, fencing older producers of it; retried
  // by librdkafka up to `timeout`.
  virtual TxnResult Init(std::chrono::milliseconds timeout) = 0;
  virtual TxnResult Begin() = 0;
  // Enqueues into the open transaction (waits while the local queue is full, up to `timeout`).
  virtual TxnResult Produce(const Message& message, std::chrono::milliseconds timeout) = 0;
  // Flushes every message of the transaction and commits it: all of them become visible to
  // read_committed consumers at once, or none does.
  virtual TxnResult Commit(std::chrono::milliseconds timeout) = 0;
  virtual TxnResult Abort(std::chrono::milliseconds timeout) = 0;
  virtual const std::string& transactional_id() const = 0;
};

}  // namespace ats::kafka
