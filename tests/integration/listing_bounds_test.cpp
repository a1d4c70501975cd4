// A listing always ends. A server whose paging.next never repeats (since_id counting up
// forever) once kept the connector listing for ever, remembering every URL it saw. Past
// max_listing_pages, or at a paging.next longer than max_next_url_bytes, the listing fails,
// classified (page_limit) and counted in ats_connector_page_limit_exceeded_total, and loop
// detection keeps 8-byte hashes, not URLs.
// Real parts: a Workable-shaped HTTP server on loopback, the embedded Kafka, RocksDB on disk.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <string>
#include <thread>

#include "runtime/listing_guard.hpp"
#include "support/pipeline_harness.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

// Serves one published job and a candidate listing that never ends by itself: page n lists one
// candidate and points at page n+1 with a URL padded to `url_bytes`. After `safety_stop` pages it
// ends (so that a connector without bounds still finishes, and the test can tell).
class EndlessServer {
 public:
  EndlessServer(size_t url_bytes, int safety_stop) {
    server_.Get("/spi/v3/jobs", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"jobs":[{"id":"1","shortcode":"J1","title":"Engineer","state":"published"}]})",
                      "application/json");
    });
    server_.Get("/spi/v3/candidates",
                [this, url_bytes, safety_stop](const httplib::Request& req, httplib::Response& res) {
                  const int n = req.has_param("since_id") ? std::stoi(req.get_param_value("since_id")) : 0;
                  ++pages_;
                  std::string body =
                      R"({"candidates":[{"id":"c)" + std::to_string(n) +
                      R"(","job":{"shortcode":"J1"},"stage":"Applied","updated_at":"2026-11-01T10:00:00Z"}])";
                  if (n + 1 < safety_stop) {
                    std::string next = "http://127.0.0.1:" + std::to_string(port_) +
                                       "/spi/v3/candidates?since_id=" + std::to_string(n + 1) + "&pad=";
                    if (next.size() < url_bytes) next.append(url_bytes - next.size(), 'x');
                    body += R"(,"paging":{"next":")" + next + "\"}";
                  }
                  res.set_content(body + "}", "application/json");
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~EndlessServer() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/spi/v3"; }
  int pages() const { return pages_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::atomic<int> pages_{0};
  std::thread thread_;
};

class ListingBoundsTest : public testing::PipelineHarness {
 protected:
  double LimitCount(const std::string& limit) {
    const std::string sample =
        "ats_connector_page_limit_exceeded_total{connection=\"acme\",limit=\"" + limit + "\"} ";
    const std::string text = metrics_.Serialize();
    const size_t at = text.find(sample);
    return at == std::string::npos ? 0 : std::stod(text.substr(at + sample.size()));
  }
};

TEST_F(ListingBoundsTest, AListingThatNeverEndsFailsPastMaxListingPages) {
  EndlessServer server(/*url_bytes=*/0, /*safety_stop=*/2000);
  ASSERT_NO_FATAL_FAILURE(StartKafka({topics_.candidate_changed}));
  connection_ = testing::WorkableConnection("acme", server.base_url(), "token-0123456789");
  connection_.max_listing_pages = 50;
  ASSERT_NO_FATAL_FAILURE(OpenWorker());
  auto cycle = worker_->RunCycle();
  ASSERT_FALSE(cycle.ok()) << "the listing ran " << server.pages() << " pages and ended";
  EXPECT_EQ(ToString(cycle.error().category), "page_limit");
  EXPECT_NE(cycle.error().message.find("max_listing_pages"), std::string::npos) << cycle.error().message;
  EXPECT_LE(server.pages(), 51);
  EXPECT_EQ(LimitCount("listing_pages"), 1);
}

TEST_F(ListingBoundsTest, APagingNextLongerThanTheUrlCapFailsTheListing) {
  // 6 KiB URLs against a 4 KiB cap (the test server refuses URLs over 8 KiB itself, so the
  // default cap is shown by ListingGuardTest).
  EndlessServer server(/*url_bytes=*/6 * 1024, /*safety_stop=*/300);
  ASSERT_NO_FATAL_FAILURE(StartKafka({topics_.candidate_changed}));
  connection_ = testing::WorkableConnection("acme", server.base_url(), "token-0123456789");
  connection_.max_next_url_bytes = 4096;
  ASSERT_NO_FATAL_FAILURE(OpenWorker());
  auto cycle = worker_->RunCycle();
  ASSERT_FALSE(cycle.ok()) << "the listing followed " << server.pages() << " pages of 6 KiB URLs";
  EXPECT_EQ(ToString(cycle.error().category), "page_limit");
  EXPECT_NE(cycle.error().message.find("max_next_url_bytes"), std::string::npos) << cycle.error().message;
  EXPECT_EQ(server.pages(), 1);
  EXPECT_EQ(LimitCount("next_url_bytes"), 1);
}

TEST(ListingGuardTest, LoopDetectionKeepsHashesNotUrls) {
  const config::ConnectionConfig defaults;
  runtime::ListingGuard guard(/*max_pages=*/200000, static_cast<size_t>(defaults.max_next_url_bytes));
  const std::string pad(2000, 'x');
  for (int i = 0; i < 100000; ++i)
    ASSERT_FALSE(
        guard.Next("https://acme.workable.com/spi/v3/candidates?since_id=" + std::to_string(i) + pad));
  // 100 000 URLs of 2 KiB (200 MB of text) are remembered in a few MB.
  EXPECT_LT(guard.memory_bytes(), size_t{8} << 20);
  auto loop = guard.Next("https://acme.workable.com/spi/v3/candidates?since_id=7" + pad);
  ASSERT_TRUE(loop.has_value());
  EXPECT_EQ(loop->limit, "");  // a loop is not a limit: retryable bad_response, as before
  EXPECT_EQ(loop->error.category, ErrorCategory::kBadResponse);
  // The default cap (8 KiB): a longer URL stops the listing, named by its key.
  auto long_url = guard.Next("https://acme.workable.com/spi/v3/candidates?pad=" + std::string(8200, 'x'));
  ASSERT_TRUE(long_url.has_value());
  EXPECT_EQ(long_url->limit, "next_url_bytes");
  EXPECT_NE(long_url->error.message.find("max_next_url_bytes (8192)"), std::string::npos);
}

}  // namespace
}  // namespace ats
