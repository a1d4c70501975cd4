#pragma once
// The whole configuration, declared once as plain structs with their defaults. The YAML loader
// (config_loader.cpp) fills them, rejects unknown keys and reports every problem with its key
// path; nothing else in the program reads YAML.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ats::config {

struct RateLimitConfig {
  int requests = 10;  // requests allowed ...
  int per_s = 10;     // ... per this many seconds, per account token (Workable's default)
  bool operator==(const RateLimitConfig&) const = default;
};

struct WorkableConfig {
  std::string subdomain;   // "acme", never "acme.workable.com"
  std::string api_token;   // resolved secret (from api_token_file or ${ENV}); never logged
  // Override of https://{subdomain}.workable.com/spi/v3 (proxies, the simulator in tests).
  std::string base_url;
  bool allow_insecure_http = false;  // required for a plain http:// base_url
  RateLimitConfig rate_limit;
  // https without certificate verification (test servers only; logs a warning at start-up).
  bool insecure_skip_tls_verify = false;
  int page_size = 100;  // Workable's maximum
  bool operator==(const WorkableConfig&) const = default;
};

// One Workday custom report (Report-as-a-Service) that lists candidates / job applications.
struct WorkdayReportConfig {
  // https://{host}/ccx/service/customreport2/{tenant}/{owner}/{report}; format=json is forced.
  std::string url;
  std::string auth = "bearer";  // "bearer" (the OAuth token) or "basic" (integration system user)
  std::string username;         // basic: the ISU, e.g. ISU_ATS@acme
  std::string password;         // basic: resolved from password_file or ${ENV}; never logged
  // Extra query parameters (report prompts), e.g. {From_Date: 2026-01-01}.
  std::map<std::string, std::string> prompts;
  bool operator==(const WorkdayReportConfig&) const = default;
};

// Which report column (its alias, as in the report definition) means what. Columns that are not
// mapped are carried through as `attributes`.
struct WorkdayColumns {
  std::string candidate_id = "Candidate_ID";
  std::string application_id = "Job_Application_ID";  // record id when present, else candidate_id
  std::string job_id = "Job_Requisition_ID";
  std::string stage = "Stage";
  std::string status = "Status";
  std::string name = "Candidate_Name";
  std::string email = "Email";
  std::string phone = "Phone";
  std::string updated_at = "Last_Updated";
  bool operator==(const WorkdayColumns&) const = default;
};

struct WorkdayConfig {
  // https://{host}/ccx/api/v1/{tenant} or https://{host}/ccx/api/{service}/{version}/{tenant}
  std::string rest_endpoint;
  std::string token_endpoint;  // default: https://{host}/ccx/oauth2/{tenant}/token
  std::string client_id;
  std::string client_secret;   // resolved from client_secret_file or ${ENV}
  std::string refresh_token;   // resolved; a rotated token persisted in the snapshot wins
  std::string client_auth = "body";  // "body" (client_id/secret form fields) or "basic"
  // Job postings, relative to https://{host}/ccx/api/ ({tenant} is substituted).
  std::string jobs_path = "recruiting/v4/{tenant}/jobPostings";
  std::vector<WorkdayReportConfig> reports;
  WorkdayColumns columns;
  bool allow_insecure_http = false;
  int page_size = 100;  // REST limit (Workday's maximum is 100)
  RateLimitConfig rate_limit{10, 1};  // Workday publishes no limit; 10 requests/s is polite
  // https without certificate verification (test servers only; logs a warning at start-up).
  bool insecure_skip_tls_verify = false;
  bool operator==(const WorkdayConfig&) const = default;
};

// What of a record reaches events, dead letters and the snapshot (`fields:`; README "Field
// policy"). Names: "x" is a top-level field, "attributes.x" a custom field / report column;
// compared case-insensitively, ignoring everything but letters and digits.
struct FieldPolicyConfig {
  std::vector<std::string> exclude;            // removed
  std::vector<std::string> include_only;       // when set: only these (and the connector's own) kept
  std::vector<std::string> hash;               // replaced by "hmac-sha256:<hex>" under hash_key
  std::vector<std::string> include_protected;  // protected characteristics opted back in
  std::string hash_key;  // resolved from hash_key_file or ${ENV}; never logged
  // A dead letter whose raw record is not JSON cannot be checked: "withhold" its raw text
  // (default) or "publish" it as received.
  std::string dead_letter_unparsed = "withhold";
  bool operator==(const FieldPolicyConfig&) const = default;
};

struct ConnectionConfig {
  std::string id;      // [a-z0-9][a-z0-9._-]*, unique; used in keys, metrics labels and paths
  std::string source;  // "workable" or "workday"
  WorkableConfig workable;
  WorkdayConfig workday;
  int poll_interval_s = 60;
  int request_timeout_s = 30;
  // Sync options
  bool all_jobs = true;                   // `jobs: all`
  std::vector<std::string> jobs;          // `jobs: [shortcode, ...]` when all_jobs is false
  std::vector<std::string> job_states = {"published"};  // jobs in these states are processed
  std::vector<std::string> trigger_stages;               // stages that ask for follow-up
  std::vector<std::string> job_departments;  // when set, only jobs of these departments
  std::vector<std::string> job_locations;    // when set, only jobs whose location mentions one of these
  // Source stage name / kind / status → canonical stage; extends and overrides the defaults.
  std::map<std::string, std::string> stage_map;
  std::string publish = "all";  // "all" or "triggers_only" (only candidate events with follow_up)
  // Incremental sync (sources that can list by updated time): list only what changed since
  // the cursor minus the overlap; a full listing every full_reconcile_interval_s finds deletions.
  bool incremental = true;
  int incremental_overlap_s = 60;
  int full_reconcile_interval_s = 6 * 3600;
  // Bounds on what a tenant can make the connector hold (a page) or do (a listing); past one,
  // the listing fails with a page_limit error naming the key, counted in
  // ats_connector_page_limit_exceeded_total{limit}. The defaults fit a 512 MiB pod.
  int max_page_mib = 32;              // a page's body (Workable pages of 100 are ~0.1-1 MiB)
  int max_page_records = 100'000;     // records on one page (Workable sends at most 100)
  int max_listing_pages = 100'000;    // pages of one listing (10 M records at 100 a page)
  int max_next_url_bytes = 8 * 1024;  // a paging.next URL
  FieldPolicyConfig fields;
  // Whole-value comparison: a reload restarts only the connections whose settings changed.
  bool operator==(const ConnectionConfig&) const = default;
};

struct TopicsConfig {
  std::string candidate_changed = "ats.candidate-changed.v1";
  std::string job_imported = "ats.job-imported.v1";
  std::string job_changed = "ats.job-changed.v1";  // a selected job closed, reopened, left the selection...
  std::string dead_letter = "ats.dead-letter.v1";
  // Compacted current-state topics: the full record per key, a tombstone when it goes.
  std::string candidates_state = "ats.candidates.state.v1";
  std::string jobs_state = "ats.jobs.state.v1";
  // A connection created, changed, paused, turned Active or Failed, a listing completed (the
  // control plane's view; key = connection id).
  std::string connection_status = "ats.connection-status.v1";
};

struct KafkaConfig {
  std::string bootstrap_servers = "embedded";  // "embedded" = in-process mock cluster
  std::string client_id = "ats-connector";
  TopicsConfig topics;
  int embedded_brokers = 1;
  int delivery_timeout_s = 60;                 // maps to message.timeout.ms
  std::map<std::string, std::string> rdkafka;  // passed through to librdkafka as given, bar the
                                               // entries that void the guarantees (rdkafka_guard.hpp)
  bool bootstrap_servers_given = false;  // written in the file: `run` requires it
  bool embedded() const { return bootstrap_servers == "embedded"; }
};

struct SnapshotConfig {
  std::string path = "./data/snapshot";
};

struct HttpConfig {
  std::string listen = "0.0.0.0:8080";  // host:port of /metrics, /healthz, /readyz, /status
  // A second host:port serving only /healthz, /readyz and /metrics (the kubelet's probes and the
  // scrape), shared with no admin or API client; empty = none.
  std::string health_listen;
  int max_connections = 128;            // open connections in all, per listener
  int max_connections_per_client = 16;  // open connections from one client address
  int idle_timeout_s = 10;              // a connection silent this long is closed
  int max_header_bytes = 32768;         // request line + headers (431 past it)
  // Bearer token of the admin API (/v1/...), from admin_token_file or ${ENV}; empty = API off.
  std::string admin_token;
  // Read-only bearer token of the admin API (GET only), from read_token_file or ${ENV}; empty =
  // none. Never equal to admin_token.
  std::string read_token;
};

// Secrets at rest (docs/guarantees.md "Secrets at rest").
struct SecretsConfig {
  // The keyring (`ats-connector keygen --out FILE`) that seals secrets the connector stores:
  // API connections' credentials and rotated Workday refresh tokens in the snapshot. Empty =
  // none: rotated tokens are stored unencrypted and the connections API refuses writes.
  // Only the path is kept: whoever seals loads it with connections::Keyring::Load.
  std::string keyring_file;
};

// How the connections are run (`runtime:`): a scheduler hands due connections to a bounded pool
// of worker threads; a connection waiting for its poll interval or rate limit holds no thread.
struct RuntimeConfig {
  int worker_threads = 8;  // pool threads running sync cycles (1..256); the thread budget's main part
};

// Cluster mode (`cluster:`, docs/operations.md "Cluster mode"): replicas share the connections
// through a Kafka consumer group on the state topic, whose partitions are the unit of work; the
// state lives in that compacted changelog and snapshot.path becomes a local cache of it.
struct ClusterConfig {
  std::string mode = "single";  // single: one process, local snapshot | kafka: replicas share the work
  std::string group_id = "ats-connector";  // consumer group; transactional ids <group_id>-state-<p>
  std::string state_topic = "ats.connector.state";              // compacted changelog
  std::string connections_topic = "ats.connector.connections";  // compacted: API connection definitions
  int state_partitions = 12;    // fixed once the topic exists: a connection's partition is its home
  int replication_factor = 3;   // of the topics the connector creates
  int min_insync_replicas = 2;
  bool create_topics = true;    // create missing cluster topics; false: check them only
  std::string delivery = "exactly_once";  // exactly_once (transactions) | at_least_once
  int session_timeout_s = 10;   // a silent replica's partitions move after this
  int commit_interval_ms = 100; // a partition's transaction gathers stages this long at most
  bool kafka_mode() const { return mode == "kafka"; }
  bool exactly_once() const { return delivery == "exactly_once"; }
};

struct Config {
  std::vector<ConnectionConfig> connections;
  RuntimeConfig runtime;
  ClusterConfig cluster;
  KafkaConfig kafka;
  SnapshotConfig snapshot;
  HttpConfig http;
  SecretsConfig secrets;
  std::string log_level = "info";
  int shutdown_grace_s = 25;
};

// One problem found while loading: where it is and what to do.
struct Problem {
  std::string path;     // e.g. "connections[0].workable.subdomain"
  std::string message;  // e.g. "enter just the subdomain 'acme', not 'acme.workable.com'"
};

// Thrown by the loader with every problem found (not just the first).
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Problem> problems);
  const std::vector<Problem>& problems() const { return problems_; }

 private:
  std::vector<Problem> problems_;
};

// What a configuration is loaded for. `run` (and `validate`, its pre-flight) needs
// kafka.bootstrap_servers written out: without it the events would go to an in-memory Kafka and
// vanish on restart while the snapshot on disk remembers them as published. `check` and tests
// load connections only.
enum class Purpose { kAny, kRun };

// Parses and validates. `env` resolves ${VAR} references (nullptr: the process environment).
// Secret files are read relative to the current directory. Throws ConfigError.
using EnvLookup = std::optional<std::string> (*)(const std::string& name);
Config LoadConfigFile(const std::string& path, EnvLookup env = nullptr, Purpose purpose = Purpose::kAny);
Config LoadConfigString(const std::string& yaml, EnvLookup env = nullptr, Purpose purpose = Purpose::kAny);

// One connection as the control API receives it (POST /v1/connections): JSON in the shape of a
// YAML connection, every rule of the YAML loader, problem paths relative to the connection
// ("workable.subdomain"), credentials inline only (no *_file keys), ${...} refused, not expanded.
struct ConnectionDocumentResult {
  std::optional<ConnectionConfig> connection;  // set when `problems` is empty
  std::vector<Problem> problems;
};
inline constexpr size_t kMaxConnectionDocumentBytes = 256 * 1024;  // the admin server's body limit
ConnectionDocumentResult ParseConnectionDocument(const std::string& json);
// The secret values a connection holds (tokens, client secret, report passwords, hash key),
// non-empty ones only: what the log redaction must know once the connection is accepted.
std::vector<std::string> SecretsOf(const ConnectionConfig& connection);

// The https://{subdomain}.workable.com/spi/v3 base URL, or the base_url override.
std::string WorkableBaseUrl(const WorkableConfig& c);

}  // namespace ats::config

namespace ats::config {

// ---- Workday URLs (implemented in config_loader.cpp; the loader and the source share them) ----

// What a Workday REST endpoint (from View API Clients) says. Two forms are accepted:
// https://{host}/ccx/api/{version}/{tenant} (e.g. /ccx/api/v1/acme) and
// https://{host}/ccx/api/{service}/{version}/{tenant} (e.g. /ccx/api/recruiting/v4/acme).
struct WorkdayEndpoint {
  std::string scheme;          // "https" ("http" only for a local simulator)
  std::string host;            // lower-cased host, with ":port" when one was written
  std::string tenant;          // e.g. "acme_preview"
  std::string service;         // "" for the /ccx/api/{version}/{tenant} form, else e.g. "recruiting"
  std::string version;         // e.g. "v1", "v4"
  std::string api_base;        // {scheme}://{host}/ccx/api: jobs_path is relative to it
  std::string token_endpoint;  // {scheme}://{host}/ccx/oauth2/{tenant}/token
};
// nullopt when the URL has neither form (or has credentials, a query or a fragment). A
// trailing slash is accepted.
std::optional<WorkdayEndpoint> ParseWorkdayEndpoint(const std::string& rest_endpoint);

// A custom report's Web Service URL:
// https://{host}/ccx/service/customreport2/{tenant}/{owner}/{report}[?query].
struct WorkdayReportUrl {
  std::string scheme;
  std::string host;  // lower-cased, with ":port" when one was written
  std::string tenant;
  std::string owner;
  std::string report;
  std::string query;  // without the '?'; may be empty
};
std::optional<WorkdayReportUrl> ParseWorkdayReportUrl(const std::string& url);

}  // namespace ats::config
