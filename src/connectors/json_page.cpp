#include "connectors/json_page.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/utf8.hpp"
#include "connectors/json_values.hpp"

namespace ats::connectors {
namespace {

using simdjson::error_code;

// Reads the whole of `v` as far as the grammar goes (brackets, commas, colons, strings closed,
// literals), without converting numbers or unescaping strings: those are checked per record.
error_code Walk(ondemand::value v) {
  ondemand::json_type type;
  if (auto e = v.type().get(type)) return e;
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object object;
      if (auto e = v.get_object().get(object)) return e;
      for (auto field : object) {
        ondemand::raw_json_string key;
        if (auto e = field.key().get(key)) return e;
        ondemand::value child;
        if (auto e = field.value().get(child)) return e;
        if (auto e = Walk(child)) return e;
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::array: {
      ondemand::array array;
      if (auto e = v.get_array().get(array)) return e;
      for (auto element : array) {
        ondemand::value child;
        if (auto e = element.get(child)) return e;
        if (auto e = Walk(child)) return e;
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::string: {
      ondemand::raw_json_string s;
      return v.get_raw_json_string().get(s);
    }
    case ondemand::json_type::number: return simdjson::SUCCESS;  // converted by CheckRecord
    case ondemand::json_type::boolean: {
      bool b = false;
      return v.get_bool().get(b);
    }
    case ondemand::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

// The span of `v` in `base`: walks it, then ends before the token that follows it.
error_code SpanOf(ondemand::document& doc, ondemand::value v, const char* base, JsonSpan& span) {
  const std::string_view token = v.raw_json_token();
  span.begin = static_cast<size_t>(token.data() - base);
  ondemand::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type == ondemand::json_type::number) {  // left unread (Walk does not convert numbers)
    span.end = span.begin + TrimJson(token).size();
    return simdjson::SUCCESS;
  }
  if (auto e = Walk(v)) return e;
  const char* end = nullptr;
  if (auto e = doc.current_location().get(end)) return e;
  span.end = static_cast<size_t>(end - base);
  const std::string_view trimmed = TrimJson(std::string_view(base + span.begin, span.end - span.begin));
  span.end = span.begin + trimmed.size();
  return simdjson::SUCCESS;
}

SplitProblem NotJson(error_code e) {
  return {false, std::string("the body is not valid JSON (") + simdjson::error_message(e) + ")"};
}

// The top-level fields of the JSON object `text` and their value spans; false when it is not one.
bool FieldSpans(std::string_view text, std::vector<std::pair<std::string, JsonSpan>>& out) {
  std::string buffer;
  const std::string_view padded = PadForSimdjson(text, buffer);
  ondemand::parser parser;
  ondemand::document doc;
  if (parser.iterate(padded.data(), text.size(), padded.size()).get(doc)) return false;
  ondemand::object object;
  if (doc.get_object().get(object)) return false;
  for (auto field : object) {
    ondemand::raw_json_string raw_key;
    if (field.key().get(raw_key)) return false;
    ondemand::value value;
    if (field.value().get(value)) return false;
    JsonSpan span;
    if (SpanOf(doc, value, padded.data(), span)) return false;
    // The key as written between its quotes (it is only quoted in a message).
    const char* key_begin = reinterpret_cast<const char*>(raw_key.raw());
    const char* const limit = padded.data() + text.size();
    const char* key_end = key_begin;
    while (key_end < limit && *key_end != '"') key_end += *key_end == '\\' ? 2 : 1;
    out.emplace_back(std::string(key_begin, std::min(key_end, limit)), span);
  }
  return true;
}

}  // namespace

bool ReplaceInvalidUtf8(std::string& s, size_t size) {
  bool replaced = false;
  const std::string_view text(s.data(), std::min(size, s.size()));
  for (size_t i = 0; i < text.size();) {
    const size_t n = Utf8SequenceAt(text, i);
    if (n == 0) {
      s[i++] = ' ';
      replaced = true;
    } else {
      i += n;
    }
  }
  return replaced;
}

bool IsValueError(simdjson::error_code e) {
  switch (e) {
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
    case simdjson::STRING_ERROR:
    case simdjson::UNESCAPED_CHARS:
    case simdjson::UTF8_ERROR: return true;
    default: return false;
  }
}

std::string_view PadForSimdjson(std::string_view text, std::string& buffer) {
  buffer.resize(text.size() + simdjson::SIMDJSON_PADDING);
  if (!text.empty()) std::memcpy(buffer.data(), text.data(), text.size());
  std::memset(buffer.data() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  return buffer;
}

std::optional<SplitProblem> SplitJsonPage(std::string_view body, std::string_view array_key,
                                          size_t max_records, JsonPageSplit& out) {
  out = JsonPageSplit();
  out.size = body.size();
  PadForSimdjson(body, out.text);
  if (!simdjson::validate_utf8(body)) {
    out.original.assign(body);
    ReplaceInvalidUtf8(out.text, out.size);
  }
  const char* base = out.text.data();
  ondemand::parser parser;
  ondemand::document doc;
  if (auto e = parser.iterate(base, out.size, out.text.size()).get(doc)) return NotJson(e);
  ondemand::object root;
  if (auto e = doc.get_object().get(root)) {
    if (e == simdjson::INCORRECT_TYPE) return SplitProblem{false, "the body is not a JSON object"};
    return NotJson(e);
  }
  bool saw_array = false;
  for (auto field : root) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return NotJson(e);
    ondemand::value value;
    if (auto e = field.value().get(value)) return NotJson(e);
    if (key != array_key || saw_array) {
      JsonSpan span;
      const std::string name(key);
      if (auto e = SpanOf(doc, value, base, span)) return NotJson(e);
      out.fields.emplace(name, span);
      continue;
    }
    ondemand::json_type type;
    if (auto e = value.type().get(type)) return NotJson(e);
    if (type != ondemand::json_type::array) {
      return SplitProblem{
          false, "'" + std::string(array_key) + "' is " + std::string(TypeName(type)) + ", not an array"};
    }
    saw_array = true;
    ondemand::array elements;
    if (auto e = value.get_array().get(elements)) return NotJson(e);
    for (auto element : elements) {
      ondemand::value item;
      if (auto e = element.get(item)) return NotJson(e);
      if (out.records.size() >= max_records) {
        return SplitProblem{true, "the page holds more than " + std::to_string(max_records) + " records"};
      }
      JsonSpan span;
      if (auto e = SpanOf(doc, item, base, span)) return NotJson(e);
      out.records.push_back(span);
    }
  }
  if (!saw_array) return SplitProblem{false, "no '" + std::string(array_key) + "' array in the body"};
  // Anything after the root object means the body is not one JSON document.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return SplitProblem{false, "unexpected content after the JSON document"};
  }
  return std::nullopt;
}

std::string CheckRecord(std::string_view text, std::string_view original, simdjson::dom::parser& parser) {
  std::vector<std::pair<std::string, JsonSpan>> fields;
  const auto field_at = [&](size_t offset) -> std::string {
    if (fields.empty() && !FieldSpans(text, fields)) return "";
    for (const auto& [name, span] : fields)
      if (offset >= span.begin && offset < span.end) return name;
    return "";
  };
  if (text != original) {
    size_t at = 0;
    while (at < text.size() && text[at] == original[at]) ++at;
    const std::string name = field_at(at);
    return (name.empty() ? std::string("the record") : "field '" + name + "'") +
           " holds invalid UTF-8 (at byte " + std::to_string(at) + " of the record)";
  }
  std::string buffer;
  const std::string_view padded = PadForSimdjson(text, buffer);
  const error_code whole = parser.parse(padded.data(), text.size(), false).error();
  if (!whole) return "";
  if (FieldSpans(text, fields)) {
    for (const auto& [name, span] : fields) {
      const std::string_view value = text.substr(span.begin, span.end - span.begin);
      const std::string_view padded_value = PadForSimdjson(value, buffer);
      if (auto e = parser.parse(padded_value.data(), value.size(), false).error()) {
        return "field '" + name + "' holds a value that cannot be read (" + simdjson::error_message(e) + ")";
      }
    }
  }
  return std::string("the record is not valid JSON (") + simdjson::error_message(whole) + ")";
}

}  // namespace ats::connectors
