#pragma once
// One listening socket served by libmicrohttpd (Debian's libmicrohttpd12) with a limit on
// everything a client controls: connections in all and per client address, idle time, the size
// of the request head, and the body of each route. Requests are routed and authorised when their
// head is complete, before any body byte is read; a body is read only for a route that takes one,
// only up to its limit, and never decompressed. Connections wait in an event loop (epoll), not on
// a thread each, so slow clients hold a socket, not a worker. Routes that may block (the admin API
// touches the disk) run on a small pool of their own: the event loop keeps answering probes.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.hpp"

struct MHD_Daemon;
struct MHD_Connection;

namespace ats::telemetry {

struct HttpRequest {
  std::string method;
  std::string path;
  std::vector<std::string> captures;  // the route pattern's groups, e.g. the connection id
  std::string body;
  std::string authorization;  // the Authorization header, "" when absent
  std::map<std::string, std::string> query;  // the URL's query arguments (?purge=true), decoded
};
struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};
using HttpHandler = std::function<HttpReply(const HttpRequest&)>;
// Decides on the request head alone (body empty): nullopt lets it through, a reply refuses it.
using HttpAuthorizer = std::function<std::optional<HttpReply>(const HttpRequest&)>;

struct HttpRoute {
  std::string method;   // GET, POST, PUT, DELETE
  std::string pattern;  // ECMAScript regex over the whole path
  HttpHandler handler;
  size_t max_body_bytes = 0;  // 0: the route takes no body
  bool authorize = false;     // run the listener's authorizer on the head first
  bool blocking = false;      // may block (disk, locks): runs on the worker pool
};

struct HttpLimits {
  unsigned max_connections = 128;            // in all; past it a new connection is closed at once
  unsigned max_connections_per_client = 16;  // per client IP address
  unsigned idle_timeout_s = 10;              // a connection silent this long is closed
  size_t max_head_bytes = 32 * 1024;         // request line and headers together (else 431)
  unsigned event_threads = 2;                // event-loop threads (answer probes inline)
  unsigned workers = 2;                      // threads for blocking routes
  size_t max_queued = 64;                    // blocking requests waiting for a worker (else 503)
};

// Why a request was refused before its handler ran; counted by the owner's callback.
enum class HttpRefusal {
  kBodyTooLarge,
  kLengthRequired,
  kCompressedBody,
  kUnauthorized,
  kBusy,
  kNotFound,
  kMethod
};
inline constexpr HttpRefusal kAllRefusals[] = {HttpRefusal::kBodyTooLarge,   HttpRefusal::kLengthRequired,
                                               HttpRefusal::kCompressedBody, HttpRefusal::kUnauthorized,
                                               HttpRefusal::kBusy,           HttpRefusal::kNotFound,
                                               HttpRefusal::kMethod};
const char* RefusalName(HttpRefusal refusal);

class HttpListener {
 public:
  HttpListener(std::vector<HttpRoute> routes, HttpLimits limits, HttpAuthorizer authorizer = {},
               std::function<void(HttpRefusal)> on_refusal = {});
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Binds `listen` ("host:port", "[v6]:port"; port 0 = any free port) and starts serving.
  Result<void> Start(const std::string& listen);
  void Stop();
  int port() const { return port_; }

 private:
  struct Compiled {
    HttpRoute route;
    std::regex re;
  };
  struct Pending;  // one request between its head and its reply
  friend struct HttpListenerAccess;
  int OnHead(MHD_Connection* c, const char* url, const char* method, void** state);
  int OnBody(MHD_Connection* c, Pending& p, const char* upload, size_t* upload_size);
  int Finish(MHD_Connection* c, Pending& p);
  int Refuse(MHD_Connection* c, HttpRefusal why, int status, const std::string& message);
  bool Enqueue(std::function<void()> job);
  void WorkerLoop();

  std::vector<Compiled> routes_;
  HttpLimits limits_;
  HttpAuthorizer authorizer_;
  std::function<void(HttpRefusal)> on_refusal_;
  MHD_Daemon* daemon_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace ats::telemetry
