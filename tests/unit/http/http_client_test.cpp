#include "http/http_client.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ats::http {
namespace {

using namespace std::chrono_literals;

constexpr char kSecret[] = "s3cr3t-t0ken-value";

// An httplib server on 127.0.0.1 and an OS-chosen port. Register handlers, then Start().
class LoopbackServer {
 public:
  LoopbackServer() = default;
  ~LoopbackServer() {
    Release();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  httplib::Server& server() { return server_; }

  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    // The socket already listens, so requests queue until the accept loop runs.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  int port() const { return port_; }
  std::string Url(const std::string& path_and_query) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path_and_query;
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

TEST(HttpClientTest, ReturnsStatusHeadersAndBodyAndSendsRequestHeaders) {
  LoopbackServer srv;
  std::mutex mu;
  std::string seen_auth, seen_agent, seen_encoding, seen_query;
  srv.server().Get("/hello", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(mu);
      seen_auth = req.get_header_value("Authorization");
      seen_agent = req.get_header_value("User-Agent");
      seen_encoding = req.get_header_value("Accept-Encoding");
      seen_query = req.get_param_value("limit");
    }
    res.status = 201;
    res.set_header("X-Custom-Header", "some value");
    res.set_content("hello body", "text/plain");
  });
  srv.Start();

  Client client;
  Request request = Get(srv.Url("/hello?limit=100"));
  request.headers = {{"Authorization", "Bearer abc"}, {"User-Agent", "ats-connector/0.1"}};
  auto result = client.Execute(request);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 201);
  EXPECT_EQ(result->body, "hello body");
  ASSERT_NE(result->header("x-custom-header"), nullptr);
  EXPECT_EQ(*result->header("x-custom-header"), "some value");
  ASSERT_NE(result->header("content-type"), nullptr);
  EXPECT_EQ(*result->header("content-type"), "text/plain");
  EXPECT_GT(result->elapsed.count(), 0);

  std::lock_guard lock(mu);
  EXPECT_EQ(seen_auth, "Bearer abc");
  EXPECT_EQ(seen_agent, "ats-connector/0.1");
  EXPECT_NE(seen_encoding.find("gzip"), std::string::npos) << seen_encoding;
  EXPECT_EQ(seen_query, "100");
}

TEST(HttpClientTest, LowerCasesHeaderNamesAndTrimsValues) {
  LoopbackServer srv;
  srv.server().Get("/h", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-MiXeD-CaSe", "  padded value\t ");
    res.set_header("X-Rate-Limit-Remaining", "7");
    res.set_content("{}", "application/json");
  });
  srv.Start();

  Client client;
  auto result = client.Execute(Get(srv.Url("/h")));
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_NE(result->header("x-mixed-case"), nullptr);
  EXPECT_EQ(*result->header("x-mixed-case"), "padded value");
  ASSERT_NE(result->header("x-rate-limit-remaining"), nullptr);
  EXPECT_EQ(*result->header("x-rate-limit-remaining"), "7");
  EXPECT_EQ(result->header("X-MiXeD-CaSe"), nullptr);
  for (const auto& [name, value] : result->headers) {
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
  }
}

TEST(HttpClientTest, DecodesACompressedBody) {
  std::string json = "{\"candidates\":[";
  for (int i = 0; i < 300; ++i) json += (i ? "," : "") + std::string("{\"id\":\"") + std::to_string(i) + "\"}";
  json += "]}";
  LoopbackServer srv;
  srv.server().Get("/big", [&json](const httplib::Request&, httplib::Response& res) {
    // httplib compresses for a client that accepts gzip/br (curl: Accept-Encoding "")
    res.set_content(json, "application/json");
  });
  srv.Start();

  Client client;
  auto result = client.Execute(Get(srv.Url("/big")));
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_NE(result->header("content-encoding"), nullptr);
  const std::string encoding = *result->header("content-encoding");
  EXPECT_TRUE(encoding == "gzip" || encoding == "br") << encoding;
  EXPECT_EQ(result->body, json);
}

TEST(HttpClientTest, DoesNotFollowRedirects) {
  LoopbackServer srv;
  std::atomic<int> target_hits{0};
  srv.server().Get("/from", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "/to");
  });
  srv.server().Get("/to", [&target_hits](const httplib::Request&, httplib::Response& res) {
    ++target_hits;
    res.set_content("followed", "text/plain");
  });
  srv.Start();

  Client client;
  auto result = client.Execute(Get(srv.Url("/from")));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 302);
  ASSERT_NE(result->header("location"), nullptr);
  EXPECT_EQ(*result->header("location"), "/to");
  EXPECT_NE(result->body, "followed");
  EXPECT_EQ(target_hits.load(), 0);
}

TEST(HttpClientTest, SendsMethodAndBody) {
  LoopbackServer srv;
  srv.server().Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("got " + req.body + " as " + req.get_header_value("Content-Type"), "text/plain");
  });
  srv.Start();

  Client client;
  Request request = Get(srv.Url("/echo"));
  request.method = "POST";
  request.body = R"({"a":1})";
  request.headers = {{"Content-Type", "application/json"}};
  auto result = client.Execute(request);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, R"(got {"a":1} as application/json)");
}

TEST(HttpClientTest, ReusesTheConnectionBetweenRequests) {
  LoopbackServer srv;
  std::mutex mu;
  std::vector<int> client_ports;
  srv.server().Get("/k", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    client_ports.push_back(req.remote_port);
    res.set_content("ok", "text/plain");
  });
  srv.Start();

  Client client;
  for (int i = 0; i < 3; ++i) {
    auto result = client.Execute(Get(srv.Url("/k")));
    ASSERT_TRUE(result.ok()) << result.error().message;
  }
  std::lock_guard lock(mu);
  ASSERT_EQ(client_ports.size(), 3u);
  EXPECT_EQ(client_ports[0], client_ports[1]);
  EXPECT_EQ(client_ports[1], client_ports[2]);
}

TEST(HttpClientTest, ConnectionClosedMidBodyIsRetryableTransportWithoutSecrets) {
  LoopbackServer srv;
  srv.server().Get("/cut", [](const httplib::Request&, httplib::Response& res) {
    // Announces 1000 bytes, sends 10, then aborts the connection.
    res.set_content_provider(1000, "application/json",
                             [](size_t, size_t, httplib::DataSink& sink) {
                               sink.write("{\"jobs\":[{", 10);
                               return false;
                             });
  });
  srv.Start();

  Client client;
  Request request = Get(srv.Url(std::string("/cut?token=") + kSecret));
  request.headers = {{"Authorization", std::string("Bearer ") + kSecret}};
  auto result = client.Execute(request);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().retryable());
  EXPECT_EQ(result.error().category, ErrorCategory::kTransport);
  EXPECT_NE(result.error().message.find("127.0.0.1"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("/cut"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find(kSecret), std::string::npos) << result.error().message;
}

TEST(HttpClientTest, TimeoutIsRetryableTransport) {
  LoopbackServer srv;
  srv.server().Get("/slow", [&srv](const httplib::Request&, httplib::Response& res) {
    srv.Hold(2s);  // released early when the test ends
    res.set_content("late", "text/plain");
  });
  srv.Start();

  Client client;
  Request request = Get(srv.Url(std::string("/slow?since_id=") + kSecret));
  request.headers = {{"Authorization", std::string("Bearer ") + kSecret}};
  request.timeout = 300ms;
  auto result = client.Execute(request);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().retryable());
  EXPECT_EQ(result.error().category, ErrorCategory::kTransport);
  EXPECT_NE(result.error().message.find("/slow"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find(kSecret), std::string::npos) << result.error().message;
}

TEST(HttpClientTest, RefusedConnectionIsRetryableTransport) {
  // A port that was bound but never listened on, then closed: connecting is refused.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int closed_port = ntohs(addr.sin_port);
  ::close(fd);

  Client client;
  Request request = Get("http://127.0.0.1:" + std::to_string(closed_port) + "/jobs?limit=100");
  request.headers = {{"Authorization", std::string("Bearer ") + kSecret}};
  auto result = client.Execute(request);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().retryable());
  EXPECT_EQ(result.error().category, ErrorCategory::kTransport);
  EXPECT_EQ(result.error().message.find(kSecret), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find("limit=100"), std::string::npos) << result.error().message;
}

TEST(HttpClientTest, RefusesHeaderValuesWithLineBreaks) {
  Client client;
  Request request = Get("http://127.0.0.1:9/x");
  request.headers = {{"Authorization", std::string("Bearer ") + kSecret + "\r\nX-Injected: 1"}};
  auto result = client.Execute(request);
  ASSERT_FALSE(result.ok());
  EXPECT_FALSE(result.error().retryable());
  EXPECT_EQ(result.error().message.find(kSecret), std::string::npos) << result.error().message;
}

TEST(HttpClientTest, ClientStaysUsableAfterATransportError) {
  LoopbackServer srv;
  srv.server().Get("/cut", [](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(100, "text/plain", [](size_t, size_t, httplib::DataSink& sink) {
      sink.write("x", 1);
      return false;
    });
  });
  srv.server().Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("fine", "text/plain");
  });
  srv.Start();

  Client client;
  ASSERT_FALSE(client.Execute(Get(srv.Url("/cut"))).ok());
  auto result = client.Execute(Get(srv.Url("/ok")));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->body, "fine");
}

}  // namespace
}  // namespace ats::http
