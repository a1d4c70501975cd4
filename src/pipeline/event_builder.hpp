#pragma once
// From a snapshot::Change to the messages it makes: candidate-changed (with the follow-up and
// stage extras), job-imported, job-changed (and how a job update is classified), the state
// topics' records and tombstones, dead letters. Applies the connection's field policy to what
// comes from the snapshot or a dead letter (stored before the policy withheld what it now
// withholds). Pure: no I/O, no clock (the caller's events::Context carries the time).
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/message.hpp"
#include "common/record.hpp"
#include "common/stages.hpp"
#include "config/config.hpp"
#include "events/events.hpp"
#include "pipeline/field_policy.hpp"
#include "snapshot/differ.hpp"

namespace ats::pipeline {

// A job's `state` field as text; nullopt when absent, null or not a string.
std::optional<std::string> JobState(const std::map<std::string, std::string>& fields);
// States in which a job takes no applications (Workable: closed, archived; Workday: a
// requisition whose posting went away, or that never had one).
bool NotOpen(const std::optional<std::string>& state);

class EventBuilder {
 public:
  // `policy` must outlive the builder. Throws std::invalid_argument (start-up) for a stage_map
  // target that is not a canonical stage, as StageVocabulary does.
  EventBuilder(const config::ConnectionConfig& connection, std::string_view source_name,
               config::TopicsConfig topics, const FieldPolicy& policy);

  // publish: triggers_only — candidate events only for candidates that now need follow-up.
  bool triggers_only() const { return triggers_only_; }
  const std::string& StateTopic(Entity entity) const;
  const config::TopicsConfig& topics() const { return topics_; }

  // An update's previous values pass the policy (a field whose previous value is withheld stays
  // in changed_fields, by name, and is absent from previous).
  void FilterPrevious(snapshot::Change& change) const;
  // A deleted event's last state, likewise; the names withheld join change.withheld.
  void FilterLastState(snapshot::Change& change) const;
  // A dead letter's raw record passes the policy as well.
  RejectedRecord FilterRejected(const RejectedRecord& rejected) const;

  // Follow-up (the candidate entered a trigger stage) and the stage before and after.
  events::CandidateExtras Extras(const snapshot::Change& change) const;
  // The fields as they were before an update.
  static std::map<std::string, std::string> Before(const snapshot::Change& change);
  // updated / closed / reopened / archived, from the job's state before and after `change`.
  static events::JobChange ClassifyJobUpdate(const snapshot::Change& change);

  // The one place job-changed events are built: the job's fields pass the policy again (they may
  // come straight from the snapshot: closed, deleted, left_selection).
  Message JobChanged(const events::Context& ctx, snapshot::Change change, events::JobChange kind) const;
  Message JobImported(const events::Context& ctx, const snapshot::Change& change) const;
  Message CandidateChanged(const events::Context& ctx, const snapshot::Change& change,
                           const events::CandidateExtras& extras) const;
  Message StateRecord(const events::Context& ctx, Entity entity, const snapshot::Change& change) const;
  Message StateTombstone(const events::Context& ctx, Entity entity, std::string_view id) const;
  Message DeadLetter(const events::Context& ctx, const RejectedRecord& rejected) const;

 private:
  config::TopicsConfig topics_;
  const FieldPolicy& policy_;
  StageVocabulary vocabulary_;
  TriggerStages triggers_;
  bool triggers_only_ = false;
};

}  // namespace ats::pipeline
