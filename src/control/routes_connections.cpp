// /v1/connections...: connections as data. A connection is validated (the check of
// `ats-connector check`) before it is stored or its credential replaced; nothing is stored when
// it fails. Connections defined in the config file are read-only here (409).
#include <algorithm>
#include <charconv>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "control/control_api.hpp"
#include "control/json_doc.hpp"

namespace ats::control {
namespace {

using Reply = telemetry::AdminReply;

constexpr size_t kDefaultPage = 100;
constexpr size_t kMaxPage = 1000;

Reply NotFound(const std::string& id) {
  return ErrorReply(404, "no connection '" + id + "'");
}

Reply FromYaml(const std::string& id) {
  return ErrorReply(409, "connection '" + id +
                             "' is defined in the config file; change it there (the API changes only "
                             "connections created through it)");
}

Reply NoKeyring() {
  return ErrorReply(
      503,
      "the connections API cannot store credentials without a keyring: set secrets.keyring_file "
      "(create one with `ats-connector keygen --out FILE`) and restart");
}

Reply UnknownFields(const std::vector<std::string>& unknown) {
  std::vector<config::Problem> problems;
  for (const auto& key : unknown) problems.push_back({key, "unknown field '" + key + "'"});
  return ProblemsReply(problems);
}

// Whether the change needs a new check: a credential or where the connection reaches.
bool ReachChanged(const config::ConnectionConfig& a, const config::ConnectionConfig& b) {
  const auto& wa = a.workable;
  const auto& wb = b.workable;
  const auto& da = a.workday;
  const auto& db = b.workday;
  if (wa.subdomain != wb.subdomain || wa.api_token != wb.api_token || wa.base_url != wb.base_url) return true;
  if (da.rest_endpoint != db.rest_endpoint || da.token_endpoint != db.token_endpoint ||
      da.client_id != db.client_id || da.client_secret != db.client_secret ||
      da.refresh_token != db.refresh_token || da.reports.size() != db.reports.size())
    return true;
  for (size_t i = 0; i < da.reports.size(); ++i)
    if (da.reports[i].url != db.reports[i].url || da.reports[i].password != db.reports[i].password ||
        da.reports[i].username != db.reports[i].username)
      return true;
  return false;
}

// A body that must be absent or {}.
bool EmptyBody(const std::string& body, std::vector<std::string>& unknown) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  auto object = ParseObject(body);
  if (!object) return false;
  unknown = UnknownKeys(*object, {});
  return true;
}

std::string Settings(const config::ConnectionConfig& c) {
  // A config-file connection: its main settings, secrets as fingerprints.
  YAML::Node n(YAML::NodeType::Map);
  n["id"] = c.id;
  n["source"] = c.source;
  n["poll_interval_s"] = c.poll_interval_s;
  if (c.all_jobs) {
    n["jobs"] = "all";
  } else {
    for (const auto& j : c.jobs) n["jobs"].push_back(j);
  }
  for (const auto& s : c.job_states) n["job_states"].push_back(s);
  for (const auto& s : c.trigger_stages) n["trigger_stages"].push_back(s);
  n["publish"] = c.publish;
  n["incremental"] = c.incremental;
  if (c.source == "workable") {
    n["workable"]["subdomain"] = c.workable.subdomain;
    if (!c.workable.base_url.empty()) n["workable"]["base_url"] = c.workable.base_url;
    n["workable"]["api_token"] = c.workable.api_token;
  } else {
    n["workday"]["rest_endpoint"] = c.workday.rest_endpoint;
    n["workday"]["client_id"] = c.workday.client_id;
    n["workday"]["client_secret"] = c.workday.client_secret;
    n["workday"]["refresh_token"] = c.workday.refresh_token;
    for (const auto& r : c.workday.reports) {
      YAML::Node report;
      report["url"] = r.url;
      n["workday"]["reports"].push_back(report);
    }
  }
  for (auto key : {"id", "source", "publish"}) n[key].SetTag("!");
  return ToJson(MaskSecrets(n));
}

}  // namespace

namespace {
// JSON is UTF-8: anything else is refused before it is parsed, stored or echoed.
Reply NotUtf8() {
  return ProblemsReply({{"", "the body is not valid UTF-8 (JSON text must be)"}});
}
}  // namespace

Reply ControlApi::Validate(const Request& request) {
  if (!ValidUtf8(request.body)) return NotUtf8();
  auto parsed = config::ParseConnectionDocument(request.body);
  if (!parsed.connection) return ProblemsReply(parsed.problems);
  return CheckReply(Check(*parsed.connection), 200);
}

Reply ControlApi::Create(const Request& request) {
  if (deps_.keyring == nullptr) return NoKeyring();
  if (!ValidUtf8(request.body)) return NotUtf8();
  auto parsed = config::ParseConnectionDocument(request.body);
  if (!parsed.connection) return ProblemsReply(parsed.problems);
  const config::ConnectionConfig& c = *parsed.connection;
  std::lock_guard lock(Lock(c.id));
  auto stored = connections_.Contains(c.id);
  if (!stored) return ErrorReply(503, stored.error().message);
  if (*stored || deps_.runtime.Summary(c.id)) return ErrorReply(409, "connection '" + c.id + "' exists");
  const runtime::CheckResult checked = Check(c);
  if (!checked.active) return CheckReply(checked, 201);
  const std::string document = ToJson(*ParseObject(request.body));
  if (auto put = connections_.Put(c.id, document); !put) return ErrorReply(503, put.error().message);
  if (auto added = deps_.runtime.AddConnection(c, runtime::Origin::kApi); !added) {
    (void)connections_.Remove(c.id, /*purge=*/false);
    return ErrorReply(409, added.error().message);
  }
  // Accepted: its secrets are redacted from the logs from now on.
  for (const auto& secret : config::SecretsOf(c)) log::RegisterSecret(secret);
  Audit(request, "create", c.id);
  Publish("created", c.id, c.source);
  return CheckReply(checked, 201);
}

Reply ControlApi::List(const Request& request) {
  size_t limit = kDefaultPage;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    const std::string& v = it->second;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (ec != std::errc() || end != v.data() + v.size() || limit < 1 || limit > kMaxPage)
      return ProblemsReply({{"limit", "expected a whole number from 1 to " + std::to_string(kMaxPage)}});
  }
  const auto cursor = request.query.count("cursor") ? request.query.at("cursor") : std::string();
  const auto all = deps_.runtime.Summaries();
  JsonWriter w;
  w.BeginObject();
  w.Key("connections").BeginArray();
  size_t n = 0;
  std::string last;
  bool more = false;
  for (const auto& s : all) {
    if (!cursor.empty() && s.id <= cursor) continue;
    if (n == limit) {
      more = true;
      break;
    }
    w.Raw(SummaryJson(s));
    last = s.id;
    ++n;
  }
  w.EndArray();
  w.Key("next_cursor");
  if (more) {
    w.String(last);
  } else {
    w.Null();
  }
  w.EndObject();
  return {200, w.Take()};
}

Reply ControlApi::Get(const Request& request) {
  const std::string& id = request.captures[0];
  auto summary = deps_.runtime.Summary(id);
  if (!summary) return NotFound(id);
  std::string settings;
  if (summary->origin == runtime::Origin::kApi) {
    auto document = connections_.Get(id);
    if (!document) return ErrorReply(503, document.error().message);
    if (document->has_value()) settings = ToJson(MaskSecrets(*ParseObject(**document)));
  }
  if (settings.empty()) {
    auto running = deps_.runtime.Connection(id);
    if (!running) return NotFound(id);
    settings = Settings(*running);
  }
  std::string body = SummaryJson(*summary);
  body.pop_back();
  body += ",\"settings\":" + settings + "}";
  return {200, body};
}

Reply ControlApi::Patch(const Request& request) {
  const std::string& id = request.captures[0];
  auto patch = ParseObject(request.body);
  if (!patch) return ProblemsReply({{"", "expected a JSON merge patch: one JSON object"}});
  std::lock_guard lock(Lock(id));
  auto summary = deps_.runtime.Summary(id);
  if (!summary) return NotFound(id);
  if (summary->origin == runtime::Origin::kYaml) return FromYaml(id);
  if (deps_.keyring == nullptr) return NoKeyring();
  auto document = connections_.Get(id);
  if (!document) return ErrorReply(503, document.error().message);
  auto running = deps_.runtime.Connection(id);
  if (!document->has_value() || !running) return NotFound(id);
  const YAML::Node current = *ParseObject(**document);
  std::vector<config::Problem> immutable;
  for (const char* key : {"id", "source"})
    if ((*patch)[key] && (!(*patch)[key].IsScalar() || (*patch)[key].Scalar() != current[key].Scalar()))
      immutable.push_back({key, std::string(key) + " cannot be changed; create a new connection instead"});
  if (!immutable.empty()) return ProblemsReply(immutable);
  const std::string merged = ToJson(MergePatch(current, *patch));
  auto parsed = config::ParseConnectionDocument(merged);
  if (!parsed.connection) return ProblemsReply(parsed.problems);
  if (ReachChanged(*running, *parsed.connection)) {
    const runtime::CheckResult checked = Check(*parsed.connection);
    if (!checked.active) return CheckReply(checked, 200);
  }
  if (auto put = connections_.Put(id, merged); !put) return ErrorReply(503, put.error().message);
  if (auto replaced = deps_.runtime.ReplaceConnection(*parsed.connection); !replaced) {
    (void)connections_.Put(id, **document);
    return ErrorReply(503, replaced.error().message);
  }
  for (const auto& secret : config::SecretsOf(*parsed.connection)) log::RegisterSecret(secret);
  Audit(request, "update", id);
  Publish("updated", id, parsed.connection->source);
  return Get(request);
}

Reply ControlApi::Delete(const Request& request) {
  const std::string& id = request.captures[0];
  bool purge = false;
  if (auto it = request.query.find("purge"); it != request.query.end()) {
    if (it->second != "true" && it->second != "false")
      return ProblemsReply({{"purge", "expected true or false"}});
    purge = it->second == "true";
  }
  std::lock_guard lock(Lock(id));
  auto summary = deps_.runtime.Summary(id);
  if (!summary) return NotFound(id);
  if (summary->origin == runtime::Origin::kYaml) return FromYaml(id);
  if (auto removed = deps_.runtime.RemoveConnection(id, purge); !removed)
    return ErrorReply(503, removed.error().message);
  if (auto removed = connections_.Remove(id, purge); !removed) return ErrorReply(503, removed.error().message);
  Audit(request, purge ? "delete_purge" : "delete", id);
  Publish("deleted", id, summary->source);
  JsonWriter w;
  w.BeginObject();
  w.Key("id").String(id);
  w.Key("deleted").Bool(true);
  w.Key("purged").Bool(purge);
  w.EndObject();
  return {200, w.Take()};
}

Reply ControlApi::Pause(const Request& request, bool paused) {
  const std::string& id = request.captures[0];
  std::vector<std::string> unknown;
  if (!EmptyBody(request.body, unknown)) return ProblemsReply({{"", "expected no body or {}"}});
  if (!unknown.empty()) return UnknownFields(unknown);
  std::lock_guard lock(Lock(id));
  auto summary = deps_.runtime.Summary(id);
  if (!summary) return NotFound(id);
  if (auto set = deps_.runtime.SetPaused(id, paused); !set) return ErrorReply(503, set.error().message);
  Audit(request, paused ? "pause" : "resume", id);  // (the runtime reports paused / resumed)
  auto now = deps_.runtime.Summary(id);
  return {200, SummaryJson(now ? *now : *summary)};
}

Reply ControlApi::Resync(const Request& request) {
  const std::string& id = request.captures[0];
  runtime::ResyncScope scope;
  if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto body = ParseObject(request.body);
    if (!body)
      return ProblemsReply(
          {{"",
            R"(expected {}, {"entity": "jobs"|"candidates"}, {"job_id": ...} or {"candidate_id": ...})"}});
    if (auto unknown = UnknownKeys(*body, {"entity", "job_id", "candidate_id"}); !unknown.empty())
      return UnknownFields(unknown);
    if (body->size() > 1) return ProblemsReply({{"", "give at most one of entity, job_id and candidate_id"}});
    for (const auto& kv : *body) {
      const std::string key = kv.first.Scalar();
      if (!kv.second.IsScalar() || kv.second.Scalar().empty() || kv.second.Tag() != "!")
        return ProblemsReply({{key, "expected a non-empty string"}});
      const std::string value = kv.second.Scalar();
      if (key == "entity" && value != "jobs" && value != "candidates")
        return ProblemsReply({{key, "expected \"jobs\" or \"candidates\""}});
      (key == "entity" ? scope.entity : key == "job_id" ? scope.job_id : scope.candidate_id) = value;
    }
  }
  std::lock_guard lock(Lock(id));
  if (!deps_.runtime.Summary(id)) return NotFound(id);
  if (auto done = deps_.runtime.Resync(id, scope); !done) return ErrorReply(503, done.error().message);
  Audit(request, "resync", id);
  JsonWriter w;
  w.BeginObject();
  w.Key("id").String(id);
  w.Key("resync").BeginObject();
  if (!scope.entity.empty()) w.Key("entity").String(scope.entity);
  if (!scope.job_id.empty()) w.Key("job_id").String(scope.job_id);
  if (!scope.candidate_id.empty()) w.Key("candidate_id").String(scope.candidate_id);
  w.EndObject();
  w.EndObject();
  return {202, w.Take()};
}

Reply ControlApi::Check(const Request& request) {
  const std::string& id = request.captures[0];
  std::vector<std::string> unknown;
  if (!EmptyBody(request.body, unknown)) return ProblemsReply({{"", "expected no body or {}"}});
  if (!unknown.empty()) return UnknownFields(unknown);
  auto running = deps_.runtime.Connection(id);
  if (!running) return NotFound(id);
  const runtime::CheckResult result = deps_.check(*running);
  Reply reply = CheckReply(result, 200);
  reply.status = 200;  // the check ran: its verdict is the body
  return reply;
}

}  // namespace ats::control
