#include "telemetry/admin_server.hpp"

#include <httplib.h>

#include <chrono>

namespace ats::telemetry {

AdminServer::AdminServer(Metrics& metrics, StatusBoard& status) : metrics_(metrics), status_(status) {}

void AdminServer::Handle(const std::string& method, const std::string& pattern, AdminHandler handler) {
  routes_.push_back({method, pattern, std::move(handler)});
}

AdminServer::~AdminServer() {
  Stop();
}

Result<void> AdminServer::Start(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return Error::Permanent(ErrorCategory::kConfig, "http.listen must be host:port, got '" + listen + "'");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return Error::Permanent(ErrorCategory::kConfig, "http.listen must be host:port, got '" + listen + "'");
  }

  server_ = std::make_unique<httplib::Server>();
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.Serialize(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    std::string why;
    if (status_.Ready(&why)) {
      res.set_content("ready\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content("not ready: " + why + "\n", "text/plain");
    }
  });
  server_->Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(status_.ToJson(std::chrono::system_clock::now()), "application/json");
  });

  for (const auto& route : routes_) {
    auto serve = [handler = route.handler, method = route.method](const httplib::Request& req,
                                                                  httplib::Response& res) {
      AdminRequest request;
      request.method = method;
      for (size_t i = 1; i < req.matches.size(); ++i) request.captures.push_back(req.matches[i].str());
      request.body = req.body;
      request.authorization = req.get_header_value("Authorization");
      const AdminReply reply = handler(request);
      res.status = reply.status;
      res.set_content(reply.body, reply.content_type);
    };
    if (route.method == "POST") {
      server_->Post(route.pattern, serve);
    } else {
      server_->Get(route.pattern, serve);
    }
  }

  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
    if (port_ <= 0) return Error::Permanent(ErrorCategory::kConfig, "cannot bind http.listen " + listen);
  } else {
    if (!server_->bind_to_port(host, port))
      return Error::Permanent(ErrorCategory::kConfig,
                              "cannot bind http.listen " + listen + " (port in use or address not local?)");
    port_ = port;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return Ok();
}

void AdminServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ats::telemetry
