// The scheduler's queue and pool, and the resync request's encoding (runtime/scheduler.hpp,
// runtime/connection_task.hpp).
#include "runtime/scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/connection_task.hpp"

namespace ats::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Records the order tasks ran in and how many ran at once; each run can be held until released.
struct Probe {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> order;
  int running = 0, max_running = 0, done = 0;
  bool hold = false;
};

class Recorder final : public Schedulable {
 public:
  Recorder(std::string name, Probe& probe) : name_(std::move(name)), probe_(probe) {}
  void RunDue(http::Client&, uint64_t ticket, Clock::time_point) override {
    std::unique_lock lock(probe_.mu);
    probe_.order.push_back(name_ + "#" + std::to_string(ticket));
    probe_.max_running = std::max(probe_.max_running, ++probe_.running);
    probe_.cv.notify_all();
    probe_.cv.wait(lock, [&] { return !probe_.hold; });
    --probe_.running;
    ++probe_.done;
    probe_.cv.notify_all();
  }

 private:
  std::string name_;
  Probe& probe_;
};

TEST(SchedulerQueueTest, RunsEntriesInTheOrderTheyAreDue) {
  Probe probe;
  Scheduler scheduler(1);
  const auto now = Clock::now();
  // Queued before the pool starts, so the order is the queue's, not the arrival's.
  scheduler.At(now + 30ms, std::make_shared<Recorder>("late", probe), 1);
  scheduler.At(now, std::make_shared<Recorder>("first", probe), 2);
  scheduler.At(now + 10ms, std::make_shared<Recorder>("middle", probe), 3);
  scheduler.At(now, std::make_shared<Recorder>("second", probe), 4);  // same due time: FIFO
  scheduler.Start();
  std::unique_lock lock(probe.mu);
  ASSERT_TRUE(probe.cv.wait_for(lock, 30s, [&] { return probe.done == 4; }));
  EXPECT_EQ(probe.order, (std::vector<std::string>{"first#2", "second#4", "middle#3", "late#1"}));
}

TEST(SchedulerQueueTest, NoMoreRunAtOnceThanThePoolHasThreads) {
  Probe probe;
  probe.hold = true;
  Scheduler scheduler(3);
  scheduler.Start();
  for (int i = 0; i < 20; ++i) scheduler.At(Clock::now(), std::make_shared<Recorder>("t", probe), i);
  {
    std::unique_lock lock(probe.mu);
    ASSERT_TRUE(probe.cv.wait_for(lock, 30s, [&] { return probe.running == 3; }));
    probe.hold = false;
    probe.cv.notify_all();
    ASSERT_TRUE(probe.cv.wait_for(lock, 30s, [&] { return probe.done == 20; }));
    EXPECT_EQ(probe.max_running, 3);
  }
  EXPECT_EQ(scheduler.queued(), 0u);
}

TEST(SchedulerQueueTest, StopDropsWhatIsNotDueAndReleasesIt) {
  Probe probe;
  auto task = std::make_shared<Recorder>("later", probe);
  Scheduler scheduler(2);
  scheduler.Start();
  scheduler.At(Clock::now() + std::chrono::hours(1), task, 1);
  EXPECT_EQ(task.use_count(), 2);
  scheduler.Stop();
  EXPECT_EQ(task.use_count(), 1);
  EXPECT_TRUE(probe.order.empty());
  scheduler.At(Clock::now(), task, 2);  // after Stop: ignored
  EXPECT_EQ(scheduler.queued(), 0u);
}

TEST(ResyncScopeTest, RoundTripsAndNamesTheEntitiesListedInFull) {
  const ResyncScope scope{"", "R-1", ""};
  const auto decoded = DecodeResync(EncodeResync(scope, std::chrono::system_clock::now()));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->job_id, "R-1");
  EXPECT_FALSE(DecodeResync("[1]").has_value());
  EXPECT_FALSE(DecodeResync(R"({"entity": 3})").has_value());
  const std::vector<Entity> both{Entity::kJob, Entity::kCandidate};
  EXPECT_EQ(ResyncEntities({}, both), (std::set<Entity>{Entity::kJob, Entity::kCandidate}));
  EXPECT_EQ(ResyncEntities({"jobs", "", ""}, both), std::set<Entity>{Entity::kJob});
  EXPECT_EQ(ResyncEntities({"candidates", "", ""}, both), std::set<Entity>{Entity::kCandidate});
  EXPECT_EQ(ResyncEntities({"", "", "c-9"}, both), std::set<Entity>{Entity::kCandidate});
  EXPECT_EQ(ResyncEntities(scope, both), std::set<Entity>{Entity::kCandidate});
  // Two requests of one scope differ (the request time), so a cycle clears only its own.
  EXPECT_NE(EncodeResync(scope, std::chrono::system_clock::time_point{}),
            EncodeResync(scope, std::chrono::system_clock::now()));
}

}  // namespace
}  // namespace ats::runtime
