#include "telemetry/admin_server.hpp"

#include <chrono>

namespace ats::telemetry {

AdminServer::AdminServer(Metrics& metrics, StatusBoard& status, HttpLimits limits)
    : metrics_(metrics), status_(status), limits_(limits) {}

AdminServer::~AdminServer() {
  Stop();
}

void AdminServer::Handle(const std::string& method, const std::string& pattern, AdminHandler handler,
                         size_t max_body_bytes) {
  admin_routes_.push_back({method, pattern, std::move(handler), method == "GET" ? 0 : max_body_bytes,
                           /*authorize=*/true, /*blocking=*/true});
}

std::vector<HttpRoute> AdminServer::ProbeRoutes() {
  std::vector<HttpRoute> routes;
  routes.push_back({"GET", "/metrics", [this](const HttpRequest&) {
                      return HttpReply{200, metrics_.Serialize(), "text/plain; version=0.0.4; charset=utf-8"};
                    }});
  routes.push_back({"GET", "/healthz", [](const HttpRequest&) {
                      return HttpReply{200, "ok\n", "text/plain"};
                    }});
  routes.push_back({"GET", "/readyz", [this](const HttpRequest&) {
                      std::string why;
                      if (status_.Ready(&why)) return HttpReply{200, "ready\n", "text/plain"};
                      return HttpReply{503, "not ready: " + why + "\n", "text/plain"};
                    }});
  return routes;
}

Result<void> AdminServer::Start(const std::string& listen, const std::string& health_listen) {
  auto refused = [this](HttpRefusal why) { metrics_.HttpServerRefused(RefusalName(why)).Increment(); };
  for (HttpRefusal why : kAllRefusals) metrics_.HttpServerRefused(RefusalName(why));  // exported from 0
  std::vector<HttpRoute> routes = ProbeRoutes();
  routes.push_back({"GET", "/status", [this](const HttpRequest&) {
                      return HttpReply{200, status_.ToJson(std::chrono::system_clock::now())};
                    }});
  routes.insert(routes.end(), admin_routes_.begin(), admin_routes_.end());
  main_ = std::make_unique<HttpListener>(std::move(routes), limits_, authorizer_, refused);
  if (auto started = main_->Start(listen); !started) return started;
  port_ = main_->port();
  if (!health_listen.empty()) {
    HttpLimits probes = limits_;
    probes.workers = 1;
    health_ = std::make_unique<HttpListener>(ProbeRoutes(), probes, nullptr, refused);
    if (auto started = health_->Start(health_listen); !started) return started;
    health_port_ = health_->port();
  }
  return Ok();
}

void AdminServer::Stop() {
  if (health_) health_->Stop();
  if (main_) main_->Stop();
}

}  // namespace ats::telemetry
