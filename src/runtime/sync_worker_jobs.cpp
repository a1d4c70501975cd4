// The job lifecycle of a SyncWorker: which jobs stay selected (sticky selection), what a job
// missing from its listing means, the job-changed events, jobs admitted from candidate rows
// (Workday requisitions without a posting) and the backfills owed to jobs that entered.
#include <algorithm>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "runtime/sync_worker.hpp"

namespace ats::runtime {

std::string SyncWorker::RemovedJobsKey(const std::string& connection) {
  return pipeline::RemovedJobsKey(connection);
}

std::string SyncWorker::BackfillOwedKey(const std::string& connection) {
  return pipeline::BackfillOwedKey(connection);
}

Result<void> SyncWorker::LoadSelection() {
  auto loaded = selection_.Load(deps_.store);
  if (!loaded) CountError(loaded.error());
  return loaded;
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
  const std::string pending_namespace =
      pipeline::Stager::PendingKey({connection_.id, Entity::kJob, ""}).connection;
  auto pending_visited = deps_.store.ForEach(pending_namespace, Entity::kJob,
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
  const size_t owed_before = selection_.owed().size();
  std::vector<std::string> trail;
  for (const auto& [id, stored] : stored_jobs) {
    const snapshot::Key key{connection_.id, Entity::kJob, id};
    // A job that goes (left the selection, deleted) leaves the current-state topic and the
    // snapshot, and its change sequence behind, so coming back is a new import with its own ce_id.
    const auto forget = [&](const snapshot::Change& gone) {
      messages.push_back(builder_.StateTombstone(ctx, Entity::kJob, id));
      snapshot::StoredRecord tombstone;
      tombstone.sequence = gone.sequence;
      batch.Put(pipeline::Stager::TombstoneKey(key), std::move(tombstone));
      batch.Delete(key);
      batch.Delete(pipeline::Stager::PendingKey(key));
    };
    if (selection_.UserRemoved(id)) {
      // Leaves the selection: its candidates' events stop (no deletes downstream; they leave the
      // current-state topic), and it is forgotten, so coming back is a new import with a backfill.
      const auto left = snapshot::Deleted(Entity::kJob, id, stored);
      messages.push_back(builder_.JobChanged(ctx, left, events::JobChange::kLeftSelection));
      forget(left);
      if (auto dropped = TombstoneCandidatesOf(ctx, id, messages); !dropped) return dropped;
      selection_.Forgive(id);
      selection_.Deselect(id);
      trail.push_back("job-changed left_selection " + id);
      continue;
    }
    if (seen.Contains(id)) continue;  // listed: ProcessPage diffed it
    selection_.Select(id);           // sticky; a deleted job's candidates get their deletes this cycle
    if (source_->ListsOnlyOpenJobs()) {
      // Not listed any more: its posting closed. The job stays, and says so once.
      std::map<std::string, std::string> fields;
      if (!snapshot::ParseFields(stored.body, fields) || pipeline::NotOpen(pipeline::JobState(fields)))
        continue;
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
      selection_.Forgive(id);
      trail.push_back("job-changed deleted " + id);
    }
  }
  if (selection_.owed().size() != owed_before) {
    if (selection_.owed().empty()) {
      batch.DeleteMeta(BackfillOwedKey(connection_.id));
    } else {
      batch.PutMeta(BackfillOwedKey(connection_.id), EncodeOwedBackfills(selection_.owed()));
    }
  }
  const auto changed = static_cast<long long>(trail.size());
  if (auto done = stager_.PublishAndCommit(messages, batch); !done) return done;
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
// unchanged ones (JobSelection::owed).
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
  if (job.empty() || selection_.RowJobRefused(job)) return false;
  const auto refuse = [&] {
    selection_.RefuseRowJob(job);
    return false;
  };
  // Selected by name (`jobs`, an admin import), or by `jobs: all` without department or
  // location rules (a row carries neither). job_states does not apply: the job has no posting.
  if (!selection_.AdmitsRowJob(job)) return refuse();
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
    auto deleted_sequence = differ_.DeletedSequence(Entity::kJob, job);  // imported before, then left
    if (!deleted_sequence) return deleted_sequence.error();
    auto change = snapshot::Diff(*record, std::nullopt, *deleted_sequence);
    if (!change) return refuse();
    const events::Context ctx{connection_.id, std::string(source_->name()), std::chrono::system_clock::now()};
    std::vector<Message> messages{builder_.JobImported(ctx, *change),
                                  builder_.StateRecord(ctx, Entity::kJob, *change)};
    snapshot::Batch batch;
    batch.Put(key, std::move(change->new_state));
    if (*deleted_sequence > 0) batch.Delete(pipeline::Stager::TombstoneKey(key));
    selection_.Owe(job, cycle_started_);
    batch.PutMeta(BackfillOwedKey(connection_.id), EncodeOwedBackfills(selection_.owed()));
    if (auto done = stager_.PublishAndCommit(messages, batch); !done) {
      selection_.Forgive(job);
      return done.error();
    }
    ++report.jobs_imported;
    deps_.metrics.EventsPublished(connection_.id, "job-imported").Increment();
    log::Info("Job without a live posting imported from the candidates it is referenced by.",
              {{"connection", connection_.id}, {"job", job}});
  }
  selection_.Select(job);
  return true;
}

Result<void> SyncWorker::SettleBackfills() {
  const auto entities = source_->entities();
  const bool no_candidates =
      std::find(entities.begin(), entities.end(), Entity::kCandidate) == entities.end();
  if (!selection_.Settle(no_candidates)) return Ok();
  snapshot::Batch batch;
  if (selection_.owed().empty()) {
    batch.DeleteMeta(BackfillOwedKey(connection_.id));
  } else {
    batch.PutMeta(BackfillOwedKey(connection_.id), EncodeOwedBackfills(selection_.owed()));
  }
  if (auto committed = deps_.store.Commit(batch); !committed) {
    CountError(committed.error());
    return committed;
  }
  return Ok();
}

}  // namespace ats::runtime
