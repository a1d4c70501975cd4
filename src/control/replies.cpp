// The JSON bodies the control API answers with (schemas/openapi.yaml: Error, Failure, Check,
// ConnectionSummary).
#include "common/json_writer.hpp"
#include "common/time.hpp"
#include "control/control_api.hpp"
#include "control/json_doc.hpp"

namespace ats::control {

telemetry::AdminReply ErrorReply(int status, const std::string& message) {
  JsonWriter w;
  w.BeginObject();
  w.Key("error").String(Utf8Safe(message));
  w.EndObject();
  return {status, w.Take()};
}

telemetry::AdminReply ProblemsReply(const std::vector<config::Problem>& problems) {
  JsonWriter w;
  w.BeginObject();
  const std::string first =
      problems.empty() ? "" : (problems[0].path.empty() ? "" : problems[0].path + ": ") + problems[0].message;
  w.Key("error").String("the connection has " + std::to_string(problems.size()) +
                        " problem(s); see problems");
  w.Key("status").String("Failed");
  w.Key("category").String("Invalid Configuration");
  w.Key("reason").String(Utf8Safe(first));
  w.Key("fix").String("correct each field named in problems and send the connection again");
  w.Key("problems").BeginArray();
  for (const auto& p : problems) {
    w.BeginObject();
    w.Key("path").String(Utf8Safe(p.path));
    w.Key("message").String(Utf8Safe(p.message));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {422, w.Take()};
}

telemetry::AdminReply CheckReply(const runtime::CheckResult& result, int active_status) {
  JsonWriter w;
  w.BeginObject();
  if (!result.active) w.Key("error").String("the connection did not validate: " + result.category);
  w.Key("id").String(Utf8Safe(result.connection));
  w.Key("source").String(result.source);
  w.Key("status").String(result.active ? "Active" : "Failed");
  if (!result.active) {
    w.Key("category").String(result.category);
    w.Key("reason").String(Utf8Safe(result.reason));
    w.Key("fix").String(result.fix);
  }
  w.Key("requests").Int(result.requests);
  w.EndObject();
  return {result.active ? active_status : 422, w.Take()};
}

std::string SummaryJson(const runtime::ConnectionSummary& s) {
  JsonWriter w;
  w.BeginObject();
  w.Key("id").String(s.id);
  w.Key("source").String(s.source);
  w.Key("origin").String(s.origin == runtime::Origin::kApi ? "api" : "yaml");
  w.Key("status").String(s.status);
  w.Key("paused").Bool(s.paused);
  w.Key("state").String(s.state);
  if (!s.category.empty()) {
    w.Key("category").String(s.category);
    w.Key("reason").String(s.reason);
    w.Key("fix").String(s.fix);
  }
  w.Key("last_attempt");
  if (s.last_attempt) {
    w.String(FormatRfc3339(*s.last_attempt));
  } else {
    w.Null();
  }
  w.Key("last_success");
  if (s.last_success) {
    w.String(FormatRfc3339(*s.last_success));
  } else {
    w.Null();
  }
  w.Key("lag_s").Double(s.lag_s);
  w.Key("cycles").Int(s.cycles);
  w.Key("records_fetched").Int(s.records_fetched);
  w.Key("events_published").Int(s.events_published);
  w.Key("dead_lettered").Int(s.dead_lettered);
  w.EndObject();
  return w.Take();
}

}  // namespace ats::control
