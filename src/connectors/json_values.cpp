#include "connectors/json_values.hpp"

#include "common/json_writer.hpp"

namespace ats::connectors {

using simdjson::error_code;

std::string_view TrimJson(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view TypeName(ondemand::json_type type) {
  switch (type) {
    case ondemand::json_type::array: return "array";
    case ondemand::json_type::object: return "object";
    case ondemand::json_type::number: return "number";
    case ondemand::json_type::string: return "string";
    case ondemand::json_type::boolean: return "boolean";
    case ondemand::json_type::null: return "null";
  }
  return "unknown";
}

// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// A string value's JSON text as written, when that is already the canonical form (no escapes,
// no control bytes): it can be kept without unescaping and re-escaping. Most values qualify.
std::optional<std::string_view> CanonicalStringToken(ondemand::value& v) {
  const std::string_view raw = TrimJson(v.raw_json_token());
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return std::nullopt;
  for (char ch : raw.substr(1, raw.size() - 2)) {
    if (ch == '\\' || ch == '"' || static_cast<unsigned char>(ch) < 0x20) return std::nullopt;
  }
  return raw;
}

// Appends `v` as compact JSON: strings re-escaped canonically, numbers as written, object keys
// in source order. Validates every scalar on the way.
error_code AppendCompact(ondemand::value v, std::string& out) {
  ondemand::json_type type;
  if (auto e = v.type().get(type)) return e;
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object obj;
      if (auto e = v.get_object().get(obj)) return e;
      out.push_back('{');
      bool first = true;
      for (auto field : obj) {
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        ondemand::value child;
        if (auto e = field.value().get(child)) return e;
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(out, key);
        out.push_back(':');
        if (auto e = AppendCompact(child, out)) return e;
      }
      out.push_back('}');
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::array: {
      ondemand::array arr;
      if (auto e = v.get_array().get(arr)) return e;
      out.push_back('[');
      bool first = true;
      for (auto element : arr) {
        ondemand::value child;
        if (auto e = element.get(child)) return e;
        if (!first) out.push_back(',');
        first = false;
        if (auto e = AppendCompact(child, out)) return e;
      }
      out.push_back(']');
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return e;
      AppendJsonString(out, s);
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::number: {
      const std::string_view raw = TrimJson(v.raw_json_token());
      if (!IsJsonNumber(raw)) return simdjson::NUMBER_ERROR;
      out.append(raw);
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::boolean: {
      bool b = false;
      if (auto e = v.get_bool().get(b)) return e;
      out.append(b ? "true" : "false");
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      if (!is_null) return simdjson::N_ATOM_ERROR;
      out.append("null");
      return simdjson::SUCCESS;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

}  // namespace ats::connectors
