#include "connectors/workday/raas_stream.hpp"

#include <simdjson.h>

#include <cstdio>

#include "connectors/json_page.hpp"
#include "connectors/workday/workday_mapping.hpp"

namespace ats::connectors {
namespace {

namespace ondemand = simdjson::ondemand;

constexpr size_t kMaxDepth = 1024;  // simdjson's own default
constexpr std::string_view kEntriesKey = "Report_Entry";
constexpr size_t kMaxKeyBytes = 64;  // longer keys are not Report_Entry anyway

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Bytes of a bare JSON token: numbers, true, false, null.
bool IsScalarByte(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' ||
         c == '-';
}

std::string Show(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u <= 0x7e) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", u);
  return std::string("byte ") + buf;
}

std::string Size(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (size_t{1} << 10) && bytes % (size_t{1} << 10) == 0)
    return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

struct RaasStream::Parser {
  ondemand::parser parser;
  simdjson::dom::parser dom;  // names the field that holds a bad byte
};

RaasStream::RaasStream(config::WorkdayColumns columns, std::string what, size_t max_entry_bytes)
    : columns_(std::move(columns)),
      what_(std::move(what)),
      max_entry_bytes_(max_entry_bytes),
      parser_(std::make_unique<Parser>()) {}

RaasStream::~RaasStream() = default;

Error RaasStream::Fail(std::string detail) {
  error_ = Error::Retryable(ErrorCategory::kBadResponse, "unexpected response from " + what_ + ": " + detail);
  state_ = State::kFailed;
  return error_;
}

Error RaasStream::Unexpected(char c, size_t at, std::string_view expected) {
  return Fail("expected " + std::string(expected) + " at byte " + std::to_string(offset_ + at) + ", got " +
              Show(c));
}

bool RaasStream::StartValue(char c) {
  open_.clear();
  in_string_ = false;
  escape_ = false;
  scalar_ = false;
  if (c == '{' || c == '[') {
    open_.push_back(c);
  } else if (c == '"') {
    in_string_ = true;
  } else if (IsScalarByte(c)) {
    scalar_ = true;
  } else {
    return false;
  }
  return true;
}

size_t RaasStream::ScanValue(std::string_view chunk, size_t i, bool& complete) {
  const char* p = chunk.data();
  const size_t n = chunk.size();
  complete = false;
  if (scalar_) {
    while (i < n && IsScalarByte(p[i])) ++i;
    if (i < n) {
      scalar_ = false;
      complete = true;
    }
    return i;
  }
  while (i < n) {
    if (in_string_) {
      if (escape_) {
        escape_ = false;
        ++i;
        continue;
      }
      while (i < n && p[i] != '"' && p[i] != '\\') ++i;
      if (i == n) break;
      if (p[i] == '\\') {
        escape_ = true;
        ++i;
        continue;
      }
      in_string_ = false;
      ++i;
      if (open_.empty()) {  // a string value
        complete = true;
        return i;
      }
      continue;
    }
    const char c = p[i];
    switch (c) {
      case '"': in_string_ = true; break;
      case '{':
      case '[':
        if (open_.size() >= kMaxDepth) {
          Fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels at byte " +
               std::to_string(offset_ + i));
          return std::string_view::npos;
        }
        open_.push_back(c);
        break;
      case '}':
      case ']':
        if (open_.empty() || open_.back() != (c == '}' ? '{' : '[')) {
          Unexpected(c, i,
                     open_.empty()         ? "a value"
                     : open_.back() == '{' ? "'}' or a member"
                                           : "']' or an element");
          return std::string_view::npos;
        }
        open_.pop_back();
        if (open_.empty()) {
          complete = true;
          return i + 1;
        }
        break;
      case ' ':
      case '\t':
      case '\n':
      case '\r':
      case ':':
      case ',': break;
      default:
        if (!IsScalarByte(c)) {
          Unexpected(c, i, "JSON");
          return std::string_view::npos;
        }
    }
    ++i;
  }
  return i;
}

void RaasStream::Capture(std::string_view piece) {
  entry_bytes_ += piece.size();
  if (entry_bytes_ <= max_entry_bytes_) {
    entry_.append(piece);
    return;
  }
  // Too large: keep only the beginning, for the dead letter, and give the memory back.
  if (entry_.size() > kRawKeepBytes) {
    entry_.resize(kRawKeepBytes);
    entry_.shrink_to_fit();
  } else if (entry_.size() < kRawKeepBytes) {
    entry_.append(piece.substr(0, kRawKeepBytes - entry_.size()));
  }
}

Result<void> RaasStream::EndElement(Page& out) {
  const std::string index = std::to_string(entries_);
  if (entry_bytes_ > max_entry_bytes_) {
    out.rejected.push_back({Entity::kCandidate, entry_.substr(0, kRawKeepBytes),
                            "report entry " + index + " is " + std::to_string(entry_bytes_) +
                                " bytes, more than the limit of " + Size(max_entry_bytes_) +
                                "; skipped (raw text cut to its first " + Size(kRawKeepBytes) + ")"});
    entry_.clear();
    return Ok();
  }
  const auto broken = [&](simdjson::error_code e) {
    return Fail("report entry " + index + " is not valid JSON (" + simdjson::error_message(e) + ")");
  };
  // The element's text plus the zero padding simdjson reads past the end.
  const size_t len = entry_.size();
  entry_.resize(len + simdjson::SIMDJSON_PADDING, '\0');
  // One invalid UTF-8 byte costs its entry, not the report: it is read with the byte replaced
  // (so that a broken grammar still fails the report) and then dead-lettered as received.
  std::string original;
  if (!simdjson::validate_utf8(entry_.data(), len)) {
    original.assign(entry_, 0, len);
    ReplaceInvalidUtf8(entry_, len);
  }
  const auto reject = [&](std::string reason) {
    const std::string& raw = original.empty() ? entry_ : original;
    out.rejected.push_back(
        {Entity::kCandidate, raw.substr(0, std::min(len, kRawKeepBytes)), std::move(reason)});
  };

  ondemand::document doc;
  if (auto e = parser_->parser.iterate(entry_.data(), len, entry_.size()).get(doc)) return broken(e);
  ondemand::json_type type;
  if (auto e = doc.type().get(type)) return broken(e);
  if (type != ondemand::json_type::object) {
    reject("report entry " + index + " is not a JSON object, got " + std::string(workday::TypeName(type)));
  } else {
    ondemand::object object;
    if (auto e = doc.get_object().get(object)) return broken(e);
    Record record;
    workday::MapOutcome mapped = workday::MapReportEntry(object, columns_, record);
    if (mapped.json != simdjson::SUCCESS && !IsValueError(mapped.json)) return broken(mapped.json);
    if (mapped.json != simdjson::SUCCESS) {
      reject("report entry " + index + " holds a value that cannot be read (" +
             simdjson::error_message(mapped.json) + ")");
    } else if (!original.empty()) {
      reject("report entry " + index + ": " +
             CheckRecord(std::string_view(entry_.data(), len), original, parser_->dom));
    } else if (!mapped.reason.empty()) {
      reject("report entry " + index + ": " + mapped.reason);
    } else {
      out.records.push_back(std::move(record));
    }
  }
  entry_.clear();
  return Ok();
}

Result<void> RaasStream::Feed(std::string_view chunk, Page& out) {
  const size_t n = chunk.size();
  size_t i = 0;
  while (i < n) {
    const char c = chunk[i];
    switch (state_) {
      case State::kFailed: return error_;

      case State::kBeforeRoot:
        if (IsSpace(c) || (offset_ + i < 3 && c == "\xEF\xBB\xBF"[offset_ + i])) {  // whitespace, BOM
          ++i;
        } else if (c == '{') {
          state_ = State::kKeyOrEnd;
          ++i;
        } else if (c == '<') {
          return Fail("the report came as XML, not JSON (format=json did not take effect)");
        } else if (c == '[') {
          return Fail("the report is a JSON array, not an object with a 'Report_Entry' array");
        } else {
          return Unexpected(c, i, "a JSON object");
        }
        break;

      case State::kKeyOrEnd:
      case State::kKeyAfterComma:
        if (IsSpace(c)) {
          ++i;
        } else if (c == '"') {
          key_.clear();
          escape_ = false;
          state_ = State::kKey;
          ++i;
        } else if (c == '}' && state_ == State::kKeyOrEnd) {
          state_ = State::kDone;
          ++i;
        } else {
          return Unexpected(c, i, "a key");
        }
        break;

      case State::kKey: {
        size_t j = i;
        while (j < n) {
          const char d = chunk[j];
          if (escape_) {
            escape_ = false;
          } else if (d == '\\') {
            escape_ = true;
          } else if (d == '"') {
            break;
          }
          ++j;
        }
        if (key_.size() <= kMaxKeyBytes) key_.append(chunk.substr(i, std::min(j - i, kMaxKeyBytes + 1)));
        if (j == n) {
          i = n;
        } else {
          state_ = State::kColon;
          i = j + 1;
        }
        break;
      }

      case State::kColon:
        if (IsSpace(c)) {
          ++i;
        } else if (c == ':') {
          state_ = State::kValue;
          ++i;
        } else {
          return Unexpected(c, i, "':'");
        }
        break;

      case State::kValue:
        if (IsSpace(c)) {
          ++i;
        } else if (key_ == kEntriesKey && !in_entries_seen_) {
          if (c != '[') return Fail("'Report_Entry' is not an array (it starts with " + Show(c) + ")");
          in_entries_seen_ = true;
          state_ = State::kElementOrEnd;
          ++i;
        } else if (StartValue(c)) {
          state_ = State::kSkip;
          ++i;
        } else {
          return Unexpected(c, i, "a value");
        }
        break;

      case State::kSkip: {
        bool complete = false;
        const size_t end = ScanValue(chunk, i, complete);
        if (end == std::string_view::npos) return error_;
        i = end;
        if (complete) state_ = State::kCommaOrEnd;
        break;
      }

      case State::kCommaOrEnd:
        if (IsSpace(c)) {
          ++i;
        } else if (c == ',') {
          state_ = State::kKeyAfterComma;
          ++i;
        } else if (c == '}') {
          state_ = State::kDone;
          ++i;
        } else {
          return Unexpected(c, i, "',' or '}'");
        }
        break;

      case State::kElementOrEnd:
      case State::kElementAfterComma:
        if (IsSpace(c)) {
          ++i;
        } else if (c == ']' && state_ == State::kElementOrEnd) {
          state_ = State::kCommaOrEnd;
          ++i;
        } else if (StartValue(c)) {
          ++entries_;
          entry_.clear();
          entry_bytes_ = 0;
          Capture(chunk.substr(i, 1));
          state_ = State::kElement;
          ++i;
        } else {
          return Unexpected(c, i, "a report entry");
        }
        break;

      case State::kElement: {
        bool complete = false;
        const size_t end = ScanValue(chunk, i, complete);
        if (end == std::string_view::npos) return error_;
        Capture(chunk.substr(i, end - i));
        i = end;
        if (complete) {
          if (auto ended = EndElement(out); !ended) return ended;
          state_ = State::kElementCommaOrEnd;
        }
        break;
      }

      case State::kElementCommaOrEnd:
        if (IsSpace(c)) {
          ++i;
        } else if (c == ',') {
          state_ = State::kElementAfterComma;
          ++i;
        } else if (c == ']') {
          state_ = State::kCommaOrEnd;
          ++i;
        } else {
          return Unexpected(c, i, "',' or ']' after a report entry");
        }
        break;

      case State::kDone:
        if (!IsSpace(c))
          return Fail("unexpected content after the end of the report, at byte " +
                      std::to_string(offset_ + i));
        ++i;
        break;
    }
  }
  if (state_ == State::kFailed) return error_;
  offset_ += n;
  return Ok();
}

Result<void> RaasStream::Finish(Page& out) {
  (void)out;  // every complete entry was delivered by Feed
  if (state_ == State::kFailed) return error_;
  if (state_ == State::kDone) return Ok();
  if (state_ == State::kBeforeRoot) return Fail("the report body is empty");
  return Fail("the report ended after " + std::to_string(offset_) + " bytes and " + std::to_string(entries_) +
              " entries, before the document was complete: the download was cut short");
}

}  // namespace ats::connectors
