#pragma once
// Structured logs: one JSON object per line on stderr. Every registered secret is replaced by
// "[REDACTED]" in every line, whatever field it ended up in, so a token pasted into an error
// message, a URL or a header dump never reaches the log.
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace ats::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, long long v) : key(k), value(std::to_string(v)), json(true) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), json(true) {}
  Field(std::string_view k, size_t v) : key(k), value(std::to_string(v)), json(true) {}
  Field(std::string_view k, double v) : key(k), value(std::to_string(v)), json(true) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), json(true) {}
  std::string_view key;
  std::string value;
  bool json = false;  // value is already JSON (number/bool), not a string
};

void SetLevel(Level level);
bool ParseLevel(std::string_view text, Level& out);
// Registers a secret value (token, client secret, password), of any length (an empty one is
// ignored). A short secret also redacts ordinary text that happens to contain it.
void RegisterSecret(std::string_view secret);
// Forgets a secret that can no longer appear (an access token replaced by its successor), so
// short-lived secrets do not pile up in the registry over weeks.
void UnregisterSecret(std::string_view secret);
// Replaces every registered secret in `text`.
std::string Redact(std::string_view text);
// Tests capture lines here; nullptr restores stderr.
void SetSinkForTest(std::function<void(std::string_view line)> sink);

void Write(Level level, std::string_view message, std::initializer_list<Field> fields = {});
inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kError, m, f); }

}  // namespace ats::log
