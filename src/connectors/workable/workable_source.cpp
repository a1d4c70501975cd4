#include "connectors/workable/workable_source.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/json_writer.hpp"
#include "common/time.hpp"
#include "connectors/json_page.hpp"
#include "connectors/json_values.hpp"

namespace ats::connectors {
namespace {

namespace ondemand = simdjson::ondemand;
using simdjson::error_code;

constexpr std::string_view kUserAgent = "ats-connector/0.1";
constexpr int kMaxPageSize = 100;  // Workable's maximum for /jobs and /candidates
constexpr size_t kMaxErrorTextBytes = 200;

// What a kept field may hold besides null.
enum class Kind { kString, kBool, kObject };

struct KeptField {
  std::string_view name;
  Kind kind;
};

// Candidate fields kept besides `id` and `job` (handled on their own).
constexpr KeptField kCandidateFields[] = {
    {"name", Kind::kString},       {"firstname", Kind::kString},
    {"lastname", Kind::kString},   {"headline", Kind::kString},
    {"email", Kind::kString},      {"phone", Kind::kString},
    {"stage", Kind::kString},      {"stage_kind", Kind::kString},
    {"disqualified", Kind::kBool}, {"disqualification_reason", Kind::kString},
    {"withdrew", Kind::kBool},     {"hired_at", Kind::kString},
    {"sourced", Kind::kBool},      {"profile_url", Kind::kString},
    {"domain", Kind::kString},     {"created_at", Kind::kString},
    {"updated_at", Kind::kString},
};

// Job fields kept besides `shortcode` (the record id, handled on its own).
constexpr KeptField kJobFields[] = {
    {"id", Kind::kString},       {"title", Kind::kString},           {"full_title", Kind::kString},
    {"code", Kind::kString},     {"state", Kind::kString},           {"department", Kind::kString},
    {"url", Kind::kString},      {"application_url", Kind::kString}, {"shortlink", Kind::kString},
    {"location", Kind::kObject}, {"created_at", Kind::kString},      {"updated_at", Kind::kString},
};

template <size_t N>
const KeptField* FindKept(const KeptField (&fields)[N], std::string_view name) {
  for (const KeptField& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kString: return "a string or null";
    case Kind::kBool: return "a boolean or null";
    case Kind::kObject: return "an object or null";
  }
  return "?";
}

std::string Invalid(std::string_view name, error_code e) {
  return "field '" + std::string(name) + "' is not valid JSON (" + simdjson::error_message(e) + ")";
}

std::string WrongType(std::string_view name, std::string_view expected, ondemand::json_type got) {
  return "field '" + std::string(name) + "' must be " + std::string(expected) + ", got " +
         std::string(TypeName(got));
}

// Reads a kept field of `kind` (or null) as compact JSON into `out`; a string's plain value
// also goes to `plain`. Returns "" or why the record must be rejected.
std::string ReadKept(ondemand::value& v, std::string_view name, Kind kind, std::string& out,
                     std::string* plain = nullptr) {
  ondemand::json_type type;
  if (auto e = v.type().get(type)) return Invalid(name, e);
  if (type == ondemand::json_type::null) {
    bool is_null = false;
    if (auto e = v.is_null().get(is_null)) return Invalid(name, e);
    if (!is_null) return Invalid(name, simdjson::N_ATOM_ERROR);
    out = "null";
    return "";
  }
  switch (kind) {
    case Kind::kString: {
      if (type != ondemand::json_type::string) return WrongType(name, KindName(kind), type);
      if (const auto token = CanonicalStringToken(v)) {
        out.assign(*token);
        if (plain != nullptr) plain->assign(token->substr(1, token->size() - 2));
        return "";
      }
      std::string_view s;
      if (auto e = v.get_string().get(s)) return Invalid(name, e);
      out = JsonString(s);
      if (plain != nullptr) plain->assign(s);
      return "";
    }
    case Kind::kBool: {
      if (type != ondemand::json_type::boolean) return WrongType(name, KindName(kind), type);
      bool b = false;
      if (auto e = v.get_bool().get(b)) return Invalid(name, e);
      out = b ? "true" : "false";
      return "";
    }
    case Kind::kObject: {
      if (type != ondemand::json_type::object) return WrongType(name, KindName(kind), type);
      out.clear();
      if (auto e = AppendCompact(v, out)) return Invalid(name, e);
      return "";
    }
  }
  return "";
}

// A required identifier: a non-empty string, kept byte for byte.
std::string ReadRequiredId(ondemand::value& v, std::string_view name, std::string& out) {
  ondemand::json_type type;
  if (auto e = v.type().get(type)) return Invalid(name, e);
  if (type != ondemand::json_type::string) return WrongType(name, "a non-empty string", type);
  std::string_view s;
  if (const auto token = CanonicalStringToken(v)) {
    s = token->substr(1, token->size() - 2);
  } else if (auto e = v.get_string().get(s)) {
    return Invalid(name, e);
  }
  if (s.empty()) return "field '" + std::string(name) + "' must be a non-empty string, got \"\"";
  out.assign(s);
  return "";
}

// Fills `rec` from a /candidates element. Returns "" or the rejection reason.
std::string NormaliseCandidate(ondemand::object& obj, Record& rec) {
  rec.entity = Entity::kCandidate;
  bool have_id = false;
  bool have_shortcode = false;
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return Invalid("<key>", e);
    ondemand::value v;
    if (auto e = field.value().get(v)) return Invalid(key, e);

    if (key == "id") {
      if (auto reason = ReadRequiredId(v, "id", rec.id); !reason.empty()) return reason;
      rec.fields["id"] = JsonString(rec.id);
      have_id = true;
    } else if (key == "job") {
      ondemand::json_type type;
      if (auto e = v.type().get(type)) return Invalid("job", e);
      if (type != ondemand::json_type::object) return WrongType("job", "an object", type);
      ondemand::object job;
      if (auto e = v.get_object().get(job)) return Invalid("job", e);
      for (auto job_field : job) {
        std::string_view job_key;
        if (auto e = job_field.unescaped_key().get(job_key)) return Invalid("job.<key>", e);
        ondemand::value jv;
        if (auto e = job_field.value().get(jv)) return Invalid("job", e);
        if (job_key == "shortcode") {
          if (auto reason = ReadRequiredId(jv, "job.shortcode", rec.parent_id); !reason.empty()) {
            return reason;
          }
          rec.fields["job_shortcode"] = JsonString(rec.parent_id);
          have_shortcode = true;
        } else if (job_key == "title") {
          std::string value;
          if (auto reason = ReadKept(jv, "job.title", Kind::kString, value); !reason.empty()) {
            return reason;
          }
          rec.fields["job_title"] = std::move(value);
        }
      }
    } else if (const KeptField* kept = FindKept(kCandidateFields, key)) {
      std::string value;
      std::string plain;
      if (auto reason = ReadKept(v, kept->name, kept->kind, value, &plain); !reason.empty()) {
        return reason;
      }
      if (kept->name == "updated_at") rec.updated_at = std::move(plain);
      rec.fields[std::string(kept->name)] = std::move(value);
    }
  }
  if (!have_id) return "missing required field 'id'";
  if (!have_shortcode) return "missing required field 'job.shortcode'";
  return "";
}

// Fills `rec` from a /jobs element. Returns "" or the rejection reason.
std::string NormaliseJob(ondemand::object& obj, Record& rec) {
  rec.entity = Entity::kJob;
  bool have_shortcode = false;
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return Invalid("<key>", e);
    ondemand::value v;
    if (auto e = field.value().get(v)) return Invalid(key, e);

    if (key == "shortcode") {
      if (auto reason = ReadRequiredId(v, "shortcode", rec.id); !reason.empty()) return reason;
      rec.fields["shortcode"] = JsonString(rec.id);
      have_shortcode = true;
    } else if (const KeptField* kept = FindKept(kJobFields, key)) {
      std::string value;
      std::string plain;
      if (auto reason = ReadKept(v, kept->name, kept->kind, value, &plain); !reason.empty()) {
        return reason;
      }
      if (kept->name == "updated_at") rec.updated_at = std::move(plain);
      rec.fields[std::string(kept->name)] = std::move(value);
    }
  }
  if (!have_shortcode) return "missing required field 'shortcode'";
  return "";
}

// "object", "array", ... of a record's JSON text (already checked by CheckRecord).
std::string_view KindOfText(std::string_view text) {
  switch (text.empty() ? ' ' : text.front()) {
    case '{': return "object";
    case '[': return "array";
    case '"': return "string";
    case 't':
    case 'f': return "boolean";
    case 'n': return "null";
    default: return "number";
  }
}

// The records of a split page, read kPageBatchRecords at a time and each on its own: a value
// that cannot be read costs its record only. Owns its parsers, so that batches can be read on
// the runtime's thread while the source parses the next page on another.
class RecordReader {
 public:
  RecordReader(Entity entity, JsonPageSplit split) : entity_(entity), split_(std::move(split)) {}

  // Replaces page.records and page.rejected with the next batch.
  void Fill(Page& page) {
    page.records.clear();
    page.rejected.clear();
    const size_t end = std::min(next_ + kPageBatchRecords, split_.records.size());
    for (; next_ < end; ++next_) Read(split_.records[next_], page);
    page.more_records = next_ < split_.records.size();
  }

 private:
  void Read(JsonSpan span, Page& page) {
    const std::string_view text = split_.Text(span);
    const std::string_view original = split_.Original(span);
    const auto reject = [&](std::string reason) {
      page.rejected.push_back({entity_, std::string(original), std::move(reason)});
    };
    if (std::string reason = CheckRecord(text, original, dom_); !reason.empty())
      return reject(std::move(reason));
    if (text.front() != '{')
      return reject("record is not a JSON object, got " + std::string(KindOfText(text)));
    const std::string_view padded = PadForSimdjson(text, buffer_);
    ondemand::document doc;
    ondemand::object object;
    if (auto e = parser_.iterate(padded.data(), text.size(), padded.size()).get(doc)) {
      return reject(Invalid("<record>", e));
    }
    if (auto e = doc.get_object().get(object)) return reject(Invalid("<record>", e));
    Record record;
    std::string reason =
        entity_ == Entity::kJob ? NormaliseJob(object, record) : NormaliseCandidate(object, record);
    if (!reason.empty()) return reject(std::move(reason));
    page.records.push_back(std::move(record));
  }

  Entity entity_;
  JsonPageSplit split_;
  size_t next_ = 0;
  simdjson::dom::parser dom_;
  ondemand::parser parser_;
  std::string buffer_;
};

std::optional<long long> ParseCount(const std::string* text) {
  if (text == nullptr) return std::nullopt;
  const std::string_view s = TrimJson(*text);
  long long value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value < 0) return std::nullopt;
  return value;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// "acme.workable.com", or "http://host:8080" when scheme or port are not the https default.
std::string Origin(const http::Url& url) {
  if (url.scheme == "https" && url.port == 443) return url.host;
  return url.scheme + "://" + url.host + ":" + std::to_string(url.port);
}

}  // namespace

struct WorkableSource::Parser {
  ondemand::parser parser;
  std::string buffer;  // the text plus SIMDJSON_PADDING zero bytes

  simdjson::simdjson_result<ondemand::document> Iterate(std::string_view text) {
    const std::string_view padded = PadForSimdjson(text, buffer);
    return parser.iterate(padded.data(), text.size(), padded.size());
  }
};

Result<std::unique_ptr<WorkableSource>> WorkableSource::Create(const config::ConnectionConfig& conn) {
  const config::WorkableConfig& w = conn.workable;
  const std::string where = "connection '" + conn.id + "': ";
  std::string base_url = config::WorkableBaseUrl(w);
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  auto base = http::ParseUrl(base_url);
  // The URL is not quoted: a malformed one might carry credentials (user:pass@host).
  if (!base || base->path_and_query.find('?') != std::string::npos) {
    return Error::Permanent(ErrorCategory::kConfig,
                            where +
                                "the Workable base URL is not an absolute http(s) URL without "
                                "credentials or query: check workable.subdomain / workable.base_url");
  }
  if (base->scheme == "http" && !w.allow_insecure_http) {
    return Error::Permanent(ErrorCategory::kConfig,
                            where +
                                "workable.base_url uses plain http, which would send the API token "
                                "unencrypted: use https, or set workable.allow_insecure_http: true "
                                "(local simulators only)");
  }
  if (w.api_token.empty()) {
    return Error::Permanent(ErrorCategory::kConfig,
                            where + "the Workable API token is empty: check workable.api_token_file");
  }
  const int page_size = std::clamp(w.page_size, 1, kMaxPageSize);
  const std::chrono::milliseconds timeout = std::chrono::seconds(std::max(1, conn.request_timeout_s));
  auto source = std::unique_ptr<WorkableSource>(
      new WorkableSource(w.api_token, std::move(base_url), std::move(*base), page_size, timeout));
  source->rate_limit_ = w.rate_limit;
  source->insecure_skip_tls_verify_ = w.insecure_skip_tls_verify;
  source->max_page_records_ = static_cast<size_t>(std::max(1, conn.max_page_records));
  return source;
}

WorkableSource::WorkableSource(std::string token, std::string base_url, http::Url base, int page_size,
                               std::chrono::milliseconds timeout)
    : token_(std::move(token)),
      base_url_(std::move(base_url)),
      base_(std::move(base)),
      page_size_(page_size),
      timeout_(timeout),
      parser_(std::make_unique<Parser>()) {}

WorkableSource::~WorkableSource() = default;

std::string WorkableSource::EndpointPath(Entity entity) const {
  std::string path = base_.path_and_query == "/" ? "" : base_.path_and_query;
  path += entity == Entity::kJob ? "/jobs" : "/candidates";
  return path;
}

Result<http::Request> WorkableSource::BuildQueryRequest(Entity entity, const ListQuery& query) {
  if (entity != Entity::kCandidate)
    return Error::Permanent(ErrorCategory::kInternal, "Workable listings are filtered for candidates only");
  auto request = BuildRequest(entity, std::nullopt);
  if (!request) return request;
  if (query.updated_after) {
    // Workable documents the ISO 8601 basic form (20150708T115616Z) for time filters.
    std::string basic;
    for (char c : FormatRfc3339(*query.updated_after))
      if (c != '-' && c != ':') basic.push_back(c);
    request->url += "&updated_after=" + http::UrlEncode(basic);
  }
  if (query.parent_id) request->url += "&shortcode=" + http::UrlEncode(*query.parent_id);
  return request;
}

Result<http::Request> WorkableSource::BuildRequest(Entity entity, const std::optional<std::string>& cursor) {
  http::Request request;
  request.method = "GET";
  if (cursor) {
    const auto next = http::ParseUrl(*cursor);
    if (!next) {
      return Error::Permanent(ErrorCategory::kUnsafeUrl,
                              "paging.next is not an absolute http(s) URL; refusing to send the API "
                              "token there");
    }
    if (!http::SameOrigin(*next, base_)) {
      return Error::Permanent(ErrorCategory::kUnsafeUrl, "paging.next points at " + Origin(*next) + ", not " +
                                                             Origin(base_) +
                                                             "; refusing to send the API token there");
    }
    // Verbatim: Workable's next URL already carries limit, since_id and any filter.
    request.url = *cursor;
  } else {
    // No `state` filter on /jobs: the runtime filters by job_states and must see state changes.
    request.url = base_url_ + (entity == Entity::kJob ? "/jobs" : "/candidates") +
                  "?limit=" + std::to_string(page_size_);
  }
  request.headers = {
      {"Authorization", "Bearer " + token_},
      {"Accept", "application/json"},
      {"User-Agent", std::string(kUserAgent)},
  };
  request.timeout = timeout_;
  request.insecure_skip_tls_verify = insecure_skip_tls_verify_;
  return request;
}

Result<Page> WorkableSource::ParsePage(Entity entity, const http::Response& response) {
  const std::string_view array_key = entity == Entity::kJob ? "jobs" : "candidates";
  const auto bad = [&](const std::string& detail) {
    return Error::Retryable(ErrorCategory::kBadResponse,
                            "unexpected response from " + EndpointPath(entity) + ": " + detail);
  };
  JsonPageSplit split;
  if (auto problem = SplitJsonPage(response.body, array_key, max_page_records_, split)) {
    if (!problem->too_many_records) return bad(problem->message);
    return Error::Permanent(ErrorCategory::kPageLimit,
                            "unexpected response from " + EndpointPath(entity) + ": " + problem->message +
                                " (max_page_records): raise max_page_records if the tenant really serves "
                                "pages this long");
  }
  Page page;
  if (auto paging = split.fields.find("paging"); paging != split.fields.end()) {
    // A malformed paging block must not end the listing silently: a truncated listing would
    // look like deleted records downstream.
    if (split.Damaged(paging->second)) return bad("'paging' holds invalid UTF-8");
    if (std::string problem = ReadPaging(split.Text(paging->second), page.next); !problem.empty()) {
      return bad(problem);
    }
  }
  auto reader = std::make_shared<RecordReader>(entity, std::move(split));
  reader->Fill(page);
  if (page.more_records) page.next_batch = [reader](Page& next) { reader->Fill(next); };
  return page;
}

std::string WorkableSource::ReadPaging(std::string_view text, std::optional<std::string>& next) {
  const auto broken = [](error_code e) {
    return std::string("'paging' is not valid JSON (") + simdjson::error_message(e) + ")";
  };
  ondemand::document doc;
  if (auto e = parser_->Iterate(text).get(doc)) return broken(e);
  ondemand::json_type type;
  if (auto e = doc.type().get(type)) return broken(e);
  if (type == ondemand::json_type::null) return "";
  if (type != ondemand::json_type::object)
    return "'paging' is " + std::string(TypeName(type)) + ", not an object";
  ondemand::object paging;
  if (auto e = doc.get_object().get(paging)) return broken(e);
  for (auto field : paging) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return broken(e);
    if (key != "next") continue;
    ondemand::value value;
    if (auto e = field.value().get(value)) return broken(e);
    ondemand::json_type next_type;
    if (auto e = value.type().get(next_type)) return broken(e);
    if (next_type == ondemand::json_type::null) {
      next.reset();
      continue;
    }
    if (next_type != ondemand::json_type::string) {
      return "'paging.next' is " + std::string(TypeName(next_type)) + ", not a URL string";
    }
    std::string_view url;
    if (auto e = value.get_string().get(url)) return broken(e);
    if (url.empty()) {
      next.reset();
    } else {
      next = std::string(url);
    }
  }
  return "";
}

std::string WorkableSource::ErrorText(const std::string& body) {
  ondemand::document doc;
  if (parser_->Iterate(body).get(doc)) return "";
  ondemand::object root;
  if (doc.get_object().get(root)) return "";
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return "";
    if (key != "error") continue;
    std::string_view text;
    if (field.value().get_string().get(text)) return "";
    std::string out(text.substr(0, kMaxErrorTextBytes));
    // Do not end in the middle of a UTF-8 sequence.
    if (text.size() > kMaxErrorTextBytes) {
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
      if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80) != 0) out.pop_back();
      out += "...";
    }
    // Should the server ever echo the token, it stops here.
    for (size_t pos = out.find(token_); !token_.empty() && pos != std::string::npos;
         pos = out.find(token_, pos)) {
      out.replace(pos, token_.size(), "[REDACTED]");
    }
    return out;
  }
  return "";
}

Error WorkableSource::ClassifyError(const http::Response& response) {
  const long status = response.status;
  const std::string said = ErrorText(response.body);
  // Appends Workable's own words unless they only repeat the standard phrase.
  const auto with_said = [&said](std::string message, std::string_view standard) {
    if (!said.empty() && !EqualsIgnoreCase(said, standard)) message += " (Workable said: " + said + ")";
    return message;
  };
  const std::string code = std::to_string(status);

  if (status == 401) {
    return Error::Permanent(
        ErrorCategory::kAuth,
        with_said("Workable rejected the API token (401 Not authorized): generate a new access token "
                  "under Settings → Integrations and update api_token_file",
                  "Not authorized"));
  }
  if (status == 403) {
    return Error::Permanent(ErrorCategory::kPermission,
                            with_said("the API token lacks a required scope (403 Forbidden): it needs "
                                      "r_jobs and r_candidates",
                                      "Forbidden"));
  }
  if (status == 404) {
    return Error::Permanent(ErrorCategory::kNotFound,
                            with_said("no Workable account at " + base_.host +
                                          " (404): check workable.subdomain (just 'acme' for "
                                          "acme.workable.com)",
                                      "Not found"));
  }
  if (status == 429) {
    return Error::Retryable(ErrorCategory::kRateLimited,
                            with_said("Workable rate limit exceeded (429 Too Many Requests)", ""));
  }
  if (status >= 500 && status <= 599) {
    return Error::Retryable(ErrorCategory::kServer,
                            with_said("Workable server error (HTTP " + code + ")", ""));
  }
  if (status >= 300 && status <= 399) {
    std::string message = "Workable answered with a redirect (HTTP " + code + ")";
    if (const std::string* location = response.header("location")) {
      if (const auto target = http::ParseUrl(*location)) message += " to " + Origin(*target);
    }
    return Error::Permanent(ErrorCategory::kBadResponse,
                            message +
                                "; redirects are not followed so the API token never leaves "
                                "the configured host: check workable.subdomain / base_url");
  }
  if (status >= 400 && status <= 499) {
    return Error::Permanent(ErrorCategory::kBadResponse,
                            with_said("Workable rejected the request (HTTP " + code + ")", ""));
  }
  return Error::Permanent(ErrorCategory::kBadResponse, "unexpected HTTP status " + code + " from Workable");
}

RateLimitInfo WorkableSource::ParseRateLimit(const http::Response& response) {
  RateLimitInfo info;
  info.limit = ParseCount(response.header("x-rate-limit-limit"));
  info.remaining = ParseCount(response.header("x-rate-limit-remaining"));
  info.reset_epoch_s = ParseCount(response.header("x-rate-limit-reset"));
  // Only the delta-seconds form; an HTTP-date does not parse as a count and is ignored.
  info.retry_after_s = ParseCount(response.header("retry-after"));
  return info;
}

std::vector<std::string> WorkableSource::secrets() const {
  if (token_.empty()) return {};
  return {token_};
}

}  // namespace ats::connectors
