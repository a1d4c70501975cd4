#pragma once
// simdjson On-Demand helpers shared by the sources: a value as compact JSON text (what a
// Record field holds), and the small checks that go with it.
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace ats::connectors {

namespace ondemand = simdjson::ondemand;

// Without leading and trailing JSON whitespace (simdjson's raw tokens may carry some).
std::string_view TrimJson(std::string_view s);
// "array", "object", "number", ... for messages.
std::string_view TypeName(ondemand::json_type type);
// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s);
// A string value's JSON text as written, when that is already the canonical form (no escapes,
// no control bytes): it can be kept without unescaping and re-escaping. Most values qualify.
std::optional<std::string_view> CanonicalStringToken(ondemand::value& v);
// Appends `v` as compact JSON: strings re-escaped canonically, numbers as written, object keys
// in source order. Validates every scalar on the way.
simdjson::error_code AppendCompact(ondemand::value v, std::string& out);

}  // namespace ats::connectors
