#pragma once
// Diff and event building over the snapshot: a page's records are diffed against the newest
// state downstream heard of (staged, else committed), the selection decides which records
// count, the field policy is applied once, and the changes' events and new states join the open
// stage (pipeline::Stager); after a complete listing, the records it did not return are
// deleted. Reads the snapshot; writes only through the stager.
#include <functional>
#include <string>
#include <vector>

#include "common/record.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "pipeline/cycle_report.hpp"
#include "pipeline/event_builder.hpp"
#include "pipeline/field_policy.hpp"
#include "pipeline/job_selection.hpp"
#include "pipeline/seen_ids.hpp"
#include "pipeline/stager.hpp"
#include "snapshot/snapshot_store.hpp"
#include "telemetry/metrics.hpp"

namespace ats::pipeline {

class PageDiffer {
 public:
  struct Deps {
    snapshot::SnapshotStore& store;
    telemetry::Metrics& metrics;
    Stager& stager;
    const EventBuilder& builder;
    const FieldPolicy& policy;
    JobSelection& selection;
    std::string connection;   // id
    std::string source;       // name, for the events' context
    bool log_events = false;  // sandbox mode: one log line per event once committed
    // A candidate whose job is not selected (a Workday requisition without a posting): may
    // admit that job; true when the row's job is now selected.
    std::function<Result<bool>(const Record& candidate, CycleReport& report)> admit_row_job;
  };
  explicit PageDiffer(Deps deps);

  // Diffs `records` into the open stage and dead-letters `rejected_records` (and the records
  // too large for an event), sending full stages on (Stager::Advance) on the way. `seen`
  // collects every listed id; a job that enters is owed a backfill since `cycle_started`.
  Result<void> StageRecords(Entity entity, const std::vector<Record>& records,
                            const std::vector<RejectedRecord>& rejected_records, SeenIds& seen,
                            CycleReport& report, SystemTime cycle_started);
  // After a complete listing of candidates (or of a streamed document): stored records the
  // listing did not return are deleted, published and committed in batches. (Jobs: the
  // worker's ReconcileJobs.)
  Result<void> ReconcileDeletions(Entity entity, const SeenIds& seen, CycleReport& report);
  // The last change sequence a deletion of `id` left (0: none; Stager::TombstoneKey).
  Result<uint64_t> DeletedSequence(Entity entity, const std::string& id);

 private:
  void CountError(const Error& error);

  Deps deps_;
};

}  // namespace ats::pipeline
