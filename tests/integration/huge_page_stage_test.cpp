// The stage bound (5 000 events / 16 MiB, docs/guarantees.md §3) holds for every input: a server
// that ignores `limit` and lists 12 000 candidates on one page gets them published in stages of
// at most 5 000 events (the page is read in batches and a full stage goes out mid-page), and
// nothing is lost or published twice.
// Real parts: a Workable-shaped HTTP server on loopback, the embedded Kafka (with latency, so
// stages gather while one is in flight), RocksDB on disk.
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>
#include <thread>

#include "support/pipeline_harness.hpp"
#include "support/server_thread.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

class HugePageStageTest : public testing::PipelineHarness {};

TEST_F(HugePageStageTest, APageOf12000CandidatesIsPublishedInStagesOfAtMost5000Events) {
  constexpr int kCandidates = 12000;
  std::string body = R"({"candidates":[)";
  for (int i = 0; i < kCandidates; ++i) {
    body += (i ? "," : "") + std::string(R"({"id":"c)") + std::to_string(i) +
            R"(","job":{"shortcode":"J1"},"stage":"Applied","updated_at":"2026-11-01T10:00:00Z"})";
  }
  body += "]}";
  httplib::Server server;
  server.Get("/spi/v3/jobs", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"jobs":[{"id":"1","shortcode":"J1","state":"published"}]})", "application/json");
  });
  server.Get("/spi/v3/candidates", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  testing::ServerThread serving(server);

  ASSERT_NO_FATAL_FAILURE(StartKafka({topics_.candidate_changed}));
  ASSERT_TRUE(cluster_->SetBrokerRtt(1, 100).ok());
  connection_ = testing::WorkableConnection("acme", "http://127.0.0.1:" + std::to_string(port) + "/spi/v3",
                                            "token-0123456789");
  connection_.incremental = false;
  ASSERT_NO_FATAL_FAILURE(OpenWorker());
  auto cycle = worker_->RunCycle();
  ASSERT_TRUE(cycle.ok()) << cycle.error().message;
  EXPECT_EQ(cycle->created, kCandidates);
  EXPECT_GT(cycle->largest_stage, 0);
  EXPECT_LE(cycle->largest_stage, 5000);
  const auto events = Consume();
  EXPECT_EQ(events.size(), static_cast<size_t>(kCandidates));
  auto again = worker_->RunCycle();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->events(), 0);
}

}  // namespace
}  // namespace ats
