#include "pipeline/page_differ.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <utility>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "events/events.hpp"
#include "snapshot/differ.hpp"
#include "snapshot/identity.hpp"

namespace ats::pipeline {
namespace {

constexpr size_t kDeleteBatch = 500;  // deleted events published per batch
// A record's normalised fields may take this much; an event carries them (and, for an update,
// the previous values too), and Kafka refuses messages over message.max.bytes (1 MB by default).
constexpr size_t kMaxRecordBytes = 256 * 1024;

size_t FieldBytes(const Record& record) {
  size_t bytes = 0;
  for (const auto& [name, value] : record.fields) bytes += name.size() + value.size();
  return bytes;
}

std::string FieldString(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  std::string out;
  if (it != fields.end()) DecodeJsonString(it->second, out);
  return out;
}

}  // namespace

PageDiffer::PageDiffer(Deps deps) : deps_(std::move(deps)) {}

void PageDiffer::CountError(const Error& error) {
  deps_.metrics.Errors(deps_.connection, std::string(ToString(error.category))).Increment();
}

Result<uint64_t> PageDiffer::DeletedSequence(Entity entity, const std::string& id) {
  auto got = deps_.store.Get(Stager::TombstoneKey({deps_.connection, entity, id}));
  if (!got) {
    CountError(got.error());
    return got.error();
  }
  return got->has_value() ? (*got)->sequence : 0;
}

Result<void> PageDiffer::StageRecords(Entity entity, const std::vector<Record>& records,
                                      const std::vector<RejectedRecord>& rejected_records, SeenIds& seen,
                                      CycleReport& report, SystemTime cycle_started) {
  const events::Context ctx{deps_.connection, deps_.source, std::chrono::system_clock::now()};
  pipeline::Stage& stage = deps_.stager.open();  // (the same object after Advance resets it)
  stage.entity = entity;
  stage.report = &report;
  // A stage that is full goes out before another event joins it, even in the middle of a page:
  // no stage passes Stager::kStageMessages / kStageBytes, whatever a page holds.
  const auto make_room = [&]() -> Result<void> {
    if (!deps_.stager.OpenFull()) return Ok();
    if (auto advanced = deps_.stager.Advance(/*force=*/false); !advanced) return advanced;
    stage.entity = entity;
    stage.report = &report;
    return Ok();
  };
  std::vector<RejectedRecord> oversized;  // records too large for an event (dead-lettered)

  for (const auto& record : records) {
    if (auto room = make_room(); !room) return room;
    seen.Add(record.id);
    if (!record.updated_at.empty())
      if (auto t = ParseRfc3339(record.updated_at); t && *t > stage.newest) stage.newest = *t;
    // (the listing's newest is advanced only once the stage is committed)
    // A job in the snapshot entered the selection earlier and stays in it (whatever its state
    // now) until the user removes it: then ReconcileJobs says it left. The rules decide only
    // which jobs enter.
    std::optional<snapshot::StoredRecord> stored_job;
    if (entity == Entity::kJob) {
      stored_job = deps_.stager.StagedState(record.id);
      if (!stored_job) {
        auto got = deps_.store.Get({deps_.connection, entity, record.id});
        if (!got) {
          CountError(got.error());
          return got.error();
        }
        stored_job = std::move(*got);
      }
      if (deps_.selection.UserRemoved(record.id) || (!stored_job && !deps_.selection.Matches(record)))
        continue;
      deps_.selection.Select(record.id);
    } else if (!deps_.selection.Selected(record.parent_id)) {
      auto admitted = deps_.admit_row_job(record, report);  // a Workday requisition without a posting
      if (!admitted) return admitted.error();
      if (!*admitted) continue;  // its job is not selected
    }
    // The connection's field policy, in this one place: nothing withheld reaches an event, a
    // dead letter, a log line or the snapshot on disk (pipeline/field_policy.hpp).
    Record filtered = record;
    filtered.withheld = deps_.policy.Apply(filtered.fields);
    // Too large to publish: Kafka would refuse the event and fail the page on every cycle. It is
    // dead-lettered instead, and the snapshot keeps its last publishable state.
    if (const size_t bytes = FieldBytes(filtered); bytes > kMaxRecordBytes) {
      oversized.push_back({entity, SerializeFields(filtered.fields),
                           "record is too large to publish: its fields take " + std::to_string(bytes) +
                               " bytes, more than the " + std::to_string(kMaxRecordBytes) +
                               " bytes an event may carry",
                           filtered.withheld});
      continue;
    }
    // The newest state downstream will have heard of: staged (published or about to be, not yet
    // committed) or else committed.
    std::optional<snapshot::StoredRecord> stored =
        entity == Entity::kJob ? std::move(stored_job) : deps_.stager.StagedState(record.id);
    if (!stored && entity != Entity::kJob) {
      auto got = deps_.store.Get({deps_.connection, entity, record.id});
      if (!got) {
        CountError(got.error());
        return got.error();
      }
      stored = std::move(*got);
    }
    // One candidate id under two jobs: the losing copy is not a change (snapshot/identity.hpp).
    if (entity == Entity::kCandidate && stored && snapshot::LosesToStored(filtered, *stored)) continue;
    // A record deleted before continues its count of changes from its tombstone.
    uint64_t deleted_sequence = 0;
    if (!stored) {
      auto sequence = DeletedSequence(entity, record.id);
      if (!sequence) return sequence.error();
      deleted_sequence = *sequence;
    }
    auto change = snapshot::Diff(filtered, stored, deleted_sequence);
    if (!change) {
      if (stored && entity == Entity::kCandidate && deps_.selection.Owes(record.parent_id)) {
        // Its job re-entered the selection: the state record its leaving removed (a tombstone)
        // comes back, unchanged (ReconcileJobs, TombstoneCandidatesOf).
        auto same = snapshot::Deleted(entity, record.id, *stored);
        same.type = snapshot::ChangeType::kUpdated;
        deps_.builder.FilterLastState(same);
        stage.Add(deps_.builder.StateRecord(ctx, entity, same));
      }
      // Same content, other fields withheld (e.g. the source added one): no event, but the state
      // remembers the names, so a later deleted event says what was withheld from it.
      if (stored && stored->withheld != filtered.withheld) {
        stored->withheld = filtered.withheld;
        stage.states.insert_or_assign(record.id, std::move(*stored));
      }
      continue;
    }
    deps_.builder.FilterPrevious(*change);
    if (deleted_sequence > 0) stage.revived.insert(record.id);
    // The current-state topic hears of every change, whatever event (if any) it makes.
    stage.Add(deps_.builder.StateRecord(ctx, entity, *change));
    if (entity == Entity::kJob) {
      if (change->type == snapshot::ChangeType::kCreated) {
        stage.Add(deps_.builder.JobImported(ctx, *change));
        ++stage.counts.jobs_imported;
        // Its candidates are new to downstream: a backfill is owed until acknowledged.
        deps_.selection.Owe(record.id, cycle_started);
        stage.metas[BackfillOwedKey(deps_.connection)] = EncodeOwedBackfills(deps_.selection.owed());
        if (deps_.log_events)
          stage.trail.push_back("job-imported " + record.id + " \"" + FieldString(record.fields, "title") +
                                "\"");
      } else if (change->type == snapshot::ChangeType::kUpdated) {
        const auto kind = EventBuilder::ClassifyJobUpdate(*change);
        stage.Add(deps_.builder.JobChanged(ctx, *change, kind));
        ++stage.counts.jobs_changed;
        if (deps_.log_events)
          stage.trail.push_back("job-changed " + std::string(events::ToString(kind)) + " " + record.id);
      }
    } else {
      const auto extras = deps_.builder.Extras(*change);
      const bool follow_up = extras.follow_up;
      // publish: triggers_only keeps the snapshot current but tells downstream only about
      // candidates that now need follow-up.
      if (follow_up || !deps_.builder.triggers_only()) {
        stage.Add(deps_.builder.CandidateChanged(ctx, *change, extras));
        ++(change->type == snapshot::ChangeType::kCreated ? stage.counts.created : stage.counts.updated);
      }
      if (deps_.log_events) {
        std::string line = "candidate-changed " + std::string(snapshot::ToString(change->type)) + " " +
                           record.id + " stage=" + FieldString(record.fields, "stage");
        if (change->type == snapshot::ChangeType::kUpdated) {
          line += " changed=";
          for (size_t i = 0; i < change->changed_fields.size(); ++i)
            line += (i ? "," : "") + change->changed_fields[i];
        }
        if (follow_up) line += " follow_up=true";
        stage.trail.push_back(std::move(line));
      }
    }
    stage.states.insert_or_assign(record.id, std::move(change->new_state));
  }
  for (const std::vector<RejectedRecord>* list : {&rejected_records, &std::as_const(oversized)}) {
    for (const auto& rejected : *list) {
      if (auto room = make_room(); !room) return room;
      stage.Add(deps_.builder.DeadLetter(ctx, rejected));
      ++stage.counts.dead_lettered;
      log::Warn("Source record rejected; sent to the dead-letter topic.",
                {{"connection", deps_.connection},
                 {"entity", ToString(rejected.entity)},
                 {"reason", rejected.reason}});
    }
  }
  stage.counts.records += static_cast<long long>(records.size() + rejected_records.size());
  return Ok();
}

Result<void> PageDiffer::ReconcileDeletions(Entity entity, const SeenIds& seen, CycleReport& report) {
  // Published but not committed (the process died in between; see PublishAndCommit): what
  // downstream last heard of a record, when the snapshot does not say it.
  std::map<std::string, snapshot::StoredRecord> pending;
  const std::string pending_namespace = Stager::PendingKey({deps_.connection, entity, ""}).connection;
  auto listed = deps_.store.ForEach(pending_namespace, entity,
                                    [&](std::string_view id, const snapshot::StoredRecord& stored) {
                                      if (!seen.Contains(id)) pending.emplace(id, stored);
                                      return true;
                                    });
  if (!listed) {
    CountError(listed.error());
    return listed;
  }
  std::vector<std::pair<std::string, snapshot::StoredRecord>> gone;
  auto visited = deps_.store.ForEach(deps_.connection, entity,
                                     [&](std::string_view id, const snapshot::StoredRecord& stored) {
                                       if (seen.Contains(id)) return true;
                                       auto newer = pending.find(std::string(id));
                                       if (newer == pending.end()) {
                                         gone.emplace_back(id, stored);
                                       } else {
                                         gone.emplace_back(id, newer->second);
                                         pending.erase(newer);
                                       }
                                       return true;
                                     });
  if (!visited) {
    CountError(visited.error());
    return visited;
  }
  for (auto& [id, stored] : pending) gone.emplace_back(id, std::move(stored));
  const events::Context ctx{deps_.connection, deps_.source, std::chrono::system_clock::now()};
  std::vector<Message> messages;
  snapshot::Batch batch;
  long long deleted = 0;
  for (size_t i = 0; i < gone.size(); ++i) {
    const auto& [id, stored] = gone[i];
    // A candidate whose job is no longer selected leaves quietly: selection changes stop a
    // job's events, they do not delete anything downstream. (Jobs: ReconcileJobs.) Either way the
    // record leaves the current-state topic (a tombstone) and its snapshot, and leaves its change
    // sequence behind for a re-creation.
    auto change = snapshot::Deleted(entity, id, stored);
    messages.push_back(deps_.builder.StateTombstone(ctx, entity, id));
    if (entity == Entity::kCandidate && deps_.selection.Selected(stored.parent_id) &&
        !deps_.builder.triggers_only()) {
      deps_.builder.FilterLastState(change);
      messages.push_back(deps_.builder.CandidateChanged(ctx, change, deps_.builder.Extras(change)));
      ++deleted;
      if (deps_.log_events)
        log::Info("Event published.",
                  {{"connection", deps_.connection}, {"event", "candidate-changed deleted " + id}});
    }
    snapshot::StoredRecord tombstone;
    tombstone.sequence = change.sequence;
    batch.Put(Stager::TombstoneKey({deps_.connection, entity, id}), std::move(tombstone));
    batch.Delete({deps_.connection, entity, id});
    batch.Delete(Stager::PendingKey({deps_.connection, entity, id}));
    if (batch.deletes().size() >= 2 * kDeleteBatch || i + 1 == gone.size()) {
      if (auto done = deps_.stager.PublishAndCommit(messages, batch); !done) return done;
      report.deleted += deleted;
      if (deleted > 0)
        deps_.metrics.EventsPublished(deps_.connection, "candidate-changed")
            .Increment(static_cast<double>(deleted));
      deleted = 0;
    }
  }
  return Ok();
}

}  // namespace ats::pipeline
