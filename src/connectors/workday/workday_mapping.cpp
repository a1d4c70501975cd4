#include "connectors/workday/workday_mapping.hpp"

#include <array>
#include <map>
#include <optional>

#include "common/json_writer.hpp"
#include "connectors/json_values.hpp"

namespace ats::connectors::workday {
namespace {

using simdjson::error_code;

// AppendJsonString, with a bulk copy for the common case of text that needs no escaping.
void AppendQuoted(std::string& out, std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == '"' || c == '\\') {
      AppendJsonString(out, s);
      return;
    }
  }
  out.push_back('"');
  out.append(s);
  out.push_back('"');
}

std::string Quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendQuoted(out, s);
  return out;
}

// One value read once: its compact JSON, its type, and for strings and numbers the plain text.
struct Read {
  ondemand::json_type type = ondemand::json_type::null;
  std::string json;
  std::string plain;  // string contents, or a number as written
};

error_code ReadValue(ondemand::value v, Read& out, std::string* id_of_object = nullptr);

error_code AppendObject(ondemand::value v, std::string& out, std::string* id_of_object) {
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
    AppendQuoted(out, key);
    out.push_back(':');
    if (id_of_object != nullptr && key == "id") {
      // Remember the reference's id on the way (a value can be read only once).
      Read id;
      if (auto e = ReadValue(child, id)) return e;
      if (id.type == ondemand::json_type::string || id.type == ondemand::json_type::number) {
        *id_of_object = id.plain;
      }
      out += id.json;
      continue;
    }
    if (auto e = AppendCompact(child, out)) return e;
  }
  out.push_back('}');
  return simdjson::SUCCESS;
}

error_code ReadValue(ondemand::value v, Read& out, std::string* id_of_object) {
  if (auto e = v.type().get(out.type)) return e;
  out.json.clear();
  out.plain.clear();
  switch (out.type) {
    case ondemand::json_type::string: {
      if (const auto token = CanonicalStringToken(v)) {
        out.json.assign(*token);
        out.plain.assign(token->substr(1, token->size() - 2));
        return simdjson::SUCCESS;
      }
      std::string_view s;
      if (auto e = v.get_string().get(s)) return e;
      out.plain.assign(s);
      AppendJsonString(out.json, s);
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::number: {
      const std::string_view raw = TrimJson(v.raw_json_token());
      if (!IsJsonNumber(raw)) return simdjson::NUMBER_ERROR;
      out.json.assign(raw);
      out.plain.assign(raw);
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::object: return AppendObject(v, out.json, id_of_object);
    default: return AppendCompact(v, out.json);
  }
}

// Which Record field a report column feeds.
enum Slot : size_t {
  kCandidateId,
  kApplicationId,
  kJobId,
  kName,
  kEmail,
  kPhone,
  kStage,
  kStatus,
  kUpdatedAt,
  kSlots,
};

constexpr std::array<std::string_view, kSlots> kSlotField = {
    "candidate_id", "application_id", "job_id", "name", "email", "phone", "stage", "status", "updated_at"};

bool IsIdSlot(size_t slot) {
  return slot == kCandidateId || slot == kApplicationId || slot == kJobId;
}

std::string Quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

}  // namespace

MapOutcome MapReportEntry(ondemand::object& entry, const config::WorkdayColumns& columns, Record& out) {
  const std::array<const std::string*, kSlots> column_of = {
      &columns.candidate_id, &columns.application_id, &columns.job_id, &columns.name,      &columns.email,
      &columns.phone,        &columns.stage,          &columns.status, &columns.updated_at};
  out = Record{};
  out.entity = Entity::kCandidate;
  std::array<std::string, kSlots> json;
  json.fill("null");
  std::array<std::string, kSlots> plain;          // ids and updated_at as text
  std::map<std::string, std::string> attributes;  // sorted: the column order does not matter

  Read value;
  for (auto field : entry) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return {e, ""};
    ondemand::value v;
    if (auto e = field.value().get(v)) return {e, ""};
    std::array<bool, kSlots> hit{};
    bool mapped = false;
    for (size_t s = 0; s < kSlots; ++s) {
      if (*column_of[s] == key) hit[s] = mapped = true;
    }
    // `key` points into the parser's buffer and is overwritten by the next key: copy it first.
    const std::string name(key);
    if (auto e = ReadValue(v, value)) return {e, ""};
    if (!mapped) {
      attributes[name] = value.json;
      continue;
    }
    for (size_t s = 0; s < kSlots; ++s) {
      if (!hit[s]) continue;
      const bool text =
          value.type == ondemand::json_type::string || value.type == ondemand::json_type::number;
      if (IsIdSlot(s)) {
        if (value.type == ondemand::json_type::null) continue;
        if (!text) {
          return {simdjson::SUCCESS, "column " + Quote(name) + " (" + std::string(kSlotField[s]) +
                                         ") must be text or a number, got " +
                                         std::string(TypeName(value.type))};
        }
        plain[s] = value.plain;
        json[s] = Quoted(value.plain);  // ids are always JSON strings
      } else {
        json[s] = value.json;
        if (s == kUpdatedAt && text) plain[s] = value.plain;
      }
    }
  }

  if (plain[kCandidateId].empty()) {
    return {simdjson::SUCCESS, "missing candidate id: column " + Quote(columns.candidate_id) +
                                   " is absent, null or empty (check workday.columns.candidate_id)"};
  }
  out.id = !plain[kApplicationId].empty() ? plain[kApplicationId] : plain[kCandidateId];
  out.parent_id = plain[kJobId];
  out.updated_at = plain[kUpdatedAt];
  for (size_t s = 0; s < kSlots; ++s) out.fields[std::string(kSlotField[s])] = std::move(json[s]);
  std::string attrs = "{";
  for (const auto& [name, text] : attributes) {
    if (attrs.size() > 1) attrs.push_back(',');
    AppendQuoted(attrs, name);
    attrs.push_back(':');
    attrs += text;
  }
  attrs.push_back('}');
  out.fields["attributes"] = std::move(attrs);
  return {};
}

MapOutcome MapJobPosting(ondemand::object& posting, Record& out) {
  out = Record{};
  out.entity = Entity::kJob;
  std::string posting_id;
  std::string requisition_plain;  // jobReqId (as on Workday career sites) / jobRequisitionId / requisitionId
  std::string requisition_reference;  // jobRequisition.id
  std::string title, posting_title, descriptor;

  Read value;
  for (auto field : posting) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return {e, ""};
    ondemand::value v;
    if (auto e = field.value().get(v)) return {e, ""};
    const std::string name(key);
    std::string reference_id;
    if (auto e = ReadValue(v, value, name == "jobRequisition" ? &reference_id : nullptr)) return {e, ""};
    const bool text = value.type == ondemand::json_type::string || value.type == ondemand::json_type::number;

    if (name == "id") {
      if (!text || value.plain.empty()) {
        return {simdjson::SUCCESS, "field 'id' must be a non-empty string, got " +
                                       (text ? std::string("\"\"") : std::string(TypeName(value.type)))};
      }
      posting_id = value.plain;
    } else if (name == "jobRequisition") {
      requisition_reference = reference_id;
    } else if ((name == "jobReqId" || name == "jobRequisitionId" || name == "jobRequisitionID" ||
                name == "requisitionId" || name == "requisitionID") &&
               text) {
      requisition_plain = value.plain;
    } else if (name == "title" && value.type == ondemand::json_type::string) {
      title = value.plain;
    } else if (name == "jobPostingTitle" && value.type == ondemand::json_type::string) {
      posting_title = value.plain;
    } else if (name == "descriptor" && value.type == ondemand::json_type::string) {
      descriptor = value.plain;
    }
    // Derived fields below take these names; the posting's own values would be overwritten.
    if (name == "state" || name == "posting_id" || name == "requisition_id") continue;
    out.fields[name] = value.json;
  }
  if (posting_id.empty()) return {simdjson::SUCCESS, "missing required field 'id'"};

  // A `Type=Value` reference id (Job_Requisition_ID=R-00008) carries the value report rows use.
  if (const size_t eq = requisition_reference.find('='); eq != std::string::npos) {
    requisition_reference = requisition_reference.substr(eq + 1);
  }
  const std::string& requisition = !requisition_plain.empty() ? requisition_plain : requisition_reference;
  out.id = !requisition.empty() ? requisition : posting_id;
  out.fields["posting_id"] = JsonString(posting_id);
  out.fields["requisition_id"] = requisition.empty() ? "null" : JsonString(requisition);
  const std::string& chosen_title = !title.empty()           ? title
                                    : !posting_title.empty() ? posting_title
                                                             : descriptor;
  out.fields["title"] = chosen_title.empty() ? "null" : JsonString(chosen_title);
  out.fields["state"] = "\"published\"";
  return {};
}

}  // namespace ats::connectors::workday
