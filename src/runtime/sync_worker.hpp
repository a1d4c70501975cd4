#pragma once
// One connection's sync cycle (scheduled by runtime/connection_task.hpp): list every entity
// page by page, diff each page against the snapshot and publish the implied events; a page's
// snapshot updates are committed only once Kafka acknowledged its events (pages travel in
// stages, one in flight while the next gathers: see Advance). After a complete listing, records
// missing from it are deleted. A failure stops the cycle with the snapshot still describing
// what Kafka has, so the next cycle re-derives (and re-publishes, with the same ce_id)
// whatever was missed.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/backoff.hpp"
#include "common/record.hpp"
#include "common/result.hpp"
#include "common/stages.hpp"
#include "common/stop.hpp"
#include "config/config.hpp"
#include "connectors/source.hpp"
#include "events/events.hpp"
#include "http/http_client.hpp"
#include "http/rate_limiter.hpp"
#include "pipeline/field_policy.hpp"
#include "runtime/publisher.hpp"
#include "snapshot/differ.hpp"
#include "snapshot/snapshot_store.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status.hpp"

namespace ats::runtime {

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
  long long events() const { return created + updated + deleted + jobs_imported + jobs_changed + dead_lettered; }
};

struct WorkerDeps {
  snapshot::SnapshotStore& store;
  Publisher& publisher;
  telemetry::Metrics& metrics;
  telemetry::StatusBoard& status;
  const StopSignal& stop;
  config::TopicsConfig topics;
  bool log_events = false;  // one log line per published event (sandbox mode)
};

// The ids a complete listing returned, for finding deletions afterwards. Kept as sorted 64-bit
// hashes: 8 bytes an id, so a report of millions of rows stays within memory bounds. (Two ids
// with the same hash — about 1 in 10^7 per cycle for 2 million ids — would only delay that
// one deletion to a later cycle.)
class SeenIds {
 public:
  void Add(std::string_view id) {
    hashes_.push_back(ContentHash(id));
    sorted_ = false;
  }
  bool Contains(std::string_view id) const {
    if (!sorted_) {
      std::sort(hashes_.begin(), hashes_.end());
      sorted_ = true;
    }
    return std::binary_search(hashes_.begin(), hashes_.end(), ContentHash(id));
  }

 private:
  mutable std::vector<uint64_t> hashes_;
  mutable bool sorted_ = true;
};

// ["a","b"] -> {a, b} (the stored list of imported jobs); anything else -> {}.
std::vector<std::string> DecodeStringArray(std::string_view json);
// {a, b} -> ["a","b"].
std::string EncodeStringArray(const std::set<std::string>& ids);
// Jobs owed a backfill, each with the start of the cycle that imported it:
// {"R-00012":"2026-11-22T07:00:00.000Z"}. Decoding skips entries that are not such pairs.
using OwedBackfills = std::map<std::string, SystemTime>;
std::string EncodeOwedBackfills(const OwedBackfills& owed);
OwedBackfills DecodeOwedBackfills(std::string_view json);

// Where an interrupted paged listing continues: meta key sync/<conn>/<entity>/resume, written
// in the same snapshot batch as each stage's records and removed by the batch that completes
// the listing. Stored as JSON, e.g.
// {"next":"https://acme.workable.com/spi/v3/candidates?limit=100&since_id=2f1c","mode":"full",
//  "started":"2026-11-22T07:00:00.000Z","newest":"2026-11-22T06:59:58.000Z"}
struct ResumeMarker {
  std::string next;                         // paging.next of the last committed page
  bool full = true;                         // a full listing, or an incremental one
  std::optional<SystemTime> updated_after;  // incremental: the filter the listing used
  SystemTime started{};                     // when the listing began (before any interruption)
  // Newest updated_at committed by the listing before its first interruption: with `started`,
  // the bound on the cursor after a resumed listing (SyncWorker::CommitCursor).
  std::optional<SystemTime> newest;
};
std::string EncodeResumeMarker(const ResumeMarker& marker);
// nullopt when `json` is not a marker EncodeResumeMarker wrote.
std::optional<ResumeMarker> DecodeResumeMarker(std::string_view json);

class SyncWorker {
 public:
  // `limiter`: the one the service hands out for this connection's account (shared with the
  // other connections on it); null = one of its own, at the source's rate_limit.
  SyncWorker(config::ConnectionConfig connection, connectors::SourcePtr source, WorkerDeps deps,
             std::shared_ptr<http::RateLimiter> limiter = nullptr);

  // One complete cycle (every entity, every page) over `client`, the HTTP client of the pool
  // thread running it (runtime/connection_task.hpp): the worker owns no connection of its own.
  // `client` is told the worker's stop signal, so a stop abandons a request in flight.
  Result<CycleReport> RunCycle(http::Client& client);
  // The same over a client made for this one cycle (tests).
  Result<CycleReport> RunCycle();
  // Refreshes the lag and freshness gauges (called every second by the service).
  void UpdateGauges(SystemTime now);
  // A cycle succeeded at `now`: the lag counts from here (called by the connection's task).
  void MarkSucceeded(SystemTime now);
  // The next cycle lists these entities in full whatever the incremental cursor or an
  // interrupted listing says (a resync through the control API); cleared by RunCycle.
  void ForceFullListing(std::set<Entity> entities) { force_full_ = std::move(entities); }
  const std::string& id() const { return connection_.id; }
  std::string_view source_name() const { return source_->name(); }
  const config::ConnectionConfig& connection() const { return connection_; }
  // Snapshot metadata key of the jobs imported through the admin API (a JSON array of ids).
  static std::string ImportedJobsKey(const std::string& connection);
  // Jobs removed from the selection through the admin API (DELETE), a JSON array of ids: they
  // stay out, whatever the rules say, until imported again.
  static std::string RemovedJobsKey(const std::string& connection);
  // Jobs that entered the selection and whose candidates' backfill is not yet acknowledged by
  // Kafka (EncodeOwedBackfills; written with the job's job-imported state, cleared at the end
  // of the cycle that completed the backfill). The admin API says "pending" for them.
  static std::string BackfillOwedKey(const std::string& connection);

 private:
  // Receives a streamed document's body: begin() before each attempt, chunk() per piece
  // (false aborts; `failure` says why), end() once a 2xx body is complete.
  struct BodySink {
    std::function<void()> begin;
    std::function<bool(std::string_view)> chunk;
    std::function<Result<void>()> end;
    std::optional<Error> failure;
  };

  Result<void> SyncEntity(Entity entity, CycleReport& report);
  Result<void> SyncStreamedEntity(Entity entity, CycleReport& report);
  Result<connectors::Page> FetchPage(Entity entity, Result<http::Request> request, CycleReport& report);
  Result<void> ListPages(Entity entity, Result<http::Request> first, SeenIds& seen,
                         CycleReport& report);
  bool UseIncremental(Entity entity);
  bool Resumable(Entity entity) const;  // whether listings of `entity` keep a resume marker
  std::string MetaKey(Entity entity, std::string_view what) const;
  std::optional<SystemTime> MetaTime(Entity entity, std::string_view what);
  // After a complete listing, in one batch: the cursor, last_full_listing (full listings) and the
  // resume marker removed. `resumed`: the listing continued an interrupted one (see the .cpp).
  Result<void> CommitCursor(Entity entity, bool full_listing, const std::optional<SystemTime>& old_cursor,
                            const ResumeMarker* resumed = nullptr);
  // The stored marker of an interrupted listing of `entity` and the request of its next page, or
  // nullopt (with a warning) when there is none or it cannot be used.
  Result<std::optional<std::pair<ResumeMarker, http::Request>>> LoadResumeMarker(Entity entity);
  Result<http::Response> Execute(const http::Request& request, CycleReport& report, BodySink* sink = nullptr);
  // Events of one or more pages on their way to Kafka, and the snapshot states they imply.
  struct Stage {
    Entity entity = Entity::kCandidate;
    std::vector<Message> messages;
    size_t bytes = 0;
    std::unordered_map<std::string, snapshot::StoredRecord> states;  // by id: the newest
    std::unordered_set<std::string> revived;  // re-created ids whose tombstone goes with the commit
    CycleReport counts;
    SystemTime newest{};             // newest updated_at listed
    std::vector<std::string> trail;  // sandbox mode: what each event says, logged once committed
    Publisher::Ticket ticket;
    std::optional<std::string> resume_marker;  // where an interrupted listing continues
    std::map<std::string, std::string> metas;  // metadata committed with the stage's states
    CycleReport* report = nullptr;  // the cycle's, which the counts join once committed
    void Add(Message message) {
      bytes += message.value.size();
      messages.push_back(std::move(message));
    }
  };

  // Diffs a page against the snapshot and stages its events; Advance moves the pipeline on.
  // `last_batch`: the page's records end here (a page of thousands comes in batches).
  Result<void> ProcessPage(Entity entity, const connectors::Page& page, SeenIds& seen, CycleReport& report,
                           bool last_batch = true);
  Result<void> ProcessBatches(Entity entity, connectors::Page& page, SeenIds& seen, CycleReport& report);
  Result<void> Advance(bool force);
  Result<void> Flush();  // until everything staged is acknowledged and committed
  void ResetPipeline();
  void Committed(Stage& stage);
  std::optional<snapshot::StoredRecord> StagedState(const std::string& id) const;
  Result<void> ReconcileDeletions(Entity entity, const SeenIds& seen,
                                  CycleReport& report);
  // Publishes, waits for Kafka, then commits `batch`. Record states the batch publishes are
  // written ahead under PendingKey and removed by the commit.
  Result<void> PublishAndCommit(std::vector<Message>& messages, snapshot::Batch& batch);
  static snapshot::Key PendingKey(const snapshot::Key& key);
  // Where a deleted record leaves its last change sequence (snapshot::Change::sequence), so a
  // re-creation continues the count and gets a ce_id of its own. Removed when it is re-created.
  static snapshot::Key TombstoneKey(const snapshot::Key& key);
  // The last change sequence a deletion of `id` left (0: none); nullopt-free errors as Result.
  Result<uint64_t> DeletedSequence(Entity entity, const std::string& id);
  const std::string& StateTopic(Entity entity) const;
  bool JobSelected(const Record& job) const;
  // The field policy on what comes from the snapshot or a dead letter (see the .cpp).
  void FilterPrevious(snapshot::Change& change) const;
  void FilterLastState(snapshot::Change& change) const;
  RejectedRecord FilterRejected(const RejectedRecord& rejected) const;
  // --- job lifecycle (sync_worker_jobs.cpp) ---
  // Reads the admin API's imports and removals and the backfills owed (start of a cycle).
  Result<void> LoadSelection();
  // The user took the job out (dropped from `jobs`, or DELETE through the admin API): a job in
  // the snapshot leaves the selection. Otherwise a job that entered stays (sticky).
  bool UserRemoved(const std::string& job) const;
  // After a complete jobs listing: stored jobs the listing did not return are closed (sources
  // listing only open jobs) or deleted, stay selected (sticky) or leave the selection.
  Result<void> ReconcileJobs(const SeenIds& seen, CycleReport& report);
  // State-topic tombstones for the candidates of a job that left the selection.
  Result<void> TombstoneCandidatesOf(const events::Context& ctx, const std::string& job,
                                     std::vector<Message>& messages);
  // The one place job-changed events are built (a left job's state-topic tombstone joins here).
  Message JobChangedEvent(const events::Context& ctx, snapshot::Change change, events::JobChange kind);
  // updated / closed / reopened / archived, from the job's state before and after `change`.
  static events::JobChange ClassifyJobUpdate(const snapshot::Change& change);
  // A candidate row of a job not in the jobs listing (Workday requisition without a posting):
  // imports that job when the rules select it. True when the row's job is now selected.
  Result<bool> AdmitRowJob(const Record& candidate, CycleReport& report);
  // Jobs owed a backfill whose backfill the cycle completed: no longer owed (end of a cycle).
  Result<void> SettleBackfills();
  events::CandidateExtras Extras(const snapshot::Change& change) const;
  // The fields as they were before an update.
  static std::map<std::string, std::string> Before(const snapshot::Change& change);
  void CountError(const Error& error);
  bool Sleep(std::chrono::milliseconds d) const;  // false when stopped meanwhile (waits within a cycle)

  config::ConnectionConfig connection_;
  connectors::SourcePtr source_;
  WorkerDeps deps_;
  http::Client* client_ = nullptr;  // the pool thread's, during RunCycle
  std::shared_ptr<http::RateLimiter> limiter_;
  Backoff request_backoff_;
  std::set<std::string> job_filter_;     // `jobs:` list
  std::set<std::string> states_filter_;  // job_states, as JSON string literals
  TriggerStages triggers_;
  std::unordered_set<std::string> selected_jobs_;  // selected in the current cycle
  std::set<std::string> api_jobs_;                 // imported through the admin API
  std::set<std::string> removed_jobs_;             // removed through the admin API (DELETE)
  OwedBackfills backfill_owed_;                    // entered the selection, backfill not acknowledged
  std::set<std::string> backfill_done_;            // of those, backfilled by the current cycle
  std::set<std::string> refused_row_jobs_;         // row jobs the rules did not admit (this cycle)
  std::set<Entity> force_full_;  // ForceFullListing
  SystemTime cycle_started_{};
  SystemTime listing_newest_{};  // newest updated_at committed in the current listing
  // The listing whose pages record where to resume (ProcessPage writes it with each page);
  // unset for streamed documents and the backfill listings of imported jobs.
  std::optional<ResumeMarker> listing_;
  bool listing_resumed_ = false;  // listing_ continues an interrupted listing: its `newest` is fixed
  StageVocabulary vocabulary_;
  bool triggers_only_ = false;
  pipeline::FieldPolicy policy_;  // connection_.fields
  Stage open_;                      // gathering
  std::optional<Stage> in_flight_;  // published, not yet acknowledged and committed

  std::mutex gauges_mu_;
  SystemTime started_at_;
  std::optional<SystemTime> last_success_;
  std::map<Entity, SystemTime> newest_updated_at_;
};

}  // namespace ats::runtime
