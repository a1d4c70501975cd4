#include "control/control_api.hpp"

#include "common/log.hpp"

namespace ats::control {
namespace {

constexpr size_t kSmallBody = 4 * 1024;  // pause/resume/resync/jobs bodies

}  // namespace

ControlApi::ControlApi(ControlDeps deps) : deps_(std::move(deps)), connections_(deps_.connections) {}

std::vector<std::pair<std::string, std::string>> ControlApi::Routes() {
  return {{"GET", "/v1/openapi.yaml"},
          {"GET", "/v1/connections"},
          {"POST", "/v1/connections"},
          {"POST", "/v1/connections/validate"},
          {"GET", "/v1/connections/{id}"},
          {"PATCH", "/v1/connections/{id}"},
          {"DELETE", "/v1/connections/{id}"},
          {"POST", "/v1/connections/{id}/pause"},
          {"POST", "/v1/connections/{id}/resume"},
          {"POST", "/v1/connections/{id}/resync"},
          {"POST", "/v1/connections/{id}/check"},
          {"GET", "/v1/connections/{id}/jobs"},
          {"POST", "/v1/connections/{id}/jobs"},
          {"DELETE", "/v1/connections/{id}/jobs/{job_id}"}};
}

void ControlApi::Register(telemetry::AdminServer& server) {
  server.SetAuthorizer([this](const Request& r) { return Authorize(r); });
  const auto bind = [this](Reply (ControlApi::*fn)(const Request&)) {
    return [this, fn](const Request& r) { return (this->*fn)(r); };
  };
  const size_t doc = config::kMaxConnectionDocumentBytes;
  const std::string id = "/v1/connections/([^/]+)";
  server.Handle(
      "GET", "/v1/openapi.yaml",
      [](const Request&) {
        return Reply{200, OpenApiDocument(), "application/yaml"};
      },
      0);
  server.Handle("GET", "/v1/connections", bind(&ControlApi::List), 0);
  server.Handle("POST", "/v1/connections", bind(&ControlApi::Create), doc);
  server.Handle("POST", "/v1/connections/validate", bind(&ControlApi::Validate), doc);
  server.Handle("GET", id, bind(&ControlApi::Get), 0);
  server.Handle("PATCH", id, bind(&ControlApi::Patch), doc);
  server.Handle("DELETE", id, bind(&ControlApi::Delete), 0);
  server.Handle(
      "POST", id + "/pause", [this](const Request& r) { return Pause(r, true); }, kSmallBody);
  server.Handle(
      "POST", id + "/resume", [this](const Request& r) { return Pause(r, false); }, kSmallBody);
  server.Handle("POST", id + "/resync", bind(&ControlApi::Resync), kSmallBody);
  server.Handle("POST", id + "/check", bind(&ControlApi::Check), kSmallBody);
  server.Handle("GET", id + "/jobs", bind(&ControlApi::Jobs), 0);
  server.Handle("POST", id + "/jobs", bind(&ControlApi::Jobs));
  server.Handle("DELETE", id + "/jobs/([^/]+)", bind(&ControlApi::Jobs), 0);
}

std::mutex& ControlApi::Lock(const std::string& id) {
  std::lock_guard lock(locks_mu_);
  auto& slot = locks_[id];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

Result<std::vector<config::ConnectionConfig>> ControlApi::StoredConnections() {
  auto stored = connections_.List();
  if (!stored) return stored.error();
  std::vector<config::ConnectionConfig> out;
  for (const auto& [id, document] : *stored) {
    auto parsed = config::ParseConnectionDocument(document);
    if (!parsed.connection) {
      const auto& p = parsed.problems.front();
      return Error::Permanent(ErrorCategory::kConfig,
                              "stored API connection '" + id + "' no longer loads: " + p.path + ": " +
                                  p.message + " (delete it with DELETE /v1/connections/" + id + ")");
    }
    for (const auto& secret : config::SecretsOf(*parsed.connection)) log::RegisterSecret(secret);
    out.push_back(std::move(*parsed.connection));
  }
  return out;
}

// The check of a connection not yet accepted, whose secrets the log redaction does not know
// (ParseConnectionDocument registers none): whatever the source echoed of them is cut from the
// reason here.
runtime::CheckResult ControlApi::Check(const config::ConnectionConfig& connection) const {
  runtime::CheckResult result = deps_.check(connection);
  for (const auto& secret : config::SecretsOf(connection)) {
    for (size_t at = result.reason.find(secret); at != std::string::npos; at = result.reason.find(secret, at))
      result.reason.replace(at, secret.size(), "[redacted]");
  }
  return result;
}

}  // namespace ats::control
