#include "sim/workday_tenant.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <mutex>
#include <random>
#include <string_view>
#include <unordered_map>

#include "common/json_writer.hpp"
#include "sim/sim_util.hpp"
#include "sim/workday_data.hpp"

// What the simulator answers, and why (see /work/shared/notes/workday.md for the sources).
//
// Token endpoint, POST /ccx/oauth2/{tenant}/token (form body, grant_type=refresh_token; the client
// authenticates with client_id/client_secret in the body or with HTTP Basic):
//   200 {"access_token","token_type":"Bearer","expires_in"(omitted when the ttl is 0),
//        "refresh_token"(only with rotation: the old one stops working)}
//   401 {"error":"invalid_client",...}  no or wrong client credentials (WWW-Authenticate when Basic)
//   400 {"error":"invalid_grant",...}   wrong refresh token; "invalid_request" for a missing one or
//                                       a body that is not a form; "unsupported_grant_type"
//   404 another tenant; 405 anything but POST
// Bodies follow RFC 6749, which Workday's token errors are believed to follow (unverified).
//
// REST, GET /ccx/api/recruiting/v4/{tenant}/jobPostings[/{WID}] (also the legacy style
// /ccx/api/v{N}/{tenant}/jobPostings): a bearer token; ?limit (default 20, at most 100 -- larger
// values are clamped) and zero-based ?offset; {"total":N,"data":[...]}. A posting carries its
// requisition twice: "jobReqId":"R-00012" (plain, as report rows carry Job_Requisition_ID) and
// "jobRequisition":{"id":<WID>,"descriptor":"R-00012 <title>","href":...}.
// Only live postings are listed: a closed posting (ClosePosting) and a requisition without one
// (AddRequisitionWithoutPosting) are absent, while report rows keep referencing them.
//   401 {"error":"invalid_token","error_description":"Invalid access token"}
//   403 {"error":"The API client does not have access to this resource",
//        "errors":[{"error":"[S22] permission denied","code":"S22","field":"","path":<path>}]}
//       S22 is the code seen publicly for an API client that lacks a scope.
//   400/404 Workday's validation shape {"error":...,"errors":[{"error","field","path"}]} (no code:
//       the real codes are behind Workday's login)
//   500 {"error":"Processing error occurred."}
//
// RaaS, GET /ccx/service/customreport2/{tenant}/{owner}/{report}?format=json[&From_Date&To_Date]:
// a bearer token or HTTP Basic with the ISU. The body {"Report_Entry":[...]} is generated while it
// is sent, in chunks of `report_chunk_rows` entries (chunked transfer encoding), from a snapshot
// taken when the request arrived: mutations during a download do not show in it. A report with no
// rows -- none at all or none in the prompts' range -- is {} (Workday omits Report_Entry then).
// From_Date/To_Date filter on Last_Updated, both inclusive: a date (YYYY-MM-DD) is a whole local
// day of the tenant, a date-time (RFC 3339) an instant. Unknown prompts and format other than json
// (or none: Workday would answer XML) are 400, as Workday rejects parameters a report does not
// define. A bad ISU password is 401 {"error":"unauthorized","error_description":...}.
namespace ats::sim {
namespace {

using Clock = std::chrono::system_clock;
using detail::SplitPath;

constexpr const char* kJsonContentType = "application/json; charset=utf-8";
constexpr std::string_view kTokenPrefix = "/ccx/oauth2/";
constexpr std::string_view kApiPrefix = "/ccx/api/";
constexpr std::string_view kReportPrefix = "/ccx/service/customreport2/";
constexpr int64_t kDefaultLimit = 20;
constexpr int64_t kMaxLimit = 100;
constexpr int kMaxScannedRowsPerChunk = 1 << 16;  // rows a chunk may skip (filtered or removed)

struct Outcome {
  int status = 200;
  std::string body;
  httplib::Headers headers;
  bool streamed = false;  // the response's content provider is set
};

Outcome OAuthError(int status, std::string_view error, std::string_view description) {
  JsonWriter w;
  w.BeginObject().Key("error").String(error).Key("error_description").String(description).EndObject();
  return {status, w.Take(), {}};
}

// VALIDATION_ERROR_MODEL_REFERENCE: {"error", "errors":[ERROR_MODEL_REFERENCE]}.
Outcome WorkdayError(int status, std::string_view error, std::string_view detail, std::string_view code,
                     std::string_view field, std::string_view path) {
  JsonWriter w;
  w.BeginObject().Key("error").String(error).Key("errors").BeginArray().BeginObject();
  w.Key("error").String(detail);
  if (!code.empty()) w.Key("code").String(code);
  w.Key("field").String(field).Key("path").String(path);
  w.EndObject().EndArray().EndObject();
  return {status, w.Take(), {}};
}

Outcome NotFound(std::string_view path) {
  return WorkdayError(404, "Resource not found.", "Resource not found: " + std::string(path), "", "", path);
}
Outcome BadRequest(std::string_view detail, std::string_view field) {
  return WorkdayError(400, "Invalid request.", detail, "", field, "");
}
Outcome Forbidden(std::string_view path) {
  return WorkdayError(403, "The API client does not have access to this resource", "[S22] permission denied",
                      "S22", "", path);
}
Outcome ServerError() {
  return {500, R"({"error":"Processing error occurred."})", {}};
}
Outcome MethodNotAllowed(std::string_view allow) {
  Outcome out = WorkdayError(405, "Method not allowed.", "Use " + std::string(allow), "", "", "");
  out.headers.emplace("Allow", std::string(allow));
  return out;
}

bool IsVersion(std::string_view s) {
  return s.size() >= 2 && s[0] == 'v' &&
         std::all_of(s.begin() + 1, s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

bool IsCounted(WorkdayFault f) {
  return f == WorkdayFault::kServerError || f == WorkdayFault::kTruncateReport;
}

// The state of one report download, owned by its content provider.
struct ReportStream {
  std::shared_ptr<const detail::WorkdayRows> rows;
  detail::UpdatedRange range;
  uint64_t next = 0;              // next row slot to look at
  uint64_t stop_at = UINT64_MAX;  // truncation: close the connection on reaching this slot
  size_t chunk_rows = 256;
  bool opened = false;  // {"Report_Entry":[ written
  std::string buf;
};

}  // namespace

struct WorkdayTenant::Impl {
  explicit Impl(WorkdayTenantOptions o)
      : options(std::move(o)),
        data(options.tenant, options.seed, options.job_postings, options.applications,
             options.utc_offset_minutes),
        refresh_token(options.refresh_token),
        token_rng(std::random_device{}()) {
    data.SetProtectedColumns(options.protected_columns);
  }

  // --- guarded by mu ---
  WorkdayTenantOptions options;
  mutable std::mutex mu;
  detail::WorkdayData data;
  std::string refresh_token;
  std::unordered_map<std::string, Clock::time_point> tokens;  // access token -> expiry
  std::mt19937_64 token_rng;
  int64_t clock_offset_s = 0;
  WorkdayFault fault = WorkdayFault::kNone;
  int fault_left = 0;  // 0 with a non-counted fault: until cleared
  WorkdayStats stats;

  detail::LoopbackServer server;

  std::string Origin() const {
    return "http://" + detail::UrlHost(options.listen_host) + ":" + std::to_string(server.port());
  }
  Clock::time_point Now() const { return Clock::now() + std::chrono::seconds(clock_offset_s); }

  // Whether `f` is the fault in force, consuming one use of a counted one.
  bool Fires(WorkdayFault f) {
    if (fault != f) return false;
    if (fault_left > 0 && --fault_left == 0) fault = WorkdayFault::kNone;
    return true;
  }

  std::string RandomToken(size_t length) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string out;
    for (size_t i = 0; i < length; ++i) out.push_back(kAlphabet[token_rng() % (sizeof kAlphabet - 1)]);
    return out;
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    ++stats.requests;
    const std::string_view path = req.path;
    Outcome out;
    if (path.starts_with(kTokenPrefix)) {
      ++stats.token_requests;
      out = Token(req, path.substr(kTokenPrefix.size()));
    } else if (path.starts_with(kApiPrefix)) {
      ++stats.rest_requests;
      out = Rest(req, path.substr(kApiPrefix.size()));
    } else if (path.starts_with(kReportPrefix)) {
      ++stats.report_requests;
      out = Report(req, res, path.substr(kReportPrefix.size()));
    } else {
      out = NotFound(path);
    }
    if (out.status == 401 && !path.starts_with(kTokenPrefix)) ++stats.unauthorized;
    res.set_header("Date", detail::HttpDate(std::time(nullptr)));
    for (const auto& [name, value] : out.headers) res.set_header(name, value);
    res.status = out.status;
    if (!out.streamed) res.set_content(out.body, kJsonContentType);
  }

  // --- OAuth token endpoint ---

  Outcome Token(const httplib::Request& req, std::string_view rest) {
    const auto parts = SplitPath(rest);
    if (parts.size() != 2 || parts[1] != "token" || parts[0] != options.tenant)
      return OAuthError(404, "invalid_request", "No token endpoint at " + req.path);
    if (req.method != "POST") {
      Outcome out = OAuthError(405, "invalid_request", "The token endpoint accepts POST only");
      out.headers.emplace("Allow", "POST");
      return out;
    }
    if (!StartsWithNoCase(req.get_header_value("Content-Type"), "application/x-www-form-urlencoded"))
      return OAuthError(400, "invalid_request", "The body must be application/x-www-form-urlencoded");
    const auto form = detail::ParseForm(req.body);
    for (const char* name : {"grant_type", "refresh_token", "client_id", "client_secret"})
      if (form.count(name) > 1)
        return OAuthError(400, "invalid_request", std::string("Repeated parameter ") + name);
    auto field = [&form](const char* name) -> std::string {
      auto it = form.find(name);
      return it == form.end() ? std::string() : it->second;
    };

    // Client authentication: HTTP Basic when sent, else the body's client_id/client_secret.
    std::string id, secret;
    const std::string authorization = req.get_header_value("Authorization");
    const bool basic = !authorization.empty();
    if (basic) {
      auto credentials = detail::ParseBasicAuth(authorization);
      if (credentials) std::tie(id, secret) = *credentials;
    } else {
      id = field("client_id");
      secret = field("client_secret");
    }
    auto invalid_client = [&](std::string_view description) {
      Outcome out = OAuthError(401, "invalid_client", description);
      if (basic) out.headers.emplace("WWW-Authenticate", "Basic realm=\"" + options.tenant + "\"");
      return out;
    };
    if (Fires(WorkdayFault::kInvalidClient)) return invalid_client("Invalid client credentials");
    if (id.empty() && secret.empty())
      return invalid_client("Client authentication failed: no client credentials");
    if (id != options.client_id || secret != options.client_secret)
      return invalid_client("Invalid client credentials");

    if (field("grant_type") != "refresh_token")
      return OAuthError(400, "unsupported_grant_type", "Only grant_type=refresh_token is supported");
    if (Fires(WorkdayFault::kInvalidGrant)) return OAuthError(400, "invalid_grant", "Invalid refresh token");
    const std::string presented = field("refresh_token");
    if (presented.empty()) return OAuthError(400, "invalid_request", "Missing refresh_token");
    if (presented != refresh_token) return OAuthError(400, "invalid_grant", "Invalid refresh token");

    const auto now = Now();
    std::erase_if(tokens, [now](const auto& entry) { return entry.second <= now; });
    std::string access = RandomToken(40);
    tokens[access] = options.access_token_ttl_s > 0 ? now + std::chrono::seconds(options.access_token_ttl_s)
                                                    : Clock::time_point::max();
    JsonWriter w;
    w.BeginObject();
    w.Key("access_token").String(access);
    w.Key("token_type").String("Bearer");
    if (options.access_token_ttl_s > 0) w.Key("expires_in").Int(options.access_token_ttl_s);
    if (options.rotate_refresh_token) {
      refresh_token = RandomToken(48);
      w.Key("refresh_token").String(refresh_token);
    }
    w.EndObject();
    return {200, w.Take(), {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}}};
  }

  bool ValidBearer(std::string_view authorization) const {
    if (!StartsWithNoCase(authorization, "Bearer ")) return false;
    auto it = tokens.find(std::string(authorization.substr(7)));
    return it != tokens.end() && Now() < it->second;
  }

  static Outcome InvalidToken() {
    Outcome out = OAuthError(401, "invalid_token", "Invalid access token");
    out.headers.emplace("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return out;
  }

  // --- REST ---

  Outcome Rest(const httplib::Request& req, std::string_view rest) {
    if (Fires(WorkdayFault::kServerError)) return ServerError();
    auto parts = SplitPath(rest);
    // /ccx/api/recruiting/v4/{tenant}/... or the legacy /ccx/api/v1/{tenant}/...
    size_t at = 0;
    if (parts.size() >= 2 && parts[0] == "recruiting" && IsVersion(parts[1])) {
      at = 2;
    } else if (!parts.empty() && IsVersion(parts[0])) {
      at = 1;
    } else {
      return NotFound(req.path);
    }
    if (parts.size() < at + 2 || parts[at] != options.tenant || parts[at + 1] != "jobPostings" ||
        parts.size() > at + 3)
      return NotFound(req.path);
    if (req.method != "GET" && req.method != "HEAD") return MethodNotAllowed("GET");
    if (!ValidBearer(req.get_header_value("Authorization"))) return InvalidToken();
    if (Fires(WorkdayFault::kInsufficientScope)) return Forbidden(req.path);

    const auto& postings = data.rows().postings();
    const std::string origin = Origin();
    if (parts.size() == at + 3) {
      auto index = data.FindPosting(parts[at + 2]);
      if (!index || !postings[*index].posted) return NotFound(req.path);
      JsonWriter w;
      data.WritePosting(w, postings[*index], origin);
      return {200, w.Take(), {}};
    }
    int64_t limit = kDefaultLimit, offset = 0;
    if (req.has_param("limit")) {
      auto v = detail::ParseNonNegative(req.get_param_value("limit"));
      if (!v || *v == 0) return BadRequest("limit must be an integer from 1 to 100", "limit");
      limit = std::min(*v, kMaxLimit);
    }
    if (req.has_param("offset")) {
      auto v = detail::ParseNonNegative(req.get_param_value("offset"));
      if (!v) return BadRequest("offset must be a non-negative integer", "offset");
      offset = *v;
    }
    // Only live postings are listed: a closed one is gone from the collection.
    std::vector<size_t> live;
    for (size_t i = 0; i < postings.size(); ++i)
      if (postings[i].posted) live.push_back(i);
    const auto total = static_cast<int64_t>(live.size());
    JsonWriter w;
    w.BeginObject().Key("total").Int(total).Key("data").BeginArray();
    for (int64_t i = offset; i < total && i < offset + limit; ++i)
      data.WritePosting(w, postings[live[static_cast<size_t>(i)]], origin);
    w.EndArray().EndObject();
    return {200, w.Take(), {}};
  }

  // --- RaaS ---

  Outcome Report(const httplib::Request& req, httplib::Response& res, std::string_view rest) {
    if (Fires(WorkdayFault::kServerError)) return ServerError();
    const auto parts = SplitPath(rest);
    if (parts.size() != 3 || parts[0] != options.tenant || parts[1] != options.report_owner ||
        parts[2] != options.report_name)
      return NotFound(req.path);
    if (req.method != "GET" && req.method != "HEAD") return MethodNotAllowed("GET");

    const std::string authorization = req.get_header_value("Authorization");
    if (StartsWithNoCase(authorization, "Basic ")) {
      auto credentials = detail::ParseBasicAuth(authorization);
      if (!credentials || credentials->first != options.isu_username ||
          credentials->second != options.isu_password) {
        Outcome out = OAuthError(401, "unauthorized", "Invalid user name or password");
        out.headers.emplace("WWW-Authenticate", "Basic realm=\"" + options.tenant + "\"");
        return out;
      }
    } else if (!ValidBearer(authorization)) {
      return InvalidToken();
    }
    if (Fires(WorkdayFault::kInsufficientScope)) return Forbidden(req.path);

    const std::string format = req.get_param_value("format");
    if (format != "json")
      return BadRequest("Unsupported format '" + format + "': this report is served as format=json only",
                        "format");
    detail::UpdatedRange range;
    for (const auto& [name, value] : req.params) {
      if (name == "format") continue;
      const bool from = name == "From_Date";
      if (!from && name != "To_Date") return BadRequest("The report has no prompt named " + name, name);
      auto ms = detail::ParseDatePromptMs(value, /*end_of_day=*/!from, options.utc_offset_minutes);
      if (!ms) return BadRequest("Invalid date for " + name + ": " + value, name);
      (from ? range.from_ms : range.to_ms) = *ms;
    }

    auto stream = std::make_shared<ReportStream>();
    stream->rows = data.Snapshot();
    stream->range = range;
    stream->chunk_rows = static_cast<size_t>(std::max(1, options.report_chunk_rows));
    if (Fires(WorkdayFault::kTruncateReport)) stream->stop_at = stream->rows->size() / 2;
    res.set_chunked_content_provider(kJsonContentType, [this, stream](size_t, httplib::DataSink& sink) {
      return WriteChunk(*stream, sink);
    });
    return {200, "", {}, /*streamed=*/true};
  }

  // Streams the next chunk of a report; false closes the connection (truncation, or the client
  // went away).
  bool WriteChunk(ReportStream& s, httplib::DataSink& sink) {
    const detail::WorkdayRows& rows = *s.rows;
    const uint64_t size = rows.size();
    s.buf.clear();
    size_t emitted = 0;
    int scanned = 0;
    while (s.next < size && s.next < s.stop_at && emitted < s.chunk_rows &&
           scanned < kMaxScannedRowsPerChunk) {
      const detail::AppRecord row = rows.Row(s.next++);
      ++scanned;
      if (row.deleted || !s.range.Contains(row.updated)) continue;
      s.buf.append(s.opened ? "," : "{\"Report_Entry\":[");
      s.opened = true;
      rows.AppendReportEntry(s.buf, row);
      ++emitted;
    }
    const bool truncated = s.stop_at != UINT64_MAX && s.next >= s.stop_at;
    const bool finished = !truncated && s.next >= size;
    if (truncated && !s.opened) s.buf.append("{\"Report_Entry\":[");
    if (finished) s.buf.append(s.opened ? "]}" : "{}");
    {
      std::lock_guard lock(mu);
      stats.report_rows += static_cast<int64_t>(emitted);
      stats.report_max_chunk_bytes =
          std::max(stats.report_max_chunk_bytes, static_cast<int64_t>(s.buf.size()));
    }
    if (!s.buf.empty() && !sink.write(s.buf.data(), s.buf.size())) return false;
    if (truncated) return false;
    if (finished) sink.done();
    return true;
  }
};

WorkdayTenant::WorkdayTenant(WorkdayTenantOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

WorkdayTenant::~WorkdayTenant() {
  Stop();
}

bool WorkdayTenant::Start() {
  Impl* impl = impl_.get();
  return impl->server.Start(
      impl->options.listen_host, impl->options.port,
      [impl](const httplib::Request& req, httplib::Response& res) { impl->Handle(req, res); });
}

void WorkdayTenant::Stop() {
  impl_->server.Stop();
}

int WorkdayTenant::port() const {
  return impl_->server.port();
}

std::string WorkdayTenant::rest_endpoint() const {
  return impl_->Origin() + "/ccx/api/v1/" + impl_->options.tenant;
}

std::string WorkdayTenant::token_endpoint() const {
  return impl_->Origin() + "/ccx/oauth2/" + impl_->options.tenant + "/token";
}

std::string WorkdayTenant::report_url() const {
  const auto& o = impl_->options;
  return impl_->Origin() + "/ccx/service/customreport2/" + o.tenant + "/" + o.report_owner + "/" +
         o.report_name;
}

std::string WorkdayTenant::current_refresh_token() const {
  std::lock_guard lock(impl_->mu);
  return impl_->refresh_token;
}

std::vector<SimPosting> WorkdayTenant::postings() const {
  std::lock_guard lock(impl_->mu);
  std::vector<SimPosting> out;
  for (const auto& p : impl_->data.rows().postings())
    if (p.posted) out.push_back(impl_->data.ToSim(p));
  return out;
}

std::vector<SimApplication> WorkdayTenant::applications() const {
  std::shared_ptr<const detail::WorkdayRows> rows;
  std::vector<SimApplication> out;
  {
    std::lock_guard lock(impl_->mu);
    rows = impl_->data.Snapshot();
    out.reserve(static_cast<size_t>(impl_->data.live_applications()));
  }
  for (uint64_t i = 0; i < rows->size(); ++i) {
    const detail::AppRecord row = rows->Row(i);
    if (!row.deleted) out.push_back(rows->ToSim(row));
  }
  return out;
}

std::string WorkdayTenant::AddApplication(const std::string& requisition_id) {
  std::lock_guard lock(impl_->mu);
  auto posting = impl_->data.FindRequisition(requisition_id);
  return posting ? impl_->data.AddApplication(*posting) : std::string();
}

bool WorkdayTenant::MoveApplication(const std::string& application_id, const std::string& stage) {
  std::lock_guard lock(impl_->mu);
  auto index = impl_->data.FindApplication(application_id);
  const int s = detail::WdStageIndex(stage);
  return index && s >= 0 && impl_->data.MoveApplication(*index, s);
}

bool WorkdayTenant::RemoveApplication(const std::string& application_id) {
  std::lock_guard lock(impl_->mu);
  auto index = impl_->data.FindApplication(application_id);
  return index && impl_->data.RemoveApplication(*index);
}

std::string WorkdayTenant::AddPosting() {
  std::lock_guard lock(impl_->mu);
  return impl_->data.AddPosting();
}

bool WorkdayTenant::ClosePosting(const std::string& requisition_id) {
  std::lock_guard lock(impl_->mu);
  auto posting = impl_->data.FindRequisition(requisition_id);
  return posting && impl_->data.SetPosted(*posting, false);
}

bool WorkdayTenant::ReopenPosting(const std::string& requisition_id) {
  std::lock_guard lock(impl_->mu);
  auto posting = impl_->data.FindRequisition(requisition_id);
  return posting && impl_->data.SetPosted(*posting, true);
}

std::string WorkdayTenant::AddRequisitionWithoutPosting() {
  std::lock_guard lock(impl_->mu);
  return impl_->data.AddRequisition();
}

std::vector<std::string> WorkdayTenant::MutateRandom(int n) {
  std::lock_guard lock(impl_->mu);
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) lines.push_back(impl_->data.MutateRandom());
  return lines;
}

void WorkdayTenant::SetFault(WorkdayFault fault, int count) {
  std::lock_guard lock(impl_->mu);
  if (fault == WorkdayFault::kExpireTokens) {
    impl_->tokens.clear();
    fault = WorkdayFault::kNone;
  }
  impl_->fault = fault;
  impl_->fault_left = IsCounted(fault) ? std::max(count, 1) : std::max(count, 0);
}

void WorkdayTenant::AdvanceClock(int64_t seconds) {
  std::lock_guard lock(impl_->mu);
  impl_->clock_offset_s += std::max<int64_t>(seconds, 0);
}

WorkdayStats WorkdayTenant::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

void WorkdayTenant::ResetStats() {
  std::lock_guard lock(impl_->mu);
  impl_->stats = WorkdayStats{};
}

}  // namespace ats::sim
