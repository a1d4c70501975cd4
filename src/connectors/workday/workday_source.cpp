#include "connectors/workday/workday_source.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "connectors/json_page.hpp"
#include "connectors/workday/raas_stream.hpp"
#include "connectors/workday/workday_mapping.hpp"

namespace ats::connectors {
namespace {

namespace ondemand = simdjson::ondemand;
using simdjson::error_code;

constexpr std::string_view kUserAgent = "ats-connector/0.1";
constexpr int kMaxPageSize = 100;  // Workday REST's maximum `limit`
constexpr size_t kMaxSaidBytes = 200;
constexpr std::string_view kEndpointFormat =
    "Invalid API Endpoint — the URL format is https://{domain}/ccx/api/v1/{tenant}";

std::string_view Trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), s.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// A query component: unreserved characters and the sub-delimiters Workday prompts use as
// written (Worker_Type!WID); '&', '=', '+', '#', '%' and the rest are percent-encoded.
std::string EncodeQueryComponent(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      std::strchr("-._~!$'()*,;:@/", ch) != nullptr;
    if (keep && c != 0) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// "acme.workday.com", or "http://127.0.0.1:8080" when scheme or port are not the https default.
std::string Origin(const http::Url& url) {
  if (url.scheme == "https" && url.port == 443) return url.host;
  return url.scheme + "://" + url.host + ":" + std::to_string(url.port);
}

std::optional<long long> ParseCount(std::string_view text) {
  const std::string_view s = Trim(text);
  long long value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value < 0) return std::nullopt;
  return value;
}

std::string Shorten(std::string_view text) {
  if (text.size() <= kMaxSaidBytes) return std::string(text);
  std::string out(text.substr(0, kMaxSaidBytes));
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80) != 0) out.pop_back();
  return out + "...";
}

Error ConfigError(const config::ConnectionConfig& conn, const std::string& message) {
  return Error::Permanent(ErrorCategory::kConfig, "connection '" + conn.id + "': " + message);
}

// What Workday says in an error body: the REST form {"error", "errors": [{"error", "code",
// "field", "path"}]} or the OAuth form {"error": "invalid_token", "error_description"}.
struct ErrorBody {
  std::string error;                  // top-level "error" (a message, or an OAuth code)
  std::string description;            // "error_description"
  std::vector<std::string> codes;     // errors[].code
  std::vector<std::string> messages;  // errors[].error (with field/path when given)
};

}  // namespace

struct WorkdaySource::Parser {
  ondemand::parser parser;
  simdjson::dom::parser dom;  // checks each job posting whole (CheckRecord)
  std::string buffer;  // the body plus SIMDJSON_PADDING zero bytes

  simdjson::simdjson_result<ondemand::document> Iterate(std::string_view body) {
    buffer.resize(body.size() + simdjson::SIMDJSON_PADDING);
    if (!body.empty()) std::memcpy(buffer.data(), body.data(), body.size());
    std::memset(buffer.data() + body.size(), 0, simdjson::SIMDJSON_PADDING);
    return parser.iterate(buffer.data(), body.size(), buffer.size());
  }

  ErrorBody ParseError(std::string_view body) {
    ErrorBody out;
    ondemand::document doc;
    if (Iterate(body).get(doc)) return out;
    ondemand::object root;
    if (doc.get_object().get(root)) return out;
    for (auto field : root) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return out;
      const std::string name(key);
      ondemand::value value;
      if (field.value().get(value)) return out;
      if (name == "error" || name == "error_description") {
        std::string_view text;
        if (value.get_string().get(text)) continue;
        (name == "error" ? out.error : out.description) = std::string(text);
      } else if (name == "errors") {
        ondemand::array errors;
        if (value.get_array().get(errors)) continue;
        for (auto element : errors) {
          ondemand::object item;
          if (element.get_object().get(item)) continue;
          std::string message, code, where;
          for (auto member : item) {
            std::string_view member_key;
            if (member.unescaped_key().get(member_key)) break;
            const std::string member_name(member_key);
            std::string_view text;
            if (member.value().get_string().get(text)) continue;
            if (member_name == "error") message = text;
            if (member_name == "code") code = text;
            if ((member_name == "field" || member_name == "path") && where.empty()) where = text;
          }
          if (!code.empty()) out.codes.push_back(code);
          if (!message.empty()) out.messages.push_back(where.empty() ? message : where + ": " + message);
        }
      }
    }
    return out;
  }
};

Result<std::unique_ptr<WorkdaySource>> WorkdaySource::Create(const config::ConnectionConfig& conn,
                                                             SourceContext context,
                                                             WorkdayAuth::Clock clock) {
  const config::WorkdayConfig& w = conn.workday;
  auto endpoint = config::ParseWorkdayEndpoint(w.rest_endpoint);
  if (!endpoint) {
    return ConfigError(conn, std::string(kEndpointFormat) + ": check workday.rest_endpoint");
  }
  const auto insecure = [&](std::string_view key) {
    return ConfigError(conn, "workday." + std::string(key) +
                                 " uses plain http, which would send credentials unencrypted: use https, or "
                                 "set workday.allow_insecure_http: true (local simulators only)");
  };
  if (endpoint->scheme == "http" && !w.allow_insecure_http) return insecure("rest_endpoint");

  const std::string token_url = w.token_endpoint.empty() ? endpoint->token_endpoint : w.token_endpoint;
  const auto token_parsed = http::ParseUrl(token_url);
  if (!token_parsed || token_parsed->path_and_query.find('?') != std::string::npos) {
    return ConfigError(conn,
                       "workday.token_endpoint is not an absolute http(s) URL without credentials or "
                       "query: use the token endpoint shown by View API Clients");
  }
  if (token_parsed->scheme == "http" && !w.allow_insecure_http) return insecure("token_endpoint");
  if (w.client_id.empty())
    return ConfigError(conn, "the Workday client ID is empty: check workday.client_id");
  if (w.client_secret.empty()) {
    return ConfigError(conn, "the Workday client secret is empty: check workday.client_secret_file");
  }
  if (w.refresh_token.empty()) {
    return ConfigError(conn, "the Workday refresh token is empty: check workday.refresh_token_file");
  }
  if (w.client_auth != "body" && w.client_auth != "basic") {
    return ConfigError(conn, "workday.client_auth must be 'body' or 'basic'");
  }

  auto source = std::unique_ptr<WorkdaySource>(new WorkdaySource());
  source->endpoint_ = *endpoint;
  source->api_origin_ = *http::ParseUrl(endpoint->api_base);
  source->columns_ = w.columns;
  source->rate_limit_ = w.rate_limit;
  source->page_size_ = std::clamp(w.page_size, 1, kMaxPageSize);
  source->max_page_records_ = static_cast<size_t>(std::max(1, conn.max_page_records));
  source->timeout_ = std::chrono::seconds(std::max(1, conn.request_timeout_s));
  source->parser_ = std::make_unique<Parser>();

  std::string path = w.jobs_path;
  for (size_t pos = path.find("{tenant}"); pos != std::string::npos; pos = path.find("{tenant}", pos)) {
    path.replace(pos, 8, endpoint->tenant);
  }
  while (!path.empty() && path.front() == '/') path.erase(path.begin());
  if (path.empty() || path.find_first_of("?#") != std::string::npos) {
    return ConfigError(conn,
                       "workday.jobs_path must be a path relative to /ccx/api/, e.g. "
                       "recruiting/v4/{tenant}/jobPostings");
  }
  source->jobs_url_ = endpoint->api_base + "/" + path;
  const auto jobs_parsed = http::ParseUrl(source->jobs_url_);
  if (!jobs_parsed || !http::SameOrigin(*jobs_parsed, source->api_origin_)) {
    return ConfigError(conn, "workday.jobs_path does not form a URL on the REST endpoint's host");
  }
  source->jobs_path_ = jobs_parsed->path_and_query;

  for (size_t i = 0; i < w.reports.size(); ++i) {
    const config::WorkdayReportConfig& r = w.reports[i];
    const std::string key = "workday.reports[" + std::to_string(i) + "]";
    const auto parsed = config::ParseWorkdayReportUrl(r.url);
    if (!parsed) {
      return ConfigError(conn, key +
                                   ".url is not a custom report URL "
                                   "https://{domain}/ccx/service/customreport2/{tenant}/{owner}/{report}");
    }
    if (parsed->scheme == "http" && !w.allow_insecure_http) return insecure(key.substr(8) + ".url");
    Report report;
    report.label = "report " + parsed->owner + "/" + parsed->report;
    if (r.auth == "basic") {
      if (r.username.empty() || r.password.empty()) {
        return ConfigError(conn, key + " uses auth: basic but its username or password is empty");
      }
      report.basic = BasicAuthorization(r.username, r.password);
      report.password = r.password;
    } else if (r.auth == "bearer") {
      if (parsed->host != endpoint->host || parsed->scheme != endpoint->scheme) {
        return ConfigError(conn, key +
                                     ".url is not on the REST endpoint's host, so the OAuth access token "
                                     "would go elsewhere: use the same host, or auth: basic");
      }
    } else {
      return ConfigError(conn, key + ".auth must be 'bearer' or 'basic'");
    }
    // format=json is forced (Workday answers XML without it) and the prompts replace any query
    // parameter of the same name.
    std::vector<std::string> params;
    size_t start = 0;
    while (start <= parsed->query.size() && !parsed->query.empty()) {
      const size_t amp = parsed->query.find('&', start);
      const std::string item =
          parsed->query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      const std::string name = item.substr(0, item.find('='));
      const bool replaced = name == "format" || r.prompts.count(name) > 0 ||
                            std::any_of(r.prompts.begin(), r.prompts.end(), [&](const auto& prompt) {
                              return EncodeQueryComponent(prompt.first) == name;
                            });
      if (!item.empty() && !replaced) params.push_back(item);
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
    for (const auto& [name, value] : r.prompts) {
      if (value == "{window_start}" || value == "{window_end}") {
        report.window_prompts.emplace_back(name, value);  // filled per request
        continue;
      }
      params.push_back(EncodeQueryComponent(name) + "=" + EncodeQueryComponent(value));
    }
    params.emplace_back("format=json");
    report.url = parsed->scheme + "://" + parsed->host + "/ccx/service/customreport2/" + parsed->tenant +
                 "/" + parsed->owner + "/" + parsed->report + "?";
    for (size_t p = 0; p < params.size(); ++p) report.url += (p ? "&" : "") + params[p];
    source->reports_.push_back(std::move(report));
  }

  WorkdayOAuthSettings oauth;
  oauth.token_url = token_url;
  oauth.client_id = w.client_id;
  oauth.client_secret = w.client_secret;
  oauth.refresh_token = w.refresh_token;
  oauth.basic_client_auth = w.client_auth == "basic";
  oauth.timeout = source->timeout_;
  oauth.insecure_skip_tls_verify = w.insecure_skip_tls_verify;
  source->insecure_skip_tls_verify_ = w.insecure_skip_tls_verify;
  auto auth = WorkdayAuth::Create(std::move(oauth), context.state, std::move(clock));
  if (!auth) return auth.error();
  source->auth_ = std::move(auth).value();
  return source;
}

WorkdaySource::~WorkdaySource() = default;

std::vector<Entity> WorkdaySource::entities() const {
  if (reports_.empty()) return {Entity::kJob};
  return {Entity::kJob, Entity::kCandidate};
}

Result<size_t> WorkdaySource::ReportIndex(const std::optional<std::string>& cursor) const {
  if (!cursor) return size_t{0};
  const auto index = ParseCount(*cursor);
  if (!index || static_cast<size_t>(*index) >= reports_.size()) {
    return Error::Permanent(ErrorCategory::kInternal, "report cursor '" + Shorten(*cursor) +
                                                          "' names no configured report (there are " +
                                                          std::to_string(reports_.size()) + ")");
  }
  return static_cast<size_t>(*index);
}

Result<http::Request> WorkdaySource::BuildRequest(Entity entity, const std::optional<std::string>& cursor) {
  http::Request request;
  request.method = "GET";
  request.timeout = timeout_;
  request.insecure_skip_tls_verify = insecure_skip_tls_verify_;
  request.headers = {{"Accept", "application/json"}, {"User-Agent", std::string(kUserAgent)}};
  if (entity == Entity::kJob) {
    long long offset = 0;
    if (cursor) {
      const auto parsed = ParseCount(*cursor);
      if (!parsed) {
        return Error::Permanent(ErrorCategory::kInternal,
                                "job postings cursor '" + Shorten(*cursor) + "' is not an offset");
      }
      offset = *parsed;
    } else {
      // A new listing.
      listed_jobs_.clear();
      previous_first_posting_.clear();
    }
    request.url = jobs_url_ + "?limit=" + std::to_string(page_size_) + "&offset=" + std::to_string(offset);
    last_entity_ = Entity::kJob;
    job_offset_ = offset;
    last_basic_ = false;
    return request;
  }
  auto index = ReportIndex(cursor);
  if (!index) return index.error();
  const Report& report = reports_[*index];
  request.url = report.url;
  if (!cursor) window_start_.reset();  // a new full listing, unless BuildQueryRequest set one
  if (window_start_) {
    for (const auto& [name, value] : report.window_prompts) {
      const SystemTime t = value == "{window_start}" ? *window_start_ : std::chrono::system_clock::now();
      request.url += "&" + EncodeQueryComponent(name) + "=" + EncodeQueryComponent(FormatRfc3339(t));
    }
  }
  if (!report.basic.empty()) request.headers.emplace_back("Authorization", report.basic);
  last_entity_ = Entity::kCandidate;
  report_index_ = *index;
  last_basic_ = !report.basic.empty();
  return request;
}

bool WorkdaySource::SupportsQuery(Entity entity) const {
  return entity == Entity::kCandidate && std::any_of(reports_.begin(), reports_.end(), [](const Report& r) {
           return std::any_of(r.window_prompts.begin(), r.window_prompts.end(),
                              [](const auto& p) { return p.second == "{window_start}"; });
         });
}

Result<http::Request> WorkdaySource::BuildQueryRequest(Entity entity, const ListQuery& query) {
  if (!SupportsQuery(entity) || query.parent_id)
    return Error::Permanent(ErrorCategory::kInternal, "this Workday connection has no report window prompts");
  window_start_ = query.updated_after;
  return BuildRequest(entity, std::string("0"));  // the first report, with the window
}

Result<void> WorkdaySource::Authorize(http::Request& request, http::Client& client) {
  for (auto it = request.headers.begin(); it != request.headers.end();) {
    if (StartsWithIgnoreCase(it->first, "authorization") && it->first.size() == 13) {
      // A report's ISU credentials: leave them. A Bearer from an earlier attempt: replace it.
      if (StartsWithIgnoreCase(it->second, "basic ")) return Ok();
      it = request.headers.erase(it);
    } else {
      ++it;
    }
  }
  // The access token goes only to the REST endpoint's origin (bearer reports are checked to be
  // there at creation).
  const auto url = http::ParseUrl(request.url);
  if (!url || !http::SameOrigin(*url, api_origin_)) {
    return Error::Permanent(ErrorCategory::kUnsafeUrl,
                            "refusing to send the Workday access token to " +
                                (url ? Origin(*url) : std::string("an unparsable URL")) + ", not " +
                                Origin(api_origin_));
  }
  auto token = auth_->AccessToken(client);
  if (!token) return token.error();
  request.headers.emplace_back("Authorization", "Bearer " + *token);
  return Ok();
}

bool WorkdaySource::OnUnauthorized() {
  if (last_basic_) return false;  // the ISU's password was refused; a new OAuth token cannot help
  auth_->Invalidate();
  return true;
}

std::unique_ptr<RecordStream> WorkdaySource::OpenStream(Entity entity) {
  if (entity != Entity::kCandidate || reports_.empty()) return nullptr;
  const size_t index = std::min(report_index_, reports_.size() - 1);
  return std::make_unique<RaasStream>(columns_, reports_[index].label);
}

std::optional<std::string> WorkdaySource::NextDocument(Entity entity,
                                                       const std::optional<std::string>& cursor) {
  if (entity != Entity::kCandidate) return std::nullopt;
  auto index = ReportIndex(cursor);
  if (!index || *index + 1 >= reports_.size()) return std::nullopt;
  return std::to_string(*index + 1);
}

Result<Page> WorkdaySource::ParsePage(Entity entity, const http::Response& response) {
  if (entity == Entity::kCandidate) {
    Page page;
    RaasStream stream(columns_, reports_.empty() ? "report" : reports_[report_index_].label);
    if (auto fed = stream.Feed(response.body, page); !fed) return fed.error();
    if (auto finished = stream.Finish(page); !finished) return finished.error();
    page.next = NextDocument(Entity::kCandidate, std::to_string(report_index_));
    return page;
  }

  const auto bad = [&](const std::string& detail) {
    return Error::Retryable(ErrorCategory::kBadResponse,
                            "unexpected response from " + jobs_path_ + ": " + detail);
  };
  const auto broken = [&](error_code e) {
    return bad(std::string("the body is not valid JSON (") + simdjson::error_message(e) + ")");
  };
  // Split into postings first: a value that cannot be read, or an invalid UTF-8 byte, costs its
  // posting only (connectors/json_page.hpp).
  JsonPageSplit split;
  if (auto problem = SplitJsonPage(response.body, "data", max_page_records_, split)) {
    if (!problem->too_many_records) return bad(problem->message);
    return Error::Permanent(ErrorCategory::kPageLimit,
                            "unexpected response from " + jobs_path_ + ": " + problem->message +
                                " (max_page_records): raise max_page_records if the tenant really serves "
                                "pages this long");
  }
  std::optional<long long> total;
  if (auto it = split.fields.find("total"); it != split.fields.end() && split.Text(it->second) != "null") {
    const std::string_view text = split.Text(it->second);
    long long n = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 0)
      return bad("'total' is not a whole number");
    total = n;
  }

  Page page;
  const long long count = static_cast<long long>(split.records.size());
  std::string first_posting;
  std::set<std::string> listed = listed_jobs_;
  std::string buffer;
  for (const JsonSpan& span : split.records) {
    const std::string_view text = split.Text(span);
    const std::string_view original = split.Original(span);
    const auto reject = [&](std::string reason) {
      page.rejected.push_back({Entity::kJob, std::string(original), std::move(reason)});
    };
    if (std::string reason = CheckRecord(text, original, parser_->dom); !reason.empty()) {
      reject("job posting: " + reason);
      continue;
    }
    if (text.front() != '{') {
      reject("job posting is not a JSON object, got " +
             std::string(text.front() == '[' ? "array" : "a scalar"));
      continue;
    }
    const std::string_view padded = PadForSimdjson(text, buffer);
    ondemand::document doc;
    ondemand::object posting;
    if (auto e = parser_->parser.iterate(padded.data(), text.size(), padded.size()).get(doc))
      return broken(e);
    if (auto e = doc.get_object().get(posting)) return broken(e);
    Record record;
    workday::MapOutcome mapped = workday::MapJobPosting(posting, record);
    if (mapped.json != simdjson::SUCCESS) {
      reject(std::string("job posting holds a value that cannot be read (") +
             simdjson::error_message(mapped.json) + ")");
      continue;
    }
    if (!mapped.reason.empty()) {
      reject(std::move(mapped.reason));
      continue;
    }
    if (first_posting.empty()) {
      std::string posting_id;
      DecodeJsonString(record.fields["posting_id"], posting_id);
      first_posting = posting_id;
    }
    // Postings of one requisition (internal and external sites) are one job.
    if (!listed.insert(record.id).second) continue;
    page.records.push_back(std::move(record));
  }
  if (job_offset_ > 0 && !first_posting.empty() && first_posting == previous_first_posting_) {
    return Error::Permanent(ErrorCategory::kBadResponse,
                            "unexpected response from " + jobs_path_ + ": offset " +
                                std::to_string(job_offset_) +
                                " returned the same postings as the previous page (is 'offset' ignored?); "
                                "stopping rather than looping");
  }

  const long long next = job_offset_ + count;
  // A consistent total ends the listing when reached; a total below what has already been
  // received is wrong (some APIs report 0 after the first page) and does not end it.
  const bool total_reached = total && *total == next;
  if (count > 0 && count >= page_size_ && !total_reached) page.next = std::to_string(next);
  listed_jobs_ = std::move(listed);
  if (!first_posting.empty()) previous_first_posting_ = first_posting;
  return page;
}

std::string WorkdaySource::ErrorContext() const {
  if (last_entity_ == Entity::kJob || reports_.empty()) return jobs_path_;
  return reports_[std::min(report_index_, reports_.size() - 1)].label;
}

Error WorkdaySource::ClassifyError(const http::Response& response) {
  const long status = response.status;
  const ErrorBody body = parser_->ParseError(response.body);
  const bool report = last_entity_ == Entity::kCandidate && !reports_.empty();
  const std::string where = ErrorContext();
  const std::string http = "HTTP " + std::to_string(status);

  // Workday's own words and codes, without any secret they might echo.
  std::string said;
  {
    std::string text = !body.messages.empty() ? body.messages.front() : body.error;
    if (!body.description.empty()) text += (text.empty() ? "" : ": ") + body.description;
    if (!text.empty()) said = Shorten(text);
    if (!body.codes.empty()) {
      std::string codes;
      for (const auto& code : body.codes) codes += (codes.empty() ? "" : ", ") + Shorten(code);
      said += (said.empty() ? "codes " : "; codes ") + codes;
    }
    for (const std::string& secret : secrets()) {
      if (secret.size() < 4) continue;
      for (size_t pos = said.find(secret); pos != std::string::npos; pos = said.find(secret, pos)) {
        said.replace(pos, secret.size(), "[REDACTED]");
      }
    }
    if (!said.empty()) said = " (Workday said: " + said + ")";
  }

  if (status == 401) {
    if (last_basic_) {
      return Error::Permanent(ErrorCategory::kAuth,
                              "Workday refused the integration system user's name or password for " + where +
                                  " (" + http + "): check the report's username and password_file" + said);
    }
    const std::string kind = body.error == "invalid_token" ? "invalid_token" : http;
    return Error::Permanent(ErrorCategory::kAuth,
                            "Workday rejected a freshly issued access token for " + where + " (" + kind +
                                "): check that the API client is active and that the refresh token's "
                                "integration system user is not locked or expired" +
                                said);
  }
  if (status == 403) {
    std::string message =
        "Insufficient Permissions — the API client / ISU lacks the Recruiting (and Candidate) scopes or "
        "security domains (" +
        http + " from " + where + ")";
    if (report) message += "; the report must also be owned by or shared with the ISU";
    return Error::Permanent(ErrorCategory::kPermission, message + said);
  }
  if (status == 404) {
    if (report) {
      return Error::Permanent(ErrorCategory::kNotFound,
                              "Invalid API Endpoint — " + where +
                                  " was not found (HTTP 404): check the report URL (Actions → Web Service → "
                                  "View URLs) and that the report is enabled as a web service" +
                                  said);
    }
    return Error::Permanent(ErrorCategory::kNotFound,
                            "Invalid API Endpoint — " + where +
                                " was not found (HTTP 404): check workday.rest_endpoint "
                                "(https://{domain}/ccx/api/v1/{tenant}) and workday.jobs_path" +
                                said);
  }
  if (status == 429) {
    return Error::Retryable(ErrorCategory::kRateLimited,
                            "Workday rate limit exceeded (429 Too Many Requests) on " + where + said);
  }
  if (status >= 500 && status <= 599) {
    return Error::Retryable(ErrorCategory::kServer, "Workday server error (" + http + ") on " + where + said);
  }
  if (status >= 300 && status <= 399) {
    std::string message = "Workday answered " + where + " with a redirect (" + http + ")";
    if (const std::string* location = response.header("location")) {
      if (const auto target = http::ParseUrl(*location)) message += " to " + Origin(*target);
    }
    return Error::Permanent(ErrorCategory::kBadResponse,
                            message +
                                "; redirects are not followed so credentials never leave the configured "
                                "host: check workday.rest_endpoint and the report URLs");
  }
  if (status == 400 && report) {
    return Error::Permanent(ErrorCategory::kBadResponse,
                            "Workday rejected the request for " + where + " (" + http +
                                "): check the report's prompts (each must be enabled as a web service "
                                "parameter)" +
                                said);
  }
  if (status >= 400 && status <= 499) {
    return Error::Permanent(ErrorCategory::kBadResponse,
                            "Workday rejected the request for " + where + " (" + http + ")" + said);
  }
  return Error::Permanent(ErrorCategory::kBadResponse, "unexpected " + http + " from Workday for " + where);
}

RateLimitInfo WorkdaySource::ParseRateLimit(const http::Response& response) {
  RateLimitInfo info;
  // Workday publishes no rate-limit headers; only Retry-After (delta seconds) is honoured.
  if (const std::string* retry = response.header("retry-after")) info.retry_after_s = ParseCount(*retry);
  return info;
}

std::vector<std::string> WorkdaySource::secrets() const {
  std::vector<std::string> out = auth_->secrets();
  for (const Report& report : reports_) {
    for (const std::string* s : {&report.password, &report.basic}) {
      if (!s->empty() && std::find(out.begin(), out.end(), *s) == out.end()) out.push_back(*s);
    }
    // The base64 part alone, as it would appear in a header dump.
    if (report.basic.size() > 6) {
      const std::string encoded = report.basic.substr(6);
      if (std::find(out.begin(), out.end(), encoded) == out.end()) out.push_back(encoded);
    }
  }
  return out;
}

std::optional<Record> WorkdaySource::JobFromCandidate(const Record& candidate) const {
  if (candidate.parent_id.empty()) return std::nullopt;
  Record job;
  job.entity = Entity::kJob;
  job.id = candidate.parent_id;
  job.fields["requisition_id"] = JsonString(candidate.parent_id);
  job.fields["posting_id"] = "null";
  job.fields["state"] = "\"unposted\"";
  std::string title;
  if (auto it = candidate.fields.find("attributes"); it != candidate.fields.end()) {
    simdjson::dom::parser parser;
    simdjson::dom::object attributes;
    if (!parser.parse(simdjson::padded_string(it->second)).get_object().get(attributes)) {
      for (const char* name : {"Job_Requisition_Title", "Job_Posting_Title", "Job_Title"}) {
        std::string_view value;
        if (!attributes[name].get_string().get(value) && !value.empty()) {
          title = std::string(value);
          break;
        }
      }
    }
  }
  job.fields["title"] = title.empty() ? "null" : JsonString(title);
  return job;
}

}  // namespace ats::connectors
