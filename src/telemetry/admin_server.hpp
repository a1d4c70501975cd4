#pragma once
// The HTTP port: /metrics (Prometheus text format), /healthz (the process is alive), /readyz
// (config loaded, Kafka reachable, every connection tried, snapshot usable), /status (JSON) and
// the admin API routes the runtime adds. Served by HttpListener with its limits: probes are
// answered on the event loop, admin routes (bearer token checked on the head, bounded JSON
// bodies) on a worker pool of their own. With a health address set, the probes and /metrics are
// served on a second listener too, which no admin or API client shares.
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "telemetry/http_listener.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status.hpp"

namespace ats::telemetry {

using AdminRequest = HttpRequest;
using AdminReply = HttpReply;
using AdminHandler = HttpHandler;

class AdminServer {
 public:
  static constexpr size_t kDefaultMaxBodyBytes = 256 * 1024;

  AdminServer(Metrics& metrics, StatusBoard& status, HttpLimits limits = {});
  // Before Start(): serves `method` requests whose path matches `pattern` (an ECMAScript regex
  // over the whole path) on the admin pool, after the authorizer accepted the request's head.
  void Handle(const std::string& method, const std::string& pattern, AdminHandler handler,
              size_t max_body_bytes = kDefaultMaxBodyBytes);
  // Before Start(): decides on each admin request's head (nullopt = let it through).
  void SetAuthorizer(HttpAuthorizer authorizer) { authorizer_ = std::move(authorizer); }
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds `listen` ("host:port"; port 0 = any free port) and, when `health_listen` is not empty,
  // a second address for /healthz, /readyz and /metrics alone.
  Result<void> Start(const std::string& listen, const std::string& health_listen = "");
  void Stop();
  int port() const { return port_; }
  int health_port() const { return health_port_; }

 private:
  std::vector<HttpRoute> ProbeRoutes();

  Metrics& metrics_;
  StatusBoard& status_;
  HttpLimits limits_;
  HttpAuthorizer authorizer_;
  std::vector<HttpRoute> admin_routes_;
  std::unique_ptr<HttpListener> main_, health_;
  int port_ = 0;
  int health_port_ = 0;
};

}  // namespace ats::telemetry
