#pragma once
// An incremental reader of a Workday custom report in JSON ({"Report_Entry": [{...}, ...]}).
// It takes the body in chunks of any size, finds each element of the top-level Report_Entry
// array with a small state machine (nesting, strings, escapes), buffers only that element, then
// parses it with simdjson On-Demand and maps it to a candidate record. Memory is bounded by the
// largest entry, not by the report, which can be gigabytes.
//
// What it accepts: a top-level object; `{}` (Workday's answer for zero rows) is an empty report;
// other top-level keys are skipped whatever they hold. What it refuses (retryable kBadResponse,
// and every later Feed repeats the error): anything else at the top level (XML, an array,
// garbage), a Report_Entry that is not an array, an entry that is not valid JSON, bytes after
// the document, and, at Finish, a document that has not ended (a truncated download). An entry
// larger than the limit (16 MiB) or that cannot be mapped goes to Page::rejected with its first
// 16 KiB and the reason; the entries after it are read as usual.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "connectors/source.hpp"

namespace ats::connectors {

class RaasStream final : public RecordStream {
 public:
  static constexpr size_t kMaxEntryBytes = size_t{16} << 20;
  static constexpr size_t kRawKeepBytes = size_t{16} << 10;  // of a rejected entry

  // `what` names the document in messages, e.g. "report ISU_ATS/ATS_Candidates".
  RaasStream(config::WorkdayColumns columns, std::string what, size_t max_entry_bytes = kMaxEntryBytes);
  ~RaasStream() override;

  Result<void> Feed(std::string_view chunk, Page& out) override;
  Result<void> Finish(Page& out) override;

  size_t entries() const { return entries_; }  // Report_Entry elements seen so far
  size_t bytes() const { return offset_; }     // bytes fed so far
  // Memory held for the entry being read (grows to the largest entry seen).
  size_t buffer_capacity() const { return entry_.capacity(); }

 private:
  struct Parser;  // simdjson state, kept out of this header

  enum class State : unsigned char {
    kBeforeRoot,         // byte-order mark or whitespace, then '{'
    kKeyOrEnd,           // after '{': a key or '}'
    kKey,                // inside a top-level key
    kColon,              // after a key: ':'
    kValue,              // after ':': the value
    kSkip,               // inside a top-level value other than Report_Entry
    kCommaOrEnd,         // after a top-level value: ',' or '}'
    kKeyAfterComma,      // after ',': a key
    kElementOrEnd,       // after Report_Entry's '[': an element or ']'
    kElement,            // inside an element
    kElementCommaOrEnd,  // after an element: ',' or ']'
    kElementAfterComma,  // after ',': an element
    kDone,               // after the closing '}': whitespace only
    kFailed,
  };

  // Starts a value at chunk[i] (kSkip or kElement); false when no JSON value starts with it.
  bool StartValue(char c);
  // Scans the current value from chunk[i]; sets `complete` and returns the index after its last
  // byte (a bare scalar ends before the byte that ends it), or npos on a structural error.
  size_t ScanValue(std::string_view chunk, size_t i, bool& complete);
  // The element in entry_ is complete: parse, map, append to `out`.
  Result<void> EndElement(Page& out);
  void Capture(std::string_view piece);
  Error Fail(std::string detail);
  Error Unexpected(char c, size_t at, std::string_view expected);

  config::WorkdayColumns columns_;
  std::string what_;
  size_t max_entry_bytes_;
  std::unique_ptr<Parser> parser_;

  State state_ = State::kBeforeRoot;
  size_t offset_ = 0;   // bytes consumed before the current chunk
  size_t entries_ = 0;  // elements seen
  Error error_;         // once failed

  // The value being scanned.
  std::vector<char> open_;  // unclosed '{' / '['
  bool in_string_ = false;
  bool escape_ = false;
  bool scalar_ = false;  // a bare number / true / false / null

  std::string key_;               // current top-level key (first 64 bytes)
  bool in_entries_seen_ = false;  // a Report_Entry array was read already
  std::string entry_;             // the current element's text (+ padding while parsing)
  size_t entry_bytes_ = 0;        // its full size, also past the limit
};

}  // namespace ats::connectors
