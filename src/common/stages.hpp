#pragma once
// One stage vocabulary for every source, so that the screening service does not have to know
// each ATS's: Sourced, Applied, Screen, Assessment, Interview, Reference Check, Background
// Check, Offer, Hired, Rejected, Withdrawn. Each source's stages map to these by default, and a
// connection's `stage_map` overrides or extends the defaults.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ats {

// The canonical stages, in pipeline order.
const std::vector<std::string>& CanonicalStages();
// "Reference Check" for "reference check", "reference-check", "Reference_Check"; nullopt when
// the name is not canonical.
std::optional<std::string> CanonicalName(std::string_view name);

// A candidate's stage as the source says it and as the connector's vocabulary says it.
struct StageView {
  std::string source;                    // Workable: the stage's display name; Workday: the Stage column
  std::string source_kind;               // Workable: stage_kind slug; Workday: the Status column
  std::optional<std::string> canonical;  // nullopt when nothing maps it
};

class StageVocabulary {
 public:
  // `overrides`: source stage name, kind or status (matched case- and separator-insensitively)
  // → canonical stage. Throws std::invalid_argument for a target that is not canonical (the
  // config loader checks this first).
  StageVocabulary(std::string source, const std::map<std::string, std::string>& overrides = {});

  // From a record's normalised fields (compact JSON texts).
  StageView View(const std::map<std::string, std::string>& fields) const;

 private:
  std::optional<std::string> Lookup(const std::string& value) const;
  std::string source_;
  std::map<std::string, std::string> overrides_;  // normalised key → canonical
};

// The stages of a connection's `trigger_stages`: canonical names ("Reference Check") or, for
// sources with stages of their own, a source stage name or kind ("phone-screen").
class TriggerStages {
 public:
  explicit TriggerStages(const std::vector<std::string>& names);
  bool empty() const { return keys_.empty(); }
  // Rejected and Withdrawn candidates are only "in" a trigger stage that names Rejected or
  // Withdrawn, whatever step they were disqualified in.
  bool Contains(const StageView& view) const;

 private:
  std::vector<std::string> keys_;
};

// Whether a change makes a candidate *enter* a trigger stage: created in one, moved into one
// (also from another trigger stage), or requalified while in one. `before` is null for a
// created candidate. Moves within a stage or out of trigger stages, and changes of other
// fields, do not.
bool EntersTrigger(const StageVocabulary& vocabulary, const TriggerStages& triggers,
                   const std::map<std::string, std::string>* before,
                   const std::map<std::string, std::string>& after);

}  // namespace ats
