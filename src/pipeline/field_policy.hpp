#pragma once
// A connection's field policy (config `fields:`), applied in one place: to every normalised
// record before it is diffed (so neither events nor the snapshot on disk ever hold a withheld
// value) and to the raw text of every dead letter before it is published.
//
// - exclude: fields removed; include_only: only these fields kept (with the fields the connector
//   itself needs); hash: values replaced by "hmac-sha256:<64 hex>" (HMAC-SHA256 with the
//   connection's key over a string's text, or over the compact JSON of any other value; null
//   stays null).
// - protected characteristics (gender, ethnicity, date of birth, ...) are removed by default,
//   at any depth, unless include_protected opts a name back in.
// Names: "x" is a top-level field, "attributes.x" a custom field / report column kept under
// `attributes`. Names compare case-insensitively, ignoring everything but letters and digits
// ("Date_of_Birth" = "date of birth" = "dateOfBirth").
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/record.hpp"
#include "config/config.hpp"

namespace ats::pipeline {

class FieldPolicy {
 public:
  // A policy that withholds only the protected characteristics (no key: nothing to hash).
  FieldPolicy() : FieldPolicy(config::FieldPolicyConfig{}) {}
  explicit FieldPolicy(const config::FieldPolicyConfig& config);

  // Applies the policy to `fields` in place; returns the withheld names, sorted and unique
  // ("attributes.Gender", "attributes.Personal_Data.Date_of_Birth" for a nested key). Hashed
  // fields are not withheld (their value is replaced, the name stays). Idempotent: a value
  // that is already a hash is kept, so a state the policy wrote can pass through it again.
  std::vector<std::string> Apply(std::map<std::string, std::string>& fields) const;

  // A dead letter's raw record. JSON: excluded and protected keys removed at any depth, hashed
  // keys hashed, `withheld` says which. Not JSON (or include_only is set, which cannot be
  // mapped onto the source's raw shape): `raw` is nullopt and withheld is {"raw"}, unless
  // dead_letter_unparsed is "publish".
  struct Raw {
    std::optional<std::string> raw;
    std::vector<std::string> withheld;
  };
  Raw ApplyRaw(std::string_view raw) const;

  // "hmac-sha256:<64 lowercase hex>" of `text` under the connection's key.
  std::string Hash(std::string_view text) const;

  // Whether `name` (one key, no dots) names a protected characteristic by default.
  static bool IsProtected(std::string_view name);
  // Lower-case letters and digits only: the form names are compared in.
  static std::string Normalise(std::string_view name);
  // Fields the connector needs (ids, stage, state, updated_at): never excluded or hashed.
  static bool IsStructural(std::string_view name);

 private:
  enum class Level { kTop, kAttribute, kNested };
  enum class Action { kKeep, kWithhold, kHash };
  Action Decide(std::string_view key, Level level) const;
  bool RewriteValue(class JsonReader& in, std::string& out, const std::string& path, Level level, int depth,
                    std::set<std::string>& withheld) const;
  std::optional<std::string> RewriteText(std::string_view json, const std::string& path, Level level,
                                         std::set<std::string>& withheld) const;
  std::string HashValue(std::string_view json) const;

  std::set<std::string> exclude_top_, exclude_attr_;
  std::set<std::string> hash_top_, hash_attr_;
  std::set<std::string> only_top_, only_attr_;
  bool include_only_ = false;
  bool all_attributes_ = false;  // include_only lists `attributes` itself
  std::set<std::string> opted_in_top_, opted_in_attr_;
  std::string key_;
  bool publish_unparsed_ = false;
};

}  // namespace ats::pipeline
