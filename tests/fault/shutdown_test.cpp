// Shutdown: SIGTERM in the middle of a sync finishes the page in hand, flushes the producer,
// commits and exits 0 within shutdown_grace_s; a restart then publishes nothing again. When Kafka
// cannot take the page in time, the process exits 1 at the end of the grace period, and the
// restart publishes what was missing (with the same ce_ids).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>

#include "fault/harness.hpp"
#include "sim/workable_tenant.hpp"
#include "support/test_support.hpp"

namespace ats::fault {
namespace {

using Clock = std::chrono::steady_clock;

class ShutdownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions options;
    options.jobs = 4;
    options.candidates_per_job = 30;
    options.rate_limit_requests = 0;
    options.seed = 5;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
    kafka_ = std::make_unique<KafkaProcess>(1);
    ASSERT_TRUE(kafka_->ok()) << kafka_->child().err();
  }

  std::string Config(int grace_s, int requests_per_s = 1000) {
    ConnectorConfig cfg;
    cfg.base_url = tenant_->base_url();
    cfg.bootstrap = kafka_->bootstrap();
    cfg.snapshot_path = dir_.File("snapshot");
    cfg.log_level = "debug";
    cfg.page_size = 10;
    cfg.requests_per_s = requests_per_s;
    cfg.shutdown_grace_s = grace_s;
    cfg.delivery_timeout_s = 60;
    cfg.extra_connection = "    incremental: false\n";
    const std::string path = dir_.File("connector-" + std::to_string(grace_s) + ".yaml");
    testing::WriteFile(path, ConnectorYaml(cfg));
    return path;
  }

  // A complete cycle after a restart, then SIGTERM; returns the events of that run.
  void RestartAndSync(const std::string& config) {
    ConnectorProcess again(config);
    ASSERT_TRUE(again.WaitStarted()) << again.child().err();
    ASSERT_TRUE(again.child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 60s)) << again.child().err();
    ASSERT_TRUE(again.child().Signal(SIGTERM));
    auto code = again.child().Wait(30s);
    ASSERT_TRUE(code);
    EXPECT_EQ(*code, 0);
  }

  testing::TempDir dir_;
  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::unique_ptr<KafkaProcess> kafka_;
};

TEST_F(ShutdownTest, SigtermMidSyncFinishesThePageCommitsAndExitsZeroWithinTheGrace) {
  // 150 ms per Kafka answer, pages of 10 and 4 requests a second: a first sync of ~13 pages
  // takes seconds, one page per batch (the pipeline has nothing to gather meanwhile).
  ASSERT_TRUE(kafka_->Command("rtt 1 150"));
  const std::string config = Config(25, /*requests_per_s=*/4);
  ConnectorProcess connector(config);
  ASSERT_TRUE(connector.WaitStarted()) << connector.child().err();
  ASSERT_TRUE(connector.child().WaitForLine("\"msg\":\"Publishing events.\"", true, 30s, 3));
  const auto t0 = Clock::now();
  ASSERT_TRUE(connector.child().Signal(SIGTERM));
  auto code = connector.child().Wait(40s);
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_TRUE(code) << "still running 40 s after SIGTERM";
  EXPECT_EQ(*code, 0) << connector.child().err();
  EXPECT_LT(took, 25) << "exceeded shutdown_grace_s";
  const std::string log = connector.child().err();
  EXPECT_NE(log.find("\"msg\":\"Stop signal received; finishing the page in hand and flushing Kafka.\""),
            std::string::npos);
  EXPECT_NE(log.find("\"msg\":\"ats-connector stopped.\""), std::string::npos);
  EXPECT_EQ(log.find("\"msg\":\"Sync cycle complete.\""), std::string::npos) << "the sync was not interrupted";
  // The page in hand was finished: every "Publishing" has its "acknowledged".
  int publishing = 0, acknowledged = 0;
  for (const auto& line : connector.child().err_lines()) {
    publishing += line.find("\"msg\":\"Publishing events.\"") != std::string::npos;
    acknowledged += line.find("\"msg\":\"Kafka acknowledged the events.\"") != std::string::npos;
  }
  EXPECT_EQ(publishing, acknowledged);

  ASSERT_TRUE(kafka_->Command("rtt 1 0"));
  RestartAndSync(config);
  const Truth truth = TruthOf(*tenant_);
  const auto events = ConsumeUntil(kafka_->bootstrap(), [&](const std::vector<Event>& ev) {
    return Compare(truth, ev).lost == 0;
  });
  const Verdict v = Compare(truth, events);
  std::cout << "=== shutdown: SIGTERM after " << publishing << " pages, exit " << *code << " in " << took
            << " s (grace 25 s); after the restart " << v.events << " events, lost " << v.lost
            << ", duplicates " << v.duplicates << "\n";
  for (const auto& p : v.problems) std::cout << "  problem: " << p << "\n";
  EXPECT_EQ(v.lost, 0);
  EXPECT_EQ(v.duplicates, 0) << "a committed page was published again";
  EXPECT_EQ(v.replays_with_new_id, 0);
}

TEST_F(ShutdownTest, PastTheGraceItExitsOneAndTheRestartPublishesWhatWasMissing) {
  const std::string config = Config(3);
  ConnectorProcess connector(config);
  ASSERT_TRUE(connector.WaitStarted()) << connector.child().err();
  ASSERT_TRUE(connector.child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 60s));
  // Kafka goes away with a page in hand: the page cannot finish within the grace.
  int published_pages = 0;
  for (const auto& line : connector.child().err_lines())
    published_pages += line.find("\"msg\":\"Publishing events.\"") != std::string::npos;
  ASSERT_TRUE(kafka_->Command("down 1"));
  tenant_->MutateRandom(10);
  ASSERT_TRUE(connector.child().WaitForLine("\"msg\":\"Publishing events.\"", true, 30s, published_pages));
  const auto t0 = Clock::now();
  ASSERT_TRUE(connector.child().Signal(SIGTERM));
  auto code = connector.child().Wait(30s);
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 1);
  EXPECT_NE(connector.child().err().find("Did not stop within shutdown_grace_s"), std::string::npos);
  EXPECT_LT(took, 15);

  ASSERT_TRUE(kafka_->Command("up 1"));
  RestartAndSync(config);
  const Truth truth = TruthOf(*tenant_);
  const auto events = ConsumeUntil(kafka_->bootstrap(), [&](const std::vector<Event>& ev) {
    return Compare(truth, ev).lost == 0;
  });
  const Verdict v = Compare(truth, events);
  std::cout << "=== shutdown past the grace (3 s): exit " << *code << " in " << took << " s; after the restart "
            << v.events << " events, lost " << v.lost << ", duplicates " << v.duplicates << "\n";
  for (const auto& p : v.problems) std::cout << "  problem: " << p << "\n";
  EXPECT_EQ(v.lost, 0);
  EXPECT_EQ(v.replays_with_new_id, 0);
}

// A source that accepts the connection and never answers: the request would only end at its
// timeout (60 s here). SIGTERM must abandon it and exit 0 within shutdown_grace_s (5 s); before
// the stop signal reached libcurl, the process waited until the grace ran out and exited 1.
TEST_F(ShutdownTest, SigtermInterruptsAStalledSourceRequest) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 8), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);

  ConnectorConfig cfg;
  cfg.base_url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/spi/v3";
  cfg.bootstrap = kafka_->bootstrap();
  cfg.snapshot_path = dir_.File("snapshot-stalled");
  cfg.request_timeout_s = 60;
  cfg.shutdown_grace_s = 5;
  const std::string config = dir_.File("connector-stalled.yaml");
  testing::WriteFile(config, ConnectorYaml(cfg));
  ConnectorProcess connector(config);
  ASSERT_TRUE(connector.WaitStarted()) << connector.child().err();
  // The connector's first request arrives, and is never answered.
  pollfd pfd{listener, POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 30000), 1) << "the connector never called the source\n" << connector.ErrTail();
  const int stalled = accept(listener, nullptr, nullptr);
  ASSERT_GE(stalled, 0);

  const auto t0 = Clock::now();
  ASSERT_TRUE(connector.child().Signal(SIGTERM));
  auto code = connector.child().Wait(30s);
  const double took = std::chrono::duration<double>(Clock::now() - t0).count();
  close(stalled);
  close(listener);
  ASSERT_TRUE(code) << "still running 30 s after SIGTERM";
  std::cout << "=== shutdown with a stalled source request (timeout 60 s, grace 5 s): exit " << *code << " in "
            << took << " s\n";
  EXPECT_EQ(*code, 0) << connector.ErrTail();
  EXPECT_EQ(connector.child().err().find("Did not stop within shutdown_grace_s"), std::string::npos);
}

}  // namespace
}  // namespace ats::fault
