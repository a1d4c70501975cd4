#include "sim/workable_tenant.hpp"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "common/json_writer.hpp"
#include "common/time.hpp"
#include "sim/sim_util.hpp"
#include "sim/workable_data.hpp"

namespace ats::sim {
namespace {

using detail::HttpDate;
using detail::PercentEncode;
using detail::ResetConnection;
using detail::SplitPath;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kJsonContentType = "application/json; charset=utf-8";
constexpr std::string_view kApiPrefix = "/spi/v3/";
constexpr std::string_view kForeignOrigin = "http://evil.example.invalid";
constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 100;

struct Outcome {
  int status = 200;
  std::string body;
};

std::string ErrorBody(std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("error").String(message).EndObject();
  return w.Take();
}

Outcome Error(int status, std::string_view message) {
  return {status, ErrorBody(message)};
}
Outcome NotFound() {
  return Error(404, "Not found");
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// Workable documents `20150708T115616Z` and Unix seconds; clients also send RFC 3339.
std::optional<int64_t> ParseTimeParam(std::string value) {
  if (AllDigits(value) && value.size() <= 12) return std::stoll(value);
  if (value.size() == 16 && value[8] == 'T' && value[15] == 'Z' && AllDigits(value.substr(0, 8)) &&
      AllDigits(value.substr(9, 6))) {
    value = value.substr(0, 4) + "-" + value.substr(4, 2) + "-" + value.substr(6, 2) + "T" +
            value.substr(9, 2) + ":" + value.substr(11, 2) + ":" + value.substr(13, 2) + "Z";
  }
  // An unencoded '+' in an offset arrives as a space.
  for (size_t i = 19; i < value.size(); ++i)
    if (value[i] == ' ') value[i] = '+';
  auto t = ParseRfc3339(value);
  if (!t) return std::nullopt;
  return std::chrono::floor<std::chrono::seconds>(*t).time_since_epoch().count();
}

int ParseLimit(const httplib::Request& req) {
  if (!req.has_param("limit")) return kDefaultLimit;
  const std::string v = req.get_param_value("limit");
  int limit = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
  if (ec != std::errc() || ptr != v.data() + v.size() || limit < 1) return kDefaultLimit;
  return std::min(limit, kMaxLimit);
}

bool IsCounted(Fault f) {
  return f != Fault::kNone && f != Fault::kUnauthorized && f != Fault::kForbidden && f != Fault::kNotFound;
}

// How an answer reaches the client.
enum class Delivery {
  kNormal,
  kReset,     // TCP RST, no answer
  kDelayed,   // after the fault delay
  kDrip,      // the body in small pieces spread over the fault delay
  kTruncate,  // half the announced body, then the connection closes
};

constexpr size_t kHugeFieldBytes = size_t{10} << 20;
constexpr int kDripPieces = 64;

// Damages the first candidate of a rendered listing (the body starts {"candidates":[{"id":...).
// Returns false when the listing has no candidate to damage.
bool DamageFirstCandidate(Fault fault, std::string& body) {
  constexpr std::string_view kFirst = "{\"candidates\":[{";
  if (!body.starts_with(kFirst)) return false;
  const size_t end = body.find("},{", kFirst.size());  // end of the first record (approximate)
  const auto replace_in_first = [&](std::string_view from, std::string_view to) {
    const size_t at = body.find(from, kFirst.size());
    if (at == std::string::npos || (end != std::string::npos && at > end)) return false;
    body.replace(at, from.size(), to);
    return true;
  };
  switch (fault) {
    case Fault::kMissingField: return replace_in_first("\"id\":", "\"id_withheld\":");
    case Fault::kWrongType:
      return replace_in_first("\"disqualified\":false", "\"disqualified\":\"maybe\"") ||
             replace_in_first("\"disqualified\":true", "\"disqualified\":\"maybe\"");
    case Fault::kHugeField: {
      const size_t at = body.find("\"headline\":\"", kFirst.size());
      if (at == std::string::npos || (end != std::string::npos && at > end)) return false;
      const size_t value = at + std::string_view("\"headline\":\"").size();
      const size_t close = body.find('"', value);
      if (close == std::string::npos) return false;
      body.replace(value, close - value, std::string(kHugeFieldBytes, 'x'));
      return true;
    }
    case Fault::kOddNumber: return replace_in_first("\"id\":", "\"score\":1e400,\"id\":");
    case Fault::kInvalidUtf8: return replace_in_first("\"id\":", "\"note\":\"caf\xE9\",\"id\":");
    default: return false;
  }
}

bool IsRecordFault(Fault f) {
  return f == Fault::kMissingField || f == Fault::kWrongType || f == Fault::kHugeField ||
         f == Fault::kOddNumber || f == Fault::kInvalidUtf8;
}

}  // namespace

struct WorkableTenant::Impl {
  struct RateView {
    bool present = false;    // send X-Rate-Limit-Remaining/Reset
    bool has_limit = false;  // send X-Rate-Limit-Limit
    int limit = 0;
    int remaining = 0;
    int64_t reset = 0;  // Unix seconds
  };
  struct Window {
    SteadyClock::time_point start;
    int64_t reset_epoch = 0;
    int used = 0;
  };
  // Filters of a list call, kept as given so paging.next can carry them forward.
  struct TimeFilter {
    std::string raw;
    int64_t after = 0;
  };

  explicit Impl(WorkableTenantOptions o)
      : options(std::move(o)),
        data(options.subdomain, options.seed, options.jobs, options.candidates_per_job),
        rate_limit_headers(options.rate_limit_headers) {
    data.SetProtectedAnswers(options.protected_answers);
  }

  // --- guarded by mu ---
  WorkableTenantOptions options;
  mutable std::mutex mu;
  detail::TenantData data;
  Fault fault = Fault::kNone;
  int fault_left = 0;
  // SetFaultAfter: `armed` becomes the fault once `armed_after` more calls were answered.
  Fault armed = Fault::kNone;
  int armed_count = 0;
  int armed_after = -1;  // -1: nothing armed
  std::chrono::milliseconds fault_delay{5000};
  bool stopping = false;  // Stop() cuts delayed answers short
  std::condition_variable stop_cv;
  bool rate_limit_headers;
  Stats stats;
  std::unordered_map<std::string, Window> windows;  // per Authorization value

  detail::LoopbackServer server;

  // Set when the tenant is mounted on a shared server (WorkableTenant::Mount): no own port.
  std::optional<WorkableTenant::Mount> mount;

  // Where the tenant's URLs start: "http://127.0.0.1:<port>", or the mount's origin + prefix.
  std::string Origin() const {
    if (mount) return mount->origin + mount->path_prefix;
    return "http://" + detail::UrlHost(options.listen_host) + ":" + std::to_string(server.port());
  }

  bool TakeFault() {
    if (fault_left <= 0) return false;
    if (--fault_left == 0) fault = Fault::kNone;
    return true;
  }

  std::chrono::seconds WindowLength() const {
    return std::chrono::seconds(std::max(1, options.rate_limit_window_s));
  }

  int64_t EpochAfter(std::chrono::seconds length) const {
    const auto end = std::chrono::system_clock::now() + length;
    return std::chrono::ceil<std::chrono::seconds>(end.time_since_epoch()).count();
  }

  Window& CurrentWindow(const std::string& key) {
    const auto now = SteadyClock::now();
    Window& w = windows[key];
    if (w.reset_epoch == 0 || now >= w.start + WindowLength()) {
      w.start = now;
      w.reset_epoch = EpochAfter(WindowLength());
      w.used = 0;
    }
    return w;
  }

  RateView View(const Window& w) const {
    const int limit = options.rate_limit_requests;
    return {true, true, limit, std::max(0, limit - w.used), w.reset_epoch};
  }

  // The headers of a response that does not count against the budget.
  RateView Peek(const std::string& key) {
    if (options.rate_limit_requests <= 0) return {};
    return View(CurrentWindow(key));
  }

  RateView StormView(const std::string& key) {
    if (options.rate_limit_requests <= 0) return {true, false, 0, 0, EpochAfter(WindowLength())};
    RateView v = View(CurrentWindow(key));
    v.remaining = 0;
    return v;
  }

  // `path` is the request's path below the tenant's mount point (req.path itself on its own port).
  void Handle(const httplib::Request& req, std::string_view path, httplib::Response& res) {
    RateView rate;
    Outcome out;
    Delivery delivery = Delivery::kNormal;
    std::chrono::milliseconds delay{0};
    bool headers = false;
    {
      std::unique_lock lock(mu);
      ++stats.requests;
      ++stats.by_path[std::string(path)];
      if (armed_after == 0) {
        fault = armed;
        fault_left = IsCounted(armed) ? std::max(armed_count, 1) : 0;
        armed_after = -1;
      } else if (armed_after > 0) {
        --armed_after;
      }
      // Transport faults take the call, whatever it asks for.
      const Fault current = fault;
      if (current == Fault::kConnectionReset || current == Fault::kTimeout || current == Fault::kSlowDrip ||
          current == Fault::kTruncatedBody) {
        if (TakeFault()) {
          delivery = current == Fault::kConnectionReset ? Delivery::kReset
                     : current == Fault::kTimeout       ? Delivery::kDelayed
                     : current == Fault::kSlowDrip      ? Delivery::kDrip
                                                        : Delivery::kTruncate;
        }
      }
      delay = fault_delay;
      if (delivery != Delivery::kReset) out = Process(req, path, rate);
      headers = rate_limit_headers;
      if (delivery == Delivery::kDelayed) {
        // The answer is ready; the client gives up first. Stop() ends the wait.
        stop_cv.wait_for(lock, delay, [this] { return stopping; });
      }
    }
    if (delivery == Delivery::kReset) {
      ResetConnection(req);
      res.status = 500;  // written to the placeholder, never seen
      return;
    }
    res.status = out.status;
    res.set_header("Date", HttpDate(std::time(nullptr)));
    if (headers && rate.present) {
      if (rate.has_limit) res.set_header("X-Rate-Limit-Limit", std::to_string(rate.limit));
      res.set_header("X-Rate-Limit-Remaining", std::to_string(rate.remaining));
      res.set_header("X-Rate-Limit-Reset", std::to_string(rate.reset));
    }
    if (delivery == Delivery::kDrip) {
      auto body = std::make_shared<std::string>(std::move(out.body));
      const size_t piece = std::max<size_t>(1, (body->size() + kDripPieces - 1) / kDripPieces);
      const auto pause = delay / kDripPieces;
      res.set_content_provider(
          body->size(), kJsonContentType,
          [this, body, piece, pause](size_t offset, size_t length, httplib::DataSink& sink) {
            {
              std::unique_lock lock(mu);
              if (stop_cv.wait_for(lock, pause, [this] { return stopping; })) return false;
            }
            return sink.write(body->data() + offset, std::min(piece, length));
          });
    } else if (delivery == Delivery::kTruncate) {
      auto body = std::make_shared<std::string>(std::move(out.body));
      res.set_content_provider(body->size(), kJsonContentType,
                               [body](size_t offset, size_t, httplib::DataSink& sink) {
                                 const size_t half = body->size() / 2;
                                 if (offset >= half) return false;  // closes the connection
                                 return sink.write(body->data() + offset, half - offset);
                               });
    } else {
      res.set_content(out.body, kJsonContentType);
    }
  }

  Outcome Process(const httplib::Request& req, std::string_view path, RateView& rate) {
    const std::string auth = req.get_header_value("Authorization");
    switch (fault) {
      case Fault::kUnauthorized: rate = Peek(auth); return Error(401, "Not authorized");
      case Fault::kForbidden: rate = Peek(auth); return Error(403, "Forbidden");
      case Fault::kNotFound: rate = Peek(auth); return NotFound();
      case Fault::kServerError:
        if (TakeFault()) {
          rate = Peek(auth);
          return Error(500, "Internal server error");
        }
        break;
      case Fault::kRateLimitStorm:
        if (TakeFault()) {
          rate = StormView(auth);
          ++stats.rate_limited;
          return Error(429, "Too many requests");
        }
        break;
      default: break;
    }
    if (options.rate_limit_requests > 0) {
      Window& w = CurrentWindow(auth);
      if (w.used >= options.rate_limit_requests) {
        rate = View(w);
        ++stats.rate_limited;
        return Error(429, "Too many requests");
      }
      ++w.used;
      rate = View(w);
    }
    if (auth != "Bearer " + options.token) return Error(401, "Not authorized");
    Outcome out = Route(req, path);
    if (out.status == 200 && fault == Fault::kInvalidJson && TakeFault())
      out.body.resize(out.body.size() / 2);
    if (out.status == 200 && IsRecordFault(fault) && fault_left > 0 && DamageFirstCandidate(fault, out.body))
      TakeFault();
    return out;
  }

  bool HasScope(std::string_view scope) const {
    return std::find(options.scopes.begin(), options.scopes.end(), scope) != options.scopes.end();
  }

  Outcome Route(const httplib::Request& req, std::string_view path) {
    if ((req.method != "GET" && req.method != "HEAD") || !path.starts_with(kApiPrefix)) return NotFound();
    const auto parts = SplitPath(path.substr(kApiPrefix.size()));
    const size_t n = parts.size();
    const std::string_view head = parts[0];
    if (head == "accounts" && n == 1) {
      JsonWriter w;
      data.WriteAccounts(w);
      return {200, w.Take()};
    }
    if (head == "stages" && n == 1) {
      if (!HasScope("r_jobs")) return Error(403, "Forbidden");
      JsonWriter w;
      data.WriteStages(w);
      return {200, w.Take()};
    }
    if (head == "jobs" && n == 1) {
      if (!HasScope("r_jobs")) return Error(403, "Forbidden");
      return ListJobs(req, path);
    }
    if (head == "jobs" && n == 3 && parts[2] == "candidates") {  // legacy per-job listing
      if (!HasScope("r_candidates")) return Error(403, "Forbidden");
      return ListCandidates(req, path, std::string(parts[1]));
    }
    if (head == "jobs" && (n == 2 || (n == 3 && parts[2] == "stages"))) {
      if (!HasScope("r_jobs")) return Error(403, "Forbidden");
      auto job = data.FindJob(parts[1]);
      if (!job) return NotFound();
      JsonWriter w;
      if (n == 3) {
        data.WriteStages(w);  // every job uses the account's pipeline
      } else {
        data.WriteJob(w, data.jobs()[*job], /*detail=*/true);
      }
      return {200, w.Take()};
    }
    if (head == "candidates" && n == 1) {
      if (!HasScope("r_candidates")) return Error(403, "Forbidden");
      return ListCandidates(req, path, std::nullopt);
    }
    if (head == "candidates" && n == 2) {
      if (!HasScope("r_candidates")) return Error(403, "Forbidden");
      auto index = data.FindCandidate(parts[1]);
      if (!index) return NotFound();
      JsonWriter w;
      w.BeginObject().Key("candidate");
      data.WriteCandidate(w, data.candidates()[*index], /*detail=*/true);
      w.EndObject();
      return {200, w.Take()};
    }
    return NotFound();
  }

  // Reads created_after/updated_after; false (and an error in `out`) when one is malformed.
  static bool ReadTimeFilter(const httplib::Request& req, const char* name, std::optional<TimeFilter>& filter,
                             Outcome& out) {
    if (!req.has_param(name)) return true;
    TimeFilter f{req.get_param_value(name), 0};
    auto t = ParseTimeParam(f.raw);
    if (!t) {
      out = Error(422, std::string("Invalid value for ") + name);
      return false;
    }
    f.after = *t;
    filter = std::move(f);
    return true;
  }

  static void AppendParam(std::string& url, std::string_view name, std::string_view value) {
    url.push_back('&');
    url.append(name);
    url.push_back('=');
    url.append(PercentEncode(value));
  }

  std::string NextUrl(const httplib::Request& req, std::string_view path, std::string_view resource, int limit,
                      std::string_view since_id,
                      const std::vector<std::pair<std::string_view, std::string>>& carried) {
    // A page reached through paging.next (it has a since_id) names itself as the next page.
    if (fault == Fault::kRepeatPage && req.has_param("since_id") && TakeFault()) {
      std::string self = Origin() + std::string(path) + "?";
      bool first = true;
      for (const auto& [name, value] : req.params) {
        if (!first) self.push_back('&');
        first = false;
        self.append(name).append("=").append(PercentEncode(value));
      }
      return self;
    }
    std::string url = fault == Fault::kForeignNextUrl && TakeFault() ? std::string(kForeignOrigin) : Origin();
    url.append("/spi/v3/").append(resource);
    url.append("?limit=").append(std::to_string(limit));
    AppendParam(url, "since_id", since_id);
    for (const auto& [name, value] : carried) AppendParam(url, name, value);
    return url;
  }

  Outcome ListJobs(const httplib::Request& req, std::string_view path) {
    Outcome error;
    std::optional<TimeFilter> created_after, updated_after;
    if (!ReadTimeFilter(req, "created_after", created_after, error) ||
        !ReadTimeFilter(req, "updated_after", updated_after, error))
      return error;
    std::optional<std::string> state_raw;
    int state = -1;
    if (req.has_param("state")) {
      state_raw = req.get_param_value("state");
      state = detail::JobStateIndex(*state_raw);  // unknown: matches nothing
    }
    size_t start = 0;
    if (req.has_param("since_id")) {
      auto s = data.JobLowerBound(req.get_param_value("since_id"));
      if (!s) return Error(422, "Invalid value for since_id");
      start = *s;
    }
    const int limit = ParseLimit(req);
    const auto& jobs = data.jobs();
    JsonWriter w;
    w.BeginObject().Key("jobs").BeginArray();
    int count = 0;
    size_t next = jobs.size();
    for (size_t i = start; i < jobs.size(); ++i) {
      const detail::JobRecord& job = jobs[i];
      if (state_raw && job.state != state) continue;
      if (created_after && job.created_at <= created_after->after) continue;
      if (updated_after && job.updated_at <= updated_after->after) continue;
      if (count == limit) {
        next = i;
        break;
      }
      data.WriteJob(w, job, /*detail=*/false);
      ++count;
    }
    w.EndArray();
    if (next < jobs.size()) {
      std::vector<std::pair<std::string_view, std::string>> carried;
      if (state_raw) carried.emplace_back("state", *state_raw);
      if (created_after) carried.emplace_back("created_after", created_after->raw);
      if (updated_after) carried.emplace_back("updated_after", updated_after->raw);
      w.Key("paging")
          .BeginObject()
          .Key("next")
          .String(NextUrl(req, path, "jobs", limit, jobs[next].id, carried))
          .EndObject();
    }
    w.EndObject();
    return {200, w.Take()};
  }

  // WorkableTenantOptions::huge_page_candidates tiny candidates on one page, whatever `limit` says.
  Outcome HugePage() {
    std::string shortcode;
    for (const auto& job : data.jobs())
      if (detail::JobStateName(job.state) == "published") {
        shortcode = job.shortcode;
        break;
      }
    std::string body = R"({"candidates":[)";
    body.reserve(static_cast<size_t>(options.huge_page_candidates) * 42 + 64);
    char id[16];
    for (int i = 0; i < options.huge_page_candidates; ++i) {
      std::snprintf(id, sizeof id, "h%07d", i);
      if (i > 0) body += ',';
      body.append(R"({"id":")")
          .append(id)
          .append(R"(","job":{"shortcode":")")
          .append(shortcode)
          .append("\"}}");
    }
    body += "]}";
    return {200, std::move(body)};
  }

  // GET /candidates, or the legacy GET /jobs/:shortcode/candidates when `path_shortcode` is set.
  // Like Workable, a listing filtered by job pages on through the legacy per-job URL.
  Outcome ListCandidates(const httplib::Request& req, std::string_view path,
                         const std::optional<std::string>& path_shortcode) {
    if (options.huge_page_candidates > 0) return HugePage();
    Outcome error;
    std::optional<TimeFilter> created_after, updated_after;
    if (!ReadTimeFilter(req, "created_after", created_after, error) ||
        !ReadTimeFilter(req, "updated_after", updated_after, error))
      return error;
    std::string shortcode = path_shortcode ? *path_shortcode : req.get_param_value("shortcode");
    std::optional<size_t> job;
    if (!shortcode.empty()) {
      job = data.FindJob(shortcode);
      if (!job) return NotFound();
    }
    std::optional<std::string> stage_raw, email;
    int stage = -1;
    if (req.has_param("stage")) {
      stage_raw = req.get_param_value("stage");
      stage = detail::StageIndex(*stage_raw);  // unknown: matches nothing
    }
    if (req.has_param("email")) email = req.get_param_value("email");
    size_t start = 0;
    if (req.has_param("since_id")) {
      auto s = data.CandidateLowerBound(req.get_param_value("since_id"));
      if (!s) return Error(422, "Invalid value for since_id");
      start = *s;
    }
    const int limit = ParseLimit(req);
    const auto& candidates = data.candidates();
    JsonWriter w;
    w.BeginObject().Key("candidates").BeginArray();
    int count = 0;
    size_t next = candidates.size();
    for (size_t i = start; i < candidates.size(); ++i) {
      const detail::CandidateRecord& c = candidates[i];
      if (c.deleted) continue;
      if (job && c.job != *job) continue;
      if (stage_raw && c.stage != stage) continue;
      if (created_after && c.created_at <= created_after->after) continue;
      if (updated_after && c.updated_at <= updated_after->after) continue;
      if (email && data.Email(c) != *email) continue;
      if (count == limit) {
        next = i;
        break;
      }
      data.WriteCandidate(w, c, /*detail=*/false);
      ++count;
    }
    w.EndArray();
    if (next < candidates.size()) {
      std::vector<std::pair<std::string_view, std::string>> carried;
      if (stage_raw) carried.emplace_back("stage", *stage_raw);
      if (email) carried.emplace_back("email", *email);
      if (created_after) carried.emplace_back("created_after", created_after->raw);
      if (updated_after) carried.emplace_back("updated_after", updated_after->raw);
      const std::string resource =
          job ? "jobs/" + PercentEncode(data.jobs()[*job].shortcode) + "/candidates" : "candidates";
      w.Key("paging").BeginObject();
      w.Key("next").String(NextUrl(req, path, resource, limit, candidates[next].id, carried));
      w.EndObject();
    }
    w.EndObject();
    return {200, w.Take()};
  }
};

WorkableTenant::WorkableTenant(WorkableTenantOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

WorkableTenant::WorkableTenant(WorkableTenantOptions options, Mount mount)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->mount = std::move(mount);
}

void WorkableTenant::Serve(const httplib::Request& req, std::string_view path, httplib::Response& res) {
  impl_->Handle(req, path, res);
}

WorkableTenant::~WorkableTenant() {
  Stop();
}

bool WorkableTenant::Start() {
  Impl* impl = impl_.get();
  if (impl->mount) return false;  // served by the shared server it is mounted on
  {
    std::lock_guard lock(impl->mu);
    impl->stopping = false;
  }
  return impl->server.Start(
      impl->options.listen_host, impl->options.port,
      [impl](const httplib::Request& req, httplib::Response& res) { impl->Handle(req, req.path, res); });
}

void WorkableTenant::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->stop_cv.notify_all();
  impl_->server.Stop();
}

int WorkableTenant::port() const {
  return impl_->server.port();
}

std::string WorkableTenant::base_url() const {
  return impl_->Origin() + "/spi/v3";
}

std::vector<SimJob> WorkableTenant::jobs() const {
  std::lock_guard lock(impl_->mu);
  std::vector<SimJob> out;
  out.reserve(impl_->data.jobs().size());
  for (const auto& job : impl_->data.jobs()) out.push_back(impl_->data.ToSim(job));
  return out;
}

std::vector<SimCandidate> WorkableTenant::candidates() const {
  std::lock_guard lock(impl_->mu);
  std::vector<SimCandidate> out;
  out.reserve(impl_->data.candidates().size());
  for (const auto& c : impl_->data.candidates())
    if (!c.deleted) out.push_back(impl_->data.ToSim(c));
  return out;
}

std::string WorkableTenant::AddCandidate(const std::string& job_shortcode) {
  std::lock_guard lock(impl_->mu);
  auto job = impl_->data.FindJob(job_shortcode);
  return job ? impl_->data.AddCandidate(*job) : std::string();
}

bool WorkableTenant::MoveCandidate(const std::string& candidate_id, const std::string& stage_kind) {
  std::lock_guard lock(impl_->mu);
  auto index = impl_->data.FindCandidate(candidate_id);
  const int stage = detail::StageIndex(stage_kind);
  return index && stage >= 0 && impl_->data.MoveCandidate(*index, stage);
}

bool WorkableTenant::Disqualify(const std::string& candidate_id, const std::string& reason) {
  std::lock_guard lock(impl_->mu);
  auto index = impl_->data.FindCandidate(candidate_id);
  return index && impl_->data.Disqualify(*index, reason);
}

bool WorkableTenant::DeleteCandidate(const std::string& candidate_id) {
  std::lock_guard lock(impl_->mu);
  auto index = impl_->data.FindCandidate(candidate_id);
  return index && impl_->data.DeleteCandidate(*index);
}

bool WorkableTenant::RestoreCandidate(const std::string& candidate_id) {
  std::lock_guard lock(impl_->mu);
  return impl_->data.RestoreCandidate(candidate_id);
}

std::string WorkableTenant::AddJob(const std::string& state) {
  std::lock_guard lock(impl_->mu);
  const int s = detail::JobStateIndex(state);
  return s < 0 ? std::string() : impl_->data.AddJob(s);
}

bool WorkableTenant::SetJobState(const std::string& shortcode, const std::string& state) {
  std::lock_guard lock(impl_->mu);
  auto job = impl_->data.FindJob(shortcode);
  const int s = detail::JobStateIndex(state);
  return job && s >= 0 && impl_->data.SetJobState(*job, s);
}

std::vector<std::string> WorkableTenant::MutateRandom(int n) {
  std::lock_guard lock(impl_->mu);
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) lines.push_back(impl_->data.MutateRandom());
  return lines;
}

void WorkableTenant::SetFault(Fault fault, int count) {
  std::lock_guard lock(impl_->mu);
  impl_->fault = fault;
  impl_->armed_after = -1;  // replaces a fault armed by SetFaultAfter
  // A counted fault with no count affects the next call.
  impl_->fault_left = IsCounted(fault) ? std::max(count, 1) : 0;
}

void WorkableTenant::SetFaultAfter(int requests, Fault fault, int count) {
  std::lock_guard lock(impl_->mu);
  impl_->armed = fault;
  impl_->armed_count = count;
  impl_->armed_after = std::max(requests, 0);
}

void WorkableTenant::SetFaultDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mu);
  impl_->fault_delay = delay;
}

std::vector<SimCandidate> WorkableTenant::deleted_candidates() const {
  std::lock_guard lock(impl_->mu);
  std::vector<SimCandidate> out;
  for (const auto& c : impl_->data.candidates())
    if (c.deleted) out.push_back(impl_->data.ToSim(c));
  return out;
}

void WorkableTenant::FreezeClock(bool frozen) {
  std::lock_guard lock(impl_->mu);
  impl_->data.FreezeClock(frozen);
}

std::string WorkableTenant::clock() const {
  std::lock_guard lock(impl_->mu);
  return FormatRfc3339(SystemTime{std::chrono::seconds{impl_->data.clock()}});
}

void WorkableTenant::SetRateLimitHeaders(bool on) {
  std::lock_guard lock(impl_->mu);
  impl_->rate_limit_headers = on;
}

Stats WorkableTenant::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

void WorkableTenant::ResetStats() {
  std::lock_guard lock(impl_->mu);
  impl_->stats = Stats{};
}

}  // namespace ats::sim
