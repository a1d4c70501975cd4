#include "runtime/check.hpp"

#include "common/log.hpp"
#include "connectors/diagnosis.hpp"
#include "connectors/registry.hpp"
#include "http/http_client.hpp"

namespace ats::runtime {
namespace {

constexpr int kAttempts = 2;  // one retry for a transient failure; a check must answer quickly

// One minimal read: the first page of a paged entity, or the first bytes of a streamed one
// (the download is cut as soon as the body starts: a report of gigabytes is not fetched).
Result<void> ReadOnce(connectors::Source& source, Entity entity, http::Client& client, int& requests) {
  auto request = source.BuildRequest(entity, std::nullopt);
  if (!request) return request.error();
  bool reauthorized = false;
  for (int attempt = 1;; ++attempt) {
    http::Request r = *request;
    if (auto authorized = source.Authorize(r, client); !authorized) return authorized.error();
    ++requests;
    bool body_started = false;
    Result<http::Response> response = Error::Permanent(ErrorCategory::kInternal, "not sent");
    if (source.Streamed(entity)) {
      response = client.Execute(r, [&](std::string_view) {
        body_started = true;
        return false;  // enough: the report answers
      });
      if (body_started) return Ok();
    } else {
      response = client.Execute(r);
    }
    if (!response) {
      if (response.error().retryable() && attempt < kAttempts) continue;
      return response.error();
    }
    if (response->status >= 200 && response->status < 300) {
      if (source.Streamed(entity)) return Ok();  // an empty 2xx body
      auto page = source.ParsePage(entity, *response);
      if (!page) return page.error();
      return Ok();
    }
    if (response->status == 401 && !reauthorized && source.OnUnauthorized()) {
      reauthorized = true;
      continue;
    }
    Error error = source.ClassifyError(*response);
    if (error.retryable() && attempt < kAttempts) continue;
    return error;
  }
}

}  // namespace

CheckResult CheckConnection(const config::ConnectionConfig& connection, connectors::StateStore* state,
                            bool register_secrets) {
  CheckResult result;
  result.connection = connection.id;
  result.source = connection.source;
  auto fail = [&](const Error& error) {
    const auto diagnosis = connectors::Diagnose(error, connection.source);
    result.active = false;
    result.category = diagnosis.category;
    result.fix = diagnosis.fix;
    result.reason = log::Redact(error.message);
    return result;
  };
  auto source = connectors::CreateSource(connection, {state});
  if (!source) return fail(source.error());
  if (register_secrets)
    for (const auto& secret : (*source)->secrets()) log::RegisterSecret(secret);
  http::Client client;
  for (Entity entity : (*source)->entities()) {
    if (auto read = ReadOnce(**source, entity, client, result.requests); !read) return fail(read.error());
  }
  result.active = true;
  return result;
}

std::string FormatCheckResult(const CheckResult& r) {
  std::string out = r.connection + " (" + r.source + "): Status: " + (r.active ? "Active" : "Failed") + "\n";
  if (!r.active) {
    out += "  Category: " + r.category + "\n";
    out += "  Reason:   " + r.reason + "\n";
    out += "  Fix:      " + r.fix + "\n";
  }
  return out;
}

}  // namespace ats::runtime
