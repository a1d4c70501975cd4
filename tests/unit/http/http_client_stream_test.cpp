// Client::Execute(request, on_body): the streaming variant used for Workday custom reports, and
// the form POST of an OAuth token call.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/http_client.hpp"

namespace ats::http {
namespace {

using namespace std::chrono_literals;

constexpr char kSecret[] = "str3am-s3cret-t0ken";

// An httplib server on 127.0.0.1 and an OS-chosen port. Register handlers, then Start().
class StreamServer {
 public:
  ~StreamServer() {
    Release();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Server& server() { return server_; }
  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // Blocks a handler until Release() or `max` has passed.
  void Hold(std::chrono::milliseconds max) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, max, [this] { return released_; });
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

Request Get(const std::string& url) {
  Request request;
  request.url = url;
  request.timeout = 5s;
  return request;
}

// A body of `n` lines "line <i>\n", enough to span many chunks.
std::string Lines(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "line " + std::to_string(i) + " of a streamed report\n";
  return out;
}

// Serves `body` with chunked encoding in pieces of `piece` bytes.
void ServeChunked(httplib::Server& server, const std::string& path, std::string body, size_t piece,
                  int status = 200) {
  server.Get(path, [body = std::move(body), piece, status](const httplib::Request&, httplib::Response& res) {
    res.status = status;
    res.set_chunked_content_provider("application/json",
                                     [body, piece](size_t offset, httplib::DataSink& sink) {
                                       if (offset >= body.size()) {
                                         sink.done();
                                         return true;
                                       }
                                       const size_t n = std::min(piece, body.size() - offset);
                                       return sink.write(body.data() + offset, n);
                                     });
  });
}

TEST(HttpClientStreamTest, A2xxBodyGoesToTheCallbackInChunksAndNotIntoTheResponse) {
  const std::string body = Lines(20000);  // ~700 KB
  StreamServer srv;
  ServeChunked(srv.server(), "/report", body, 4096);
  srv.Start();

  Client client;
  std::string received;
  int calls = 0;
  auto result = client.Execute(Get(srv.Url("/report")), [&](std::string_view chunk) {
    ++calls;
    received.append(chunk);
    return true;
  });
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(result->body.empty());
  EXPECT_EQ(received, body);
  EXPECT_GT(calls, 1);
  ASSERT_NE(result->header("content-type"), nullptr);
  EXPECT_EQ(*result->header("content-type"), "application/json");
}

TEST(HttpClientStreamTest, ACompressedBodyArrivesDecoded) {
  const std::string body = "{\"Report_Entry\":[" + std::string(200000, ' ') + "]}";
  StreamServer srv;
  srv.server().Get("/gz", [&body](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");  // httplib gzips for a client that accepts it
  });
  srv.Start();

  Client client;
  std::string received;
  auto result = client.Execute(Get(srv.Url("/gz")), [&](std::string_view chunk) {
    received.append(chunk);
    return true;
  });
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_NE(result->header("content-encoding"), nullptr);
  EXPECT_EQ(received, body);
}

TEST(HttpClientStreamTest, AnErrorBodyIsKeptForClassificationAndNeverStreamed) {
  StreamServer srv;
  const std::string error = R"({"error":"Insufficient permissions","errors":[{"error":"x","code":"S22"}]})";
  srv.server().Get("/denied", [&error](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content(error, "application/json");
  });
  srv.Start();

  Client client;
  bool called = false;
  auto result = client.Execute(Get(srv.Url("/denied")), [&](std::string_view) {
    called = true;
    return true;
  });
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 403);
  EXPECT_EQ(result->body, error);
  EXPECT_FALSE(called);
}

TEST(HttpClientStreamTest, AHugeErrorBodyIsCappedAndTheTransferStillSucceeds) {
  StreamServer srv;
  ServeChunked(srv.server(), "/boom", std::string(1 << 20, 'e'), 8192, 500);
  srv.Start();

  Client client;
  bool called = false;
  auto result = client.Execute(Get(srv.Url("/boom")), [&](std::string_view) {
    called = true;
    return true;
  });
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 500);
  EXPECT_EQ(result->body, std::string(64 << 10, 'e'));
  EXPECT_FALSE(called);
}

TEST(HttpClientStreamTest, ReturningFalseAbortsWithARetryableTransportError) {
  StreamServer srv;
  ServeChunked(srv.server(), "/report", Lines(5000), 1024);
  srv.Start();

  Client client;
  int calls = 0;
  Request request = Get(srv.Url(std::string("/report?token=") + kSecret));
  request.headers = {{"Authorization", std::string("Bearer ") + kSecret}};
  auto result = client.Execute(request, [&](std::string_view) { return ++calls < 3; });
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().retryable());
  EXPECT_EQ(result.error().category, ErrorCategory::kTransport);
  EXPECT_NE(result.error().message.find("aborted"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find(kSecret), std::string::npos) << result.error().message;
  EXPECT_EQ(calls, 3);

  // The client is usable afterwards.
  std::string again;
  auto next = client.Execute(Get(srv.Url("/report")), [&](std::string_view chunk) {
    again.append(chunk);
    return true;
  });
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(again, Lines(5000));
}

TEST(HttpClientStreamTest, ATruncatedChunkedBodyIsARetryableTransportError) {
  StreamServer srv;
  srv.server().Get("/cut", [](const httplib::Request&, httplib::Response& res) {
    // Two chunks, then the connection closes without the terminating zero-length chunk.
    res.set_chunked_content_provider("application/json", [](size_t offset, httplib::DataSink& sink) {
      if (offset == 0) return sink.write("{\"Report_Entry\":[{\"a\":1},", 25);
      if (offset == 25) return sink.write("{\"a\":2}", 7);
      return false;
    });
  });
  srv.Start();

  Client client;
  std::string received;
  Request request = Get(srv.Url("/cut"));
  // Uncompressed, so the server sends each piece as written (a compressor would hold them).
  request.headers = {{"Authorization", std::string("Bearer ") + kSecret}, {"Accept-Encoding", "identity"}};
  auto result = client.Execute(request, [&](std::string_view chunk) {
    received.append(chunk);
    return true;
  });
  ASSERT_FALSE(result.ok()) << "status " << result->status;
  EXPECT_TRUE(result.error().retryable());
  EXPECT_EQ(result.error().category, ErrorCategory::kTransport);
  EXPECT_NE(result.error().message.find("/cut"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find(kSecret), std::string::npos) << result.error().message;
  EXPECT_EQ(received, "{\"Report_Entry\":[{\"a\":1},{\"a\":2}");
}

TEST(HttpClientStreamTest, ASlowButSteadyDownloadIsNotCutOffByTheTimeout) {
  // Six pieces 300 ms apart take longer than the 1 s timeout in total, but data keeps arriving.
  StreamServer srv;
  srv.server().Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [](size_t offset, httplib::DataSink& sink) {
      if (offset >= 6) {
        sink.done();
        return true;
      }
      std::this_thread::sleep_for(300ms);
      return sink.write("x", 1);
    });
  });
  srv.Start();

  Client client;
  std::string received;
  Request request = Get(srv.Url("/slow"));
  request.headers = {{"Accept-Encoding", "identity"}};  // each piece is sent as written
  request.timeout = 1s;
  auto result = client.Execute(request, [&](std::string_view chunk) {
    received.append(chunk);
    return true;
  });
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(received, "xxxxxx");
}

TEST(HttpClientStreamTest, AStalledDownloadFailsAsRetryableTransport) {
  StreamServer srv;
  srv.server().Get("/stall", [&srv](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [&srv](size_t offset, httplib::DataSink& sink) {
      if (offset == 0) return sink.write("x", 1);
      srv.Hold(10s);  // released when the test ends
      return false;
    });
  });
  srv.Start();

  Client client;
  Request request = Get(srv.Url("/stall"));
  request.timeout = 1s;
  auto result = client.Execute(request, [](std::string_view) { return true; });
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().retryable());
  EXPECT_EQ(result.error().category, ErrorCategory::kTransport);
  EXPECT_NE(result.error().message.find("no data received"), std::string::npos) << result.error().message;
}

// The shape of an OAuth refresh_token call: a form POST, with HTTP Basic client authentication.
TEST(HttpClientStreamTest, PostsAFormBodyWithBothVariants) {
  StreamServer srv;
  std::mutex mu;
  std::vector<std::string> bodies, types, auths, methods;
  srv.server().Post("/ccx/oauth2/acme/token", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(mu);
      bodies.push_back(req.body);
      types.push_back(req.get_header_value("Content-Type"));
      auths.push_back(req.get_header_value("Authorization"));
      methods.push_back(req.method);
    }
    res.set_content(R"({"access_token":"abc","token_type":"Bearer","expires_in":3600})", "application/json");
  });
  srv.Start();

  Request request = Get(srv.Url("/ccx/oauth2/acme/token"));
  request.method = "POST";
  request.body = "grant_type=refresh_token&refresh_token=rt%2Bvalue";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Authorization", "Basic Y2xpZW50OnNlY3JldA=="}};
  Client client;
  auto plain = client.Execute(request);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->status, 200);
  EXPECT_NE(plain->body.find("access_token"), std::string::npos);

  std::string streamed;
  auto chunked = client.Execute(request, [&](std::string_view chunk) {
    streamed.append(chunk);
    return true;
  });
  ASSERT_TRUE(chunked.ok()) << chunked.error().message;
  EXPECT_EQ(streamed, plain->body);

  std::lock_guard lock(mu);
  ASSERT_EQ(bodies.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(methods[i], "POST");
    EXPECT_EQ(bodies[i], "grant_type=refresh_token&refresh_token=rt%2Bvalue");
    EXPECT_EQ(types[i], "application/x-www-form-urlencoded");
    EXPECT_EQ(auths[i], "Basic Y2xpZW50OnNlY3JldA==");
  }
}

}  // namespace
}  // namespace ats::http
