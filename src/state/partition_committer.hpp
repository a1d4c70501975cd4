#pragma once
// The one writer of a state partition's changelog while this replica owns it. Each connection's
// stage (its events and the changelog records of its snapshot states) is submitted whole; the
// committer's thread writes what was submitted meanwhile, from every connection of the
// partition, in one Kafka transaction (group commit), and tells each submitter the outcome.
// A stage is therefore visible to read_committed consumers whole or not at all, together with
// the state that says it was published. at_least_once: no transaction; the events are
// acknowledged before the state records are written, so the state never runs ahead of them.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/message.hpp"
#include "common/result.hpp"
#include "kafka/transactional_producer.hpp"
#include "pipeline/stager.hpp"
#include "telemetry/metrics.hpp"

namespace ats::state {

struct CommitterOptions {
  int partition = 0;
  std::chrono::milliseconds commit_interval{100};  // least time between two transactions' starts
  std::chrono::milliseconds transaction_timeout{60000};
  size_t max_transaction_messages = 50000;  // a transaction closes at this many messages
};

class PartitionCommitter {
 public:
  // exactly_once: `producer` (already initialised) writes every transaction.
  PartitionCommitter(std::unique_ptr<kafka::TransactionalProducer> producer, CommitterOptions options,
                     telemetry::Metrics& metrics);
  // at_least_once: events, then state records, through the shared idempotent publisher.
  PartitionCommitter(pipeline::Outbox& publisher, CommitterOptions options, telemetry::Metrics& metrics);
  ~PartitionCommitter();
  PartitionCommitter(const PartitionCommitter&) = delete;
  PartitionCommitter& operator=(const PartitionCommitter&) = delete;

  // Writes `events` and `state` atomically (exactly_once) and returns once committed. An error
  // means none of it is visible (retryable: try again; permanent: this replica lost the
  // partition, e.g. fenced by its new owner).
  Result<void> Commit(std::vector<Message> events, std::vector<Message> state);
  // Lets the transaction in flight finish, fails what waits, and refuses what follows.
  void Close();
  bool fenced() const;
  // The local cache missed a committed stage: commits are refused until the partition is
  // restored again (with a new committer).
  void MarkStale();
  bool stale() const;
  int partition() const { return options_.partition; }

 private:
  struct Item {
    std::vector<Message> events, state;
    bool done = false;
    Result<void> outcome;
  };
  void Run();
  Result<void> Transaction(const std::vector<std::shared_ptr<Item>>& items);
  Result<void> AtLeastOnce(const std::shared_ptr<Item>& item);

  std::unique_ptr<kafka::TransactionalProducer> producer_;
  pipeline::Outbox* publisher_ = nullptr;
  CommitterOptions options_;
  telemetry::Metrics& metrics_;
  mutable std::mutex mu_;
  std::condition_variable cv_;       // the queue changed, or closing
  std::condition_variable done_cv_;  // an item is done
  std::deque<std::shared_ptr<Item>> queue_;
  bool closing_ = false;
  bool fenced_ = false;
  bool stale_ = false;
  std::thread thread_;
};

}  // namespace ats::state
