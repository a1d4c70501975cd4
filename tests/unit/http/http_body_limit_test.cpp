// A page's size is bounded before it is in memory: a buffered body larger than
// Request::max_body_bytes is refused while it downloads, as a permanent page_limit error (the
// same page would be as large next time), whether or not the server announced its length.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

#include "http/http_client.hpp"
#include "support/server_thread.hpp"

namespace ats::http {
namespace {

using namespace std::chrono_literals;

TEST(HttpBodyLimitTest, ABodyOverMaxBodyBytesIsAPermanentPageLimitError) {
  httplib::Server server;
  const std::string big(3 << 20, 'x');  // 3 MiB
  server.Get("/fixed",
             [&](const httplib::Request&, httplib::Response& res) { res.set_content(big, "text/plain"); });
  server.Get("/chunked", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [&](size_t offset, httplib::DataSink& sink) {
      if (offset >= big.size()) {
        sink.done();
        return true;
      }
      return sink.write(big.data() + offset, std::min<size_t>(64 << 10, big.size() - offset));
    });
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  testing::ServerThread serving(server);

  Client client;
  for (const char* path : {"/fixed", "/chunked"}) {
    SCOPED_TRACE(path);
    Request request;
    request.url = "http://127.0.0.1:" + std::to_string(port) + path;
    request.max_body_bytes = 1 << 20;
    auto response = client.Execute(request);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().category, ErrorCategory::kPageLimit);
    EXPECT_FALSE(response.error().retryable());
    EXPECT_NE(response.error().message.find("exceeds 1048576 bytes"), std::string::npos)
        << response.error().message;
    // Within the limit the same body is read whole.
    request.max_body_bytes = 4 << 20;
    auto whole = client.Execute(request);
    ASSERT_TRUE(whole.ok()) << whole.error().message;
    EXPECT_EQ(whole->body.size(), big.size());
  }
}

}  // namespace
}  // namespace ats::http
