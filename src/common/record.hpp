#pragma once
// The connector's record model: what a source normalises a page into, what the snapshot keeps
// and what the differ compares. Field values are compact JSON texts so that any source value
// (string, number, bool, null, object) survives unchanged into events.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ats {

enum class Entity { kJob, kCandidate };
std::string_view ToString(Entity entity);  // "job", "candidate"

struct Record {
  Entity entity = Entity::kCandidate;
  std::string id;          // opaque source id (Workable: candidate id / job shortcode)
  std::string parent_id;   // candidate: the job it applied to; job: empty
  std::string updated_at;  // source timestamp (RFC 3339) or "" when the source has none
  // Normalised fields, name -> compact JSON value text ("\"Applied\"", "true", "null", "{...}").
  // std::map keeps the order canonical, so serialisation and hashing are stable.
  std::map<std::string, std::string> fields;
  // Names the connection's field policy removed from `fields` (sorted; pipeline/field_policy.hpp).
  std::vector<std::string> withheld = {};
  // The record as received, when `raw` is what remains of it after the field policy: the dead
  // letter's ce_id is derived from it (hashed, never published), so two different records whose
  // raw text was withheld alike still get different ids. Empty: derived from `raw`.
  std::string identity = {};
};

// A source record that could not be normalised: dead-lettered with its raw JSON and the reason.
struct RejectedRecord {
  Entity entity = Entity::kCandidate;
  std::string raw;     // raw JSON of the record as received (truncated by the publisher if huge)
  std::string reason;  // e.g. "missing required field 'id'"
  // Keys the field policy removed from `raw` (sorted), or {"raw"} when the raw text itself was
  // withheld (`raw` is then empty).
  std::vector<std::string> withheld = {};
  // The record as received, when `raw` is what remains of it after the field policy: the dead
  // letter's ce_id is derived from it (hashed, never published), so two different records whose
  // raw text was withheld alike still get different ids. Empty: derived from `raw`.
  std::string identity = {};
};

// Canonical JSON object of the fields: {"a":1,"b":"x"} with keys in order.
std::string SerializeFields(const std::map<std::string, std::string>& fields);
// 64-bit content hash of the canonical form (FNV-1a); equal fields give equal hashes.
uint64_t ContentHash(std::string_view canonical);

}  // namespace ats
