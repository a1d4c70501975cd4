// The admin port as a hostile client sees it: bodies bounded before they are read, compressed
// bodies refused, header size bounded, slow clients unable to starve /healthz, and the body of a
// request nobody authorised never read. Raw sockets over loopback, so each byte is ours to send.
#include "telemetry/admin_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace ats::telemetry {
namespace {

using namespace std::chrono_literals;

// One TCP connection from `source` (any 127.x.y.z address) to the server.
class RawClient {
 public:
  RawClient(int port, const char* source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // What the server sent until it closed the connection, a full response head arrived and
  // `content_length` body bytes after it, or `limit` passed.
  std::string Receive(std::chrono::milliseconds limit = 5s) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      if (Complete(got)) break;
    }
    return got;
  }
  // The status code of a response, or 0 when none arrived.
  int Status(std::chrono::milliseconds limit = 5s) {
    const std::string r = Receive(limit);
    if (r.rfind("HTTP/1.", 0) != 0 || r.size() < 12) return 0;
    return std::stoi(r.substr(9, 3));
  }

 private:
  static bool Complete(const std::string& r) {
    const size_t head = r.find("\r\n\r\n");
    if (head == std::string::npos) return false;
    const size_t cl = r.find("Content-Length: ");
    if (cl == std::string::npos || cl > head) return true;
    return r.size() >= head + 4 + std::stoul(r.substr(cl + 16));
  }
  int fd_ = -1;
  bool connected_ = false;
};

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<AdminServer>(metrics_, status_);
    server_->SetAuthorizer([](const AdminRequest& r) -> std::optional<AdminReply> {
      if (r.authorization != "Bearer right") return AdminReply{401, R"({"error":"token"})"};
      return std::nullopt;
    });
    server_->Handle("POST", "/v1/echo", [this](const AdminRequest& r) {
      ++handled_;
      return AdminReply{200, r.body};
    });
    server_->Handle("GET", "/v1/slow", [](const AdminRequest&) {
      std::this_thread::sleep_for(1s);  // an admin call that takes its time (a slow disk)
      return AdminReply{200, "{}"};
    });
    ASSERT_TRUE(server_->Start("127.0.0.1:0").ok());
  }
  int port() const { return server_->port(); }

  Metrics metrics_;
  StatusBoard status_;
  std::unique_ptr<AdminServer> server_;
  std::atomic<int> handled_{0};
};

TEST_F(AdminServerTest, HealthAnswersAndKnowsNoBody) {
  RawClient ok(port());
  ASSERT_TRUE(ok.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(ok.Status(), 200);

  // 400 MiB announced and never sent: the answer comes at once, without waiting for the body.
  RawClient big(port());
  ASSERT_TRUE(big.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 419430400\r\n\r\n"));
  EXPECT_EQ(big.Status(), 413);
  RawClient post(port());
  ASSERT_TRUE(post.Send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 419430400\r\n\r\n"));
  EXPECT_EQ(post.Status(), 405);
}

TEST_F(AdminServerTest, AnAdminBodyOverItsLimitIsRefusedBeforeItIsRead) {
  RawClient c(port());
  ASSERT_TRUE(
      c.Send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer right\r\n"
             "Content-Length: " +
             std::to_string(64 * 1024 * 1024) + "\r\n\r\n"));
  EXPECT_EQ(c.Status(), 413);
  EXPECT_EQ(handled_, 0);
}

// A body of unknown length (chunked) could be endless: its length is asked for instead.
TEST_F(AdminServerTest, AChunkedBodyIsRefusedUnread) {
  RawClient c(port());
  ASSERT_TRUE(
      c.Send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer right\r\n"
             "Transfer-Encoding: chunked\r\n\r\n"));
  EXPECT_EQ(c.Status(), 411);
  EXPECT_EQ(handled_, 0);
}

TEST_F(AdminServerTest, CompressedBodiesAreRefused) {
  RawClient c(port());
  // A gzip header: whatever it would inflate to, it is never inflated.
  const std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  ASSERT_TRUE(
      c.Send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer right\r\n"
             "Content-Encoding: gzip\r\nContent-Length: 10\r\n\r\n" +
             gz));
  EXPECT_EQ(c.Status(), 415);
  EXPECT_EQ(handled_, 0);
}

TEST_F(AdminServerTest, TheBodyOfAnUnauthorisedRequestIsNeverRead) {
  RawClient c(port());
  ASSERT_TRUE(c.Send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"));
  EXPECT_EQ(c.Status(), 401);  // answered with 100 000 bytes announced and none sent
  EXPECT_EQ(handled_, 0);
}

TEST_F(AdminServerTest, AWantedBodyWithinItsLimitReachesTheHandler) {
  RawClient c(port());
  const std::string body = R"({"job_ids":["A\\"]})";
  ASSERT_TRUE(
      c.Send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer right\r\n"
             "Content-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body));
  const std::string r = c.Receive();
  ASSERT_EQ(r.substr(0, 12), "HTTP/1.1 200") << r;
  EXPECT_EQ(r.substr(r.size() - body.size()), body);
}

TEST_F(AdminServerTest, OversizedHeadersAreRefused) {
  RawClient big(port());
  ASSERT_TRUE(
      big.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(256 * 1024, 'a') + "\r\n\r\n"));
  const int status = big.Status();
  EXPECT_TRUE(status == 431 || status == 413 || status == 414) << status;

  RawClient many(port());
  std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 5000; ++i) head += "X-H" + std::to_string(i) + ": v\r\n";
  ASSERT_TRUE(many.Send(head + "\r\n"));
  const int many_status = many.Status();
  EXPECT_TRUE(many_status == 431 || many_status == 413) << many_status;
}

// Slowloris: connections that trickle one header byte at a time never complete a request.
// However many a client opens, /healthz from elsewhere is still answered.
TEST_F(AdminServerTest, SlowClientsCannotStarveHealth) {
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 40; ++i) {
    slow.push_back(std::make_unique<RawClient>(port(), "127.0.0.2"));
    slow.back()->Send("G");
  }
  const std::string rest = "ET /healthz HTTP/1.1\r\nHost: x\r\n";
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    for (size_t i = 0; i < rest.size() && !done; ++i) {
      for (auto& c : slow) c->Send(rest.substr(i, 1));
      std::this_thread::sleep_for(500ms);
    }
  });
  std::this_thread::sleep_for(1200ms);
  int answered = 0;
  for (int i = 0; i < 5; ++i) {
    RawClient probe(port());
    ASSERT_TRUE(probe.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    if (probe.Status(2s) == 200) ++answered;
    std::this_thread::sleep_for(300ms);
  }
  done = true;
  trickle.join();
  EXPECT_EQ(answered, 5);
}

// An admin call that is slow (a stalled disk) does not hold up the health probes.
TEST_F(AdminServerTest, ABusyAdminApiDoesNotDelayHealth) {
  std::vector<std::thread> callers;
  for (int i = 0; i < 12; ++i)
    callers.emplace_back([this] {
      RawClient c(port(), "127.0.0.3");
      c.Send("GET /v1/slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer right\r\n\r\n");
      EXPECT_EQ(c.Status(15s), 200);
    });
  std::this_thread::sleep_for(300ms);
  RawClient probe(port());
  ASSERT_TRUE(probe.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(probe.Status(2s), 200);
  for (auto& t : callers) t.join();
}

TEST_F(AdminServerTest, ConnectionsPerClientAreCapped) {
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 64; ++i) held.push_back(std::make_unique<RawClient>(port(), "127.0.0.4"));
  // Past the cap the server closes at once; the others stay open.
  int closed = 0;
  for (auto& c : held) {
    c->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    if (c->Status(1s) == 0) ++closed;
  }
  EXPECT_GT(closed, 0);
  EXPECT_LT(closed, 64);
}

}  // namespace
}  // namespace ats::telemetry

namespace ats::telemetry {
namespace {

// The probes' own listener: the same answers, and nothing of the admin API.
TEST(AdminServerHealthListenerTest, ServesProbesAndNothingElse) {
  Metrics metrics;
  StatusBoard status;
  AdminServer server(metrics, status);
  server.Handle("GET", "/v1/thing", [](const AdminRequest&) { return AdminReply{200, "{}"}; });
  ASSERT_TRUE(server.Start("127.0.0.1:0", "127.0.0.1:0").ok());
  ASSERT_NE(server.health_port(), server.port());
  RawClient health(server.health_port());
  ASSERT_TRUE(health.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(health.Status(), 200);
  RawClient metrics_scrape(server.health_port());
  ASSERT_TRUE(metrics_scrape.Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(metrics_scrape.Status(), 200);
  RawClient admin(server.health_port());
  ASSERT_TRUE(admin.Send("GET /v1/thing HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(admin.Status(), 404);
}

// A connection that says nothing is closed after the idle timeout, freeing its slot.
TEST(AdminServerHealthListenerTest, AnIdleConnectionIsClosed) {
  Metrics metrics;
  StatusBoard status;
  HttpLimits limits;
  limits.idle_timeout_s = 1;
  AdminServer server(metrics, status, limits);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  RawClient idle(server.port());
  ASSERT_TRUE(idle.Send("GET /hea"));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(idle.Receive(10s), "");  // closed without an answer (recv returned 0)
  EXPECT_LT(std::chrono::steady_clock::now() - started, 9s) << "still open after the idle timeout";
}

}  // namespace
}  // namespace ats::telemetry
