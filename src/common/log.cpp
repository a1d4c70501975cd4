#include "common/log.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "common/json_writer.hpp"
#include "common/time.hpp"

namespace ats::log {
namespace {

// The registered secrets, grouped by length (longest first, so a secret that contains another is
// redacted whole): redacting a text looks up each of its substrings of a registered length in a
// hash set, so the cost grows with the text and the number of distinct lengths, not with the
// number of secrets (11 000 connections' tokens were 11 000 scans of every log line).
struct Secrets {
  std::unordered_set<std::string> all;  // node-based: the views below stay valid
  std::map<size_t, std::unordered_set<std::string_view>, std::greater<>> by_length;
};

struct State {
  std::mutex mu;
  Secrets secrets;
  std::function<void(std::string_view)> sink;
};
State& state() {
  static State s;
  return s;
}
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

// Characters that are JSON syntax outside strings: a secret holding one is not looked for in a
// finished line (it could match the syntax and break the line); its raw texts were redacted.
bool SafeInFinishedLine(std::string_view secret) {
  return secret.find_first_of("\"\\{}[]:,") == std::string_view::npos;
}

std::string RedactLocked(std::string_view text, const Secrets& secrets, bool finished_line = false) {
  std::string out(text);
  for (const auto& [length, set] : secrets.by_length) {
    for (size_t pos = 0; pos + length <= out.size();) {
      const std::string_view candidate(out.data() + pos, length);
      if (set.count(candidate) > 0 && (!finished_line || SafeInFinishedLine(candidate))) {
        out.replace(pos, length, "[REDACTED]");
        pos += 10;
      } else {
        ++pos;
      }
    }
  }
  return out;
}

}  // namespace

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }

bool ParseLevel(std::string_view text, Level& out) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (text == LevelName(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

void RegisterSecret(std::string_view secret) {
  if (secret.empty()) return;
  auto& s = state();
  std::lock_guard lock(s.mu);
  auto [it, inserted] = s.secrets.all.emplace(secret);
  if (inserted) s.secrets.by_length[it->size()].insert(*it);
}

void UnregisterSecret(std::string_view secret) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  auto it = s.secrets.all.find(std::string(secret));
  if (it == s.secrets.all.end()) return;
  auto group = s.secrets.by_length.find(it->size());
  group->second.erase(std::string_view(*it));
  if (group->second.empty()) s.secrets.by_length.erase(group);
  s.secrets.all.erase(it);
}

std::string Redact(std::string_view text) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  return RedactLocked(text, s.secrets);
}

void SetSinkForTest(std::function<void(std::string_view)> sink) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  s.sink = std::move(sink);
}

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  auto& s = state();
  std::lock_guard lock(s.mu);
  // Secrets are redacted in the raw texts, before JSON escaping: a secret containing a quote,
  // a backslash or a control character no longer matches itself once escaped.
  JsonWriter w;
  w.BeginObject();
  w.Key("ts").String(FormatRfc3339Millis(std::chrono::system_clock::now()));
  w.Key("level").String(LevelName(level));
  w.Key("msg").String(RedactLocked(message, s.secrets));
  for (const auto& f : fields) {
    w.Key(RedactLocked(f.key, s.secrets));
    // A double field that is NaN or infinite (std::to_string: "nan", "-inf") is not JSON.
    const bool non_finite = f.json && (f.value.find("nan") != std::string::npos ||
                                       f.value.find("inf") != std::string::npos);
    if (f.json && !non_finite) {
      w.Raw(f.value);
    } else {
      w.String(RedactLocked(f.value, s.secrets));
    }
  }
  w.EndObject();
  std::string line = RedactLocked(w.str(), s.secrets, /*finished_line=*/true);
  if (s.sink) {
    s.sink(line);
    return;
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace ats::log
