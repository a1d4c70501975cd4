#pragma once
// A timer queue of due times and a bounded pool of threads that run what is due. Connections
// are scheduled, not threaded: a connection waiting for its poll interval or its rate limit is an
// entry in the queue, not a sleeping thread. Each pool thread owns one http::Client (keep-alive
// connections per host, at most kConnectionsPerThread of them), lent to whatever it runs.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "http/http_client.hpp"
#include "telemetry/metrics.hpp"

namespace ats::runtime {

// Something the scheduler runs when due (runtime::ConnectionTask). `ticket` is the value given
// to Scheduler::At: a task rescheduled meanwhile ignores the older entries (tickets it no longer
// holds), so a queue entry never has to be searched for and removed.
class Schedulable {
 public:
  virtual ~Schedulable() = default;
  virtual void RunDue(http::Client& client, uint64_t ticket, std::chrono::steady_clock::time_point due) = 0;
};

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr long kConnectionsPerThread = 16;  // idle keep-alive connections a pool thread keeps

  explicit Scheduler(int threads);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void Start();
  // Ends the pool: entries not yet started are dropped, running ones are waited for (their tasks
  // must have been told to stop first). Idempotent.
  void Stop();
  // `task` runs (RunDue) on a pool thread once `due` has come; the queue keeps it alive till then.
  void At(Clock::time_point due, std::shared_ptr<Schedulable> task, uint64_t ticket);
  int threads() const { return threads_; }
  size_t queued() const;

 private:
  struct Entry {
    Clock::time_point due;
    uint64_t order;  // FIFO among equal due times
    std::shared_ptr<Schedulable> task;
    uint64_t ticket;
    bool operator>(const Entry& other) const {
      return due != other.due ? due > other.due : order > other.order;
    }
  };
  void Work();

  const int threads_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue_;  // earliest first
  uint64_t order_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> pool_;
};

}  // namespace ats::runtime
