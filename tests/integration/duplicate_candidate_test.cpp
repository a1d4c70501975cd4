// A candidate id listed under two jobs does not flap. Workable candidate ids are per job
// application, so one id under two jobs is one record reported twice (a tenant inconsistency,
// or a move seen mid-listing). The identity is the candidate id; of two copies under different
// jobs, the one with the newer updated_at wins, ties going to the greater job shortcode
// (snapshot::LosesToStored). A static tenant therefore produces zero events from the second
// cycle on, whatever the order of the copies.
// Real parts: a Workable-shaped HTTP server on loopback, the embedded Kafka, RocksDB on disk.
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>
#include <thread>
#include <vector>

#include "support/pipeline_harness.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

std::string Copy(const std::string& job, const std::string& stage, const std::string& updated_at) {
  return R"({"id":"dup1","name":"Ada","stage":")" + stage + R"(","job":{"shortcode":")" + job +
         R"("},"updated_at":")" + updated_at + R"("})";
}

class DuplicateCandidateTest : public testing::PipelineHarness {
 protected:
  // Lists jobs J1 and J2, a candidate "solo" and `copies` (one page), and runs `cycles` cycles of
  // `connection` (each connection id has its own part of the snapshot).
  std::vector<long long> EventsPerCycle(const std::string& connection, const std::vector<std::string>& copies,
                                        int cycles) {
    httplib::Server server;
    server.Get("/spi/v3/jobs", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"jobs":[{"id":"1","shortcode":"J1","state":"published"},)"
                      R"({"id":"2","shortcode":"J2","state":"published"}]})",
                      "application/json");
    });
    std::string body = R"({"candidates":[{"id":"solo","job":{"shortcode":"J1"},"stage":"Applied"})";
    for (const auto& c : copies) body += "," + c;
    body += "]}";
    server.Get("/spi/v3/candidates", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(body, "application/json");
    });
    const int port = server.bind_to_any_port("127.0.0.1");
    std::thread serving([&] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(1ms);
    std::vector<long long> events;
    connection_ = testing::WorkableConnection(
        connection, "http://127.0.0.1:" + std::to_string(port) + "/spi/v3", "token-0123456789");
    connection_.incremental = false;
    OpenWorker();
    for (int i = 0; worker_ && i < cycles; ++i) {
      auto cycle = worker_->RunCycle();
      EXPECT_TRUE(cycle.ok()) << cycle.error().message;
      events.push_back(cycle.ok() ? cycle->created + cycle->updated + cycle->deleted : -1);
    }
    CloseWorker();
    server.stop();
    serving.join();
    return events;
  }
};

TEST_F(DuplicateCandidateTest, OneIdUnderTwoJobsProducesNoEventsAfterTheFirstCycle) {
  ASSERT_NO_FATAL_FAILURE(StartKafka({topics_.candidate_changed}));
  const std::string t = "2026-11-01T10:00:00Z";
  const std::string later = "2026-11-02T10:00:00Z";
  const std::vector<std::vector<std::string>> shapes = {
      {Copy("J1", "Applied", t), Copy("J2", "Interview", t)},      // same updated_at
      {Copy("J2", "Interview", t), Copy("J1", "Applied", t)},      // the other order
      {Copy("J1", "Applied", later), Copy("J2", "Interview", t)},  // the first copy is newer
      {Copy("J2", "Interview", t), Copy("J1", "Applied", later)},
  };
  for (size_t i = 0; i < shapes.size(); ++i) {
    SCOPED_TRACE("shape " + std::to_string(i));
    const auto events = EventsPerCycle("shape" + std::to_string(i), shapes[i], 3);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_GE(events[0], 2);  // solo and dup1 created (and dup1 perhaps updated once)
    EXPECT_EQ(events[1], 0);
    EXPECT_EQ(events[2], 0);
  }
}

TEST_F(DuplicateCandidateTest, AGenuineMoveToAnotherJobIsStillAnUpdate) {
  ASSERT_NO_FATAL_FAILURE(StartKafka({topics_.candidate_changed}));
  EXPECT_EQ(EventsPerCycle("acme", {Copy("J2", "Applied", "2026-11-01T10:00:00Z")}, 1)[0], 2);
  // The candidate now appears under J1 only, with a newer updated_at: one update.
  EXPECT_EQ(EventsPerCycle("acme", {Copy("J1", "Interview", "2026-11-03T10:00:00Z")}, 2),
            (std::vector<long long>{1, 0}));
}

}  // namespace
}  // namespace ats
