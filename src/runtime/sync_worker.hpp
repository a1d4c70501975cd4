#pragma once
// One connection's sync cycle (scheduled by runtime/connection_task.hpp): list every entity page by page, diff each page against the
// snapshot and publish the implied events; a page's snapshot updates are committed only once
// Kafka acknowledged its events (pages travel in stages, one in flight while the next gathers:
// see pipeline::Stager). After a complete listing, records missing from it are deleted. A
// failure stops the cycle with the snapshot still describing what Kafka has, so the next cycle
// re-derives (and re-publishes, with the same ce_id) whatever was missed.
// The worker is the cycle that wires the parts of src/pipeline (listing state, job selection,
// event building, page diff, staging and commits: docs/architecture.md, "The sync worker's
// parts"); it keeps the fetching (Execute here, the page loop in sync_worker_fetch.cpp) and the
// job lifecycle steps that need the whole worker (sync_worker_jobs.cpp).
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
#include "pipeline/event_builder.hpp"
#include "pipeline/field_policy.hpp"
#include "pipeline/job_selection.hpp"
#include "pipeline/listing_state.hpp"
#include "pipeline/page_differ.hpp"
#include "pipeline/stager.hpp"
#include "runtime/publisher.hpp"
#include "runtime/publisher_outbox.hpp"
#include "snapshot/differ.hpp"
#include "snapshot/snapshot_store.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status.hpp"

namespace ats::runtime {

// What one cycle did (pipeline/cycle_report.hpp).
using pipeline::CycleReport;

struct WorkerDeps {
  snapshot::SnapshotStore& store;
  Publisher& publisher;
  telemetry::Metrics& metrics;
  telemetry::StatusBoard& status;
  const StopSignal& stop;
  config::TopicsConfig topics;
  bool log_events = false;  // one log line per published event (sandbox mode)
  // Cluster mode: the connection's outbox (state/connection_state.hpp: events go out with the
  // commit of their states, in one transaction) instead of the publisher; no write-ahead copies
  // (a transaction makes events and states visible together).
  pipeline::Outbox* outbox = nullptr;
  bool write_ahead = true;
};

// The ids a complete listing returned (pipeline/seen_ids.hpp).
using pipeline::SeenIds;

// The stored lists of the job selection (pipeline/job_selection.hpp).
using pipeline::DecodeOwedBackfills;
using pipeline::DecodeStringArray;
using pipeline::EncodeOwedBackfills;
using pipeline::EncodeStringArray;
using pipeline::OwedBackfills;

// The resume marker of an interrupted listing (pipeline/listing_state.hpp).
using pipeline::DecodeResumeMarker;
using pipeline::EncodeResumeMarker;
using pipeline::ResumeMarker;

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

  static constexpr int kMaxAttempts = 6;  // per request, for 5xx / transport / bad bodies

  Result<void> SyncEntity(Entity entity, CycleReport& report);
  Result<void> SyncStreamedEntity(Entity entity, CycleReport& report);
  // --- fetching of paged listings (sync_worker_fetch.cpp) ---
  Result<connectors::Page> FetchPage(Entity entity, Result<http::Request> request, CycleReport& report);
  Result<void> ListPages(Entity entity, Result<http::Request> first, SeenIds& seen,
                         CycleReport& report);
  Result<void> ProcessBatches(Entity entity, connectors::Page& page, SeenIds& seen, CycleReport& report);
  bool UseIncremental(Entity entity);
  bool Resumable(Entity entity) const;  // whether listings of `entity` keep a resume marker
  // After a complete listing, in one batch: the cursor, last_full_listing (full listings) and the
  // resume marker removed. `resumed`: the listing continued an interrupted one (see the .cpp).
  Result<void> CommitCursor(Entity entity, bool full_listing, const std::optional<SystemTime>& old_cursor,
                            const ResumeMarker* resumed = nullptr);
  // The stored marker of an interrupted listing of `entity` and the request of its next page, or
  // nullopt (with a warning) when there is none or it cannot be used.
  Result<std::optional<std::pair<ResumeMarker, http::Request>>> LoadResumeMarker(Entity entity);
  Result<http::Response> Execute(const http::Request& request, CycleReport& report, BodySink* sink = nullptr);
  // Diffs a page against the snapshot and stages its events (pipeline::PageDiffer), records
  // where the listing resumes, and moves the pipeline on (pipeline::Stager::Advance).
  // `last_batch`: the page's records end here (a page of thousands comes in batches).
  Result<void> ProcessPage(Entity entity, const connectors::Page& page, SeenIds& seen, CycleReport& report,
                           bool last_batch = true);
  // --- job lifecycle (sync_worker_jobs.cpp) ---
  // Reads the admin API's imports and removals and the backfills owed (start of a cycle).
  Result<void> LoadSelection();
  // After a complete jobs listing: stored jobs the listing did not return are closed (sources
  // listing only open jobs) or deleted, stay selected (sticky) or leave the selection.
  Result<void> ReconcileJobs(const SeenIds& seen, CycleReport& report);
  // State-topic tombstones for the candidates of a job that left the selection.
  Result<void> TombstoneCandidatesOf(const events::Context& ctx, const std::string& job,
                                     std::vector<Message>& messages);
  // A candidate row of a job not in the jobs listing (Workday requisition without a posting):
  // imports that job when the rules select it. True when the row's job is now selected.
  Result<bool> AdmitRowJob(const Record& candidate, CycleReport& report);
  // Jobs owed a backfill whose backfill the cycle completed: no longer owed (end of a cycle).
  Result<void> SettleBackfills();
  void CountError(const Error& error);
  bool Sleep(std::chrono::milliseconds d) const;  // false when stopped meanwhile (waits within a cycle)

  config::ConnectionConfig connection_;
  connectors::SourcePtr source_;
  WorkerDeps deps_;
  http::Client* client_ = nullptr;  // the pool thread's, during RunCycle
  std::shared_ptr<http::RateLimiter> limiter_;
  Backoff request_backoff_;
  pipeline::JobSelection selection_;  // rules, admin imports/removals, this cycle's jobs, backfills owed
  std::set<Entity> force_full_;       // ForceFullListing
  SystemTime cycle_started_{};
  // The listing whose pages record where to resume (ProcessPage writes it with each page);
  // unset for streamed documents and the backfill listings of imported jobs.
  std::optional<ResumeMarker> listing_;
  bool listing_resumed_ = false;  // listing_ continues an interrupted listing: its `newest` is fixed
  pipeline::FieldPolicy policy_;  // connection_.fields
  pipeline::EventBuilder builder_;  // messages from changes (policy_, stage_map, triggers, topics)
  pipeline::ListingState listing_state_;  // cursor, last full listing, resume marker
  PublisherOutbox outbox_;
  pipeline::Stager stager_;  // stages on their way to Kafka, committed once acknowledged
  pipeline::PageDiffer differ_;  // records diffed into stages, deletions after a complete listing

  std::mutex gauges_mu_;
  SystemTime started_at_;
  std::optional<SystemTime> last_success_;
  std::map<Entity, SystemTime> newest_updated_at_;
};

}  // namespace ats::runtime
