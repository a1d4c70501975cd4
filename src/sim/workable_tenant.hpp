#pragma once
// A simulated Workable account served over real HTTP on loopback: the /spi/v3 API shapes
// (jobs, candidates, stages; paging.next; X-Rate-Limit-* headers; 429; {"error": "..."}
// bodies), a deterministic generated data set, mutations, switchable faults and request
// counters. Used by sandbox mode, the tests and the benchmarks.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/protected_marker.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace ats::sim {

struct WorkableTenantOptions {
  std::string subdomain = "sandbox";
  std::string token = "sandbox-token-0123456789";
  std::vector<std::string> scopes = {"r_jobs", "r_candidates"};
  uint64_t seed = 42;
  int jobs = 5;  // generated jobs (mostly published; some closed/draft/archived)
  int candidates_per_job = 20;
  // Rate limiting as Workable does it: `rate_limit_requests` per `rate_limit_window_s` per
  // token, 429 beyond. 0 requests = no limit (benchmarks).
  int rate_limit_requests = 10;
  int rate_limit_window_s = 10;
  bool rate_limit_headers = true;  // send X-Rate-Limit-Limit/Remaining/Reset
  std::string listen_host = "127.0.0.1";
  int port = 0;  // 0 = any free port
  // A server that ignores `limit` (hostile-input tests): when > 0, GET /candidates answers one
  // page of this many tiny candidates of the first published job, {"id":"h0000001","job":
  // {"shortcode":"..."}} (about 40 bytes each: a million take 39 MiB), and no paging.next.
  int huge_page_candidates = 0;
  // Candidates also carry what a Workable account can collect about protected characteristics:
  // questionnaire `answers` (a gender question and a harmless one) and `custom_attributes`
  // (Date of Birth, Nationality, and a harmless T-shirt size). Every protected value starts with
  // sim::kProtectedMarker (sim/protected_marker.hpp).
  bool protected_answers = false;
};

// Ground truth as a test compares it with what reached Kafka.
struct SimJob {
  std::string id;         // opaque id
  std::string shortcode;  // the id the connector keys jobs by
  std::string title;
  std::string state;  // draft|published|closed|archived
  std::string department;
  std::string created_at, updated_at;
};
struct SimCandidate {
  std::string id;  // opaque hex string of varying length
  std::string name, firstname, lastname, email, phone, headline;
  std::string job_shortcode, job_title;
  std::string stage;       // display name, e.g. "Phone Screen"
  std::string stage_kind;  // kind slug, e.g. "phone-screen"
  bool disqualified = false;
  std::string disqualification_reason;  // "" = null
  std::string created_at, updated_at;
};

enum class Fault {
  kNone,
  kUnauthorized,    // every call: 401 {"error":"Not authorized"}
  kForbidden,       // every call: 403 {"error":"Forbidden"}
  kNotFound,        // every call: 404 {"error":"Not found"} (wrong subdomain)
  kServerError,     // next `count` calls: 500
  kRateLimitStorm,  // next `count` calls: 429 (with Reset header unless headers are off)
  kInvalidJson,     // next `count` calls: 200 with a truncated body
  kForeignNextUrl,  // paging.next points at another host
  // Transport faults, each for the next `count` calls:
  kConnectionReset,  // the connection is reset (TCP RST) before any answer
  kTimeout,          // the answer comes only after the fault delay (set the client's timeout below it)
  kSlowDrip,         // the body trickles in 64 pieces spread over the fault delay
  kTruncatedBody,    // Content-Length announces the whole body; half is sent, then the connection closes
  // A listing page that has a predecessor (a since_id) names itself as paging.next, for the
  // next `count` such pages: a loop the client must refuse.
  kRepeatPage,
  // Record faults: in the next `count` candidate listings, the first candidate is damaged.
  kMissingField,  // it has no "id"
  kWrongType,     // its "disqualified" is the string "maybe"
  kHugeField,     // its "headline" is a 10 MiB string
  kOddNumber,     // it gains an ignored field "score": 1e400 (valid JSON, not a double)
  kInvalidUtf8,   // it gains an ignored field "note": "caf\xE9" (a Latin-1 byte, not UTF-8)
};

struct Stats {
  int64_t requests = 0;
  int64_t rate_limited = 0;                // 429s sent
  std::map<std::string, int64_t> by_path;  // "/spi/v3/candidates" -> n
};

class WorkableTenant {
 public:
  explicit WorkableTenant(WorkableTenantOptions options);
  // A tenant mounted on a shared server (sim/workable_fleet.hpp) instead of a port of its own:
  // the server hands it, through Serve(), the requests under `path_prefix` ("/t/tenant-00001"),
  // and its URLs (base_url(), paging.next) start with `origin` + `path_prefix`. Start() then
  // refuses (returns false); options.listen_host and options.port are unused.
  struct Mount {
    std::string origin;  // "http://127.0.0.1:<port>" of the shared server
    std::string path_prefix;
  };
  WorkableTenant(WorkableTenantOptions options, Mount mount);
  ~WorkableTenant();
  WorkableTenant(const WorkableTenant&) = delete;
  WorkableTenant& operator=(const WorkableTenant&) = delete;

  // Binds and serves in a background thread. Returns false if the port cannot be bound.
  bool Start();
  void Stop();
  int port() const;
  // "http://127.0.0.1:<port>/spi/v3", the base_url a connection points at (mounted: the
  // mount's origin + prefix + "/spi/v3").
  std::string base_url() const;
  // Answers one request of a mounted tenant; `path` is req.path below the mount's prefix
  // ("/spi/v3/jobs"). Thread-safe, like everything here.
  void Serve(const httplib::Request& req, std::string_view path, httplib::Response& res);

  // --- ground truth ---
  std::vector<SimJob> jobs() const;
  std::vector<SimCandidate> candidates() const;

  // --- mutations (each bumps updated_at to the tenant clock, which is monotonic) ---
  // Returns the new candidate's id.
  std::string AddCandidate(const std::string& job_shortcode);
  bool MoveCandidate(const std::string& candidate_id, const std::string& stage_kind);
  bool Disqualify(const std::string& candidate_id, const std::string& reason);
  bool DeleteCandidate(const std::string& candidate_id);
  // A deleted candidate back with identical content (its old updated_at: no clock tick).
  bool RestoreCandidate(const std::string& candidate_id);
  // Returns the new job's shortcode.
  std::string AddJob(const std::string& state = "published");
  bool SetJobState(const std::string& shortcode, const std::string& state);
  // Applies `n` random mutations (deterministic from the seed); returns one line each,
  // e.g. "moved 1a2b3c to interview", for sandbox logs.
  std::vector<std::string> MutateRandom(int n);

  // --- faults and counters ---
  void SetFault(Fault fault, int count = 0);
  // Like SetFault, but only once `requests` more calls have been answered normally: e.g. to let
  // a listing commit its first pages and then interrupt it at a known page.
  void SetFaultAfter(int requests, Fault fault, int count = 0);
  // How long kTimeout holds an answer back and kSlowDrip spreads a body (default 5 s).
  void SetFaultDelay(std::chrono::milliseconds delay);
  // Candidates deleted so far (ground truth of deletions; candidates() lists the live ones).
  std::vector<SimCandidate> deleted_candidates() const;
  void SetRateLimitHeaders(bool on);
  // Frozen: the next mutations all get the same updated_at (ties at the sync cursor).
  void FreezeClock(bool frozen);
  // The tenant clock (RFC 3339, whole seconds): the updated_at the latest mutation gave its
  // record. It is simulated time, not wall time; ats-sim --mutation-log pairs the two.
  std::string clock() const;
  Stats stats() const;
  void ResetStats();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ats::sim
