#include "telemetry/http_listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

#include "common/json_writer.hpp"

namespace ats::telemetry {

const char* RefusalName(HttpRefusal refusal) {
  switch (refusal) {
    case HttpRefusal::kBodyTooLarge: return "body_too_large";
    case HttpRefusal::kCompressedBody: return "compressed_body";
    case HttpRefusal::kUnauthorized: return "unauthorized";
    case HttpRefusal::kBusy: return "busy";
    case HttpRefusal::kNotFound: return "not_found";
    case HttpRefusal::kMethod: return "method_not_allowed";
    case HttpRefusal::kLengthRequired: return "length_required";
  }
  return "other";
}

// One request between its head and its reply (MHD's per-request closure).
struct HttpListener::Pending {
  const Compiled* route = nullptr;
  HttpRequest request;
  bool refused = false;     // answered on its head: whatever body follows is discarded
  bool too_large = false;   // the body passed the route's limit: answered 413
  bool dispatched = false;  // handed to a worker, which queues the reply and resumes the connection
};

namespace {

bool Queue(MHD_Connection* c, const HttpReply& reply) {
  MHD_Response* r = MHD_create_response_from_buffer(reply.body.size(), const_cast<char*>(reply.body.data()),
                                                    MHD_RESPMEM_MUST_COPY);
  if (r == nullptr) return false;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type.c_str());
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "Cache-Control", "no-store");
  const bool queued = MHD_queue_response(c, static_cast<unsigned>(reply.status), r) == MHD_YES;
  MHD_destroy_response(r);
  return queued;
}

std::string Header(MHD_Connection* c, const char* name) {
  const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
  return v ? std::string(v) : std::string();
}

HttpReply Error(int status, const std::string& message) {
  return {status, "{\"error\":" + JsonString(message) + "}"};
}

MHD_Result Trampoline(void* self, MHD_Connection* c, const char* url, const char* method, const char* version,
                      const char* upload, size_t* upload_size, void** state);
void Done(void* self, MHD_Connection* c, void** state, MHD_RequestTerminationCode why);

}  // namespace

// Reaches the listener's private members from MHD's C callbacks.
struct HttpListenerAccess {
  static MHD_Result Access(HttpListener& l, MHD_Connection* c, const char* url, const char* method,
                           const char* upload, size_t* upload_size, void** state) {
    if (*state == nullptr) return l.OnHead(c, url, method, state) ? MHD_YES : MHD_NO;
    auto& p = *static_cast<HttpListener::Pending*>(*state);
    if (p.refused || p.dispatched) {  // a refused request's body is dropped unread
      *upload_size = 0;
      return MHD_YES;
    }
    if (*upload_size != 0) return l.OnBody(c, p, upload, upload_size) ? MHD_YES : MHD_NO;
    return l.Finish(c, p) ? MHD_YES : MHD_NO;
  }
  static void Completed(void** state) {
    delete static_cast<HttpListener::Pending*>(*state);
    *state = nullptr;
  }
};

namespace {

MHD_Result Trampoline(void* self, MHD_Connection* c, const char* url, const char* method, const char*,
                      const char* upload, size_t* upload_size, void** state) {
  return HttpListenerAccess::Access(*static_cast<HttpListener*>(self), c, url, method, upload, upload_size,
                                    state);
}

void Done(void*, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
  HttpListenerAccess::Completed(state);
}

// host:port or [v6]:port -> a bound, listening, non-blocking socket.
Result<int> BindListener(const std::string& listen, int& port_out) {
  const auto bad = [&](const std::string& why) {
    return Error::Permanent(ErrorCategory::kConfig, "cannot listen on " + listen + ": " + why);
  };
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return bad("expected host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = listen.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
      rc != 0)
    return bad(gai_strerror(rc));
  std::string last = "no address";
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
      last = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return bad(last + " (port in use or address not local?)");
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  port_out = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return fd;
}

}  // namespace

HttpListener::HttpListener(std::vector<HttpRoute> routes, HttpLimits limits, HttpAuthorizer authorizer,
                           std::function<void(HttpRefusal)> on_refusal)
    : limits_(limits), authorizer_(std::move(authorizer)), on_refusal_(std::move(on_refusal)) {
  for (auto& r : routes) {
    std::regex re(r.pattern, std::regex::ECMAScript);
    routes_.push_back({std::move(r), std::move(re)});
  }
}

HttpListener::~HttpListener() {
  Stop();
}

Result<void> HttpListener::Start(const std::string& listen) {
  auto fd = BindListener(listen, port_);
  if (!fd) return fd.error();
  listen_fd_ = *fd;
  for (unsigned i = 0; i < std::max(1u, limits_.workers); ++i)
    workers_.emplace_back([this] { WorkerLoop(); });
  const unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
  daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &Trampoline, this, MHD_OPTION_LISTEN_SOCKET, listen_fd_,
      MHD_OPTION_THREAD_POOL_SIZE, std::max(1u, limits_.event_threads), MHD_OPTION_CONNECTION_LIMIT,
      limits_.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, limits_.max_connections_per_client,
      MHD_OPTION_CONNECTION_TIMEOUT, limits_.idle_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      limits_.max_head_bytes, MHD_OPTION_NOTIFY_COMPLETED, &Done, this, MHD_OPTION_END);
  if (daemon_ == nullptr) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    Stop();
    return Error::Permanent(ErrorCategory::kConfig,
                            "cannot serve " + listen + " (libmicrohttpd refused to start)");
  }
  return Ok();
}

void HttpListener::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();  // each queued request is answered and its connection resumed
  workers_.clear();
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);  // closes the listening socket too
  daemon_ = nullptr;
  listen_fd_ = -1;
}

int HttpListener::Refuse(MHD_Connection* c, HttpRefusal why, int status, const std::string& message) {
  if (on_refusal_) on_refusal_(why);
  return Queue(c, Error(status, message)) ? 1 : 0;
}

int HttpListener::OnHead(MHD_Connection* c, const char* url, const char* method, void** state) {
  auto* p = new Pending;
  *state = p;  // freed by Done whatever happens next
  p->refused = true;
  const std::string path = url ? url : "";
  bool path_known = false;
  for (const auto& r : routes_) {
    std::smatch m;
    if (!std::regex_match(path, m, r.re)) continue;
    path_known = true;
    if (r.route.method != method) continue;
    p->route = &r;
    for (size_t i = 1; i < m.size(); ++i) p->request.captures.push_back(m[i].str());
    break;
  }
  if (p->route == nullptr) {
    if (path_known)
      return Refuse(c, HttpRefusal::kMethod, 405, std::string(method) + " is not served on " + path);
    return Refuse(c, HttpRefusal::kNotFound, 404, "no such path");
  }
  const HttpRoute& route = p->route->route;
  const std::string encoding = Header(c, MHD_HTTP_HEADER_CONTENT_ENCODING);
  if (!encoding.empty() && ::strcasecmp(encoding.c_str(), "identity") != 0)
    return Refuse(
        c, HttpRefusal::kCompressedBody, 415,
        "compressed request bodies are not accepted (Content-Encoding: " + encoding.substr(0, 32) + ")");
  const std::string length = Header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
  const bool chunked = !Header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING).empty();
  unsigned long long announced = 0;
  if (!length.empty()) {
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), announced);
    if (ec != std::errc() || end != length.data() + length.size()) announced = ~0ULL;
  }
  if ((route.max_body_bytes == 0 && (announced > 0 || chunked)) || announced > route.max_body_bytes)
    return Refuse(c, HttpRefusal::kBodyTooLarge, 413,
                  route.max_body_bytes == 0
                      ? path + " takes no request body"
                      : "request body over " + std::to_string(route.max_body_bytes) + " bytes");
  // A body of unknown length could only be judged after reading it: ask for its length instead.
  if (chunked)
    return Refuse(c, HttpRefusal::kLengthRequired, 411, "send the body with a Content-Length header");
  p->request.method = method;
  p->request.path = path;
  p->request.authorization = Header(c, MHD_HTTP_HEADER_AUTHORIZATION);
  MHD_get_connection_values(
      c, MHD_GET_ARGUMENT_KIND,
      [](void* cls, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
        auto* query = static_cast<std::map<std::string, std::string>*>(cls);
        if (key != nullptr && query->size() < 32) (*query)[key] = value != nullptr ? value : "";
        return MHD_YES;
      },
      &p->request.query);
  if (route.authorize && authorizer_) {
    if (auto refused = authorizer_(p->request)) {
      if (on_refusal_) on_refusal_(HttpRefusal::kUnauthorized);
      return Queue(c, *refused) ? 1 : 0;
    }
  }
  p->refused = false;
  return 1;
}

int HttpListener::OnBody(MHD_Connection* c, Pending& p, const char* upload, size_t* upload_size) {
  const size_t n = *upload_size;
  *upload_size = 0;
  if (p.too_large) return 1;
  if (p.request.body.size() + n > p.route->route.max_body_bytes) {
    p.too_large = true;
    p.request.body.clear();
    p.request.body.shrink_to_fit();
    // Answered at once; MHD closes the connection instead of reading the rest.
    p.refused = true;
    return Refuse(c, HttpRefusal::kBodyTooLarge, 413,
                  "request body over " + std::to_string(p.route->route.max_body_bytes) + " bytes");
  }
  p.request.body.append(upload, n);
  return 1;
}

int HttpListener::Finish(MHD_Connection* c, Pending& p) {
  const HttpRoute& route = p.route->route;
  if (!route.blocking) return Queue(c, route.handler(p.request)) ? 1 : 0;
  // The handler may block: it runs on a worker while this connection waits, suspended, and the
  // event loop goes on serving the others.
  MHD_suspend_connection(c);
  p.dispatched = true;
  Pending* pending = &p;
  const bool queued = Enqueue([c, pending] {
    const HttpReply reply = pending->route->route.handler(pending->request);
    Queue(c, reply);
    MHD_resume_connection(c);
  });
  if (!queued) {
    if (on_refusal_) on_refusal_(HttpRefusal::kBusy);
    Queue(c, Error(503, "the admin API is busy; retry shortly"));
    MHD_resume_connection(c);
  }
  return 1;
}

bool HttpListener::Enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= limits_.max_queued) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void HttpListener::WorkerLoop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and every queued request answered
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace ats::telemetry
