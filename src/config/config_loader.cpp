// The YAML loader: the only code that reads YAML. It walks the document once, fills the structs
// of config.hpp and collects every problem (unknown key, wrong type, out-of-range value, missing
// credential...) with its key path, then throws a single ConfigError listing them all, so a user
// fixes the whole file in one pass. Messages say what to write instead, and never contain a
// secret's value.
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
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/log.hpp"
#include "config/config.hpp"

namespace ats::config {
namespace {

constexpr size_t kMaxTokenFileBytes = 64 * 1024;

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
  explicit Loader(EnvLookup env) : env_(env != nullptr ? env : &ProcessEnv) {}

  Config Load(const std::string& text) {
    Config cfg;
    try {
      LoadDocument(text, cfg);
    } catch (const YAML::Exception& e) {  // defensive: the walk itself should never throw
      Add("", std::string("YAML error: ") + e.what());
    }
    if (!problems_.empty()) throw ConfigError(std::move(problems_));
    return cfg;
  }

 private:
  void Add(std::string path, std::string message) {
    problems_.push_back(Problem{std::move(path), std::move(message)});
  }

  void LoadDocument(const std::string& text, Config& cfg) {
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAll(text);
    } catch (const YAML::ParserException& e) {
      Add("", "YAML syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
                  std::to_string(e.mark.column + 1) + ": " + e.msg);
      return;
    }
    if (docs.empty() || (docs.size() == 1 && docs[0].IsNull())) {
      Add("", "the config is empty; see examples/connector.yaml");
      return;
    }
    if (docs.size() > 1) {
      Add("", "found " + std::to_string(docs.size()) +
                  " YAML documents (separated by '---'); put the whole configuration in one");
    }
    const Field root{docs[0], ""};
    if (!root.node.IsMap()) {
      Add("", "expected a mapping of settings (key: value lines) at the top level, got " +
                  Describe(root.node) + "; see examples/connector.yaml");
      return;
    }
    CheckKeys(root, {"log_level", "shutdown_grace_s", "connections", "kafka", "snapshot", "http"});

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
    if (auto f = Get(root, "snapshot")) {
      if (CheckMap(*f, {"path"})) ReadString(*f, "path", cfg.snapshot.path, /*allow_empty=*/false);
    }
    if (auto f = Get(root, "http")) {
      if (CheckMap(*f, {"listen"})) {
        if (auto listen = Get(*f, "listen")) {
          std::string value;
          if (ReadString(*listen, value)) {
            if (ValidHostPort(value, 0)) {
              cfg.http.listen = value;
            } else {
              Add(listen->path,
                  "expected host:port with a port 0-65535, e.g. 0.0.0.0:8080, got '" + value + "'");
            }
          }
        }
      }
    }
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
    bool ok = true;
    for (size_t i = 0; i < f.node.size(); ++i) {
      const Field item{f.node[i], f.path + "[" + std::to_string(i) + "]"};
      std::string value;
      if (!ReadString(item, value)) {
        ok = false;
      } else if (std::find(out.begin(), out.end(), value) != out.end()) {
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
      Add("connections",
          "required: list at least one connection (- id: ..., source: workable); "
          "see examples/connector.yaml");
      return;
    }
    if (!f->node.IsSequence()) {
      Add(f->path,
          "expected a list of connections (each starting with '- id: ...'), got " + Describe(f->node));
      return;
    }
    if (f->node.size() == 0) {
      Add(f->path, "is empty: list at least one connection; see examples/connector.yaml");
      return;
    }
    std::map<std::string, std::string> id_paths;  // id -> path of its first use
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
    }
  }

  bool ReadConnection(const Field& f, ConnectionConfig& c) {
    if (!CheckMap(f,
                  {"id", "source", "poll_interval_s", "request_timeout_s", "jobs", "job_states",
                   "trigger_stages", "workable"},
                  {"workday"})) {
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
        if (value == "workday") {
          Add(source->path,
              "source 'workday' is not supported yet in this version; supported sources: workable");
        } else if (value != "workable") {
          Add(source->path, "unknown source '" + value + "'; supported sources: workable");
        }
      }
    } else {
      Add(Join(f.path, "source"), "required: the ATS to pull from; supported sources: workable");
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
      if (auto list = ReadStringList(*stages, "[phone-screen, assessment]"))
        c.trigger_stages = std::move(*list);
    }

    if (auto workable = Get(f, "workable")) {
      ReadWorkable(*workable, c.workable);
    } else if (c.source == "workable") {
      Add(Join(f.path, "workable"),
          "required for source 'workable': the subdomain and a credential "
          "(api_token_file or api_token); see examples/connector.yaml");
    }
    return true;
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
                      "page_size", "rate_limit"})) {
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
        ReadInt(*rate, "requests", w.rate_limit.requests, {1, 1000, false});
        ReadInt(*rate, "per_s", w.rate_limit.per_s, {1, 3600, true});
      }
    }
  }

  void ReadCredential(const Field& f, WorkableConfig& w) {
    auto file = Get(f, "api_token_file");
    auto inline_token = Get(f, "api_token");
    if (file && inline_token) {
      Add(inline_token->path, "set only one of api_token_file and api_token");
      return;
    }
    if (!file && !inline_token) {
      Add(f.path, "missing credential: set api_token_file (a path) or api_token: ${ENV_VAR}");
      return;
    }
    if (file) {
      std::string path;
      if (!ReadString(*file, path)) return;
      std::string content;
      std::string reason;
      if (!ReadSmallFile(path, kMaxTokenFileBytes, content, reason)) {
        Add(file->path, "cannot read token file '" + path + "': " + reason);
        return;
      }
      while (!content.empty() && HasSpaceOrControl(std::string_view(&content.back(), 1))) content.pop_back();
      log::RegisterSecret(content);
      if (content.empty()) {
        Add(file->path, "token file '" + path + "' is empty; it must hold the Workable API token");
      } else if (HasSpaceOrControl(content)) {
        Add(file->path, "token file '" + path +
                            "' holds spaces or control characters inside the token; "
                            "it must hold only the token");
      } else {
        w.api_token = std::move(content);
      }
      return;
    }
    // Inline api_token: never echo the value in a message.
    if (inline_token->node.IsNull() || !inline_token->node.IsScalar()) {
      Add(inline_token->path, "expected the token as text, e.g. api_token: ${WORKABLE_TOKEN}");
      return;
    }
    bool used_env = false;
    std::optional<std::string> token = Expand(inline_token->node.Scalar(), inline_token->path, &used_env);
    if (!token) return;
    log::RegisterSecret(*token);
    if (token->empty()) {
      Add(inline_token->path,
          used_env ? "the environment variable holds an empty token" : "must not be empty");
      return;
    }
    if (HasSpaceOrControl(*token)) {
      Add(inline_token->path, "the token contains spaces or control characters");
      return;
    }
    if (!used_env)
      log::Warn("inline secret; prefer api_token_file or ${ENV}", {{"path", inline_token->path}});
    w.api_token = std::move(*token);
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
        if (ok) k.bootstrap_servers = value;
      }
    }
    ReadString(f, "client_id", k.client_id, /*allow_empty=*/false);
    ReadInt(f, "embedded_brokers", k.embedded_brokers, {1, 5, false});
    ReadInt(f, "delivery_timeout_s", k.delivery_timeout_s, {1, 86400, true});
    if (auto topics = Get(f, "topics")) ReadTopics(*topics, k.topics);
    if (auto rdkafka = Get(f, "rdkafka")) ReadRdkafka(*rdkafka, k.rdkafka);
  }

  void ReadTopics(const Field& f, TopicsConfig& t) {
    if (!CheckMap(f, {"candidate_changed", "job_imported", "dead_letter"})) return;
    const std::vector<std::pair<std::string_view, std::string*>> topics = {
        {"candidate_changed", &t.candidate_changed},
        {"job_imported", &t.job_imported},
        {"dead_letter", &t.dead_letter}};
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
                  "'); candidate_changed, job_imported and dead_letter must differ");
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
      out[key] = std::move(*value);
    }
  }

  EnvLookup env_;
  std::vector<Problem> problems_;
};

}  // namespace

Config LoadConfigString(const std::string& yaml, EnvLookup env) {
  return Loader(env).Load(yaml);
}

Config LoadConfigFile(const std::string& path, EnvLookup env) {
  std::string text;
  std::string reason;
  if (!ReadSmallFile(path, 16 * 1024 * 1024, text, reason)) {
    throw ConfigError({Problem{"", "cannot read config file '" + path + "': " + reason}});
  }
  return LoadConfigString(text, env);
}

}  // namespace ats::config
