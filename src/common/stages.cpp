#include "common/stages.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "common/json_writer.hpp"

namespace ats {
namespace {

// "Phone Screen", "phone-screen" and "phone_screen" are the same key.
std::string Key(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '-' || c == '_') {
      if (!out.empty() && out.back() != '-') out.push_back('-');
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string Field(const std::map<std::string, std::string>& fields, const char* name) {
  std::string out;
  if (auto it = fields.find(name); it != fields.end()) DecodeJsonString(it->second, out);
  return out;
}

bool IsTrue(const std::map<std::string, std::string>& fields, const char* name) {
  auto it = fields.find(name);
  return it != fields.end() && (it->second == "true" || it->second == "\"1\"");
}

// Defaults per source. Workable stage kinds (its eight pipeline kinds) and Workday recruiting
// steps and statuses. Canonical names map to themselves for every source.
const std::map<std::string, std::string>& Defaults(const std::string& source) {
  static const std::map<std::string, std::string> workable = {
      {"sourced", "Sourced"},     {"applied", "Applied"},       {"shortlisted", "Screen"},
      {"phone-screen", "Screen"}, {"assessment", "Assessment"}, {"interview", "Interview"},
      {"offer", "Offer"},         {"hired", "Hired"},
  };
  static const std::map<std::string, std::string> workday = {
      {"review", "Applied"},
      {"new", "Applied"},
      {"screen", "Screen"},
      {"assessment", "Assessment"},
      {"interview", "Interview"},
      {"reference-check", "Reference Check"},
      {"background-check", "Background Check"},
      {"offer", "Offer"},
      {"employment-agreement", "Offer"},
      {"ready-for-hire", "Hired"},
      {"hired", "Hired"},
      {"declined", "Rejected"},
      {"rejected", "Rejected"},
      {"withdrawn", "Withdrawn"},
  };
  static const std::map<std::string, std::string> none;
  if (source == "workable") return workable;
  if (source == "workday") return workday;
  return none;
}

}  // namespace

const std::vector<std::string>& CanonicalStages() {
  static const std::vector<std::string> stages = {
      "Sourced",          "Applied", "Screen", "Assessment", "Interview", "Reference Check",
      "Background Check", "Offer",   "Hired",  "Rejected",   "Withdrawn"};
  return stages;
}

std::optional<std::string> CanonicalName(std::string_view name) {
  const std::string key = Key(name);
  for (const auto& stage : CanonicalStages())
    if (Key(stage) == key) return stage;
  return std::nullopt;
}

StageVocabulary::StageVocabulary(std::string source, const std::map<std::string, std::string>& overrides)
    : source_(std::move(source)) {
  for (const auto& [from, to] : overrides) {
    auto canonical = CanonicalName(to);
    if (!canonical) throw std::invalid_argument("'" + to + "' is not a canonical stage");
    overrides_[Key(from)] = *canonical;
  }
}

std::optional<std::string> StageVocabulary::Lookup(const std::string& value) const {
  if (value.empty()) return std::nullopt;
  const std::string key = Key(value);
  if (auto it = overrides_.find(key); it != overrides_.end()) return it->second;
  if (auto canonical = CanonicalName(value)) return canonical;
  const auto& defaults = Defaults(source_);
  if (auto it = defaults.find(key); it != defaults.end()) return it->second;
  return std::nullopt;
}

StageView StageVocabulary::View(const std::map<std::string, std::string>& fields) const {
  StageView view;
  view.source = Field(fields, "stage");
  if (source_ == "workday") {
    view.source_kind = Field(fields, "status");
    // A final status (Declined, Withdrawn, Hired) says more than the step it happened in.
    if (auto by_status = Lookup(view.source_kind);
        by_status && (*by_status == "Rejected" || *by_status == "Withdrawn" || *by_status == "Hired")) {
      view.canonical = by_status;
      return view;
    }
    view.canonical = Lookup(view.source);
    return view;
  }
  view.source_kind = Field(fields, "stage_kind");
  if (IsTrue(fields, "withdrew")) {
    view.canonical = "Withdrawn";
  } else if (IsTrue(fields, "disqualified")) {
    view.canonical = "Rejected";
  } else if (auto by_name = Lookup(view.source); by_name) {
    // A custom stage name ("Reference Check") or an override says more than its kind.
    view.canonical = by_name;
  } else {
    view.canonical = Lookup(view.source_kind);
  }
  return view;
}

TriggerStages::TriggerStages(const std::vector<std::string>& names) {
  for (const auto& name : names) keys_.push_back(Key(name));
}

bool TriggerStages::Contains(const StageView& view) const {
  auto has = [&](const std::string& value) {
    return !value.empty() && std::find(keys_.begin(), keys_.end(), Key(value)) != keys_.end();
  };
  if (view.canonical && has(*view.canonical)) return true;
  if (view.canonical == "Rejected" || view.canonical == "Withdrawn") return false;
  return has(view.source) || has(view.source_kind);
}

bool EntersTrigger(const StageVocabulary& vocabulary, const TriggerStages& triggers,
                   const std::map<std::string, std::string>* before,
                   const std::map<std::string, std::string>& after) {
  const StageView now = vocabulary.View(after);
  if (triggers.empty() || !triggers.Contains(now)) return false;
  if (before == nullptr) return true;
  const StageView then = vocabulary.View(*before);
  if (!triggers.Contains(then)) return true;
  // From one trigger stage into another is an entry too; a move within one (Phone Screen →
  // Shortlisted, both Screen) is not.
  auto identity = [](const StageView& v) { return v.canonical ? *v.canonical : Key(v.source); };
  return identity(now) != identity(then);
}

}  // namespace ats
