#pragma once
// Which jobs a connection follows: the configured rules (jobs, job_states, job_departments,
// job_locations), the admin API's imports and removals, the jobs selected in the current cycle,
// the jobs admitted from candidate rows, and the backfills owed to jobs that entered the
// selection. Holds state only; reading it from the snapshot is Load, writing it is the caller's
// (with the batch that publishes what it implies).
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/record.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "snapshot/snapshot_store.hpp"

namespace ats::pipeline {

// ["a","b"] -> {a, b} (the stored list of imported jobs); anything else -> {}.
std::vector<std::string> DecodeStringArray(std::string_view json);
// {a, b} -> ["a","b"].
std::string EncodeStringArray(const std::set<std::string>& ids);
// Jobs owed a backfill, each with the start of the cycle that imported it:
// {"R-00012":"2026-11-22T07:00:00.000Z"}. Decoding skips entries that are not such pairs.
using OwedBackfills = std::map<std::string, SystemTime>;
std::string EncodeOwedBackfills(const OwedBackfills& owed);
OwedBackfills DecodeOwedBackfills(std::string_view json);

// Snapshot metadata keys (runtime::SyncWorker::ImportedJobsKey & co. name them for the API).
std::string ImportedJobsKey(const std::string& connection);  // selection/<conn>/imported
std::string RemovedJobsKey(const std::string& connection);   // selection/<conn>/removed
std::string BackfillOwedKey(const std::string& connection);  // selection/<conn>/backfill_owed

class JobSelection {
 public:
  // `connection` is read at each call (its settings may change between cycles); the `jobs` and
  // `job_states` lists are taken once, here.
  explicit JobSelection(const config::ConnectionConfig& connection);

  // Start of a cycle: forgets the cycle's selection, done backfills and refused row jobs, and
  // reads the admin API's imports and removals and the backfills owed from `store`.
  Result<void> Load(snapshot::SnapshotStore& store);

  // Whether the rules (or an admin import) select `job` when it is new to the snapshot.
  bool Matches(const Record& job) const;
  // The user took the job out (dropped from `jobs`, or DELETE through the admin API): a job in
  // the snapshot leaves the selection. Otherwise a job that entered stays (sticky).
  bool UserRemoved(const std::string& job) const;
  // A job known only from candidate rows (a Workday requisition without a posting) may be
  // admitted: selected by name (`jobs`, an admin import), or by `jobs: all` without department
  // or location rules (a row carries neither). job_states does not apply: there is no posting.
  bool AdmitsRowJob(const std::string& job) const;
  // Row jobs refused in this cycle are not looked at again until the next one.
  bool RowJobRefused(const std::string& job) const { return refused_row_jobs_.count(job) > 0; }
  void RefuseRowJob(const std::string& job) { refused_row_jobs_.insert(job); }

  // Jobs selected in the current cycle (listed and kept, sticky, or admitted from rows).
  void Select(const std::string& job) { selected_.insert(job); }
  void Deselect(const std::string& job) { selected_.erase(job); }
  bool Selected(const std::string& job) const { return selected_.count(job) > 0; }
  void ClearSelected() { selected_.clear(); }

  // Backfills: a job that entered is owed its candidates in full until Kafka acknowledged them.
  const OwedBackfills& owed() const { return owed_; }
  bool Owes(const std::string& job) const { return owed_.count(job) > 0; }
  void Owe(const std::string& job, SystemTime since) { owed_.emplace(job, since); }
  void Forgive(const std::string& job) { owed_.erase(job); }
  // The candidates listing of this cycle covered every job owed now.
  void AllOwedDone();
  // End of a cycle: the done backfills are no longer owed. False when nothing changed (nothing
  // to write); `no_candidates`: the source lists no candidates, so nothing is owed at all.
  bool Settle(bool no_candidates);

 private:
  const config::ConnectionConfig& connection_;
  std::set<std::string> job_filter_;          // `jobs:` list
  std::set<std::string> states_filter_;       // job_states, as JSON string literals
  std::unordered_set<std::string> selected_;  // selected in the current cycle
  std::set<std::string> api_jobs_;            // imported through the admin API
  std::set<std::string> removed_jobs_;        // removed through the admin API (DELETE)
  OwedBackfills owed_;                        // entered the selection, backfill not acknowledged
  std::set<std::string> backfill_done_;       // of those, backfilled by the current cycle
  std::set<std::string> refused_row_jobs_;    // row jobs the rules did not admit (this cycle)
};

}  // namespace ats::pipeline
