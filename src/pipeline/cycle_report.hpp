#pragma once
// What one sync cycle did (runtime::SyncWorker::RunCycle), counted as its stages commit.

namespace ats::pipeline {

struct CycleReport {
  long long requests = 0;
  long long records = 0;
  long long created = 0;
  long long updated = 0;
  long long deleted = 0;
  long long jobs_imported = 0;
  long long jobs_changed = 0;  // job-changed events (closed, reopened, left the selection...)
  long long dead_lettered = 0;
  long long incremental_listings = 0;  // listings that asked only for changes since the cursor
  long long resumed_listings = 0;      // listings continued from where an earlier cycle stopped
  long long largest_stage = 0;         // events of the largest stage published (at most 5 000)
  long long events() const {
    return created + updated + deleted + jobs_imported + jobs_changed + dead_lettered;
  }
};

}  // namespace ats::pipeline
