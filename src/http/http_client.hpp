#pragma once
// Blocking HTTP client (libcurl underneath). One instance per worker thread; not thread-safe.
// Never follows redirects: a redirect is returned as-is, so credentials are never replayed to
// another host by the library.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/stop.hpp"

namespace ats::http {

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Authorization", "Bearer …"}
  std::string body;
  std::chrono::milliseconds timeout{30000};
  // https without verifying the server's certificate and host name. Only ever set from an
  // explicit insecure_skip_tls_verify in the configuration.
  bool insecure_skip_tls_verify = false;
  // A buffered body larger than this is refused while it downloads (permanent kPageLimit);
  // 0: the client's guard of 64 MiB. Streamed bodies (on_body) are not limited.
  size_t max_body_bytes = 0;
};

struct Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; last value wins
  std::string body;
  std::chrono::microseconds elapsed{0};
  const std::string* header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
};

class Client {
 public:
  Client();
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Any HTTP status is a successful Result; transport failures (connect, reset, timeout,
  // truncated body) are retryable Errors of category kTransport.
  Result<Response> Execute(const Request& request);

  // Streaming variant, for documents too large to hold (a Workday custom report): when the status
  // is 2xx, each body chunk goes to `on_body` as it arrives and Response::body stays empty; any
  // other status keeps its body (at most the first 64 KiB) in Response::body, so the error can
  // be classified. `on_body` returning false aborts the transfer (a retryable kTransport error
  // saying so). A body cut short (truncated chunked encoding, closed connection) is a retryable
  // kTransport error, as with Execute.
  // Here `request.timeout` bounds the time without receiving any data (connect, wait for the
  // first byte, any stall), not the whole download, so a large document is never cut off by a
  // total deadline.
  Result<Response> Execute(const Request& request,
                           const std::function<bool(std::string_view chunk)>& on_body);

  // Once `stop` is signalled, a request in flight is abandoned (within about a second) and new
  // ones are not sent: a retryable kTransport error "interrupted: shutdown requested". `stop`
  // must outlive the client; nullptr (the default) turns this off.
  void SetStopSignal(const StopSignal* stop) { stop_ = stop; }
  // Bounds the idle keep-alive connections this client keeps (CURLOPT_MAXCONNECTS; curl closes
  // the least recently used past it). 0: curl's default.
  void SetMaxConnections(long max) { max_connections_ = max; }

 private:
  Result<Response> Perform(const Request& request, const std::function<bool(std::string_view)>* on_body);

  void* curl_;  // CURL*
  const StopSignal* stop_ = nullptr;
  long max_connections_ = 0;
};

// Parsed URL parts, enough to compare origins before sending credentials.
struct Url {
  std::string scheme;  // "https"
  std::string host;    // lower-cased
  int port = 0;        // explicit or default for the scheme
  std::string path_and_query;
};
std::optional<Url> ParseUrl(const std::string& url);
// True when both URLs have the same scheme, host and port.
bool SameOrigin(const Url& a, const Url& b);
// Percent-encodes a query value.
std::string UrlEncode(std::string_view s);

}  // namespace ats::http
