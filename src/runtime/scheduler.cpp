#include "runtime/scheduler.hpp"

#include <algorithm>

namespace ats::runtime {

Scheduler::Scheduler(int threads) : threads_(std::max(1, threads)) {}

Scheduler::~Scheduler() {
  Stop();
}

void Scheduler::Start() {
  std::lock_guard lock(mu_);
  if (!pool_.empty() || stopping_) return;
  for (int i = 0; i < threads_; ++i) pool_.emplace_back([this] { Work(); });
}

void Scheduler::Stop() {
  std::vector<std::thread> pool;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    pool.swap(pool_);
  }
  cv_.notify_all();
  for (auto& t : pool)
    if (t.joinable()) t.join();
  std::lock_guard lock(mu_);
  while (!queue_.empty()) queue_.pop();  // releases the tasks
}

void Scheduler::At(Clock::time_point due, std::shared_ptr<Schedulable> task, uint64_t ticket) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    const bool earliest = queue_.empty() || due < queue_.top().due;
    queue_.push(Entry{due, order_++, std::move(task), ticket});
    if (!earliest) return;  // the threads waiting already wake up in time for the top entry
  }
  cv_.notify_one();
}

size_t Scheduler::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

// Every pool thread waits for the earliest due time itself (no separate timer thread): the one
// that wakes first takes the entry and runs it; the others keep waiting for the next one.
void Scheduler::Work() {
  http::Client client;
  client.SetMaxConnections(kConnectionsPerThread);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto due = queue_.top().due;
    if (Clock::now() < due) {
      cv_.wait_until(lock, due);
      continue;
    }
    Entry entry = queue_.top();
    queue_.pop();
    // Another entry may be due already: let a waiting thread take it while this one works.
    if (!queue_.empty() && queue_.top().due <= Clock::now()) cv_.notify_one();
    lock.unlock();
    entry.task->RunDue(client, entry.ticket, entry.due);
    entry.task.reset();  // outside the lock: a task's last owner may be this entry
    lock.lock();
  }
}

}  // namespace ats::runtime
