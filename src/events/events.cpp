#include "events/events.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "common/json_writer.hpp"

namespace ats::events {
namespace {

constexpr size_t kMaxRawBytes = 65536;
constexpr size_t kMaxRawBase64Bytes = kMaxRawBytes / 4 * 3;  // encoded: at most 65536 characters

// Local spelling of snapshot::ToString(ChangeType): the events library links only ats_common.
std::string_view ChangeName(snapshot::ChangeType type) {
  switch (type) {
    case snapshot::ChangeType::kCreated: return "created";
    case snapshot::ChangeType::kUpdated: return "updated";
    case snapshot::ChangeType::kDeleted: return "deleted";
  }
  return "updated";
}

// Length-prefixed concatenation: "a|b" and "a" "|b" can never hash alike.
void AppendPart(std::string& out, std::string_view part) {
  out += std::to_string(part.size());
  out += ':';
  out += part;
  out += ';';
}

// First 32 hex chars (128 bits) of SHA-256(input).
std::string ShortSha256(std::string_view input) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (size_t i = 0; i < 16; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

// CloudEvents `source` is a URI reference: percent-encode anything outside the unreserved set.
std::string UriSegment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return 0;
  }
  return len;
}

// Valid UTF-8 of at most `max_bytes`, cut on a character boundary; invalid bytes become U+FFFD
// (a dead letter must stay valid JSON whatever the source sent). `truncated` reports the cut.
std::string SanitizeUtf8(std::string_view s, size_t max_bytes, bool& truncated) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(std::min(s.size(), max_bytes));
  truncated = false;
  for (size_t i = 0; i < s.size();) {
    const size_t len = Utf8SequenceLength(s, i);
    const std::string_view piece = len == 0 ? kReplacement : s.substr(i, len);
    if (out.size() + piece.size() > max_bytes) {
      truncated = true;
      break;
    }
    out += piece;
    i += len == 0 ? 1 : len;
  }
  return out;
}

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t len = Utf8SequenceLength(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

// RFC 4648 base64 with padding.
std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    for (size_t k = 0; k < 4; ++k) out.push_back(k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 0x3F] : '=');
  }
  return out;
}

// The source's timestamp normalised to UTC RFC 3339, or null when absent or unparseable.
void WriteSourceTime(JsonWriter& w, const std::string& updated_at) {
  const auto parsed = updated_at.empty() ? std::nullopt : ParseRfc3339(updated_at);
  if (!parsed) {
    w.Null();
    return;
  }
  const bool whole_seconds = std::chrono::floor<std::chrono::seconds>(*parsed) == *parsed;
  w.String(whole_seconds ? FormatRfc3339(*parsed) : FormatRfc3339Millis(*parsed));
}

// An object of raw JSON field values. The schemas require `id`; a source whose normaliser
// keeps the id outside the fields still gets it.
void WriteFields(JsonWriter& w, const std::map<std::string, std::string>& fields, const std::string& id) {
  w.BeginObject();
  if (!fields.contains("id")) w.Key("id").String(id);
  for (const auto& [name, value] : fields) w.Key(name).Raw(value);
  w.EndObject();
}

std::vector<std::pair<std::string, std::string>> Headers(const Context& ctx, std::string id,
                                                         std::string_view type, std::string subject) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"ce_specversion", "1.0"},
      {"ce_id", std::move(id)},
      {"ce_source", "/ats-connector/" + UriSegment(ctx.source) + "/" + UriSegment(ctx.connection)},
      {"ce_type", std::string(type)},
      {"ce_time", FormatRfc3339Millis(ctx.detected_at)},
  };
  if (!subject.empty()) headers.emplace_back("ce_subject", std::move(subject));
  headers.emplace_back("content-type", "application/json");
  return headers;
}

// `withheld_fields`: the names the connection's field policy kept out of the event (sorted,
// attributes as "attributes.<name>"), shared by every event that carries a record.
void WriteWithheld(JsonWriter& w, const std::vector<std::string>& names) {
  w.Key("withheld_fields").BeginArray();
  for (const auto& name : names) w.String(name);
  w.EndArray();
}

void WriteCommon(JsonWriter& w, const Context& ctx) {
  w.Key("connection").String(ctx.connection);
  w.Key("source").String(ctx.source);
}

// A record's events and its state share the key "<connection>/<id>" (one partition, in order).
Message Keyed(const Context& ctx, std::string_view id, const std::string& topic) {
  Message m;
  m.topic = topic;
  m.key = ctx.connection + "/" + std::string(id);
  return m;
}

// What candidate-changed and job-changed end with: the withheld names, what changed (updates
// only) and the two times.
void WriteChangeTail(JsonWriter& w, const Context& ctx, const snapshot::Change& change) {
  const bool updated = change.type == snapshot::ChangeType::kUpdated;
  WriteWithheld(w, change.withheld);
  w.Key("changed_fields").BeginArray();
  if (updated)
    for (const auto& name : change.changed_fields) w.String(name);
  w.EndArray();
  w.Key("previous").BeginObject();
  if (updated)
    for (const auto& [name, value] : change.previous) w.Key(name).Raw(value);
  w.EndObject();
  w.Key("source_updated_at");
  WriteSourceTime(w, change.updated_at);
  w.Key("detected_at").String(FormatRfc3339Millis(ctx.detected_at));
}

}  // namespace

std::string EventId(const Context& ctx, const snapshot::Change& change) {
  std::string input;
  AppendPart(input, ctx.connection);
  AppendPart(input, ToString(change.entity));
  AppendPart(input, change.id);
  AppendPart(input, ChangeName(change.type));
  AppendPart(input, std::to_string(change.old_hash));
  AppendPart(input, std::to_string(change.new_hash));
  // Sequence 1 (a first creation, or the first change of a record an earlier build stored
  // without a sequence) adds nothing, so a replay across the upgrade keeps its earlier id.
  if (change.sequence != 1) AppendPart(input, std::to_string(change.sequence));
  return ShortSha256(input);
}

static void WriteStage(JsonWriter& w, const StageInfo& stage) {
  w.BeginObject();
  w.Key("source").String(stage.source);
  w.Key("source_kind");
  if (stage.source_kind.empty()) {
    w.Null();
  } else {
    w.String(stage.source_kind);
  }
  w.Key("canonical");
  if (stage.canonical) {
    w.String(*stage.canonical);
  } else {
    w.Null();
  }
  w.EndObject();
}

Message CandidateChanged(const Context& ctx, const snapshot::Change& change, const CandidateExtras& extras,
                         const std::string& topic) {
  JsonWriter w;
  w.BeginObject();
  WriteCommon(w, ctx);
  w.Key("change").String(ChangeName(change.type));
  w.Key("candidate_id").String(change.id);
  w.Key("job_id");
  if (change.parent_id.empty()) {
    w.Null();
  } else {
    w.String(change.parent_id);
  }
  w.Key("follow_up").Bool(extras.follow_up);
  if (extras.stage) {
    w.Key("stage");
    WriteStage(w, *extras.stage);
    w.Key("previous_stage");
    if (extras.previous_stage) {
      WriteStage(w, *extras.previous_stage);
    } else {
      w.Null();
    }
  }
  w.Key("candidate");
  WriteFields(w, change.fields, change.id);
  WriteChangeTail(w, ctx, change);
  w.EndObject();

  Message m = Keyed(ctx, change.id, topic);
  m.value = w.Take();
  m.headers = Headers(ctx, EventId(ctx, change), kCandidateChangedType, change.id);
  return m;
}

Message JobImported(const Context& ctx, const snapshot::Change& change, const std::string& topic) {
  JsonWriter w;
  w.BeginObject();
  WriteCommon(w, ctx);
  w.Key("job_id").String(change.id);
  w.Key("job");
  WriteFields(w, change.fields, change.id);
  WriteWithheld(w, change.withheld);
  w.Key("source_updated_at");
  WriteSourceTime(w, change.updated_at);
  w.Key("detected_at").String(FormatRfc3339Millis(ctx.detected_at));
  w.EndObject();

  Message m = Keyed(ctx, change.id, topic);
  m.value = w.Take();
  m.headers = Headers(ctx, EventId(ctx, change), kJobImportedType, change.id);
  return m;
}

std::string_view ToString(JobChange change) {
  switch (change) {
    case JobChange::kUpdated: return "updated";
    case JobChange::kClosed: return "closed";
    case JobChange::kReopened: return "reopened";
    case JobChange::kArchived: return "archived";
    case JobChange::kDeleted: return "deleted";
    case JobChange::kLeftSelection: return "left_selection";
  }
  return "updated";
}

Message JobChanged(const Context& ctx, const snapshot::Change& change, const JobChangeInfo& info,
                   const std::string& topic) {
  JsonWriter w;
  const auto write_state = [&w](const std::optional<std::string>& value) {
    if (value) {
      w.String(*value);
    } else {
      w.Null();
    }
  };
  w.BeginObject();
  WriteCommon(w, ctx);
  w.Key("change").String(ToString(info.change));
  w.Key("job_id").String(change.id);
  w.Key("state");
  write_state(info.state);
  w.Key("previous_state");
  write_state(info.previous_state);
  w.Key("job");
  WriteFields(w, change.fields, change.id);
  WriteChangeTail(w, ctx, change);
  w.EndObject();

  Message m = Keyed(ctx, change.id, topic);
  m.value = w.Take();
  m.headers = Headers(ctx, EventId(ctx, change), kJobChangedType, change.id);
  return m;
}

Message StateRecord(const Context& ctx, const snapshot::Change& change, const std::string& topic) {
  if (change.type == snapshot::ChangeType::kDeleted) return StateTombstone(ctx, change.id, topic);
  JsonWriter w;
  WriteFields(w, change.fields, change.id);
  Message m = Keyed(ctx, change.id, topic);
  m.value = w.Take();
  m.headers = {{"content-type", "application/json"}};
  return m;
}

Message StateTombstone(const Context& ctx, std::string_view id, const std::string& topic) {
  Message m = Keyed(ctx, id, topic);
  m.null_value = true;
  // The same header as every state record, so consumers need no case for tombstones.
  m.headers = {{"content-type", "application/json"}};
  return m;
}

Message DeadLetter(const Context& ctx, const RejectedRecord& rejected, const std::string& topic) {
  const std::string_view entity = ToString(rejected.entity);
  bool truncated = false;
  const std::string raw = SanitizeUtf8(rejected.raw, kMaxRawBytes, truncated);
  bool reason_truncated = false;
  std::string reason = SanitizeUtf8(rejected.reason, kMaxRawBytes, reason_truncated);
  if (truncated) {
    reason += " (raw record truncated from " + std::to_string(rejected.raw.size()) + " to " +
              std::to_string(raw.size()) + " bytes)";
  }

  JsonWriter w;
  w.BeginObject();
  WriteCommon(w, ctx);
  w.Key("entity").String(entity);
  w.Key("reason").String(reason);
  w.Key("raw").String(raw);
  w.Key("raw_truncated").Bool(truncated);
  WriteWithheld(w, rejected.withheld);
  // Bytes that are not UTF-8 (one bad byte in a page costs its record) are kept exactly too.
  if (!ValidUtf8(rejected.raw)) {
    w.Key("raw_base64").String(Base64(std::string_view(rejected.raw).substr(0, kMaxRawBase64Bytes)));
  }
  w.Key("detected_at").String(FormatRfc3339Millis(ctx.detected_at));
  w.EndObject();

  std::string id_input;
  AppendPart(id_input, ctx.connection);
  AppendPart(id_input, entity);
  AppendPart(id_input, rejected.identity.empty() ? rejected.raw : rejected.identity);

  Message m;
  m.topic = topic;
  m.key = ctx.connection + "/" + std::string(entity);
  m.value = w.Take();
  // No ce_subject: a record that could not be normalised has no trustworthy id.
  m.headers = Headers(ctx, ShortSha256(id_input), kDeadLetterType, "");
  return m;
}

Message ConnectionStatus(const Context& ctx, const ConnectionStatusInfo& info, const std::string& topic) {
  JsonWriter w;
  w.BeginObject();
  WriteCommon(w, ctx);
  w.Key("change").String(info.change);
  w.Key("at").String(FormatRfc3339Millis(ctx.detected_at));
  if (info.change == "failed") {
    w.Key("category").String(info.category);
    w.Key("reason").String(info.reason);
    w.Key("fix").String(info.fix);
  }
  if (info.change == "listing_completed") {
    w.Key("counts").BeginObject();
    w.Key("records").Int(info.records);
    w.Key("created").Int(info.created);
    w.Key("updated").Int(info.updated);
    w.Key("deleted").Int(info.deleted);
    w.Key("dead_lettered").Int(info.dead_lettered);
    w.EndObject();
  }
  w.EndObject();
  Message m;
  m.topic = topic;
  m.key = ctx.connection;
  m.value = w.Take();
  // A status change happens once: its id is the connection, the change and its time.
  m.headers = Headers(ctx, ShortSha256(ctx.connection + '\0' + info.change + '\0' + FormatRfc3339Millis(ctx.detected_at)),
                      kConnectionStatusType, ctx.connection);
  return m;
}

}  // namespace ats::events
