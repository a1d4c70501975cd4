#pragma once
// Private to src/sim: what the tenant simulators share: an httplib server on loopback run in a
// background thread, and small HTTP helpers (paths, percent-encoding, Basic credentials, dates).
#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ats::sim::detail {

using HttpHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

// One httplib::Server that routes every method of every path to one handler. Start() binds and
// returns once the accept loop runs; Stop() waits for it and for every request in flight
// (httplib joins its worker threads), so a handler may use state that outlives Stop().
class LoopbackServer {
 public:
  LoopbackServer() = default;
  ~LoopbackServer() { Stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  // Binds `host`:`port` (0 = any free port). True if already running; false if it cannot bind.
  // `threads` sizes httplib's worker pool (0 = httplib's default, max(8, cores - 1)); a kept-alive
  // connection holds a worker while it waits for its next request (up to `keep_alive_s`).
  bool Start(const std::string& host, int port, HttpHandler handler, int threads = 0, int keep_alive_s = 1);
  void Stop();
  // The bound port; kept after Stop() (a test can check the port is closed).
  int port() const { return port_.load(); }

 private:
  std::mutex mu_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> listen_done_{false};
  std::atomic<int> port_{0};
};

// Resets the TCP connection `req` arrived on (RST, no answer): the socket is found by its
// addresses, set to linger 0 and replaced by /dev/null, so the server writes its answer nowhere
// and closes the placeholder. False if the socket was not found.
bool ResetConnection(const httplib::Request& req);

// The host to put in URLs for a listen address: 127.0.0.1 for a wildcard, [v6] in brackets.
std::string UrlHost(const std::string& listen_host);
// "Tue, 03 Feb 2026 10:15:00 GMT"
std::string HttpDate(std::time_t t);
// "a/b/c" -> {"a","b","c"}; "" -> {""}.
std::vector<std::string_view> SplitPath(std::string_view rest);
// RFC 3986 unreserved characters pass; everything else becomes %XX.
std::string PercentEncode(std::string_view s);
// Standard base64 (padding optional); nullopt on any other character.
std::optional<std::string> Base64Decode(std::string_view s);
// The user and password of an `Authorization: Basic ...` value; nullopt if it is not one.
std::optional<std::pair<std::string, std::string>> ParseBasicAuth(std::string_view header_value);
// An application/x-www-form-urlencoded body: name=value pairs split on '&', '+' read as a space,
// %XX decoded (a malformed escape is kept as it is).
std::multimap<std::string, std::string> ParseForm(std::string_view body);
// A non-negative decimal integer that fits in int64; nullopt for anything else.
std::optional<int64_t> ParseNonNegative(std::string_view s);

}  // namespace ats::sim::detail
