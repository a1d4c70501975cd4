#include "common/log.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <vector>

#include "common/json_writer.hpp"
#include "common/time.hpp"

namespace ats::log {
namespace {

struct State {
  std::mutex mu;
  std::vector<std::string> secrets;
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

std::string RedactLocked(std::string_view text, const std::vector<std::string>& secrets,
                         bool finished_line = false) {
  std::string out(text);
  for (const auto& secret : secrets) {
    if (finished_line && !SafeInFinishedLine(secret)) continue;
    for (size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos)) {
      out.replace(pos, secret.size(), "[REDACTED]");
      pos += 10;
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
  for (const auto& known : s.secrets)
    if (known == secret) return;
  s.secrets.emplace_back(secret);
  // Longest first, so a secret that contains another is redacted whole.
  std::sort(s.secrets.begin(), s.secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
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
