// The worker's pipeline keeps one stage in flight to Kafka while the next pages are diffed. A
// record listed again before its first state is committed (Workable's pages shift when records
// are added during a listing) must be diffed against the state already published, not against
// the older committed one: one `created`, then an `updated`, never a second `created`.
// Real parts: a Workable-shaped HTTP server on loopback, the embedded Kafka with latency on its
// answers (so the first page's stage is still in flight), RocksDB on disk.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/pipeline_harness.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

std::string Candidate(const std::string& id, const std::string& stage) {
  return R"({"id":")" + id + R"(","name":"Candidate )" + id + R"(","stage":")" + stage +
         R"(","disqualified":false,"job":{"shortcode":"J1","title":"Engineer"},"updated_at":"2026-11-01T10:00:00Z"})";
}

std::string Field(const std::string& json, const std::string& name) {
  const std::string needle = "\"" + name + "\":\"";
  auto pos = json.find(needle);
  if (pos == std::string::npos) return "";
  pos += needle.size();
  return json.substr(pos, json.find('"', pos) - pos);
}

class PipelineStageTest : public testing::PipelineHarness {};

TEST_F(PipelineStageTest, ARecordListedAgainWhileItsFirstStateIsInFlightIsUpdatedNotCreatedTwice) {
  // Page 1 lists a and b; page 2 (its paging.next) lists b again, moved on, and c. Later
  // listings show b moved on on both pages, as the ATS has it by then.
  httplib::Server server;
  int port = 0;
  std::atomic<int> listings{0};
  server.Get("/spi/v3/jobs", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"jobs":[{"id":"1","shortcode":"J1","title":"Engineer","state":"published"}]})",
                    "application/json");
  });
  server.Get("/spi/v3/candidates", [&](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("since_id")) {
      const std::string b_stage = listings++ == 0 ? "Applied" : "Phone Screen";
      res.set_content(R"({"candidates":[)" + Candidate("a", "Applied") + "," + Candidate("b", b_stage) +
                          R"(],"paging":{"next":"http://127.0.0.1:)" + std::to_string(port) +
                          R"(/spi/v3/candidates?limit=100&since_id=b"}})",
                      "application/json");
    } else {
      res.set_content(R"({"candidates":[)" + Candidate("b", "Phone Screen") + "," + Candidate("c", "Applied") + "]}",
                      "application/json");
    }
  });
  port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(1ms);

  ASSERT_NO_FATAL_FAILURE(StartKafka({topics_.candidate_changed}));
  // Every Kafka answer takes 300 ms: page 2 is fetched and diffed while page 1's events wait.
  ASSERT_TRUE(cluster_->SetBrokerRtt(1, 300).ok());
  connection_ = testing::WorkableConnection("acme", "http://127.0.0.1:" + std::to_string(port) + "/spi/v3",
                                            "token-0123456789");
  ASSERT_NO_FATAL_FAILURE(OpenWorker());

  auto cycle = worker_->RunCycle();
  ASSERT_TRUE(cycle.ok()) << cycle.error().message;
  EXPECT_EQ(cycle->records, 5);  // the job, a, b, b again, c
  EXPECT_EQ(cycle->created, 3);
  EXPECT_EQ(cycle->updated, 1);

  // Per candidate, in its partition's order: "change stage".
  std::map<std::string, std::vector<std::string>> seen;
  for (const auto& e : Consume())
    seen[e.candidate_id].push_back(e.change + " " + Field(e.value.substr(e.value.find("\"candidate\":")), "stage"));
  const std::map<std::string, std::vector<std::string>> expected = {
      {"a", {"created Applied"}}, {"b", {"created Applied", "updated Phone Screen"}}, {"c", {"created Applied"}}};
  EXPECT_EQ(seen, expected);

  // The snapshot holds b's newest state: nothing to publish on the next cycle.
  auto again = worker_->RunCycle();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->events(), 0);
  server.stop();
  serving.join();
}

}  // namespace
}  // namespace ats
