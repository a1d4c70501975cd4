#pragma once
// The one HTTP port: /metrics (Prometheus text format), /healthz (the process is alive),
// /readyz (config loaded, Kafka reachable, every connection tried), /status (JSON).
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status.hpp"

namespace httplib {
class Server;
}

namespace ats::telemetry {

// A route added by the runtime (the admin API), kept free of the HTTP library's types.
struct AdminRequest {
  std::string method;
  std::vector<std::string> captures;  // the pattern's groups, e.g. the connection id
  std::string body;
  std::string authorization;  // the Authorization header, "" when absent
};
struct AdminReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};
using AdminHandler = std::function<AdminReply(const AdminRequest&)>;

class AdminServer {
 public:
  AdminServer(Metrics& metrics, StatusBoard& status);
  // Before Start(): serves `method` ("GET" or "POST") requests whose path matches `pattern`
  // (an ECMAScript regex over the whole path).
  void Handle(const std::string& method, const std::string& pattern, AdminHandler handler);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds `listen` ("host:port"; port 0 = any free port) and serves in a background thread.
  Result<void> Start(const std::string& listen);
  void Stop();
  int port() const { return port_; }

 private:
  Metrics& metrics_;
  StatusBoard& status_;
  struct Route {
    std::string method, pattern;
    AdminHandler handler;
  };
  std::vector<Route> routes_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace ats::telemetry
