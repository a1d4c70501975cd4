#pragma once
// A JSON page split into its records before any record is read (Workable pages, Workday job
// postings). The document's structure is checked whole with simdjson On Demand, but no number is
// converted and no string unescaped, so a value simdjson cannot represent (1e400, a 30-digit
// integer, a bad escape) or an invalid UTF-8 byte costs only the record that holds it: each
// record is then checked and read on its own (CheckRecord). Only a page whose structure is
// broken (it cannot be split into records) is refused whole.
//
// Memory: one padded copy of the body (two when it holds invalid UTF-8) and 16 bytes per record.
#include <simdjson.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ats::connectors {

struct JsonSpan {
  size_t begin = 0;
  size_t end = 0;
};

struct JsonPageSplit {
  std::string text;               // the body as parsed (invalid UTF-8 bytes replaced by spaces) + padding
  std::string original;           // the body as received, kept only when it held invalid UTF-8
  size_t size = 0;                // bytes of the body
  std::vector<JsonSpan> records;  // the elements of the record array, in order
  std::map<std::string, JsonSpan> fields;  // other top-level fields (first occurrence): values
  std::string_view Text(JsonSpan s) const { return std::string_view(text).substr(s.begin, s.end - s.begin); }
  // The bytes as received (differs from Text only where invalid UTF-8 was replaced).
  std::string_view Original(JsonSpan s) const {
    return original.empty() ? Text(s) : std::string_view(original).substr(s.begin, s.end - s.begin);
  }
  bool Damaged(JsonSpan s) const { return !original.empty() && Text(s) != Original(s); }
};

struct SplitProblem {
  bool too_many_records = false;  // more elements than max_records (the rest were not read)
  std::string message;            // e.g. "the body is not valid JSON (TAPE_ERROR: ...)"
};

// Splits `body`, a JSON object holding the array `array_key`, into `out`. nullopt when it could.
std::optional<SplitProblem> SplitJsonPage(std::string_view body, std::string_view array_key,
                                          size_t max_records, JsonPageSplit& out);

// Checks one record's text (from a split page) the way a full parser would: "" when every value
// in it can be read, else why not, naming the top-level field that holds the bad value when
// there is one. `original`: the record's bytes as received (JsonPageSplit::Original), which
// differ from `text` where invalid UTF-8 was replaced.
std::string CheckRecord(std::string_view text, std::string_view original, simdjson::dom::parser& parser);

// Every byte of `s` that does not start a valid UTF-8 sequence becomes a space (same length, so
// offsets stay valid; still JSON inside a string). Returns whether anything was replaced.
bool ReplaceInvalidUtf8(std::string& s, size_t size);

// Whether simdjson's error is about one value (a number it cannot represent, a bad escape)
// rather than the document's grammar.
bool IsValueError(simdjson::error_code e);

// A padded copy of `text` for simdjson (`buffer` is reused between calls).
std::string_view PadForSimdjson(std::string_view text, std::string& buffer);

}  // namespace ats::connectors
