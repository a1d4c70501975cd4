#include "state/partition_committer.hpp"

#include "common/log.hpp"

namespace ats::state {

using Clock = std::chrono::steady_clock;

PartitionCommitter::PartitionCommitter(std::unique_ptr<kafka::TransactionalProducer> producer,
                                       CommitterOptions options, telemetry::Metrics& metrics)
    : producer_(std::move(producer)), options_(options), metrics_(metrics) {
  thread_ = std::thread([this] { Run(); });
}

PartitionCommitter::PartitionCommitter(pipeline::Outbox& publisher, CommitterOptions options,
                                       telemetry::Metrics& metrics)
    : publisher_(&publisher), options_(options), metrics_(metrics) {}

PartitionCommitter::~PartitionCommitter() {
  Close();
}

bool PartitionCommitter::fenced() const {
  std::lock_guard lock(mu_);
  return fenced_;
}

void PartitionCommitter::MarkStale() {
  std::lock_guard lock(mu_);
  stale_ = true;
}

bool PartitionCommitter::stale() const {
  std::lock_guard lock(mu_);
  return stale_;
}

void PartitionCommitter::Close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<void> PartitionCommitter::Commit(std::vector<Message> events, std::vector<Message> state) {
  auto item = std::make_shared<Item>();
  item->events = std::move(events);
  item->state = std::move(state);
  if (stale())
    return Error::Retryable(ErrorCategory::kSnapshot,
                            "cluster: partition " + std::to_string(options_.partition) +
                                " is being restored again (its local cache fell behind)");
  if (publisher_ != nullptr) {
    {
      std::lock_guard lock(mu_);
      if (closing_)
        return Error::Retryable(ErrorCategory::kKafka, "cluster: partition " +
                                                           std::to_string(options_.partition) +
                                                           " is leaving this replica; its new owner goes on");
    }
    return AtLeastOnce(item);
  }
  std::unique_lock lock(mu_);
  if (closing_ || fenced_)
    return Error::Retryable(ErrorCategory::kKafka, "cluster: partition " +
                                                       std::to_string(options_.partition) +
                                                       " is leaving this replica; its new owner goes on");
  queue_.push_back(item);
  cv_.notify_all();
  done_cv_.wait(lock, [&] { return item->done; });
  return item->outcome;
}

Result<void> PartitionCommitter::AtLeastOnce(const std::shared_ptr<Item>& item) {
  if (!item->events.empty())
    if (auto sent = publisher_->PublishAndAwait(item->events); !sent) return sent;
  if (!item->state.empty()) return publisher_->PublishAndAwait(item->state);
  return Ok();
}

void PartitionCommitter::Run() {
  auto last_start = Clock::now() - options_.commit_interval;
  while (true) {
    std::vector<std::shared_ptr<Item>> items;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (closing_) {  // no new transaction: what waits will not be written by this replica
        for (auto& item : queue_) {
          item->outcome = Error::Retryable(ErrorCategory::kKafka, "cluster: partition " +
                                                                      std::to_string(options_.partition) +
                                                                      " left this replica before its turn");
          item->done = true;
        }
        queue_.clear();
        done_cv_.notify_all();
        break;
      }
      // Transactions at most every commit_interval: stages arriving meanwhile share the next one.
      if (!closing_) cv_.wait_until(lock, last_start + options_.commit_interval, [&] { return closing_; });
      size_t messages = 0;
      while (!queue_.empty() && (items.empty() || messages < options_.max_transaction_messages)) {
        messages += queue_.front()->events.size() + queue_.front()->state.size();
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    last_start = Clock::now();
    Result<void> outcome = fenced() ? Result<void>(Error::Permanent(ErrorCategory::kKafka, "cluster: fenced"))
                                    : Transaction(items);
    {
      std::lock_guard lock(mu_);
      for (auto& item : items) {
        item->outcome = outcome;
        item->done = true;
      }
    }
    done_cv_.notify_all();
  }
}

Result<void> PartitionCommitter::Transaction(const std::vector<std::shared_ptr<Item>>& items) {
  const auto failed = [&](const kafka::TxnResult& r) -> Result<void> {
    if (r.kind == kafka::TxnFailure::kFatal) {
      {
        std::lock_guard lock(mu_);
        fenced_ = true;
      }
      if (r.fenced) metrics_.ClusterProducerFenced().Increment();
      log::Error("cluster: this replica can no longer write its partition",
                 {{"partition", options_.partition}, {"error", r.error.message}});
      return r.error;
    }
    // Abort, so that nothing of it becomes visible, and let the stages try again.
    if (auto aborted = producer_->Abort(options_.transaction_timeout); !aborted)
      log::Warn("cluster: abort failed",
                {{"partition", options_.partition}, {"error", aborted.error.message}});
    metrics_.ClusterTransactions("aborted").Increment();
    return Error::Retryable(r.error.category, r.error.message);
  };
  if (auto begun = producer_->Begin(); !begun) return failed(begun);
  for (const auto& item : items) {
    for (const auto* list : {&item->events, &item->state})
      for (const auto& message : *list)
        if (auto produced = producer_->Produce(message, options_.transaction_timeout); !produced)
          return failed(produced);
  }
  for (int attempt = 0;; ++attempt) {
    auto committed = producer_->Commit(options_.transaction_timeout);
    if (committed) break;
    if (committed.kind == kafka::TxnFailure::kRetriable && attempt < 3) continue;
    return failed(committed);
  }
  metrics_.ClusterTransactions("committed").Increment();
  return Ok();
}

}  // namespace ats::state
