// A stop signal interrupts a request in flight: shutdown does not wait for a stalled server to
// hit the request timeout.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "common/stop.hpp"
#include "http/http_client.hpp"

namespace ats::http {
namespace {

using namespace std::chrono_literals;

// A server that accepts connections and never answers.
class SilentServer {
 public:
  SilentServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 4) != 0) return;
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() {
    for (int c : clients_) close(c);
    close(fd_);
  }
  int port() const { return port_; }
  void AcceptOne() {
    const int c = accept(fd_, nullptr, nullptr);
    if (c >= 0) clients_.push_back(c);
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::vector<int> clients_;
};

void ExpectInterrupted(bool streamed) {
  SilentServer server;
  ASSERT_GT(server.port(), 0);
  StopSignal stop;
  Client client;
  client.SetStopSignal(&stop);
  Request request;
  request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/spi/v3/jobs";
  request.timeout = 20s;  // far longer than the stop takes to be noticed
  std::thread stopper([&] {
    server.AcceptOne();  // the request is on its way; the server will never answer
    stop.Stop();
  });
  Result<Response> result = streamed ? client.Execute(request, [](std::string_view) { return true; })
                                     : client.Execute(request);
  stopper.join();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().retryable());
  EXPECT_NE(result.error().message.find("interrupted: shutdown requested"), std::string::npos)
      << result.error().message;
}

TEST(HttpClientStopTest, StopInterruptsAStalledRequest) {
  ExpectInterrupted(/*streamed=*/false);
}

TEST(HttpClientStopTest, StopInterruptsAStalledStreamedRequest) {
  ExpectInterrupted(/*streamed=*/true);
}

TEST(HttpClientStopTest, AClientWhoseStopWasSignalledSendsNothing) {
  SilentServer server;
  StopSignal stop;
  stop.Stop();
  Client client;
  client.SetStopSignal(&stop);
  Request request;
  request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  request.timeout = 20s;
  auto result = client.Execute(request);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("interrupted: shutdown requested"), std::string::npos)
      << result.error().message;
}

}  // namespace
}  // namespace ats::http
