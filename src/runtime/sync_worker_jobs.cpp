// The job lifecycle of a SyncWorker: which jobs stay selected (sticky selection), what a job
// missing from its listing means, the job-changed events, jobs admitted from candidate rows
// (Workday requisitions without a posting) and the backfills owed to jobs that entered.
#include <simdjson.h>

#include <algorithm>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "runtime/sync_worker.hpp"

namespace ats::runtime {
std::string EncodeStringArray(const std::set<std::string>& ids) {
  JsonWriter w;
  w.BeginArray();
  for (const auto& id : ids) w.String(id);
  w.EndArray();
  return w.Take();
}

std::string EncodeOwedBackfills(const OwedBackfills& owed) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [job, imported_at] : owed) w.Key(job).String(FormatRfc3339Millis(imported_at));
  w.EndObject();
  return w.Take();
}

OwedBackfills DecodeOwedBackfills(std::string_view json) {
  OwedBackfills out;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(simdjson::padded_string(json)).get_object().get(object)) return out;
  for (auto field : object) {
    std::string_view text;
    if (field.value.get_string().get(text)) continue;
    if (auto at = ParseRfc3339(text)) out.emplace(std::string(field.key), *at);
  }
  return out;
}

std::string SyncWorker::RemovedJobsKey(const std::string& connection) {
  return "selection/" + connection + "/removed";
}

std::string SyncWorker::BackfillOwedKey(const std::string& connection) {
  return "selection/" + connection + "/backfill_owed";
}

Result<void> SyncWorker::LoadSelection() {
  backfill_done_.clear();
  refused_row_jobs_.clear();
  for (auto [key, slot] : {std::pair{ImportedJobsKey(connection_.id), &api_jobs_},
                           std::pair{RemovedJobsKey(connection_.id), &removed_jobs_}}) {
    slot->clear();
    auto stored = deps_.store.GetMeta(key);
    if (!stored) {
      CountError(stored.error());
      return stored.error();
    }
    if (stored->has_value())
      for (auto& id : DecodeStringArray(**stored)) slot->insert(std::move(id));
  }
  auto owed = deps_.store.GetMeta(BackfillOwedKey(connection_.id));
  if (!owed) {
    CountError(owed.error());
    return owed.error();
  }
  backfill_owed_ = owed->has_value() ? DecodeOwedBackfills(**owed) : OwedBackfills{};
  return Ok();
}

bool SyncWorker::UserRemoved(const std::string& job) const {
  if (removed_jobs_.count(job) > 0) return true;
  if (api_jobs_.count(job) > 0) return false;
  return !connection_.all_jobs && job_filter_.count(job) == 0;  // dropped from (or never in) `jobs`
}

Result<void> SyncWorker::ReconcileJobs(const SeenIds& seen, CycleReport& report) {
  std::vector<std::pair<std::string, snapshot::StoredRecord>> stored_jobs;  // jobs are few
  auto visited = deps_.store.ForEach(connection_.id, Entity::kJob,
                                     [&](std::string_view id, const snapshot::StoredRecord& stored) {
                                       stored_jobs.emplace_back(id, stored);
                                       return true;
                                     });
  if (!visited) {
    CountError(visited.error());
    return visited;
  }
  // Published but not committed (the process died in between): what downstream last heard of a
  // job, when the snapshot does not say it (as ReconcileDeletions does for candidates).
  std::map<std::string, snapshot::StoredRecord> pending;
  auto pending_visited = deps_.store.ForEach(PendingKey({connection_.id, Entity::kJob, ""}).connection, Entity::kJob,
                                             [&](std::string_view id, const snapshot::StoredRecord& stored) {
                                               pending.emplace(id, stored);
                                               return true;
                                             });
  if (!pending_visited) {
    CountError(pending_visited.error());
    return pending_visited;
  }
  for (auto& [id, stored] : stored_jobs)
    if (auto newer = pending.find(id); newer != pending.end()) {
      stored = std::move(newer->second);
      pending.erase(newer);
    }
  for (auto& [id, stored] : pending)
    if (!seen.Contains(id)) stored_jobs.emplace_back(id, std::move(stored));  // listed: ProcessPage has it
  const events::Context ctx{connection_.id, std::string(source_->name()), std::chrono::system_clock::now()};
  std::vector<Message> messages;
  snapshot::Batch batch;
  const size_t owed_before = backfill_owed_.size();
  std::vector<std::string> trail;
  for (const auto& [id, stored] : stored_jobs) {
    const snapshot::Key key{connection_.id, Entity::kJob, id};
    // A job that goes (left the selection, deleted) leaves the current-state topic and the
    // snapshot, and its change sequence behind, so coming back is a new import with its own ce_id.
    const auto forget = [&](const snapshot::Change& gone) {
      messages.push_back(builder_.StateTombstone(ctx, Entity::kJob, id));
      snapshot::StoredRecord tombstone;
      tombstone.sequence = gone.sequence;
      batch.Put(TombstoneKey(key), std::move(tombstone));
      batch.Delete(key);
      batch.Delete(PendingKey(key));
    };
    if (UserRemoved(id)) {
      // Leaves the selection: its candidates' events stop (no deletes downstream; they leave the
      // current-state topic), and it is forgotten, so coming back is a new import with a backfill.
      const auto left = snapshot::Deleted(Entity::kJob, id, stored);
      messages.push_back(builder_.JobChanged(ctx, left, events::JobChange::kLeftSelection));
      forget(left);
      if (auto dropped = TombstoneCandidatesOf(ctx, id, messages); !dropped) return dropped;
      backfill_owed_.erase(id);
      selected_jobs_.erase(id);
      trail.push_back("job-changed left_selection " + id);
      continue;
    }
    if (seen.Contains(id)) continue;  // listed: ProcessPage diffed it
    selected_jobs_.insert(id);        // sticky; a deleted job's candidates get their deletes this cycle
    if (source_->ListsOnlyOpenJobs()) {
      // Not listed any more: its posting closed. The job stays, and says so once.
      std::map<std::string, std::string> fields;
      if (!snapshot::ParseFields(stored.body, fields) || pipeline::NotOpen(pipeline::JobState(fields))) continue;
      Record closed;
      closed.entity = Entity::kJob;
      closed.id = id;
      closed.parent_id = stored.parent_id;
      closed.fields = std::move(fields);
      closed.fields["state"] = "\"closed\"";  // when it closed is unknown: no source timestamp
      auto change = snapshot::Diff(closed, stored);
      if (!change) continue;
      messages.push_back(builder_.JobChanged(ctx, *change, events::JobChange::kClosed));
      messages.push_back(builder_.StateRecord(ctx, Entity::kJob, *change));
      batch.Put(key, std::move(change->new_state));
      trail.push_back("job-changed closed " + id);
    } else {
      const auto deleted = snapshot::Deleted(Entity::kJob, id, stored);
      messages.push_back(builder_.JobChanged(ctx, deleted, events::JobChange::kDeleted));
      forget(deleted);
      backfill_owed_.erase(id);
      trail.push_back("job-changed deleted " + id);
    }
  }
  if (backfill_owed_.size() != owed_before) {
    if (backfill_owed_.empty()) {
      batch.DeleteMeta(BackfillOwedKey(connection_.id));
    } else {
      batch.PutMeta(BackfillOwedKey(connection_.id), EncodeOwedBackfills(backfill_owed_));
    }
  }
  const auto changed = static_cast<long long>(trail.size());
  if (auto done = PublishAndCommit(messages, batch); !done) return done;
  report.jobs_changed += changed;
  if (changed > 0)
    deps_.metrics.EventsPublished(connection_.id, "job-changed").Increment(static_cast<double>(changed));
  for (const auto& line : trail) {
    log::Info(deps_.log_events ? "Event published." : "Job lifecycle change published.",
              {{"connection", connection_.id}, {"event", line}});
  }
  return Ok();
}

// A job left the selection: its candidates leave the current-state topic too (tombstones; no
// candidate-changed event). They stay in the snapshot, so a return of the job diffs them (created
// for new ones, updated for changed ones) and ProcessPage restores the state records of the
// unchanged ones (backfill_owed_).
Result<void> SyncWorker::TombstoneCandidatesOf(const events::Context& ctx, const std::string& job,
                                               std::vector<Message>& messages) {
  auto visited = deps_.store.ForEach(connection_.id, Entity::kCandidate,
                                     [&](std::string_view id, const snapshot::StoredRecord& stored) {
                                       if (stored.parent_id == job)
                                         messages.push_back(
                                             builder_.StateTombstone(ctx, Entity::kCandidate, id));
                                       return true;
                                     });
  if (!visited) CountError(visited.error());
  return visited;
}

Result<bool> SyncWorker::AdmitRowJob(const Record& candidate, CycleReport& report) {
  const std::string& job = candidate.parent_id;
  if (job.empty() || refused_row_jobs_.count(job) > 0) return false;
  const auto refuse = [&] {
    refused_row_jobs_.insert(job);
    return false;
  };
  // Selected by name (`jobs`, an admin import), or by `jobs: all` without department or
  // location rules (a row carries neither). job_states does not apply: the job has no posting.
  const bool by_rule =
      connection_.all_jobs && connection_.job_departments.empty() && connection_.job_locations.empty();
  if (UserRemoved(job) || !(by_rule || api_jobs_.count(job) > 0 || job_filter_.count(job) > 0))
    return refuse();
  auto record = source_->JobFromCandidate(candidate);
  if (!record) return refuse();
  record->withheld = policy_.Apply(record->fields);  // the field policy, as for listed jobs
  const snapshot::Key key{connection_.id, Entity::kJob, job};
  auto stored = deps_.store.Get(key);
  if (!stored) {
    CountError(stored.error());
    return stored.error();
  }
  if (!stored->has_value()) {
    auto deleted_sequence = DeletedSequence(Entity::kJob, job);  // imported before, then left
    if (!deleted_sequence) return deleted_sequence.error();
    auto change = snapshot::Diff(*record, std::nullopt, *deleted_sequence);
    if (!change) return refuse();
    const events::Context ctx{connection_.id, std::string(source_->name()), std::chrono::system_clock::now()};
    std::vector<Message> messages{builder_.JobImported(ctx, *change),
                                  builder_.StateRecord(ctx, Entity::kJob, *change)};
    snapshot::Batch batch;
    batch.Put(key, std::move(change->new_state));
    if (*deleted_sequence > 0) batch.Delete(TombstoneKey(key));
    backfill_owed_.emplace(job, cycle_started_);
    batch.PutMeta(BackfillOwedKey(connection_.id), EncodeOwedBackfills(backfill_owed_));
    if (auto done = PublishAndCommit(messages, batch); !done) {
      backfill_owed_.erase(job);
      return done.error();
    }
    ++report.jobs_imported;
    deps_.metrics.EventsPublished(connection_.id, "job-imported").Increment();
    log::Info("Job without a live posting imported from the candidates it is referenced by.",
              {{"connection", connection_.id}, {"job", job}});
  }
  selected_jobs_.insert(job);
  return true;
}

Result<void> SyncWorker::SettleBackfills() {
  const auto entities = source_->entities();
  // Without a candidates listing there is nothing to backfill.
  if (std::find(entities.begin(), entities.end(), Entity::kCandidate) == entities.end())
    for (const auto& [job, imported_at] : backfill_owed_) backfill_done_.insert(job);
  if (backfill_done_.empty()) return Ok();
  for (const auto& id : backfill_done_) backfill_owed_.erase(id);
  backfill_done_.clear();
  snapshot::Batch batch;
  if (backfill_owed_.empty()) {
    batch.DeleteMeta(BackfillOwedKey(connection_.id));
  } else {
    batch.PutMeta(BackfillOwedKey(connection_.id), EncodeOwedBackfills(backfill_owed_));
  }
  if (auto committed = deps_.store.Commit(batch); !committed) {
    CountError(committed.error());
    return committed;
  }
  return Ok();
}

}  // namespace ats::runtime
