// Crash: SIGKILL the connector at random points while the tenant keeps changing, restart it,
// and at the end compare everything in Kafka with the tenant's final state. Kafka (ats-kafka)
// and the tenant (ats-sim) are processes of their own, so they outlive every kill. Under the
// `kafka-real` label (ATS_TEST_KAFKA_REAL=1) Kafka is a real Apache Kafka broker instead.
//
// Kill points, seeded (ATS_FAULT_SEED), in four kinds taken in turn:
//   random    after a random delay (start-up, mid-page, mid-publish, mid-commit, idle)
//   publish   right after the n-th "Publishing events." line: the page's events are being
//             produced and not yet acknowledged
//   commit    right after the n-th "Kafka acknowledged the events." line: Kafka has the page,
//             its snapshot commit has not run (ATS_FAULT_INJECT_COMMIT_DELAY_MS holds it back)
//   cycle     right after "Sync cycle complete.": between cycles
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <random>

#include "fault/harness.hpp"
#include "sim/workable_tenant.hpp"
#include "support/test_support.hpp"

namespace ats::fault {
namespace {

// Sets an environment variable for the connectors this test starts (they inherit it).
struct ScopedEnv {
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }
  const char* name_;
};

// Each acknowledged page waits this long before its snapshot commit (a fault-injection hook of
// the Publisher), so that a kill right after "Kafka acknowledged the events." lands before
// the commit instead of racing it.
constexpr const char* kCommitDelayMs = "40";

int EnvInt(const char* name, int def) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : def;
}

TEST(CrashTest, SigkillAtRandomPointsLosesNoChangeAndReplaysKeepTheirCeId) {
  const int seed = EnvInt("ATS_FAULT_SEED", 20261122);
  // 36 kills on the mock; 20 (five of each kind) on a real broker, to keep the kafka-real tier
  // within minutes (ATS_CRASH_TRIALS overrides both).
  const int trials = std::max(EnvInt("ATS_CRASH_TRIALS", RealKafka() ? 20 : 36), 1);
  const ScopedEnv delay("ATS_FAULT_INJECT_COMMIT_DELAY_MS", kCommitDelayMs);
  testing::TempDir dir;

  KafkaProcess kafka(1);
  ASSERT_TRUE(kafka.ok()) << kafka.child().err();
  // 15 ms per Kafka answer widens the publish window that random kills may land in (the mock's
  // control; a real broker on loopback answers within a few ms by itself, with fsyncs).
  if (!kafka.real()) {
    ASSERT_TRUE(kafka.Command("rtt 1 15"));
  }

  Child sim({SimBin(), "--workday-postings", "0", "--workable-jobs", "6", "--workable-candidates", "40",
             "--workable-rate-limit", "0", "--workable-seed", std::to_string(seed), "--mutate-every-ms", "40",
             "--mutations", "1", "--truth-out", dir.File("truth.json"), "--config-out", dir.File("sim.yaml")});
  auto tenant_line = sim.WaitForLine("Workable tenant: ", false, 30s);
  ASSERT_TRUE(tenant_line) << sim.err();

  ConnectorConfig cfg;
  cfg.base_url = tenant_line->substr(tenant_line->find(": ") + 2);
  cfg.bootstrap = kafka.bootstrap();
  cfg.snapshot_path = dir.File("snapshot");
  cfg.log_level = "debug";
  cfg.page_size = 20;  // ~15 pages per cycle: many page boundaries to die at
  cfg.shutdown_grace_s = 20;
  // Incremental listings (the default) between full listings at least every 60 s: deletions
  // are found by full listings only.
  cfg.extra_connection = "    full_reconcile_interval_s: 60\n";
  testing::WriteFile(dir.File("connector.yaml"), ConnectorYaml(cfg));
  // The last run lists everything at once, as the next scheduled full listing would.
  cfg.extra_connection = "    incremental: false\n";
  testing::WriteFile(dir.File("final.yaml"), ConnectorYaml(cfg));

  std::mt19937 rng(static_cast<unsigned>(seed));
  const char* kKinds[] = {"random", "publish", "commit", "cycle"};
  const char* kTriggers[] = {nullptr, "\"msg\":\"Publishing events.\"", "\"msg\":\"Kafka acknowledged the events.\"",
                             "\"msg\":\"Sync cycle complete.\""};
  std::map<std::string, int> landed;  // phase at the kill -> trials
  int fallback_kills = 0;
  for (int t = 0; t < trials; ++t) {
    const int kind = t % 4;
    const int nth = std::uniform_int_distribution<int>(1, kind == 3 ? 2 : 12)(rng);
    const int delay_ms = std::uniform_int_distribution<int>(50, 3000)(rng);
    std::atomic<int> matches{0};
    std::atomic<pid_t> pid{-1};
    std::atomic<bool> killed{false};
    std::mutex phase_mu;
    std::string phase = "start-up";
    auto hook = [&](const std::string& line, bool is_stderr) {
      if (!is_stderr || killed) return;
      {
        std::lock_guard lock(phase_mu);
        if (line.find("\"msg\":\"Publishing events.\"") != std::string::npos) phase = "mid-publish";
        if (line.find("\"msg\":\"Kafka acknowledged the events.\"") != std::string::npos) phase = "mid-commit";
        if (line.find("\"msg\":\"Sync cycle complete.\"") != std::string::npos) phase = "between-cycles";
      }
      if (kTriggers[kind] != nullptr && line.find(kTriggers[kind]) != std::string::npos && ++matches == nth &&
          pid > 0) {
        ::kill(pid, SIGKILL);  // at once, from the reader thread
        killed = true;
      }
    };
    ConnectorProcess connector(dir.File("connector.yaml"), hook);
    pid = connector.child().pid();
    ASSERT_GT(pid.load(), 0);
    if (kind == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      std::lock_guard lock(phase_mu);
      killed = true;
      connector.child().Signal(SIGKILL);
    } else if (!connector.child().Wait(20s)) {
      ++fallback_kills;  // the line never came: kill anyway
      killed = true;
      connector.child().Signal(SIGKILL);
    }
    auto code = connector.child().Wait(10s);
    ASSERT_TRUE(code) << "connector did not die";
    std::string where;
    {
      std::lock_guard lock(phase_mu);
      where = phase;
    }
    if (*code != 128 + SIGKILL) {
      FAIL() << "trial " << t << ": the connector exited by itself with " << *code << "\n" << connector.child().err();
    }
    ++landed[where];
    std::cout << "trial " << t << " (" << kKinds[kind] << "): SIGKILL " << where << "\n";
  }

  // Freeze the tenant (and write its final state), then let a fresh connector catch up.
  ASSERT_TRUE(sim.Signal(SIGUSR1));
  ASSERT_TRUE(sim.WaitForLine("Ground truth written:", false, 30s)) << sim.out() << sim.err();
  auto truth = LoadTruth(dir.File("truth.json"));
  ASSERT_TRUE(truth);
  {
    ConnectorProcess final_run(dir.File("final.yaml"));
    ASSERT_TRUE(final_run.WaitStarted()) << final_run.child().err();
    // Started after the freeze: its second complete cycle saw the final state and looked for
    // deletions. (The first may have resumed a listing the last kill interrupted, and a resumed
    // listing leaves deletions to the next full listing.)
    ASSERT_TRUE(final_run.child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 120s, 1))
        << final_run.child().err();
    std::cout << "final run: " << *final_run.child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 1s, 1)
              << "\n";
    ASSERT_TRUE(final_run.child().Signal(SIGTERM));
    auto code = final_run.child().Wait(30s);
    ASSERT_TRUE(code);
    EXPECT_EQ(*code, 0) << final_run.child().err();
  }

  const auto events = ConsumeAll(kafka.bootstrap(), 3s, 60s);
  const Verdict v = Compare(*truth, events);
  std::cout << "\n=== crash: " << trials << " trials (seed " << seed << ")";
  for (const auto& [where, n] : landed) std::cout << ", " << n << " " << where;
  std::cout << "; " << fallback_kills << " fallback kills\n"
            << "=== crash: " << v.events << " events read, " << v.checked_candidates
            << " candidates checked against the final state: lost " << v.lost << ", duplicates " << v.duplicates
            << " (all with identical ce_id: " << (v.replays_with_new_id == 0 ? "yes" : "NO") << ")"
            << ", order violations " << v.order_violations << "\n";
  for (const auto& p : v.problems) std::cout << "  problem: " << p << "\n";
  EXPECT_EQ(v.lost, 0);
  EXPECT_EQ(v.replays_with_new_id, 0);
  EXPECT_EQ(v.id_collisions, 0);
  EXPECT_EQ(v.order_violations, 0);
  EXPECT_GT(v.checked_candidates, 200);
  // The targeted kinds did land where they aimed.
  EXPECT_GT(landed["mid-publish"], 0);
  EXPECT_GT(landed["mid-commit"], 0);
  EXPECT_GT(landed["between-cycles"], 0);
  sim.Signal(SIGTERM);
  sim.Wait(10s);
}

// The narrowest crash window for a deletion: a new candidate's "created" event reached Kafka,
// the process died before the snapshot commit, and the candidate was deleted before any
// connector listed it again. Downstream has the creation, so it must get the deletion too.
TEST(CrashTest, ACreationPublishedButNotCommittedAndThenDeletedIsStillDeleted) {
  const ScopedEnv delay("ATS_FAULT_INJECT_COMMIT_DELAY_MS", kCommitDelayMs);
  testing::TempDir dir;
  sim::WorkableTenantOptions options;
  options.jobs = 3;
  options.candidates_per_job = 10;
  options.rate_limit_requests = 0;
  sim::WorkableTenant tenant(options);
  ASSERT_TRUE(tenant.Start());
  KafkaProcess kafka(1);
  ASSERT_TRUE(kafka.ok());
  ConnectorConfig cfg;
  cfg.base_url = tenant.base_url();
  cfg.bootstrap = kafka.bootstrap();
  cfg.snapshot_path = dir.File("snapshot");
  cfg.log_level = "debug";
  cfg.extra_connection = "    incremental: false\n";
  testing::WriteFile(dir.File("connector.yaml"), ConnectorYaml(cfg));
  std::string job;
  for (const auto& j : tenant.jobs())
    if (j.state == "published") job = j.shortcode;
  ASSERT_FALSE(job.empty());
  {
    // First sync, then one more candidate; SIGKILL right after Kafka acknowledged its page.
    std::atomic<int> acknowledged{0};
    std::atomic<int> kill_at{1 << 30};
    std::atomic<pid_t> pid{-1};
    ConnectorProcess c(dir.File("connector.yaml"), [&](const std::string& line, bool is_stderr) {
      if (is_stderr && line.find("\"msg\":\"Kafka acknowledged the events.\"") != std::string::npos &&
          ++acknowledged == kill_at.load() && pid > 0)
        ::kill(pid, SIGKILL);
    });
    pid = c.child().pid();
    ASSERT_TRUE(c.child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 60s)) << c.child().err();
    kill_at = acknowledged.load() + 1;
    const std::string added = tenant.AddCandidate(job);
    ASSERT_EQ(c.child().Wait(60s), 128 + SIGKILL) << c.child().err();
    ASSERT_TRUE(tenant.DeleteCandidate(added));
  }
  {
    ConnectorProcess c(dir.File("connector.yaml"));
    ASSERT_TRUE(c.child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 60s)) << c.child().err();
    ASSERT_TRUE(c.child().Signal(SIGTERM));
    EXPECT_EQ(c.child().Wait(30s), 0);
  }
  const Truth truth = TruthOf(tenant);
  const Verdict v = Compare(truth, ConsumeAll(kafka.bootstrap(), 2s, 30s));
  for (const auto& p : v.problems) std::cout << "  problem: " << p << "\n";
  EXPECT_EQ(v.lost, 0);
  EXPECT_EQ(v.replays_with_new_id, 0);
}

}  // namespace
}  // namespace ats::fault
