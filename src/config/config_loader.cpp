// The YAML loader: the only code that reads YAML. It walks the document once, fills the structs
// of config.hpp and collects every problem (unknown key, wrong type, out-of-range value, missing
// credential...) with its key path, then throws a single ConfigError listing them all, so a user
// fixes the whole file in one pass. Messages say what to write instead, and never contain a
// secret's value.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/field_names.hpp"
#include "common/log.hpp"
#include "common/stages.hpp"
#include "config/config.hpp"
#include "config/problem_text.hpp"
#include "connections/keyring.hpp"
#include "config/rdkafka_guard.hpp"
#include "config/secret_file.hpp"
#include "config/shared_accounts.hpp"

namespace ats::config {
namespace {

constexpr size_t kMaxTokenFileBytes = 64 * 1024;
// The admin API's bearer token: long enough that guessing it over the network is hopeless.
constexpr size_t kMinAdminTokenChars = 16;

// ---------------------------------------------------------------------------------------------
// Small text helpers

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || IsDigit(c);
}
bool IsAlnum(char c) {
  return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return IsDigit(c); });
}

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// Classic Levenshtein distance (insert, delete, substitute), two rows.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1);
  std::vector<size_t> cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// The known key closest to `unknown`, or "" when none is close enough to be a useful hint.
std::string ClosestKey(std::string_view unknown, const std::vector<std::string_view>& known) {
  const std::string u = Lower(unknown);
  std::string_view best;
  size_t best_distance = SIZE_MAX;
  for (std::string_view k : known) {
    const size_t d = EditDistance(u, k);
    if (d < best_distance) {
      best_distance = d;
      best = k;
    }
  }
  if (!best.empty() && best_distance <= std::max<size_t>(2, best.size() / 3)) return std::string(best);
  // "token" -> "api_token", "interval" -> "poll_interval_s": a key that contains the typo (or
  // the other way round) is a good guess even when many letters differ.
  std::string_view containing;
  size_t containing_distance = SIZE_MAX;
  if (u.size() >= 4) {
    for (std::string_view k : known) {
      if (k.find(u) == std::string_view::npos && u.find(k) == std::string_view::npos) continue;
      if (const size_t d = EditDistance(u, k); d < containing_distance) {
        containing_distance = d;
        containing = k;
      }
    }
  }
  return std::string(containing);
}

std::string JoinList(const std::vector<std::string_view>& items, std::string_view last_sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? std::string(last_sep) : std::string(", ");
    out += items[i];
  }
  return out;
}

// A short description of what was found, for "expected X, got Y" messages. Never used for
// secret values.
std::string Describe(const YAML::Node& node) {
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  if (node.IsNull()) return "no value";
  return "'" + node.Scalar() + "'";
}

// host:port, or [v6]:port. `min_port` is 0 for listen addresses (0 = any free port), else 1.
bool ValidHostPort(std::string_view s, int min_port) {
  size_t colon;
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos || close < 2 || close + 1 >= s.size() || s[close + 1] != ':')
      return false;
    for (char c : s.substr(1, close - 1))
      if (!(IsAlnum(c) || c == ':' || c == '.')) return false;
    colon = close + 1;
  } else {
    colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0 || s.find(':', colon + 1) != std::string_view::npos)
      return false;
    for (char c : s.substr(0, colon))
      if (!(IsAlnum(c) || c == '.' || c == '-' || c == '_')) return false;
  }
  const std::string_view port = s.substr(colon + 1);
  if (!AllDigits(port) || port.size() > 5) return false;
  const int value = std::stoi(std::string(port));
  return value >= min_port && value <= 65535;
}

// http(s)://host[:port][/path] with no credentials, query or fragment.
bool ValidBaseUrl(std::string_view url, bool& is_http) {
  const std::string lower = Lower(url);
  size_t rest;
  if (lower.rfind("https://", 0) == 0) {
    is_http = false;
    rest = 8;
  } else if (lower.rfind("http://", 0) == 0) {
    is_http = true;
    rest = 7;
  } else {
    return false;
  }
  if (url.find_first_of("?#@ \t\r\n") != std::string_view::npos) return false;
  const size_t slash = url.find('/', rest);
  const std::string_view authority =
      url.substr(rest, slash == std::string_view::npos ? std::string_view::npos : slash - rest);
  if (authority.empty()) return false;
  if (authority.front() == '[' || authority.find(':') != std::string_view::npos)
    return ValidHostPort(authority, 1);
  return std::all_of(authority.begin(), authority.end(),
                     [](char c) { return IsAlnum(c) || c == '.' || c == '-' || c == '_'; });
}

// Kafka's own rule (kafka.common.internals.Topic): 1..249 of [a-zA-Z0-9._-], not "." or "..".
bool ValidTopic(std::string_view t) {
  if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
  return std::all_of(t.begin(), t.end(),
                     [](char c) { return IsAlnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool ValidConnectionId(std::string_view id) {
  if (id.empty() || id.size() > 63 || !IsLowerAlnum(id.front())) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return IsLowerAlnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool ValidSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 63 || !IsLowerAlnum(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

// Bytes that would corrupt an Authorization header (or are a sign of a pasted wrong file).
bool HasSpaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

bool LooksSecret(std::string_view rdkafka_key) {
  const std::string k = Lower(rdkafka_key);
  return k.find("password") != std::string::npos || k.find("secret") != std::string::npos ||
         k.find("key") != std::string::npos;
}

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// Reads a whole (small) file; on failure returns false with a reason for the message.
bool ReadSmallFile(const std::string& path, size_t max_bytes, std::string& out, std::string& reason) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    reason = "it is a directory";
    return false;
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    reason = std::strerror(errno);
    return false;
  }
  out.clear();
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
    if (out.size() > max_bytes) break;
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) {
    reason = std::strerror(err);
    return false;
  }
  if (out.size() > max_bytes) {
    reason = "larger than " + std::to_string(max_bytes) + " bytes";
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Workday URLs

constexpr std::string_view kInvalidEndpoint =
    "Invalid API Endpoint — the URL format is https://{domain}/ccx/api/v1/{tenant} (or "
    "https://{domain}/ccx/api/{service}/{version}/{tenant}), as shown by View API Clients";

struct HttpUrlParts {
  std::string scheme;  // "https" or "http"
  std::string host;    // lower-cased authority: host[:port]
  std::string path;    // from the first '/' up to the query; "" when there is none
  std::string query;   // without the '?'
  bool has_query = false;
};

// http(s)://authority[/path][?query] with no credentials, fragment, spaces, control characters or
// backslashes (anything a parser could read two ways).
std::optional<HttpUrlParts> SplitHttpUrl(std::string_view url) {
  for (char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == '\\' || c == '#') return std::nullopt;
  }
  HttpUrlParts out;
  const std::string prefix = Lower(url.substr(0, 8));
  size_t rest;
  if (prefix.rfind("https://", 0) == 0) {
    out.scheme = "https";
    rest = 8;
  } else if (prefix.rfind("http://", 0) == 0) {
    out.scheme = "http";
    rest = 7;
  } else {
    return std::nullopt;
  }
  const size_t q = url.find('?', rest);
  if (q != std::string_view::npos) {
    out.has_query = true;
    out.query = std::string(url.substr(q + 1));
  }
  const std::string_view before_query = url.substr(0, q);
  const size_t slash = before_query.find('/', rest);
  const std::string_view authority =
      before_query.substr(rest, slash == std::string_view::npos ? std::string_view::npos : slash - rest);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  if (authority.front() == '[' || authority.find(':') != std::string_view::npos) {
    if (!ValidHostPort(authority, 1)) return std::nullopt;
  } else if (!std::all_of(authority.begin(), authority.end(),
                          [](char c) { return IsAlnum(c) || c == '.' || c == '-' || c == '_'; })) {
    return std::nullopt;
  }
  out.host = Lower(authority);
  if (slash != std::string_view::npos) out.path = std::string(before_query.substr(slash));
  return out;
}

// "/ccx/api/v1/acme/" -> {ccx, api, v1, acme}: one trailing slash is fine, "//" gives an empty
// segment (which no rule accepts).
std::vector<std::string_view> PathSegments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty()) return out;
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    out.push_back(
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool IsWorkdayTenant(std::string_view s) {
  return !s.empty() && s.size() <= 100 &&
         std::all_of(s.begin(), s.end(), [](char c) { return IsAlnum(c) || c == '_' || c == '-'; });
}

// v1, v4, v41.2
bool IsWorkdayVersion(std::string_view s) {
  if (s.size() < 2 || s[0] != 'v') return false;
  const std::string_view rest = s.substr(1);
  const size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return AllDigits(rest);
  return AllDigits(rest.substr(0, dot)) && AllDigits(rest.substr(dot + 1));
}

// recruiting, absenceManagement, common
bool IsWorkdayService(std::string_view s) {
  if (s.empty() || s.size() > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsAlnum(c) || c == '_'; });
}

// A report owner or report name as it appears in the URL path.
bool IsReportSegment(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return IsAlnum(c) || c == '_' || c == '-' || c == '.' || c == '~' || c == '%' || c == '@';
  });
}

// What to add to kInvalidEndpoint so the user sees what is wrong with `value`.
std::string EndpointHint(const std::string& value) {
  if (value.find('@') != std::string::npos) return ": remove the user name and password from the URL";
  const std::string lower = Lower(value);
  if (lower.rfind("https://", 0) != 0 && lower.rfind("http://", 0) != 0)
    return "; got '" + value + "': start it with https://";
  if (value.find("/ccx/oauth2/") != std::string::npos)
    return "; got the token endpoint: the REST API endpoint is the other URL shown by View API Clients";
  if (value.find("/ccx/service/") != std::string::npos)
    return "; got a web service (SOAP or report) URL, not the REST API endpoint";
  // A URL with a path or query after the tenant: offer the longest prefix that is an endpoint.
  std::string candidate = value.substr(0, value.find('?'));
  while (true) {
    const size_t slash = candidate.rfind('/');
    if (slash == std::string::npos || slash < 8) break;
    candidate.resize(slash);
    if (ParseWorkdayEndpoint(candidate)) return "; got '" + value + "': did you mean '" + candidate + "'?";
  }
  return "; got '" + value + "'";
}

std::string ReportUrlHint(const std::string& value) {
  const size_t scheme = value.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const std::string authority = value.substr(start, value.find_first_of("/?", start) - start);
  if (authority.find('@') != std::string::npos)
    return ": remove the user name and password from the URL (set username and password_file)";
  if (value.find("/systemreport2/") != std::string::npos)
    return "; got a delivered (system) report: copy it as a custom report enabled as a web service";
  return "; got '" + value + "'";
}

// ---------------------------------------------------------------------------------------------
// The loader

// A node with its key path, e.g. {node, "connections[0].workable"}.
struct Field {
  YAML::Node node;
  std::string path;
};

std::string Join(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

struct IntRule {
  long long min;
  long long max;
  bool seconds;  // the value is a duration in seconds (changes the wording only)
};

class Loader {
 public:
  Loader(EnvLookup env, Purpose purpose) : env_(env != nullptr ? env : &ProcessEnv), purpose_(purpose) {}

  // One connection sent to the control API (JSON, which is YAML): the rules of a YAML
  // connection, paths relative to it, credentials inline only, nothing expanded.
  ConnectionDocumentResult LoadConnection(const std::string& text) {
    api_mode_ = true;
    ConnectionDocumentResult result;
    YAML::Node node;
    try {
      node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      result.problems.push_back({"", "the body is not valid JSON: " + e.msg});
      return result;
    }
    if (!node.IsMap()) {
      result.problems.push_back({"", "expected a JSON object (one connection), got " + Describe(node)});
      return result;
    }
    ConnectionConfig c;
    try {
      ReadConnection(Field{node, ""}, c);
    } catch (const YAML::Exception& e) {  // defensive, as in Load
      Add("", std::string("YAML error: ") + e.what());
    }
    if (problems_.empty()) result.connection = std::move(c);
    result.problems = std::move(problems_);
    return result;
  }

  Config Load(const std::string& text) {
    Config cfg;
    try {
      LoadDocument(text, cfg);
    } catch (const YAML::Exception& e) {  // defensive: the walk itself should never throw
      Add("", std::string("YAML error: ") + e.what());
    }
    // With the control API on, connections may all come through it (POST /v1/connections).
    if (!no_connections_path_.empty() && cfg.http.admin_token.empty()) {
      Add(no_connections_path_,
          "required: list at least one connection (- id: ..., source: workable; see "
          "examples/connector.yaml), or turn the control API on (http.admin_token_file) and create "
          "them with POST /v1/connections");
    }
    // The control API stores the credentials of the connections it creates: only sealed.
    const bool secrets_reported = std::any_of(problems_.begin(), problems_.end(), [](const Problem& p) {
      return p.path.rfind("secrets", 0) == 0;
    });
    if (!cfg.http.admin_token.empty() && cfg.secrets.keyring_file.empty() && !secrets_reported) {
      Add("secrets.keyring_file",
          "required with http.admin_token_file: the control API stores the credentials of the "
          "connections it creates, sealed with this keyring; create one with `ats-connector keygen "
          "--out /etc/ats-connector/keyring.yaml` and set secrets: {keyring_file: "
          "/etc/ats-connector/keyring.yaml}");
    }
    const bool kafka_reported = std::any_of(problems_.begin(), problems_.end(), [](const Problem& p) {
      return p.path.empty() || p.path.rfind("kafka", 0) == 0;
    });
    if (purpose_ == Purpose::kRun && !cfg.kafka.bootstrap_servers_given && !kafka_reported) {
      Add("kafka.bootstrap_servers",
          "required by `run`: without it the events would go to an in-memory Kafka and be lost at "
          "the next restart, while the snapshot on disk remembers them as published; give your "
          "brokers (kafka: {bootstrap_servers: broker1:9092,broker2:9092}), or try the connector "
          "with `ats-connector sandbox`");
    }
    if (!problems_.empty()) throw ConfigError(std::move(problems_));
    return cfg;
  }

 private:
  // Values and keys quoted in a message, and the key path, are shortened when huge.
  void Add(std::string path, std::string message) {
    problems_.push_back(Problem{ElidePath(std::move(path)), ElideQuoted(std::move(message))});
  }

  // Counts documents without building them. YAML::LoadAll never returns on some malformed
  // input (found by fuzzing: with yaml-cpp 0.7, ",d: a\n- x" yields empty documents until memory
  // runs out), so the count stops at kMaxDocuments and only the first document is loaded.
  struct DocumentCounter final : YAML::EventHandler {
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  };
  static constexpr size_t kMaxDocuments = 100;

  void LoadDocument(const std::string& text, Config& cfg) {
    YAML::Node first;
    size_t documents = 0;
    try {
      std::istringstream in(text);
      YAML::Parser parser(in);
      DocumentCounter counter;
      while (documents < kMaxDocuments && parser.HandleNextDocument(counter)) ++documents;
      if (documents > 0) first = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      Add("", "YAML syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
                  std::to_string(e.mark.column + 1) + ": " + e.msg);
      return;
    }
    if (documents == 0 || (documents == 1 && first.IsNull())) {
      Add("", "the config is empty; see examples/connector.yaml");
      return;
    }
    if (documents > 1) {
      Add("", "found " + std::to_string(documents) + (documents == kMaxDocuments ? " or more" : "") +
                  " YAML documents (separated by '---'); put the whole configuration in one");
    }
    const Field root{first, ""};
    if (!root.node.IsMap()) {
      Add("", "expected a mapping of settings (key: value lines) at the top level, got " +
                  Describe(root.node) + "; see examples/connector.yaml");
      return;
    }
    CheckKeys(root, {"log_level", "shutdown_grace_s", "connections", "kafka", "snapshot", "http", "secrets",
                    "runtime", "cluster"});

    if (auto f = Get(root, "log_level")) {
      std::string level;
      if (ReadString(*f, level)) {
        log::Level parsed;
        if (log::ParseLevel(level, parsed)) {
          cfg.log_level = level;
        } else {
          Add(f->path, "unknown log level '" + level + "'; use debug, info, warn or error");
        }
      }
    }
    ReadInt(root, "shutdown_grace_s", cfg.shutdown_grace_s, {1, 300, true});
    ReadConnections(root, cfg.connections);
    if (auto f = Get(root, "kafka")) ReadKafka(*f, cfg.kafka);
    if (auto f = Get(root, "runtime")) {
      if (CheckMap(*f, {"worker_threads"})) ReadInt(*f, "worker_threads", cfg.runtime.worker_threads, {1, 256, false});
    }
    if (auto f = Get(root, "cluster")) ReadCluster(*f, cfg.cluster);
    if (auto f = Get(root, "snapshot")) {
      if (CheckMap(*f, {"path"})) ReadString(*f, "path", cfg.snapshot.path, /*allow_empty=*/false);
    }
    if (auto f = Get(root, "secrets")) ReadSecrets(*f, cfg.secrets);
    if (auto f = Get(root, "http")) {
      if (CheckMap(*f, {"listen", "health_listen", "admin_token_file", "admin_token", "read_token_file",
                        "read_token", "max_connections", "max_connections_per_client", "idle_timeout_s",
                        "max_header_bytes"})) {
        ReadInt(*f, "max_connections", cfg.http.max_connections, {1, 100000, false});
        ReadInt(*f, "max_connections_per_client", cfg.http.max_connections_per_client, {1, 100000, false});
        ReadInt(*f, "idle_timeout_s", cfg.http.idle_timeout_s, {1, 3600, true});
        ReadInt(*f, "max_header_bytes", cfg.http.max_header_bytes, {4096, 1 << 20, false});
        // The admin API (import jobs later) is off unless a bearer token is configured.
        if (ReadSecret(*f,
                       {"admin_token_file", "admin_token", "token", "the admin API bearer token",
                        "${ATS_ADMIN_TOKEN}"},
                       /*required=*/false, cfg.http.admin_token) &&
            cfg.http.admin_token.size() < kMinAdminTokenChars) {
          const auto file = Get(*f, "admin_token_file");
          Add(file ? file->path : Join(f->path, "admin_token"),
              "the admin token has " + std::to_string(cfg.http.admin_token.size()) +
                  " characters; it needs at least " + std::to_string(kMinAdminTokenChars) +
                  " characters: write a random one, e.g. openssl rand -hex 32 > admin-token; chmod 600 "
                  "admin-token");
          cfg.http.admin_token.clear();
        }
        ReadReadToken(*f, cfg.http);
        for (auto [key, out] :
             {std::pair{"listen", &cfg.http.listen}, {"health_listen", &cfg.http.health_listen}}) {
          auto listen = Get(*f, key);
          if (!listen) continue;
          std::string value;
          if (ReadString(*listen, value)) {
            if (ValidHostPort(value, 0)) {
              *out = value;
            } else {
              Add(listen->path,
                  "expected host:port with a port 0-65535, e.g. 0.0.0.0:8080, got '" + value + "'");
            }
          }
        }
      }
    }
  }

  // The read-only token of the admin API: as long as the admin token, and not the same one (a
  // read-only token that also writes would be no distinction at all).
  void ReadReadToken(const Field& f, HttpConfig& http) {
    const auto file = Get(f, "read_token_file");
    const std::string path = file ? file->path : Join(f.path, "read_token");
    if (!ReadSecret(f,
                    {"read_token_file", "read_token", "token", "the read-only admin API bearer token",
                     "${ATS_READ_TOKEN}"},
                    /*required=*/false, http.read_token))
      return;
    if (http.read_token.size() < kMinAdminTokenChars) {
      Add(path, "the read-only token has " + std::to_string(http.read_token.size()) +
                    " characters; it needs at least " + std::to_string(kMinAdminTokenChars) +
                    " characters: write a random one, e.g. openssl rand -hex 32 > read-token; chmod 600 "
                    "read-token");
      http.read_token.clear();
    } else if (http.read_token == http.admin_token) {
      Add(path, "the read-only token is the admin token; give it a token of its own (openssl rand -hex 32)");
      http.read_token.clear();
    } else if (http.admin_token.empty() && !Get(f, "admin_token_file") && !Get(f, "admin_token")) {
      Add(path, "a read-only token without an admin token: the admin API is off; set admin_token_file too");
      http.read_token.clear();
    }
  }

  // secrets.keyring_file: only the path is kept; the keyring is loaded here to report a missing
  // or malformed one at start-up rather than at the first rotated token.
  void ReadSecrets(const Field& f, SecretsConfig& secrets) {
    if (!CheckMap(f, {"keyring_file"})) return;
    auto file = Get(f, "keyring_file");
    if (!file) return;
    std::string path;
    if (!ReadString(*file, path, /*allow_empty=*/false)) return;
    if (auto ring = connections::Keyring::Load(path); !ring) {
      Add(file->path, ring.error().message);
      return;
    }
    secrets.keyring_file = path;
  }

  // --- structure -----------------------------------------------------------------------------

  // The value of `key` in a mapping (the first one; duplicates are reported by CheckKeys).
  static std::optional<Field> Get(const Field& map, std::string_view key) {
    if (!map.node.IsMap()) return std::nullopt;
    for (auto it = map.node.begin(); it != map.node.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) return Field{it->second, Join(map.path, key)};
    }
    return std::nullopt;
  }

  // Reports non-scalar, duplicate and unknown keys (with the closest known key as a hint).
  // `not_yet` keys belong to features of a later version. `passthrough` maps (kafka.rdkafka)
  // accept any name.
  void CheckKeys(const Field& map, const std::vector<std::string_view>& known,
                 const std::vector<std::string_view>& not_yet = {}, bool passthrough = false) {
    std::set<std::string> seen;
    for (auto it = map.node.begin(); it != map.node.end(); ++it) {
      if (!it->first.IsScalar()) {
        Add(map.path, "keys must be plain names, found " + Describe(it->first) + " as a key");
        continue;
      }
      const std::string key = it->first.Scalar();
      const std::string path = Join(map.path, key);
      if (!seen.insert(key).second) {
        Add(path, "duplicate key '" + key + "'; each key may appear only once");
        continue;
      }
      if (passthrough || std::find(known.begin(), known.end(), key) != known.end()) continue;
      if (std::find(not_yet.begin(), not_yet.end(), key) != not_yet.end()) {
        Add(path, "'" + key + "' is not supported yet in this version");
        continue;
      }
      const std::string hint = ClosestKey(key, known);
      if (!hint.empty()) {
        Add(path, "unknown key '" + key + "'; did you mean '" + hint + "'?");
      } else {
        Add(path, "unknown key '" + key + "'; known keys here: " + JoinList(known, " and "));
      }
    }
  }

  // Checks that `f` is a mapping with only known keys. Returns false when it is not a mapping.
  bool CheckMap(const Field& f, const std::vector<std::string_view>& known,
                const std::vector<std::string_view>& not_yet = {}) {
    if (!f.node.IsMap()) {
      Add(f.path, "expected a mapping (key: value), got " + Describe(f.node));
      return false;
    }
    CheckKeys(f, known, not_yet);
    return true;
  }

  // --- scalars -------------------------------------------------------------------------------

  // Replaces ${NAME} with the variable's value; "$${" is a literal "${". Sets `used_env` when at
  // least one reference was replaced. Returns nullopt (with a problem) on an unset variable.
  std::optional<std::string> Expand(std::string_view raw, const std::string& path, bool* used_env = nullptr) {
    if (api_mode_) {  // the API takes values as they are: no environment of ours to read from
      if (raw.find("${") != std::string_view::npos) {
        Add(path, "${...} is not expanded in a connection sent to the API: send the value itself");
        return std::nullopt;
      }
      return std::string(raw);
    }
    std::string out;
    bool ok = true;
    for (size_t i = 0; i < raw.size();) {
      if (raw.compare(i, 3, "$${") == 0) {
        out += "${";
        i += 3;
        continue;
      }
      if (raw.compare(i, 2, "${") != 0) {
        out.push_back(raw[i++]);
        continue;
      }
      const size_t close = raw.find('}', i + 2);
      if (close == std::string_view::npos) {
        Add(path, "unterminated '${': write ${NAME} to use an environment variable, or $${ for a literal ${");
        return std::nullopt;
      }
      const std::string name(raw.substr(i + 2, close - i - 2));
      const bool valid_name =
          !name.empty() && !IsDigit(name.front()) &&
          std::all_of(name.begin(), name.end(), [](char c) { return IsAlnum(c) || c == '_'; });
      if (!valid_name) {
        Add(path, "invalid environment variable reference '${" + name +
                      "}': names are letters, digits and '_', not starting with a digit");
        ok = false;
      } else if (std::optional<std::string> value = env_(name)) {
        out += *value;
        if (used_env != nullptr) *used_env = true;
      } else {
        Add(path, "environment variable " + name + " is not set (referenced as ${" + name + "})");
        ok = false;
      }
      i = close + 1;
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // A scalar as text, with ${VAR} resolved. `what` names the expected type in messages.
  std::optional<std::string> Scalar(const Field& f, std::string_view what) {
    if (f.node.IsNull()) {
      Add(f.path, "has no value; expected " + std::string(what) + " (or remove the key to use the default)");
      return std::nullopt;
    }
    if (!f.node.IsScalar()) {
      Add(f.path, "expected " + std::string(what) + ", got " + Describe(f.node));
      return std::nullopt;
    }
    return Expand(f.node.Scalar(), f.path);
  }

  bool ReadString(const Field& f, std::string& out, bool allow_empty = false) {
    std::optional<std::string> value = Scalar(f, "a text value");
    if (!value) return false;
    if (!allow_empty && value->empty()) {
      Add(f.path, "must not be empty");
      return false;
    }
    out = std::move(*value);
    return true;
  }

  void ReadString(const Field& map, std::string_view key, std::string& out, bool allow_empty) {
    if (auto f = Get(map, key)) ReadString(*f, out, allow_empty);
  }

  void ReadInt(const Field& map, std::string_view key, int& out, IntRule rule) {
    auto f = Get(map, key);
    if (!f) return;
    const std::string what = rule.seconds ? "a whole number of seconds" : "a whole number";
    std::optional<std::string> text = Scalar(*f, what);
    if (!text) return;
    std::string_view digits = *text;
    if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
    if (!AllDigits(digits) || digits.size() > 12) {
      std::string message = "expected " + what + ", got '" + *text + "'";
      if (rule.seconds && text->size() > 1 && text->back() == 's' &&
          AllDigits(text->substr(0, text->size() - 1)))
        message += " (write just the number: " + text->substr(0, text->size() - 1) + ")";
      Add(f->path, message);
      return;
    }
    const long long value = std::stoll(*text);
    if (value < rule.min || value > rule.max) {
      if (rule.min == 1 && value < 1) {
        Add(f->path, std::string("must be > 0") + (rule.seconds ? " (seconds)" : "") + ", got " + *text);
      } else {
        Add(f->path, "must be between " + std::to_string(rule.min) + " and " + std::to_string(rule.max) +
                         (rule.seconds ? " seconds" : "") + ", got " + *text);
      }
      return;
    }
    out = static_cast<int>(value);
  }

  // insecure_skip_tls_verify: certificate checks off for one connection, only when asked for by
  // name, and never silently.
  void ReadInsecureTls(const Field& map, bool& out, std::string_view what) {
    ReadBool(map, "insecure_skip_tls_verify", out);
    if (out) {
      log::Warn("TLS certificate verification is OFF for this connection: anyone between the connector "
                "and the server can impersonate it and read " + std::string(what) +
                    ". Use insecure_skip_tls_verify only against a test server.",
                {{"path", Join(map.path, "insecure_skip_tls_verify")}});
    }
  }

  void ReadBool(const Field& map, std::string_view key, bool& out) {
    auto f = Get(map, key);
    if (!f) return;
    std::optional<std::string> text = Scalar(*f, "true or false");
    if (!text) return;
    const std::string lower = Lower(*text);
    if (lower == "true") {
      out = true;
    } else if (lower == "false") {
      out = false;
    } else {
      Add(f->path, "expected true or false, got '" + *text + "'");
    }
  }

  // A list of non-empty strings (duplicates reported).
  std::optional<std::vector<std::string>> ReadStringList(const Field& f, std::string_view example) {
    if (!f.node.IsSequence()) {
      Add(f.path, "expected a list, e.g. " + std::string(example) + ", got " + Describe(f.node));
      return std::nullopt;
    }
    std::vector<std::string> out;
    std::unordered_set<std::string> seen;  // a hash set: lists of 200 000 jobs load in linear time
    bool ok = true;
    for (size_t i = 0; i < f.node.size(); ++i) {
      const Field item{f.node[i], f.path + "[" + std::to_string(i) + "]"};
      std::string value;
      if (!ReadString(item, value)) {
        ok = false;
      } else if (!seen.insert(value).second) {
        Add(item.path, "'" + value + "' is listed twice");
        ok = false;
      } else {
        out.push_back(std::move(value));
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // --- sections ------------------------------------------------------------------------------

  void ReadConnections(const Field& root, std::vector<ConnectionConfig>& out) {
    auto f = Get(root, "connections");
    if (!f || f->node.IsNull()) {
      no_connections_path_ = "connections";  // fine when the control API is on (LoadDocument)
      return;
    }
    if (!f->node.IsSequence()) {
      Add(f->path,
          "expected a list of connections (each starting with '- id: ...'), got " + Describe(f->node));
      return;
    }
    if (f->node.size() == 0) {
      no_connections_path_ = f->path;
      return;
    }
    std::map<std::string, std::string> id_paths;  // id -> path of its first use
    std::vector<std::string> paths;                // of each connection in `out`
    for (size_t i = 0; i < f->node.size(); ++i) {
      const Field item{f->node[i], "connections[" + std::to_string(i) + "]"};
      ConnectionConfig c;
      if (!ReadConnection(item, c)) continue;
      if (!c.id.empty()) {
        auto [it, inserted] = id_paths.emplace(c.id, Join(item.path, "id"));
        if (!inserted)
          Add(Join(item.path, "id"), "duplicate id '" + c.id + "' (also used by " + it->second + ")");
      }
      out.push_back(std::move(c));
      paths.push_back(item.path);
    }
    for (auto& p : SharedAccountProblems(out, paths)) Add(std::move(p.path), std::move(p.message));
  }

  bool ReadConnection(const Field& f, ConnectionConfig& c) {
    if (!CheckMap(f, {"id",
                      "source",
                      "poll_interval_s",
                      "request_timeout_s",
                      "jobs",
                      "job_states",
                      "trigger_stages",
                      "job_departments",
                      "job_locations",
                      "stage_map",
                      "publish",
                      "incremental",
                      "incremental_overlap_s",
                      "full_reconcile_interval_s",
                      "max_page_mib",
                      "max_page_records",
                      "max_listing_pages",
                      "max_next_url_bytes",
                      "fields",
                      "workable",
                      "workday"})) {
      return false;
    }
    if (auto id = Get(f, "id")) {
      std::string value;
      if (ReadString(*id, value)) {
        if (ValidConnectionId(value)) {
          c.id = value;
        } else {
          Add(id->path, "invalid id '" + value +
                            "': use 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or "
                            "digit (the id appears in keys, metric labels and paths)");
        }
      }
    } else {
      Add(Join(f.path, "id"), "required: a unique name for this connection, e.g. acme-workable");
    }

    if (auto source = Get(f, "source")) {
      std::string value;
      if (ReadString(*source, value)) {
        c.source = value;
        if (value != "workable" && value != "workday") {
          Add(source->path, "unknown source '" + value + "'; supported sources: workable, workday");
        }
      }
    } else {
      Add(Join(f.path, "source"), "required: the ATS to pull from; supported sources: workable, workday");
    }

    ReadInt(f, "poll_interval_s", c.poll_interval_s, {1, 86400, true});
    ReadInt(f, "request_timeout_s", c.request_timeout_s, {1, 600, true});
    ReadJobs(f, c);
    if (auto states = Get(f, "job_states")) {
      if (auto list = ReadStringList(*states, "[published]")) {
        static const std::vector<std::string_view> kStates = {"draft", "published", "closed", "archived"};
        bool ok = true;
        for (size_t i = 0; i < list->size(); ++i) {
          if (std::find(kStates.begin(), kStates.end(), (*list)[i]) == kStates.end()) {
            Add(states->path + "[" + std::to_string(i) + "]",
                "unknown job state '" + (*list)[i] + "'; use draft, published, closed or archived");
            ok = false;
          }
        }
        if (list->empty()) {
          Add(states->path, "must list at least one state: draft, published, closed or archived");
        } else if (ok) {
          c.job_states = std::move(*list);
        }
      }
    }
    if (auto stages = Get(f, "trigger_stages")) {
      if (auto list = ReadStringList(*stages, "[Screen, Assessment, Reference Check, Background Check]"))
        c.trigger_stages = std::move(*list);
    }
    ReadSyncOptions(f, c);
    if (auto fields = Get(f, "fields")) ReadFieldPolicy(*fields, c.fields);

    // Each source reads its own block; a block for the other source is a mistake, not a no-op.
    if (auto workable = Get(f, "workable")) {
      if (c.source == "workday") {
        Add(workable->path,
            "a 'workable' block belongs to source: workable, but this connection has source: workday; "
            "remove the block or fix 'source'");
      } else {
        ReadWorkable(*workable, c.workable);
      }
    } else if (c.source == "workable") {
      Add(Join(f.path, "workable"),
          "required for source 'workable': the subdomain and a credential "
          "(api_token_file or api_token); see examples/connector.yaml");
    }
    if (auto workday = Get(f, "workday")) {
      if (c.source == "workable") {
        Add(workday->path,
            "a 'workday' block belongs to source: workday, but this connection has source: workable; "
            "remove the block or fix 'source'");
      } else {
        ReadWorkday(*workday, c.workday);
      }
    } else if (c.source == "workday") {
      Add(Join(f.path, "workday"),
          "required for source 'workday': rest_endpoint, client_id, client_secret_file, "
          "refresh_token_file and at least one report; see examples/workday.yaml");
    }
    return true;
  }

  // Stage vocabulary, publishing, job filters and incremental sync (README: sync options).
  void ReadSyncOptions(const Field& f, ConnectionConfig& c) {
    if (auto list_field = Get(f, "job_departments"))
      if (auto list = ReadStringList(*list_field, "[Engineering, Sales]"))
        c.job_departments = std::move(*list);
    if (auto list_field = Get(f, "job_locations"))
      if (auto list = ReadStringList(*list_field, "[Berlin, Remote]")) c.job_locations = std::move(*list);
    if (auto map = Get(f, "stage_map")) {
      if (!map->node.IsMap()) {
        Add(map->path,
            "expected a mapping of source stage -> canonical stage, e.g. {Culture Fit: Interview}, got " +
                Describe(map->node));
      } else {
        CheckKeys(*map, {}, {}, /*passthrough=*/true);
        for (auto it = map->node.begin(); it != map->node.end(); ++it) {
          if (!it->first.IsScalar()) continue;
          const std::string key = it->first.Scalar();
          const Field value_field{it->second, map->path + "." + key};
          std::string value;
          if (!ReadString(value_field, value)) continue;
          if (auto canonical = CanonicalName(value)) {
            c.stage_map[key] = *canonical;
          } else {
            std::string all;
            for (const auto& stage : CanonicalStages()) all += (all.empty() ? "" : ", ") + stage;
            Add(value_field.path, "'" + value + "' is not a canonical stage; use one of: " + all);
          }
        }
      }
    }
    if (auto publish = Get(f, "publish")) {
      std::string value;
      if (ReadString(*publish, value)) {
        if (value == "all" || value == "triggers_only") {
          c.publish = value;
        } else {
          Add(publish->path, "expected 'all' or 'triggers_only', got '" + value + "'");
        }
      }
    }
    ReadBool(f, "incremental", c.incremental);
    // At least 1 s: Workable's updated_after is exclusive, so records sharing the cursor's second need it.
    ReadInt(f, "incremental_overlap_s", c.incremental_overlap_s, {1, 86400, true});
    ReadInt(f, "full_reconcile_interval_s", c.full_reconcile_interval_s, {60, 30 * 86400, true});
    // Hostile-input bounds (docs/operations.md, "Page and listing limits"). The upper ends keep
    // a raised limit from undoing the bound (a page is held twice while it is read).
    ReadInt(f, "max_page_mib", c.max_page_mib, {1, 1024, false});
    ReadInt(f, "max_page_records", c.max_page_records, {1, 10'000'000, false});
    ReadInt(f, "max_listing_pages", c.max_listing_pages, {1, 100'000'000, false});
    ReadInt(f, "max_next_url_bytes", c.max_next_url_bytes, {256, 1 << 20, false});
  }

  // The field policy (README "Field policy"): names checked, contradictions reported with the
  // paths of both entries, and the hash key read when `hash` lists anything.
  void ReadFieldPolicy(const Field& f, FieldPolicyConfig& p) {
    if (!CheckMap(f, {"exclude", "include_only", "hash", "hash_key_file", "hash_key", "include_protected",
                      "dead_letter_unparsed"})) {
      return;
    }
    // name (normalised, "attributes." kept) -> path of the entry, per list
    std::map<std::string, std::map<std::string, std::string>> lists;
    const auto read_list = [&](std::string_view key, std::vector<std::string>& out) {
      auto list_field = Get(f, key);
      if (!list_field) return;
      auto list = ReadStringList(*list_field, "[email, attributes.Referral_Source]");
      if (!list) return;
      for (size_t i = 0; i < list->size(); ++i) {
        const std::string& name = (*list)[i];
        const std::string path = list_field->path + "[" + std::to_string(i) + "]";
        const bool attribute = name.rfind("attributes.", 0) == 0;
        const std::string bare = attribute ? name.substr(11) : name;
        if (NormaliseFieldName(bare).empty()) {
          Add(path, "'" + name + "' names no field; write a field name such as email or attributes.Gender");
          continue;
        }
        if (key != "include_only" && !attribute && IsStructuralFieldName(bare)) {
          Add(path, "'" + name + "' cannot be " + (key == "hash" ? "hashed" : "excluded") +
                        ": the connector needs it (ids, stage, status, state and updated_at are "
                        "always kept); remove it from the list");
          continue;
        }
        if (key == "include_protected" && !IsProtectedFieldName(bare)) {
          Add(path, "'" + name + "' is not a protected characteristic, so it is not withheld by default; "
                        "remove it from include_protected");
          continue;
        }
        lists[std::string(key)].emplace((attribute ? "attributes." : "") + NormaliseFieldName(bare), path);
        out.push_back(name);
      }
    };
    read_list("exclude", p.exclude);
    read_list("include_only", p.include_only);
    read_list("hash", p.hash);
    read_list("include_protected", p.include_protected);
    // A name in two lists that say opposite things.
    const auto contradict = [&](std::string_view a, std::string_view b, std::string_view why) {
      for (const auto& [name, path] : lists[std::string(b)]) {
        auto it = lists[std::string(a)].find(name);
        if (it != lists[std::string(a)].end())
          Add(path, "also listed in " + it->second + ": " + std::string(why) + "; keep it in one list");
      }
    };
    contradict("exclude", "hash", "a field is either excluded or hashed");
    contradict("exclude", "include_only", "a field cannot be excluded and the only one kept");
    contradict("exclude", "include_protected", "a field cannot be excluded and opted back in");
    if (auto mode = Get(f, "dead_letter_unparsed")) {
      std::string value;
      if (ReadString(*mode, value)) {
        if (value == "withhold" || value == "publish") {
          p.dead_letter_unparsed = value;
        } else {
          Add(mode->path,
              "expected 'withhold' (a raw record that is not JSON cannot be checked, so its text is left "
              "out of the dead letter) or 'publish', got '" + value + "'");
        }
      }
    }
    const bool has_key = ReadSecret(f,
                                    {"hash_key_file", "hash_key", "hash key",
                                     "the HMAC-SHA256 key of fields.hash (e.g. openssl rand -hex 32)",
                                     "${FIELD_HASH_KEY}"},
                                    /*required=*/false, p.hash_key);
    if (has_key && p.hash_key.size() < 16) {
      Add(Join(f.path, Get(f, "hash_key_file") ? "hash_key_file" : "hash_key"),
          "the hash key is shorter than 16 bytes; use a random key, e.g. openssl rand -hex 32 > hash.key");
      p.hash_key.clear();
    } else if (!p.hash.empty() && !has_key && !Get(f, "hash_key_file") && !Get(f, "hash_key")) {
      Add(Join(f.path, "hash_key_file"),
          "required when fields.hash lists fields: the path of a file holding the HMAC-SHA256 key "
          "(e.g. openssl rand -hex 32 > hash.key; keep it secret and stable, or hashed values change)");
    }
  }

  void ReadJobs(const Field& conn, ConnectionConfig& c) {
    auto f = Get(conn, "jobs");
    if (!f) return;
    if (f->node.IsScalar()) {
      std::optional<std::string> value = Scalar(*f, "'all'");
      if (!value) return;
      if (*value == "all") {
        c.all_jobs = true;
        c.jobs.clear();
      } else {
        Add(f->path,
            "expected 'all' or a list of job shortcodes, e.g. [GROOV005, 4BC3F1C9E0], got '" + *value + "'");
      }
      return;
    }
    if (!f->node.IsSequence()) {
      Add(f->path, "expected 'all' or a list of job shortcodes, got " + Describe(f->node));
      return;
    }
    auto list = ReadStringList(*f, "[GROOV005]");
    if (!list) return;
    if (list->empty()) {
      Add(f->path, "lists no jobs; write 'all' or list at least one job shortcode");
      return;
    }
    c.all_jobs = false;
    c.jobs = std::move(*list);
  }

  void ReadWorkable(const Field& f, WorkableConfig& w) {
    if (!CheckMap(f, {"subdomain", "api_token_file", "api_token", "base_url", "allow_insecure_http",
                      "page_size", "rate_limit", "insecure_skip_tls_verify"})) {
      return;
    }
    if (auto sub = Get(f, "subdomain")) {
      std::string value;
      if (ReadString(*sub, value)) {
        if (value.find('.') != std::string::npos || value.find('/') != std::string::npos) {
          // Covers "acme.workable.com", "https://acme.workable.com/" and "acme/": suggest the first label.
          std::string host = value;
          if (const size_t scheme = host.find("://"); scheme != std::string::npos)
            host = host.substr(scheme + 3);
          std::string label = host.substr(0, host.find_first_of("./:"));
          if (!ValidSubdomain(label)) label = "acme";
          Add(sub->path, "enter just the subdomain, e.g. '" + label + "' for " + label +
                             ".workable.com (got '" + value + "')");
        } else if (!ValidSubdomain(value)) {
          Add(sub->path, "invalid subdomain '" + value +
                             "': use lowercase letters, digits and '-', starting with a letter or digit "
                             "(the part before .workable.com)");
        } else {
          w.subdomain = value;
        }
      }
    } else {
      Add(Join(f.path, "subdomain"), "required: your Workable subdomain, e.g. 'acme' for acme.workable.com");
    }
    ReadCredential(f, w);

    ReadBool(f, "allow_insecure_http", w.allow_insecure_http);
    ReadInsecureTls(f, w.insecure_skip_tls_verify, "the API token");
    if (auto url = Get(f, "base_url")) {
      std::string value;
      if (ReadString(*url, value, /*allow_empty=*/true) && !value.empty()) {
        bool is_http = false;
        if (!ValidBaseUrl(value, is_http)) {
          Add(url->path,
              "expected an http(s)://host[:port]/path URL, e.g. https://proxy.internal/spi/v3, got '" +
                  value + "'");
        } else if (is_http && !w.allow_insecure_http) {
          Add(url->path,
              "plain http would send the API token unencrypted; use https or set allow_insecure_http: true "
              "for a local proxy or test");
        } else {
          while (!value.empty() && value.back() == '/') value.pop_back();
          w.base_url = value;
        }
      }
    }
    ReadInt(f, "page_size", w.page_size, {1, 100, false});
    if (auto rate = Get(f, "rate_limit")) {
      if (CheckMap(*rate, {"requests", "per_s"})) {
        ReadInt(*rate, "requests", w.rate_limit.requests, {1, 100000, false});
        ReadInt(*rate, "per_s", w.rate_limit.per_s, {1, 3600, true});
      }
    }
  }

  void ReadCredential(const Field& f, WorkableConfig& w) {
    ReadSecret(f, {"api_token_file", "api_token", "token", "the Workable API token", "${WORKABLE_TOKEN}"},
               /*required=*/true, w.api_token);
  }

  // How one secret is configured: a file (`file_key`) or the value itself (`inline_key`,
  // normally ${ENV}). Messages name the secret by `noun` and never show its value.
  struct SecretSpec {
    std::string_view file_key;     // "api_token_file"
    std::string_view inline_key;   // "api_token"
    std::string_view noun;         // "token"
    std::string_view holds;        // "the Workable API token"
    std::string_view env_example;  // "${WORKABLE_TOKEN}"
    bool spaces_allowed = false;   // passwords may contain spaces; tokens may not
  };

  bool BadSecretByte(std::string_view s, bool spaces_allowed) {
    if (!spaces_allowed) return HasSpaceOrControl(s);
    return std::any_of(s.begin(), s.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return u < 0x20 || u == 0x7f;
    });
  }

  // Reads exactly one of spec.file_key / spec.inline_key into `out` and registers it as a
  // secret. Returns false (with a problem, unless absent and not `required`) when unusable.
  bool ReadSecret(const Field& f, const SecretSpec& spec, bool required, std::string& out) {
    const std::string noun(spec.noun);
    auto file = Get(f, spec.file_key);
    auto inline_value = Get(f, spec.inline_key);
    if (file && inline_value) {
      Add(inline_value->path,
          "set only one of " + std::string(spec.file_key) + " and " + std::string(spec.inline_key));
      return false;
    }
    if (!file && !inline_value) {
      if (required && api_mode_) {
        Add(f.path.empty() ? std::string(spec.inline_key) : Join(f.path, spec.inline_key),
            "missing credential: set " + std::string(spec.inline_key) + ": <" + noun + ">");
      } else if (required) {
        Add(f.path, "missing credential: set " + std::string(spec.file_key) + " (a path) or " +
                        std::string(spec.inline_key) + ": ${ENV_VAR}");
      }
      return false;
    }
    if (file && api_mode_) {
      Add(file->path, "the API takes the credential itself: " + std::string(spec.inline_key) + ": <" + noun + ">");
      return false;
    }
    if (file) {
      std::string path;
      if (!ReadString(*file, path)) return false;
      SecretFile read = ReadSecretFile(path, kMaxTokenFileBytes);
      if (!read.ok) {
        Add(file->path, "cannot read " + noun + " file '" + path + "': " + read.reason);
        return false;
      }
      if (read.readable_by_others) {
        log::Warn("secret file is readable by group or others; make it readable only by the connector "
                  "(chmod 600)",
                  {{"path", file->path}, {"file", path}});
      }
      std::string content = std::move(read.content);
      // A trailing newline (echo > file) is not part of the secret; for passwords only line
      // ends are trimmed, since a space may be part of one.
      while (!content.empty() &&
             (spec.spaces_allowed ? (content.back() == '\n' || content.back() == '\r')
                                  : HasSpaceOrControl(std::string_view(&content.back(), 1)))) {
        content.pop_back();
      }
      log::RegisterSecret(content);
      if (content.empty()) {
        Add(file->path, noun + " file '" + path + "' is empty; it must hold " + std::string(spec.holds));
        return false;
      }
      if (BadSecretByte(content, spec.spaces_allowed)) {
        Add(file->path, noun + " file '" + path + "' holds " +
                            (spec.spaces_allowed ? "control characters" : "spaces or control characters") +
                            " inside the " + noun + "; it must hold only the " + noun);
        return false;
      }
      out = std::move(content);
      return true;
    }
    // Inline value: never echo it in a message.
    if (inline_value->node.IsNull() || !inline_value->node.IsScalar()) {
      Add(inline_value->path, "expected the " + noun + " as text, e.g. " + std::string(spec.inline_key) +
                                  ": " + std::string(spec.env_example));
      return false;
    }
    bool used_env = false;
    std::optional<std::string> value = Expand(inline_value->node.Scalar(), inline_value->path, &used_env);
    if (!value) return false;
    // A document sent to the control API registers nothing here: its secrets join the log
    // redaction only once the connection is accepted (control::ControlApi), so refused
    // documents cannot grow the redaction list.
    if (!api_mode_) log::RegisterSecret(*value);
    if (value->empty()) {
      Add(inline_value->path,
          used_env ? "the environment variable holds an empty " + noun : std::string("must not be empty"));
      return false;
    }
    if (BadSecretByte(*value, spec.spaces_allowed)) {
      Add(inline_value->path,
          "the " + noun + " contains " +
              (spec.spaces_allowed ? "control characters" : "spaces or control characters"));
      return false;
    }
    if (!used_env && !api_mode_) {
      log::Warn("inline secret; prefer " + std::string(spec.file_key) + " or ${ENV}",
                {{"path", inline_value->path}});
    }
    out = std::move(*value);
    return true;
  }

  // --- workday -------------------------------------------------------------------------------

  void ReadRateLimit(const Field& map, RateLimitConfig& out) {
    if (auto rate = Get(map, "rate_limit")) {
      if (CheckMap(*rate, {"requests", "per_s"})) {
        ReadInt(*rate, "requests", out.requests, {1, 100000, false});
        ReadInt(*rate, "per_s", out.per_s, {1, 3600, true});
      }
    }
  }

  void ReadWorkday(const Field& f, WorkdayConfig& w) {
    if (!CheckMap(f, {"rest_endpoint", "token_endpoint", "client_id", "client_secret_file", "client_secret",
                      "refresh_token_file", "refresh_token", "client_auth", "jobs_path", "reports", "columns",
                      "allow_insecure_http", "page_size", "rate_limit", "insecure_skip_tls_verify"})) {
      return;
    }
    ReadBool(f, "allow_insecure_http", w.allow_insecure_http);
    ReadInsecureTls(f, w.insecure_skip_tls_verify, "the OAuth credentials");
    const std::string_view plain_http =
        "plain http would send the OAuth credentials unencrypted; use https or set allow_insecure_http: "
        "true for a local simulator or test";

    std::optional<WorkdayEndpoint> endpoint;
    if (auto rest = Get(f, "rest_endpoint")) {
      std::string value;
      if (ReadString(*rest, value)) {
        endpoint = ParseWorkdayEndpoint(value);
        if (!endpoint) {
          Add(rest->path, std::string(kInvalidEndpoint) + EndpointHint(value));
        } else if (endpoint->scheme == "http" && !w.allow_insecure_http) {
          Add(rest->path, std::string(plain_http));
        } else {
          while (!value.empty() && value.back() == '/') value.pop_back();
          w.rest_endpoint = value;
        }
      }
    } else {
      Add(Join(f.path, "rest_endpoint"),
          "required: the Workday REST API endpoint shown by View API Clients, e.g. "
          "https://wd2-impl-services1.workday.com/ccx/api/v1/acme");
    }

    if (auto token = Get(f, "token_endpoint")) {
      std::string value;
      if (ReadString(*token, value)) {
        const auto parts = SplitHttpUrl(value);
        if (!parts || parts->has_query) {
          Add(token->path,
              "expected the token endpoint shown by View API Clients, e.g. "
              "https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token, got '" +
                  value + "'");
        } else if (parts->scheme == "http" && !w.allow_insecure_http) {
          Add(token->path, std::string(plain_http));
        } else {
          w.token_endpoint = value;
        }
      }
    }

    if (auto id = Get(f, "client_id")) {
      std::string value;
      if (ReadString(*id, value)) {
        if (HasSpaceOrControl(value)) {
          Add(id->path,
              "the client ID contains spaces or control characters; copy it again from View API "
              "Clients");
        } else {
          w.client_id = value;
        }
      }
    } else {
      Add(Join(f.path, "client_id"), "required: the Client ID of the API client (View API Clients)");
    }
    ReadSecret(f,
               {"client_secret_file", "client_secret", "client secret", "the API client's Client Secret",
                "${WORKDAY_CLIENT_SECRET}"},
               /*required=*/true, w.client_secret);
    ReadSecret(f,
               {"refresh_token_file", "refresh_token", "refresh token",
                "the refresh token from Manage Refresh Tokens for Integrations", "${WORKDAY_REFRESH_TOKEN}"},
               /*required=*/true, w.refresh_token);

    if (auto auth = Get(f, "client_auth")) {
      std::string value;
      if (ReadString(*auth, value)) {
        if (value == "body" || value == "basic") {
          w.client_auth = value;
        } else {
          Add(auth->path,
              "expected 'body' (client_id and client_secret as form fields, the default) or "
              "'basic' (HTTP Basic), got '" +
                  value + "'");
        }
      }
    }

    if (auto jobs = Get(f, "jobs_path")) {
      std::string value;
      if (ReadString(*jobs, value)) {
        while (!value.empty() && value.front() == '/') value.erase(value.begin());
        const bool bad = value.empty() || value.find("://") != std::string::npos ||
                         value.find_first_of("?#\\ \t\r\n") != std::string::npos ||
                         value.find("..") != std::string::npos || value.find("//") != std::string::npos;
        if (bad) {
          Add(jobs->path,
              "expected a path relative to https://{domain}/ccx/api/, e.g. "
              "recruiting/v4/{tenant}/jobPostings, got '" +
                  value + "'");
        } else {
          w.jobs_path = value;
        }
      }
    }

    if (auto reports = Get(f, "reports")) {
      if (!reports->node.IsSequence()) {
        Add(reports->path, "expected a list of custom reports (- url: ...), got " + Describe(reports->node));
      } else if (reports->node.size() == 0) {
        Add(reports->path, "is empty: list at least one custom report that lists the job applications");
      } else {
        for (size_t i = 0; i < reports->node.size(); ++i) {
          const Field item{reports->node[i], reports->path + "[" + std::to_string(i) + "]"};
          WorkdayReportConfig report;
          if (ReadReport(item, endpoint, w.allow_insecure_http, report))
            w.reports.push_back(std::move(report));
        }
      }
    } else {
      Add(Join(f.path, "reports"),
          "required: at least one custom report (Report-as-a-Service) that lists the job applications, "
          "e.g. - url: https://{domain}/ccx/service/customreport2/{tenant}/{owner}/{report}");
    }

    if (auto columns = Get(f, "columns")) ReadColumns(*columns, w.columns);
    ReadInt(f, "page_size", w.page_size, {1, 100, false});
    ReadRateLimit(f, w.rate_limit);
  }

  bool ReadReport(const Field& f, const std::optional<WorkdayEndpoint>& endpoint, bool allow_http,
                  WorkdayReportConfig& r) {
    if (!CheckMap(f, {"url", "auth", "username", "password_file", "password", "prompts"})) return false;
    bool ok = true;
    std::optional<WorkdayReportUrl> url;
    if (auto u = Get(f, "url")) {
      std::string value;
      if (ReadString(*u, value)) {
        url = ParseWorkdayReportUrl(value);
        if (!url) {
          Add(u->path,
              "expected a custom report URL "
              "https://{domain}/ccx/service/customreport2/{tenant}/{owner}/{report} "
              "(the report's Actions → Web Service → View URLs)" +
                  ReportUrlHint(value));
          ok = false;
        } else if (url->scheme == "http" && !allow_http) {
          Add(u->path,
              "plain http would send the report credentials unencrypted; use https or set "
              "allow_insecure_http: true for a local simulator or test");
          ok = false;
        } else if (endpoint && url->tenant != endpoint->tenant) {
          Add(u->path, "the report's tenant '" + url->tenant + "' is not the REST endpoint's tenant '" +
                           endpoint->tenant + "'; both must name the same tenant");
          ok = false;
        } else {
          r.url = value;
        }
      } else {
        ok = false;
      }
    } else {
      Add(Join(f.path, "url"),
          "required: the report's web service URL, "
          "https://{domain}/ccx/service/customreport2/{tenant}/{owner}/{report}");
      ok = false;
    }

    if (auto auth = Get(f, "auth")) {
      std::string value;
      if (ReadString(*auth, value)) {
        if (value == "bearer" || value == "basic") {
          r.auth = value;
        } else {
          Add(auth->path,
              "expected 'bearer' (the OAuth access token, the default) or 'basic' (the "
              "integration system user's name and password), got '" +
                  value + "'");
          ok = false;
        }
      } else {
        ok = false;
      }
    }

    if (r.auth == "bearer") {
      // The access token may go only where the REST calls go.
      if (url && endpoint && url->host != endpoint->host) {
        Add(Join(f.path, "url"), "with auth: bearer the OAuth access token would be sent to " + url->host +
                                     ", not to the REST endpoint's host " + endpoint->host +
                                     "; use the same host, or auth: basic");
        ok = false;
      }
      for (std::string_view key : {"username", "password_file", "password"}) {
        if (auto extra = Get(f, key)) {
          Add(extra->path, "'" + std::string(key) + "' is used only with auth: basic");
          ok = false;
        }
      }
    } else if (r.auth == "basic") {
      if (auto user = Get(f, "username")) {
        std::string value;
        if (ReadString(*user, value)) {
          if (value.find(':') != std::string::npos || BadSecretByte(value, false)) {
            Add(user->path, "a user name must not contain ':', spaces or control characters");
            ok = false;
          } else {
            r.username = value;
          }
        } else {
          ok = false;
        }
      } else {
        Add(Join(f.path, "username"), "required with auth: basic: the integration system user, e.g. ISU_ATS");
        ok = false;
      }
      if (!ReadSecret(f,
                      {"password_file", "password", "password", "the integration system user's password",
                       "${WORKDAY_ISU_PASSWORD}", /*spaces_allowed=*/true},
                      /*required=*/true, r.password)) {
        ok = false;
      }
    }

    if (auto prompts = Get(f, "prompts")) {
      if (!prompts->node.IsMap()) {
        Add(prompts->path, "expected a mapping of report prompts, e.g. {From_Date: 2026-01-01}, got " +
                               Describe(prompts->node));
        ok = false;
      } else {
        CheckKeys(*prompts, {}, {}, /*passthrough=*/true);
        std::set<std::string> seen;
        for (auto it = prompts->node.begin(); it != prompts->node.end(); ++it) {
          if (!it->first.IsScalar() || !seen.insert(it->first.Scalar()).second) continue;
          const std::string key = it->first.Scalar();
          const Field value_field{it->second, prompts->path + "." + key};
          if (key.empty() || HasSpaceOrControl(key)) {
            Add(prompts->path, "a prompt name must not be empty or contain spaces");
            ok = false;
            continue;
          }
          if (key == "format") {
            Add(value_field.path, "remove it: the report is always requested with format=json");
            ok = false;
            continue;
          }
          std::string value;
          if (!ReadString(value_field, value, /*allow_empty=*/true)) {
            ok = false;
            continue;
          }
          r.prompts[key] = value;
        }
      }
    }
    return ok;
  }

  void ReadColumns(const Field& f, WorkdayColumns& c) {
    const std::vector<std::pair<std::string_view, std::string*>> columns = {
        {"candidate_id", &c.candidate_id},
        {"application_id", &c.application_id},
        {"job_id", &c.job_id},
        {"stage", &c.stage},
        {"status", &c.status},
        {"name", &c.name},
        {"email", &c.email},
        {"phone", &c.phone},
        {"updated_at", &c.updated_at}};
    std::vector<std::string_view> keys;
    for (const auto& [key, target] : columns) keys.push_back(key);
    if (!CheckMap(f, keys)) return;
    for (const auto& [key, target] : columns) {
      auto column = Get(f, key);
      if (!column) continue;
      std::string value;
      if (!ReadString(*column, value)) continue;
      if (HasSpaceOrControl(value)) {
        Add(column->path,
            "expected a column's XML alias as in the report definition (no spaces), e.g. "
            "Candidate_ID, got '" +
                value + "'");
        continue;
      }
      *target = value;
    }
  }

  void ReadKafka(const Field& f, KafkaConfig& k) {
    if (!CheckMap(f, {"bootstrap_servers", "client_id", "embedded_brokers", "delivery_timeout_s", "topics",
                      "rdkafka"})) {
      return;
    }
    if (auto servers = Get(f, "bootstrap_servers")) {
      std::string value;
      if (ReadString(*servers, value)) {
        bool ok = true;
        if (value != "embedded") {
          size_t start = 0;
          while (ok) {
            const size_t comma = value.find(',', start);
            const std::string entry = Trim(std::string_view(value).substr(start, comma - start));
            if (!ValidHostPort(entry, 1)) {
              Add(servers->path,
                  "expected 'embedded' or a comma-separated list of host:port, e.g. "
                  "broker1:9092,broker2:9092; '" +
                      entry + "' is not host:port");
              ok = false;
            }
            if (comma == std::string::npos) break;
            start = comma + 1;
          }
        }
        if (ok) {
          k.bootstrap_servers = value;
          k.bootstrap_servers_given = true;
        }
      }
    }
    ReadString(f, "client_id", k.client_id, /*allow_empty=*/false);
    ReadInt(f, "embedded_brokers", k.embedded_brokers, {1, 5, false});
    ReadInt(f, "delivery_timeout_s", k.delivery_timeout_s, {1, 86400, true});
    if (auto topics = Get(f, "topics")) ReadTopics(*topics, k.topics);
    if (auto rdkafka = Get(f, "rdkafka")) ReadRdkafka(*rdkafka, k.rdkafka);
  }

  void ReadCluster(const Field& f, ClusterConfig& c) {
    if (!CheckMap(f, {"mode", "group_id", "state_topic", "connections_topic", "state_partitions",
                      "replication_factor", "min_insync_replicas", "create_topics", "delivery",
                      "session_timeout_s", "commit_interval_ms"}))
      return;
    for (auto [key, out, allowed, hint] :
         {std::tuple{"mode", &c.mode, std::vector<std::string>{"single", "kafka"},
                     "single (one process, local snapshot) or kafka (replicas share the connections)"},
          std::tuple{"delivery", &c.delivery, std::vector<std::string>{"exactly_once", "at_least_once"},
                     "exactly_once (Kafka transactions) or at_least_once (brokers without transactions)"}}) {
      auto field = Get(f, key);
      if (!field) continue;
      std::string value;
      if (!ReadString(*field, value)) continue;
      if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
        Add(field->path, "unknown value '" + value + "'; use " + hint);
        continue;
      }
      *out = value;
    }
    ReadString(f, "group_id", c.group_id, /*allow_empty=*/false);
    for (auto [key, out] : {std::pair{"state_topic", &c.state_topic}, {"connections_topic", &c.connections_topic}}) {
      auto field = Get(f, key);
      if (!field) continue;
      std::string value;
      if (!ReadString(*field, value)) continue;
      if (!ValidTopic(value)) {
        Add(field->path, "invalid topic name '" + value +
                             "': Kafka allows 1-249 characters of a-z, A-Z, 0-9, '.', '_' and '-' (not '.' or '..')");
        continue;
      }
      *out = value;
    }
    if (c.state_topic == c.connections_topic)
      Add(Join(f.path, "connections_topic"), "same topic as cluster.state_topic; give each its own");
    ReadInt(f, "state_partitions", c.state_partitions, {1, 1000, false});
    ReadInt(f, "replication_factor", c.replication_factor, {1, 10, false});
    ReadInt(f, "min_insync_replicas", c.min_insync_replicas, {1, 10, false});
    if (c.min_insync_replicas > c.replication_factor)
      Add(Join(f.path, "min_insync_replicas"),
          "min_insync_replicas (" + std::to_string(c.min_insync_replicas) + ") exceeds replication_factor (" +
              std::to_string(c.replication_factor) + "): no write could ever be acknowledged; use at most " +
              std::to_string(c.replication_factor));
    ReadBool(f, "create_topics", c.create_topics);
    ReadInt(f, "session_timeout_s", c.session_timeout_s, {6, 300, false});
    ReadInt(f, "commit_interval_ms", c.commit_interval_ms, {0, 10000, false});
  }

  void ReadTopics(const Field& f, TopicsConfig& t) {
    if (!CheckMap(f, {"candidate_changed", "job_imported", "job_changed", "dead_letter", "candidates_state",
                      "jobs_state", "connection_status"}))
      return;
    const std::vector<std::pair<std::string_view, std::string*>> topics = {
        {"candidate_changed", &t.candidate_changed},
        {"job_imported", &t.job_imported},
        {"job_changed", &t.job_changed},
        {"dead_letter", &t.dead_letter},
        {"candidates_state", &t.candidates_state},
        {"jobs_state", &t.jobs_state},
        {"connection_status", &t.connection_status}};
    for (const auto& [key, target] : topics) {
      auto topic = Get(f, key);
      if (!topic) continue;
      std::string value;
      if (!ReadString(*topic, value, /*allow_empty=*/true)) continue;
      if (!ValidTopic(value)) {
        Add(topic->path,
            "invalid topic name '" + value +
                "': Kafka allows 1-249 characters of a-z, A-Z, 0-9, '.', '_' and '-' (not '.' or '..')");
        continue;
      }
      *target = value;
    }
    for (size_t i = 0; i < topics.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (*topics[i].second == *topics[j].second) {
          Add(Join(f.path, topics[i].first),
              "same topic as " + Join(f.path, topics[j].first) + " ('" + *topics[i].second +
                  "'); every topic under kafka.topics must differ");
          break;
        }
      }
    }
  }

  void ReadRdkafka(const Field& f, std::map<std::string, std::string>& out) {
    if (!f.node.IsMap()) {
      Add(f.path, "expected a mapping of librdkafka properties, e.g. {security.protocol: SASL_SSL}, got " +
                      Describe(f.node));
      return;
    }
    CheckKeys(f, {}, {}, /*passthrough=*/true);  // non-scalar and duplicate keys; any name is passed on
    std::set<std::string> seen;
    for (auto it = f.node.begin(); it != f.node.end(); ++it) {
      if (!it->first.IsScalar() || !seen.insert(it->first.Scalar()).second) continue;
      const std::string key = it->first.Scalar();
      const Field value_field{it->second, f.path + "." + key};
      if (key.empty()) {
        Add(f.path, "a property name is empty");
        continue;
      }
      if (!value_field.node.IsScalar()) {
        // Do not echo the value: it may be a secret.
        Add(value_field.path, value_field.node.IsNull()
                                  ? "has no value; librdkafka properties need a value"
                                  : "expected a single value (text, number or true/false)");
        continue;
      }
      std::optional<std::string> value = Expand(value_field.node.Scalar(), value_field.path);
      if (!value) continue;
      if (LooksSecret(key)) log::RegisterSecret(*value);
      if (auto refused = RefusedRdkafkaProperty(key, *value)) {
        Add(value_field.path, *refused);
        continue;
      }
      out[key] = std::move(*value);
    }
  }

  EnvLookup env_;
  Purpose purpose_;
  std::string no_connections_path_;  // set when the file lists no connection
  bool api_mode_ = false;  // LoadConnection: a connection sent to the control API
  std::vector<Problem> problems_;
};

}  // namespace

std::optional<WorkdayEndpoint> ParseWorkdayEndpoint(const std::string& rest_endpoint) {
  const auto parts = SplitHttpUrl(rest_endpoint);
  if (!parts || parts->has_query) return std::nullopt;
  const std::vector<std::string_view> seg = PathSegments(parts->path);
  WorkdayEndpoint out;
  if (seg.size() == 4 && seg[0] == "ccx" && seg[1] == "api" && IsWorkdayVersion(seg[2]) &&
      IsWorkdayTenant(seg[3])) {
    out.version = std::string(seg[2]);
    out.tenant = std::string(seg[3]);
  } else if (seg.size() == 5 && seg[0] == "ccx" && seg[1] == "api" && IsWorkdayService(seg[2]) &&
             !IsWorkdayVersion(seg[2]) && IsWorkdayVersion(seg[3]) && IsWorkdayTenant(seg[4])) {
    out.service = std::string(seg[2]);
    out.version = std::string(seg[3]);
    out.tenant = std::string(seg[4]);
  } else {
    return std::nullopt;
  }
  out.scheme = parts->scheme;
  out.host = parts->host;
  out.api_base = out.scheme + "://" + out.host + "/ccx/api";
  out.token_endpoint = out.scheme + "://" + out.host + "/ccx/oauth2/" + out.tenant + "/token";
  return out;
}

std::optional<WorkdayReportUrl> ParseWorkdayReportUrl(const std::string& url) {
  const auto parts = SplitHttpUrl(url);
  if (!parts) return std::nullopt;
  const std::vector<std::string_view> seg = PathSegments(parts->path);
  if (seg.size() != 6 || seg[0] != "ccx" || seg[1] != "service" || seg[2] != "customreport2" ||
      !IsWorkdayTenant(seg[3]) || !IsReportSegment(seg[4]) || !IsReportSegment(seg[5])) {
    return std::nullopt;
  }
  WorkdayReportUrl out;
  out.scheme = parts->scheme;
  out.host = parts->host;
  out.tenant = std::string(seg[3]);
  out.owner = std::string(seg[4]);
  out.report = std::string(seg[5]);
  out.query = parts->query;
  return out;
}

ConnectionDocumentResult ParseConnectionDocument(const std::string& json) {
  if (json.size() > kMaxConnectionDocumentBytes)
    return {std::nullopt, {Problem{"", "the connection is over " + std::to_string(kMaxConnectionDocumentBytes) + " bytes"}}};
  return Loader(nullptr, Purpose::kAny).LoadConnection(json);
}

std::vector<std::string> SecretsOf(const ConnectionConfig& c) {
  std::vector<std::string> out;
  for (const std::string* s : {&c.workable.api_token, &c.workday.client_secret, &c.workday.refresh_token,
                               &c.fields.hash_key})
    if (!s->empty()) out.push_back(*s);
  for (const auto& report : c.workday.reports)
    if (!report.password.empty()) out.push_back(report.password);
  return out;
}

Config LoadConfigString(const std::string& yaml, EnvLookup env, Purpose purpose) {
  return Loader(env, purpose).Load(yaml);
}

Config LoadConfigFile(const std::string& path, EnvLookup env, Purpose purpose) {
  std::string text;
  std::string reason;
  if (!ReadSmallFile(path, 16 * 1024 * 1024, text, reason)) {
    throw ConfigError({Problem{"", "cannot read config file '" + path + "': " + reason}});
  }
  return LoadConfigString(text, env, purpose);
}

}  // namespace ats::config
