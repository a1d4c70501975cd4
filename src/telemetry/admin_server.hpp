#pragma once
// The one HTTP port: /metrics (Prometheus text format), /healthz (the process is alive),
// /readyz (config loaded, Kafka reachable, every connection tried), /status (JSON).
#include <memory>
#include <string>
#include <thread>

#include "common/result.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status.hpp"

namespace httplib {
class Server;
}

namespace ats::telemetry {

class AdminServer {
 public:
  AdminServer(Metrics& metrics, StatusBoard& status);
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
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace ats::telemetry
