#include "snapshot/differ.hpp"

#include <simdjson.h>

#include <cctype>

#include "common/log.hpp"

namespace ats::snapshot {
namespace {

std::string_view Trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\n\r");
  if (first == std::string_view::npos) return {};
  const size_t last = s.find_last_not_of(" \t\n\r");
  return s.substr(first, last - first + 1);
}

// A strict RFC 8259 grammar check of a JSON text (not UTF-8, checked separately). On Demand
// only validates what it visits (a skipped array or a scalar token is not checked), and the
// DOM parser refuses integers beyond 64 bits, which sources may send and fields keep as text.
class GrammarCheck {
 public:
  static bool Valid(std::string_view text) {
    GrammarCheck g(text);
    g.Ws();
    if (!g.Value(0)) return false;
    g.Ws();
    return g.i_ == g.s_.size();
  }

 private:
  static constexpr int kMaxDepth = 512;
  explicit GrammarCheck(std::string_view s) : s_(s) {}

  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[i_]; }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  void Ws() {
    while (!AtEnd() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  bool Digits() {
    const size_t start = i_;
    while (IsDigit(Peek())) ++i_;
    return i_ > start;
  }
  bool Number() {
    Consume('-');
    if (Peek() == '0') {
      ++i_;
    } else if (!Digits()) {
      return false;
    }
    if (Consume('.') && !Digits()) return false;
    if (Peek() == 'e' || Peek() == 'E') {
      ++i_;
      if (!Consume('+')) Consume('-');
      if (!Digits()) return false;
    }
    return true;
  }
  bool String() {
    if (!Consume('"')) return false;
    while (!AtEnd()) {
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      if (AtEnd()) return false;
      const char e = s_[i_++];
      if (e == 'u') {
        for (int k = 0; k < 4; ++k, ++i_)
          if (AtEnd() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) return false;
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }
  bool Value(int depth) {
    if (depth > kMaxDepth) return false;
    switch (Peek()) {
      case '{': {
        ++i_;
        Ws();
        if (Consume('}')) return true;
        do {
          Ws();
          if (!String()) return false;
          Ws();
          if (!Consume(':')) return false;
          Ws();
          if (!Value(depth + 1)) return false;
          Ws();
        } while (Consume(','));
        return Consume('}');
      }
      case '[': {
        ++i_;
        Ws();
        if (Consume(']')) return true;
        do {
          Ws();
          if (!Value(depth + 1)) return false;
          Ws();
        } while (Consume(','));
        return Consume(']');
      }
      case '"': return String();
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default: return Number();
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

// The compact raw JSON text of `value`, exactly as it appears in the document (minus whitespace
// around it; the stored bodies are compact, so there is none inside).
simdjson::error_code RawValue(simdjson::ondemand::value value, std::string_view& out) {
  simdjson::ondemand::json_type type;
  if (auto e = value.type().get(type)) return e;
  switch (type) {
    case simdjson::ondemand::json_type::object: {
      simdjson::ondemand::object obj;
      if (auto e = value.get_object().get(obj)) return e;
      if (auto e = obj.raw_json().get(out)) return e;
      break;
    }
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array arr;
      if (auto e = value.get_array().get(arr)) return e;
      if (auto e = arr.raw_json().get(out)) return e;
      break;
    }
    default: out = value.raw_json_token();
  }
  out = Trim(out);
  return simdjson::SUCCESS;
}

}  // namespace

std::string_view ToString(ChangeType type) {
  switch (type) {
    case ChangeType::kCreated: return "created";
    case ChangeType::kUpdated: return "updated";
    case ChangeType::kDeleted: return "deleted";
  }
  return "updated";
}

bool ParseFields(std::string_view body, std::map<std::string, std::string>& out) {
  out.clear();
  // The whole body is checked first (grammar, including trailing content, and UTF-8); On Demand
  // then only extracts the keys and each value's raw text.
  if (!GrammarCheck::Valid(body) || !simdjson::validate_utf8(body)) return false;
  thread_local simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return false;
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto field : obj) {
    if (field.error()) return out.clear(), false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return out.clear(), false;
    simdjson::ondemand::value value;
    std::string_view raw;
    if (field.value().get(value) || RawValue(value, raw) || raw.empty()) return out.clear(), false;
    if (!out.emplace(std::string(key), std::string(raw)).second) return out.clear(), false;  // duplicate
  }
  return true;
}

std::optional<Change> Diff(const Record& fetched, const std::optional<StoredRecord>& stored,
                           uint64_t deleted_sequence) {
  std::string body = SerializeFields(fetched.fields);
  const uint64_t hash = ContentHash(body);
  if (stored && stored->hash == hash && stored->body == body) return std::nullopt;

  Change change;
  change.type = stored ? ChangeType::kUpdated : ChangeType::kCreated;
  change.entity = fetched.entity;
  change.id = fetched.id;
  change.parent_id = fetched.parent_id;
  change.updated_at = fetched.updated_at;
  change.fields = fetched.fields;
  change.withheld = fetched.withheld;
  change.old_hash = stored ? stored->hash : 0;
  change.new_hash = hash;
  change.sequence = (stored ? stored->sequence : deleted_sequence) + 1;

  if (stored) {
    std::map<std::string, std::string> old_fields;
    if (!ParseFields(stored->body, old_fields)) {
      // Cannot happen for bodies this code wrote; treat every current field as new rather than
      // failing the whole sync, and say so.
      log::Warn("snapshot body does not parse; reporting all fields as changed",
                {{"entity", ToString(fetched.entity)}, {"id", fetched.id}});
      old_fields.clear();
    }
    // Merge walk over the two sorted maps: the result is sorted by name.
    auto o = old_fields.begin();
    auto n = fetched.fields.begin();
    while (o != old_fields.end() || n != fetched.fields.end()) {
      if (n == fetched.fields.end() || (o != old_fields.end() && o->first < n->first)) {  // removed
        change.changed_fields.push_back(o->first);
        change.previous.emplace(o->first, o->second);
        ++o;
      } else if (o == old_fields.end() || n->first < o->first) {  // added
        change.changed_fields.push_back(n->first);
        change.previous.emplace(n->first, "null");
        ++n;
      } else {
        if (o->second != n->second) {
          change.changed_fields.push_back(n->first);
          change.previous.emplace(o->first, o->second);
        }
        ++o;
        ++n;
      }
    }
  }

  change.new_state.hash = hash;
  change.new_state.body = std::move(body);
  change.new_state.updated_at = fetched.updated_at;
  change.new_state.parent_id = fetched.parent_id;
  change.new_state.withheld = fetched.withheld;
  change.new_state.sequence = change.sequence;
  return change;
}

Change Deleted(Entity entity, std::string_view id, const StoredRecord& stored) {
  Change change;
  change.type = ChangeType::kDeleted;
  change.entity = entity;
  change.id = std::string(id);
  change.parent_id = stored.parent_id;
  change.updated_at = stored.updated_at;
  if (!ParseFields(stored.body, change.fields)) {
    log::Warn("snapshot body does not parse; deleted event carries no fields",
              {{"entity", ToString(entity)}, {"id", id}});
  }
  change.withheld = stored.withheld;
  change.old_hash = stored.hash;
  change.new_hash = 0;
  change.sequence = stored.sequence + 1;
  return change;
}

}  // namespace ats::snapshot
