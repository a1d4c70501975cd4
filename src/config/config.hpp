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
};

struct WorkableConfig {
  std::string subdomain;   // "acme", never "acme.workable.com"
  std::string api_token;   // resolved secret (from api_token_file or ${ENV}); never logged
  // Override of https://{subdomain}.workable.com/spi/v3 (proxies, the simulator in tests).
  std::string base_url;
  bool allow_insecure_http = false;  // required for a plain http:// base_url
  RateLimitConfig rate_limit;
  int page_size = 100;  // Workable's maximum
};

struct ConnectionConfig {
  std::string id;      // [a-z0-9][a-z0-9._-]*, unique; used in keys, metrics labels and paths
  std::string source;  // "workable" (the only one so far)
  WorkableConfig workable;
  int poll_interval_s = 60;
  int request_timeout_s = 30;
  // Sync options
  bool all_jobs = true;                   // `jobs: all`
  std::vector<std::string> jobs;          // `jobs: [shortcode, ...]` when all_jobs is false
  std::vector<std::string> job_states = {"published"};  // jobs in these states are processed
  std::vector<std::string> trigger_stages;               // stages that ask for follow-up
};

struct TopicsConfig {
  std::string candidate_changed = "ats.candidate-changed.v1";
  std::string job_imported = "ats.job-imported.v1";
  std::string dead_letter = "ats.dead-letter.v1";
};

struct KafkaConfig {
  std::string bootstrap_servers = "embedded";  // "embedded" = in-process mock cluster
  std::string client_id = "ats-connector";
  TopicsConfig topics;
  int embedded_brokers = 1;
  int delivery_timeout_s = 60;                 // maps to message.timeout.ms
  std::map<std::string, std::string> rdkafka;  // passed through to librdkafka as given
  bool embedded() const { return bootstrap_servers == "embedded"; }
};

struct SnapshotConfig {
  std::string path = "./data/snapshot";
};

struct HttpConfig {
  std::string listen = "0.0.0.0:8080";  // host:port of /metrics, /healthz, /readyz, /status
};

struct Config {
  std::vector<ConnectionConfig> connections;
  KafkaConfig kafka;
  SnapshotConfig snapshot;
  HttpConfig http;
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

// Parses and validates. `env` resolves ${VAR} references (nullptr: the process environment).
// Secret files are read relative to the current directory. Throws ConfigError.
using EnvLookup = std::optional<std::string> (*)(const std::string& name);
Config LoadConfigFile(const std::string& path, EnvLookup env = nullptr);
Config LoadConfigString(const std::string& yaml, EnvLookup env = nullptr);

// The https://{subdomain}.workable.com/spi/v3 base URL, or the base_url override.
std::string WorkableBaseUrl(const WorkableConfig& c);

}  // namespace ats::config
