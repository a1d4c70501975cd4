#pragma once
#include <array>
// One connection as the scheduler sees it: idle (queued for its next due time), running one
// cycle on a pool thread, backing off, paused or stopping. A cycle's outcome goes to the status
// board, the metrics, the log and the status listener here; SyncWorker only runs the cycle.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/backoff.hpp"
#include "common/stop.hpp"
#include "connectors/source.hpp"
#include "http/rate_limiter.hpp"
#include "runtime/connection_runtime.hpp"
#include "runtime/scheduler.hpp"
#include "runtime/sync_worker.hpp"

namespace ats::runtime {

// Snapshot metadata the control plane keeps per connection.
// Where a connection's state lives in the snapshot: metadata under these roots + "<id>/", records
// under the connection id and its "~pending/" and "~gone/" namespaces. What a purge removes.
inline constexpr std::array<std::string_view, 4> kConnectionMetaRoots = {"sync/", "selection/", "control/",
                                                                         "source/"};
struct ConnectionRanges {
  std::vector<std::string> connections, meta_prefixes;  // SnapshotStore::DeleteRanges's arguments
};
ConnectionRanges RangesOf(const std::vector<std::string>& ids);
std::string PausedKey(const std::string& connection);  // control/<id>/paused ("true" while paused)
std::string ResyncKey(const std::string& connection);  // control/<id>/resync (EncodeResync)
// {"entity":"candidates","job_id":"","candidate_id":"","requested":"2026-12-07T03:00:00.000Z"}:
// `requested` makes every request's value unique, so a cycle clears only the one it applied.
std::string EncodeResync(const ResyncScope& scope, SystemTime requested);
std::optional<ResyncScope> DecodeResync(std::string_view json);
// The entities a scope lists in full: all of them, one, or candidates (a job's, a candidate).
std::set<Entity> ResyncEntities(const ResyncScope& scope, const std::vector<Entity>& listed);

struct TaskDeps {
  Scheduler& scheduler;
  snapshot::SnapshotStore& store;
  telemetry::Metrics& metrics;
  telemetry::StatusBoard& status;
  const StatusListener* listener = nullptr;  // may be null or empty
};

class ConnectionTask final : public Schedulable, public std::enable_shared_from_this<ConnectionTask> {
 public:
  // `stop` is the signal `worker` was built with (WorkerDeps::stop) and `state` the source state
  // store its source uses: the task owns all three, so they live exactly as long as the worker.
  ConnectionTask(std::unique_ptr<StopSignal> stop, std::unique_ptr<connectors::StateStore> state,
                 std::unique_ptr<SyncWorker> worker, std::shared_ptr<http::RateLimiter> limiter,
                 TaskDeps deps);

  // Schedules the first cycle now, or stays paused.
  void Start(bool paused);
  // The next cycle starts now (a job import, a resync); during a cycle: right after it.
  void Wake();
  // Paused: queued cycles are dropped and none starts; a cycle running finishes. Resumed: now.
  void SetPaused(bool paused);
  // Signals the stop without waiting (Service::Stop signals every connection first).
  void RequestStop() { stop_->Stop(); }
  // Stops at the page in hand (the worker's stop signal also abandons a request in flight) and
  // waits until no cycle of this task runs. Nothing of the task touches the status board after.
  void StopAndWait();

  void RunDue(http::Client& client, uint64_t ticket, std::chrono::steady_clock::time_point due) override;
  void UpdateGauges(SystemTime now) { worker_->UpdateGauges(now); }
  const std::string& id() const { return worker_->id(); }
  std::string_view source_name() const { return worker_->source_name(); }
  bool paused() const;
  // Keeps `resource` (what the worker's dependencies refer to: cluster mode's connection
  // stores) alive as long as the task.
  void Keep(std::shared_ptr<void> resource) { kept_.push_back(std::move(resource)); }

 private:
  void ScheduleLocked(std::chrono::steady_clock::time_point due);  // mu_ held
  // One cycle and its outcome; returns how long until the next one.
  std::chrono::milliseconds Cycle(http::Client& client);
  void Notify(ConnectionStatusChange change) const;

  std::vector<std::shared_ptr<void>> kept_;  // (destroyed last)
  std::unique_ptr<StopSignal> stop_;
  std::unique_ptr<connectors::StateStore> state_;
  std::unique_ptr<SyncWorker> worker_;  // declared after what it refers to: destroyed first
  std::shared_ptr<http::RateLimiter> limiter_;
  TaskDeps deps_;
  Backoff cycle_backoff_;
  std::optional<bool> up_;  // the last cycle's outcome, for active/failed transitions (pool thread only)

  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  // Idle (queued for its due time) unless one of these: running on a pool thread, paused (in
  // no queue), stopped (for good). Backing off is idle with a due time after a failure.
  bool running_ = false;
  bool stopped_ = false;
  bool paused_ = false;
  bool wake_pending_ = false;  // Wake() during a cycle
  uint64_t ticket_ = 0;        // the scheduler entry that counts (older ones are ignored)
};

}  // namespace ats::runtime
