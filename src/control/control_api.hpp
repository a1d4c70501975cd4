#pragma once
// The control plane on the admin port: connections as data (create, validate, list, read, patch,
// delete, pause, resume, resync, check), the jobs selection routes and the OpenAPI document
// (schemas/openapi.yaml, embedded at build time). Every write is authorised with the write token,
// logged as one audit line and, where it changes a connection, published on
// ats.connection-status.v1. Writes to one connection are serialised.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"
#include "connections/keyring.hpp"
#include "control/connection_store.hpp"
#include "runtime/check.hpp"
#include "runtime/connection_runtime.hpp"
#include "snapshot/snapshot_store.hpp"
#include "telemetry/admin_server.hpp"

namespace ats::control {

// The bearer tokens as configured now (a reload may change them); empty write = API off.
struct Tokens {
  std::string write;  // http.admin_token
  std::string read;   // http.read_token: GET routes only
};

struct ControlDeps {
  runtime::ConnectionRuntime& runtime;
  snapshot::SnapshotStore& store;       // the jobs routes' selection keys
  ConnectionStore& connections;         // where API connections are kept (snapshot meta, or the connections topic)
  const connections::Keyring* keyring;  // null: the connections API refuses writes (503, says why)
  // Validates a connection as `ats-connector check` does (runtime::CheckConnection); replaceable in tests.
  std::function<runtime::CheckResult(const config::ConnectionConfig&)> check;
  std::function<void(const runtime::ConnectionStatusChange&)> publish_status;  // ats.connection-status.v1
  std::function<Tokens()> tokens;                                              // read on every request's head
  std::function<void(const std::string&)> wake = {};  // a connection's next cycle now (jobs routes)
};

class ControlApi {
 public:
  explicit ControlApi(ControlDeps deps);
  // Registers every /v1/connections... route and GET /v1/openapi.yaml on `server` (before Start).
  void Register(telemetry::AdminServer& server);
  // API connections stored (decrypted), for the Service to add at start-up.
  Result<std::vector<config::ConnectionConfig>> StoredConnections();

  // (method, OpenAPI path) of every route Register adds, for the document's test.
  static std::vector<std::pair<std::string, std::string>> Routes();
  // schemas/openapi.yaml as built into the binary.
  static const std::string& OpenApiDocument();

 private:
  using Request = telemetry::AdminRequest;
  using Reply = telemetry::AdminReply;

  std::optional<Reply> Authorize(const Request& request) const;
  std::string Actor(const Request& request) const;
  std::mutex& Lock(const std::string& id);
  // deps_.check with the connection's own secrets cut from the reason (see the .cpp).
  runtime::CheckResult Check(const config::ConnectionConfig& connection) const;
  void Audit(const Request& request, const std::string& action, const std::string& connection) const;
  void Publish(const std::string& change, const std::string& id, const std::string& source) const;

  Reply Create(const Request& request);
  Reply Validate(const Request& request);
  Reply List(const Request& request);
  Reply Get(const Request& request);
  Reply Patch(const Request& request);
  Reply Delete(const Request& request);
  Reply Pause(const Request& request, bool paused);
  Reply Resync(const Request& request);
  Reply Check(const Request& request);
  Reply Jobs(const Request& request);  // routes_jobs.cpp

  ControlDeps deps_;
  ConnectionStore& connections_;  // deps_.connections
  std::mutex locks_mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> locks_;
};

// Replies in the shapes of schemas/openapi.yaml (replies.cpp).
telemetry::AdminReply ErrorReply(int status, const std::string& message);
telemetry::AdminReply ProblemsReply(const std::vector<config::Problem>& problems);
// 200/201 with the check's result when active, else 422 {"status":"Failed","category","reason","fix"}.
telemetry::AdminReply CheckReply(const runtime::CheckResult& result, int active_status);
std::string SummaryJson(const runtime::ConnectionSummary& summary);

}  // namespace ats::control
