// The snapshot's disk, driven through the binary: a full disk (a small tmpfs, filled) is a
// `snapshot` error in /status, /readyz 503 and a metric while the cycles retry with backoff, and
// once space returns the connector recovers on its own and nothing is lost; before, RocksDB's
// assertions turned it into SIGABRT at every start. A snapshot directory removed under the
// running process makes it unready with the reason, and it stops committing.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <iostream>

#include "fault/harness.hpp"
#include "sim/workable_tenant.hpp"
#include "support/test_support.hpp"
#include "support/tmpfs_mount.hpp"

namespace ats::fault {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

class DiskFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions options;
    options.jobs = 3;
    options.candidates_per_job = 20;
    options.rate_limit_requests = 0;
    options.seed = 11;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
    kafka_ = std::make_unique<KafkaProcess>(1);
    ASSERT_TRUE(kafka_->ok()) << kafka_->child().err();
  }

  std::string Config(const std::string& snapshot) {
    ConnectorConfig cfg;
    cfg.base_url = tenant_->base_url();
    cfg.bootstrap = kafka_->bootstrap();
    cfg.snapshot_path = snapshot;
    cfg.extra_connection = "    incremental: false\n";  // every cycle reads every stored record
    const std::string path = dir_.File("connector.yaml");
    testing::WriteFile(path, ConnectorYaml(cfg));
    return path;
  }

  static double MetricOf(ConnectorProcess& c, const std::string& name,
                         const std::map<std::string, std::string>& labels = {}) {
    return Metric(c.Get("/metrics").second, name, labels);
  }

  testing::TempDir dir_;
  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::unique_ptr<KafkaProcess> kafka_;
};

TEST_F(DiskFaultTest, AFullSnapshotDiskIsASnapshotErrorUntilSpaceReturnsAndNothingIsLost) {
  testing::TmpfsMount disk(16 << 20);
  ASSERT_TRUE(disk.ok()) << disk.error();
  ConnectorProcess connector(Config(disk.File("snapshot")));
  ASSERT_TRUE(connector.WaitStarted()) << connector.child().err();
  ASSERT_TRUE(connector.child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 60s))
      << connector.ErrTail();
  ASSERT_TRUE(Eventually([&] { return connector.Get("/readyz").first == 200; }, 30s)) << connector.ErrTail();

  // The disk fills up and the tenant changes: the next commit cannot be written.
  const size_t filled = testing::FillDisk(disk.File("filler"));
  tenant_->MutateRandom(40);
  const auto full_at = Clock::now();
  std::string readyz;
  ASSERT_TRUE(Eventually(
      [&] {
        if (!connector.child().running()) return true;  // reported below
        auto [code, body] = connector.Get("/readyz");
        readyz = body;
        return code == 503 && body.find("snapshot not writable") != std::string::npos;
      },
      60s))
      << "never unready; last /readyz: " << readyz << "\n"
      << connector.ErrTail();
  const double unready_after = Seconds(full_at);
  if (!connector.child().running()) {
    FAIL() << "the connector died on a full disk (exit " << connector.child().Wait(1s).value_or(-1) << ")\n"
           << connector.ErrTail();
  }
  EXPECT_NE(readyz.find("No space left on device"), std::string::npos) << readyz;
  const std::string status = connector.Get("/status").second;
  EXPECT_NE(status.find(R"("snapshot":{"writable":false)"), std::string::npos) << status;
  EXPECT_NE(status.find(R"("kind":"snapshot")"), std::string::npos) << status;
  EXPECT_EQ(MetricOf(connector, "ats_connector_snapshot_writable"), 0);
  ASSERT_TRUE(Eventually(
      [&] {
        const std::map<std::string, std::string> labels{{"connection", "fault"}, {"kind", "snapshot"}};
        return MetricOf(connector, "ats_connector_errors_total", labels) >= 1;
      },
      30s));
  // A few retries meanwhile, none of them fatal.
  ASSERT_TRUE(connector.child().WaitForLine("\"msg\":\"Sync cycle failed.\"", true, 30s, 1))
      << connector.ErrTail();
  ASSERT_TRUE(connector.child().running()) << connector.ErrTail();

  // Space returns: the connector recovers by itself.
  fs::remove(disk.File("filler"));
  const auto freed_at = Clock::now();
  ASSERT_TRUE(Eventually([&] { return connector.Get("/readyz").first == 200; }, 60s)) << connector.ErrTail();
  const double ready_after = Seconds(freed_at);
  ASSERT_TRUE(connector.WaitForFreshCycle(60s)) << connector.ErrTail();
  EXPECT_EQ(MetricOf(connector, "ats_connector_snapshot_writable"), 1);
  EXPECT_NE(connector.Get("/status").second.find(R"("snapshot":{"writable":true})"), std::string::npos);

  const Truth truth = TruthOf(*tenant_);
  const auto events = ConsumeUntil(kafka_->bootstrap(), [&](const std::vector<Event>& ev) {
    return Compare(truth, ev).lost == 0;
  });
  const Verdict v = Compare(truth, events);
  std::cout << "=== full snapshot disk (16 MiB tmpfs, " << (filled >> 10) << " KiB filler): unready after "
            << unready_after << " s, ready again " << ready_after << " s after space returned; " << v.events
            << " events, lost " << v.lost << ", duplicates " << v.duplicates << "\n";
  for (const auto& p : v.problems) std::cout << "  problem: " << p << "\n";
  EXPECT_EQ(v.lost, 0);
  EXPECT_EQ(v.replays_with_new_id, 0);
  EXPECT_EQ(v.order_violations, 0);

  ASSERT_TRUE(connector.child().Signal(SIGTERM));
  EXPECT_EQ(connector.child().Wait(30s), 0) << connector.ErrTail();
}

TEST_F(DiskFaultTest, ARemovedSnapshotDirectoryMakesTheConnectorUnreadyAndStopsItsCommits) {
  const std::string snapshot = dir_.File("snapshot");
  ConnectorProcess connector(Config(snapshot));
  ASSERT_TRUE(connector.WaitStarted()) << connector.child().err();
  ASSERT_TRUE(connector.child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 60s))
      << connector.ErrTail();
  ASSERT_TRUE(Eventually([&] { return connector.Get("/readyz").first == 200; }, 30s)) << connector.ErrTail();

  int failed_before = 0;
  for (const auto& line : connector.child().err_lines())
    failed_before += line.find("\"msg\":\"Sync cycle failed.\"") != std::string::npos;
  fs::remove_all(snapshot);
  const auto removed_at = Clock::now();
  tenant_->MutateRandom(10);  // changes keep coming
  std::string readyz;
  ASSERT_TRUE(Eventually(
      [&] {
        auto [code, body] = connector.Get("/readyz");
        readyz = body;
        return code == 503 && body.find("was removed or replaced") != std::string::npos;
      },
      30s))
      << "still ready after the snapshot directory was removed; last /readyz: " << readyz << "\n"
      << connector.ErrTail();
  const double noticed_after = Seconds(removed_at);
  EXPECT_EQ(MetricOf(connector, "ats_connector_snapshot_writable"), 0);
  const std::string status = connector.Get("/status").second;
  EXPECT_NE(status.find(R"("snapshot":{"writable":false)"), std::string::npos) << status;
  EXPECT_NE(connector.child().err().find(
                "\"msg\":\"Snapshot directory removed or replaced; the connector stops committing.\""),
            std::string::npos);

  // The next cycle fails with the reason (a permanent error: the next try is a minute away), and
  // after that failure no cycle completes; nothing recreates the directory.
  auto failed = connector.child().WaitForLine("\"msg\":\"Sync cycle failed.\"", true, 30s, failed_before);
  ASSERT_TRUE(failed) << connector.ErrTail();
  EXPECT_NE(failed->find("was removed or replaced"), std::string::npos) << *failed;
  EXPECT_FALSE(fs::exists(snapshot)) << "the removed snapshot directory was recreated";
  EXPECT_EQ(connector.Get("/readyz").first, 503);
  std::cout << "=== removed snapshot directory: unready " << noticed_after << " s after the rm -rf\n";

  ASSERT_TRUE(connector.child().Signal(SIGTERM));
  EXPECT_TRUE(connector.child().Wait(30s).has_value()) << connector.ErrTail();
  bool failed_seen = false;
  int failures = 0;
  for (const auto& line : connector.child().err_lines()) {
    if (line.find("\"msg\":\"Sync cycle failed.\"") != std::string::npos && ++failures > failed_before)
      failed_seen = true;
    if (failed_seen) {
      EXPECT_EQ(line.find("\"msg\":\"Sync cycle complete.\""), std::string::npos) << line;
    }
  }
}

}  // namespace
}  // namespace ats::fault
