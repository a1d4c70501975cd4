#pragma once
// `ats-connector check`: validates a connection the way the setup screens of our users' tools
// do — endpoint, token exchange, one minimal read of each API it uses — and says Active, or
// Failed with the category and the fix.
#include <string>

#include "config/config.hpp"
#include "connectors/source.hpp"

namespace ats::runtime {

struct CheckResult {
  std::string connection;
  std::string source;
  bool active = false;
  std::string category;  // when failed: "Invalid API Endpoint", "Token Errors", ...
  std::string reason;    // the error, secrets redacted
  std::string fix;
  int requests = 0;
};

// `state` may be null (no snapshot): a rotated refresh token is then not persisted, so the
// caller must not check a Workday connection whose snapshot is held by a running connector.
// `register_secrets`: the connection's secrets join the log redaction (a configured connection);
// false for a connection not yet accepted (the control API), whose secrets must not accumulate
// there — the caller cuts them from the reason instead.
CheckResult CheckConnection(const config::ConnectionConfig& connection, connectors::StateStore* state,
                            bool register_secrets = true);

// "acme (workday): Status: Active" or the Failed block with Category / Reason / Fix lines.
std::string FormatCheckResult(const CheckResult& result);

}  // namespace ats::runtime
