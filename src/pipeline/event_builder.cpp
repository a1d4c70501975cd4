#include "pipeline/event_builder.hpp"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "common/json_writer.hpp"

namespace ats::pipeline {

std::optional<std::string> JobState(const std::map<std::string, std::string>& fields) {
  auto it = fields.find("state");
  if (it == fields.end()) return std::nullopt;
  std::string out;
  if (!DecodeJsonString(it->second, out)) return std::nullopt;
  return out;
}

bool NotOpen(const std::optional<std::string>& state) {
  return state && (*state == "closed" || *state == "archived" || *state == "filled" || *state == "unposted");
}

EventBuilder::EventBuilder(const config::ConnectionConfig& connection, std::string_view source_name,
                           config::TopicsConfig topics, const FieldPolicy& policy)
    : topics_(std::move(topics)),
      policy_(policy),
      vocabulary_(std::string(source_name), connection.stage_map),
      triggers_(connection.trigger_stages),
      triggers_only_(connection.publish == "triggers_only") {}

const std::string& EventBuilder::StateTopic(Entity entity) const {
  return entity == Entity::kJob ? topics_.jobs_state : topics_.candidates_state;
}

// An update's previous values come from the snapshot, which may hold a state stored before the
// policy withheld what it now withholds: they pass the policy too. A field whose previous value
// is withheld stays in changed_fields (a name) and is absent from previous.
void EventBuilder::FilterPrevious(snapshot::Change& change) const {
  if (change.type == snapshot::ChangeType::kUpdated) policy_.Apply(change.previous);
}

// A deleted event's last state, likewise (a state stored before the policy changed).
void EventBuilder::FilterLastState(snapshot::Change& change) const {
  std::vector<std::string> names = policy_.Apply(change.fields);
  names.insert(names.end(), change.withheld.begin(), change.withheld.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  change.withheld = std::move(names);
}

// A dead letter's raw record passes the policy as well (an oversized record's raw text is its
// filtered fields already; the policy leaves what it wrote unchanged).
RejectedRecord EventBuilder::FilterRejected(const RejectedRecord& rejected) const {
  RejectedRecord out{rejected.entity, "", rejected.reason, {}, rejected.raw};
  FieldPolicy::Raw raw = policy_.ApplyRaw(rejected.raw);
  if (raw.raw) out.raw = std::move(*raw.raw);
  std::set<std::string> names(rejected.withheld.begin(), rejected.withheld.end());
  names.insert(raw.withheld.begin(), raw.withheld.end());
  out.withheld.assign(names.begin(), names.end());
  return out;
}

std::map<std::string, std::string> EventBuilder::Before(const snapshot::Change& change) {
  std::map<std::string, std::string> before = change.fields;
  for (const auto& [name, value] : change.previous) before[name] = value;
  for (const auto& name : change.changed_fields)
    if (change.previous.count(name) == 0) before.erase(name);
  return before;
}

events::CandidateExtras EventBuilder::Extras(const snapshot::Change& change) const {
  // The fields before an update, rebuilt once for both the trigger check and previous_stage.
  std::optional<std::map<std::string, std::string>> before;
  if (change.type == snapshot::ChangeType::kUpdated) before = Before(change);
  // Follow-up is asked for when the candidate enters a trigger stage (common/stages.hpp).
  const bool follow_up = change.entity == Entity::kCandidate &&
                         change.type != snapshot::ChangeType::kDeleted &&
                         EntersTrigger(vocabulary_, triggers_, before ? &*before : nullptr, change.fields);
  events::CandidateExtras extras(follow_up);
  auto to_info = [](const StageView& v) { return events::StageInfo{v.source, v.source_kind, v.canonical}; };
  extras.stage = to_info(vocabulary_.View(change.fields));
  if (before) {
    auto previous = to_info(vocabulary_.View(*before));
    if (previous.source != extras.stage->source || previous.source_kind != extras.stage->source_kind ||
        previous.canonical != extras.stage->canonical)
      extras.previous_stage = std::move(previous);
  }
  return extras;
}

events::JobChange EventBuilder::ClassifyJobUpdate(const snapshot::Change& change) {
  const auto after = JobState(change.fields);
  std::optional<std::string> before = after;
  if (auto it = change.previous.find("state"); it != change.previous.end())
    before = JobState({{"state", it->second}});
  if (before == after) return events::JobChange::kUpdated;
  if (after == "archived") return events::JobChange::kArchived;
  if (NotOpen(after)) return events::JobChange::kClosed;
  if (NotOpen(before) && before != "unposted") return events::JobChange::kReopened;
  return events::JobChange::kUpdated;  // e.g. draft -> published, or a requisition posted
}

Message EventBuilder::JobChanged(const events::Context& ctx, snapshot::Change change,
                                 events::JobChange kind) const {
  // A job's fields may come straight from the snapshot here (closed, deleted, left_selection),
  // stored before the field policy withheld what it now withholds: they pass it again.
  FilterLastState(change);
  FilterPrevious(change);
  events::JobChangeInfo info;
  info.change = kind;
  info.state = JobState(change.fields);
  info.previous_state = info.state;
  if (change.type == snapshot::ChangeType::kUpdated)
    if (auto it = change.previous.find("state"); it != change.previous.end())
      info.previous_state = JobState({{"state", it->second}});
  return events::JobChanged(ctx, change, info, topics_.job_changed);
}

Message EventBuilder::JobImported(const events::Context& ctx, const snapshot::Change& change) const {
  return events::JobImported(ctx, change, topics_.job_imported);
}

Message EventBuilder::CandidateChanged(const events::Context& ctx, const snapshot::Change& change,
                                       const events::CandidateExtras& extras) const {
  return events::CandidateChanged(ctx, change, extras, topics_.candidate_changed);
}

Message EventBuilder::StateRecord(const events::Context& ctx, Entity entity,
                                  const snapshot::Change& change) const {
  return events::StateRecord(ctx, change, StateTopic(entity));
}

Message EventBuilder::StateTombstone(const events::Context& ctx, Entity entity, std::string_view id) const {
  return events::StateTombstone(ctx, id, StateTopic(entity));
}

Message EventBuilder::DeadLetter(const events::Context& ctx, const RejectedRecord& rejected) const {
  return events::DeadLetter(ctx, FilterRejected(rejected), topics_.dead_letter);
}

}  // namespace ats::pipeline
