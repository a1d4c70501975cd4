#include "runtime/sync_worker.hpp"

#include <algorithm>
#include <utility>
#include <variant>

#include "common/log.hpp"
#include "connectors/diagnosis.hpp"
#include "events/events.hpp"
#include "runtime/listing_guard.hpp"
#include "snapshot/identity.hpp"

namespace ats::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kMaxRateLimited = 12;   // per request, for 429s (each waits for the window)
constexpr size_t kStreamBatch = 500;  // records of a streamed document processed per batch

std::string CodeLabel(long status) {
  return std::to_string(status);
}

}  // namespace

SyncWorker::SyncWorker(config::ConnectionConfig connection, connectors::SourcePtr source, WorkerDeps deps,
                       std::shared_ptr<http::RateLimiter> limiter)
    : connection_(std::move(connection)),
      source_(std::move(source)),
      deps_(std::move(deps)),
      limiter_(limiter ? std::move(limiter)
                       : std::make_shared<http::RateLimiter>(source_->rate_limit().requests,
                                                             seconds(source_->rate_limit().per_s))),
      request_backoff_(milliseconds(1000), milliseconds(30000)),
      selection_(connection_),
      policy_(connection_.fields),
      builder_(connection_, source_->name(), deps_.topics, policy_),
      listing_state_(deps_.store, connection_),
      outbox_(deps_.publisher),
      stager_({deps_.store, deps_.outbox != nullptr ? *deps_.outbox : outbox_, deps_.metrics, listing_state_,
               connection_.id,
               [this](Entity entity, SystemTime newest) {
                 std::lock_guard lock(gauges_mu_);
                 auto& slot = newest_updated_at_[entity];
                 if (newest > slot) slot = newest;
               },
               deps_.write_ahead}),
      differ_({deps_.store, deps_.metrics, stager_, builder_, policy_, selection_, connection_.id,
               std::string(source_->name()), deps_.log_events,
               [this](const Record& candidate, CycleReport& report) {
                 return AdmitRowJob(candidate, report);
               }}),
      started_at_(std::chrono::system_clock::now()) {
  for (const auto& secret : source_->secrets()) log::RegisterSecret(secret);
  deps_.status.AddConnection(connection_.id, std::string(source_->name()));
  deps_.metrics.ConnectionUp(connection_.id).Set(0);
  deps_.metrics.RateLimitRemaining(connection_.id).Set(-1);
  deps_.metrics.SyncLag(connection_.id).Set(0);
}

// Waits `d` within a cycle (a retry, a rate-limit window): this holds the pool thread (see
// docs/architecture.md, "Scheduling"). False when stopped meanwhile.
bool SyncWorker::Sleep(milliseconds d) const {
  return !deps_.stop.WaitFor(d);
}

std::string SyncWorker::ImportedJobsKey(const std::string& connection) {
  return pipeline::ImportedJobsKey(connection);
}

void SyncWorker::CountError(const Error& error) {
  deps_.metrics.Errors(connection_.id, std::string(ToString(error.category))).Increment();
}

Result<http::Response> SyncWorker::Execute(const http::Request& request, CycleReport& report,
                                           BodySink* sink) {
  int attempts = 0;
  int rate_limited = 0;
  bool reauthorized = false;
  request_backoff_.Reset();
  const auto shutdown = [] { return Error::Retryable(ErrorCategory::kInternal, "shutdown requested"); };
  // One failed attempt: counts it and waits before the next, or gives up.
  const auto retry_after_failure = [&](const Error& error, const char* what) -> std::optional<Error> {
    if (!error.retryable() || ++attempts >= kMaxAttempts) return error;
    const auto wait = request_backoff_.Next();
    log::Warn(what, {{"connection", connection_.id},
                     {"kind", ToString(error.category)},
                     {"error", error.message},
                     {"retry_in_ms", static_cast<long long>(wait.count())}});
    if (!Sleep(wait)) return shutdown();
    return std::nullopt;
  };
  while (true) {
    if (deps_.stop.stopped()) return shutdown();
    http::Request attempt = request;
    if (auto authorized = source_->Authorize(attempt, *client_); !authorized) {
      CountError(authorized.error());
      if (auto give_up = retry_after_failure(authorized.error(), "Could not obtain credentials; retrying."))
        return *give_up;
      continue;
    }
    // Wait for a slot and take it in one step: the limiter may be shared with other workers.
    for (auto delay = limiter_->TryAcquire(http::RateLimiter::Clock::now()); delay.count() > 0;
         delay = limiter_->TryAcquire(http::RateLimiter::Clock::now()))
      if (!Sleep(delay)) return shutdown();
    ++report.requests;
    if (sink != nullptr) {
      sink->failure.reset();
      sink->begin();
    }
    auto response = sink != nullptr ? client_->Execute(attempt, sink->chunk) : client_->Execute(attempt);
    if (!response && deps_.stop.stopped()) return shutdown();  // interrupted by the stop: not a fault
    if (sink != nullptr && sink->failure) {
      // The body was fine as far as HTTP goes, but processing it failed: a malformed document
      // is fetched again, anything else (Kafka, snapshot) ends the cycle.
      const Error failure = *sink->failure;
      if (failure.category != ErrorCategory::kBadResponse) return failure;
      CountError(failure);
      if (auto give_up = retry_after_failure(failure, "Source document is malformed; fetching it again."))
        return *give_up;
      continue;
    }
    if (!response) {
      deps_.metrics.HttpRequests(connection_.id, "error").Increment();
      CountError(response.error());
      if (auto give_up = retry_after_failure(response.error(), "Source request failed; retrying."))
        return *give_up;
      continue;
    }
    const std::string code = CodeLabel(response->status);
    deps_.metrics.HttpRequests(connection_.id, code).Increment();
    deps_.metrics.HttpRequestDuration(connection_.id, code)
        .Observe(std::chrono::duration<double>(response->elapsed).count());
    const auto info = source_->ParseRateLimit(*response);
    limiter_->Observe(info, http::RateLimiter::Clock::now(), std::chrono::system_clock::now());
    if (info.remaining)
      deps_.metrics.RateLimitRemaining(connection_.id).Set(static_cast<double>(*info.remaining));
    if (response->status >= 200 && response->status < 300) {
      if (sink == nullptr) return response;
      if (auto ended = sink->end(); !ended) {
        if (ended.error().category != ErrorCategory::kBadResponse) return ended.error();
        CountError(ended.error());
        if (auto give_up =
                retry_after_failure(ended.error(), "Source document ended early; fetching it again."))
          return *give_up;
        continue;
      }
      return response;
    }
    // An expired access token: the source drops it and the next attempt authorizes afresh.
    // Invisible to users except in ats_connector_auth_retries_total.
    if (response->status == 401 && !reauthorized && source_->OnUnauthorized()) {
      reauthorized = true;
      deps_.metrics.AuthRetries(connection_.id).Increment();
      continue;
    }
    Error error = source_->ClassifyError(*response);
    CountError(error);
    if (response->status == 429) {
      if (++rate_limited > kMaxRateLimited) return error;
      const auto wait = limiter_->On429(info, http::RateLimiter::Clock::now(),
                                        std::chrono::system_clock::now(), request_backoff_.Next());
      log::Warn("Source rate limit hit (429); waiting for the window to reset.",
                {{"connection", connection_.id}, {"wait_ms", static_cast<long long>(wait.count())}});
      if (!Sleep(wait)) return shutdown();
      continue;
    }
    if (auto give_up = retry_after_failure(error, "Source answered with a retryable error; retrying."))
      return *give_up;
  }
}

Result<void> SyncWorker::ProcessPage(Entity entity, const connectors::Page& page, SeenIds& seen,
                                     CycleReport& report, bool last_batch) {
  auto staged = differ_.StageRecords(entity, page.records, page.rejected, seen, report, cycle_started_);
  if (!staged) return staged;
  pipeline::Stage& stage = stager_.open();
  // Where to continue if the process stops before the listing completes: committed with the
  // stage's records, so the marker never points past (or far before) what the snapshot holds.
  // (Only after a page's last batch: a stage holding part of a page resumes at that page.)
  if (listing_ && page.next && last_batch) {
    if (!listing_resumed_) {
      const SystemTime committed = stager_.NewestSoFar();
      if (committed != SystemTime{}) listing_->newest = committed;
    }
    listing_->next = *page.next;
    stage.resume_marker = EncodeResumeMarker(*listing_);
  }
  return stager_.Advance(/*force=*/false);
}

// A listing made of whole documents (Workday reports): each is parsed while it downloads and
// processed in batches, so memory stays bounded by the batch, not by the document.
Result<void> SyncWorker::SyncStreamedEntity(Entity entity, CycleReport& report) {
  SeenIds seen;
  stager_.ResetListingNewest();
  // Incremental when the documents can be asked for a time window (Workday report prompts).
  // A job that entered the selection needs its candidates in full (a backfill): the report is
  // then read without its window.
  const bool incremental = UseIncremental(entity) && selection_.owed().empty();
  const auto old_cursor = listing_state_.MetaTime(entity, "cursor");
  std::optional<std::string> cursor;
  bool first = true;
  do {
    if (deps_.stop.stopped())
      return Error::Retryable(ErrorCategory::kInternal, "shutdown requested; the cycle resumes on restart");
    Result<http::Request> request = Error::Permanent(ErrorCategory::kInternal, "unset");
    if (first && incremental) {
      connectors::ListQuery query;
      query.updated_after = *old_cursor - seconds(connection_.incremental_overlap_s);
      request = source_->BuildQueryRequest(entity, query);
    } else {
      request = source_->BuildRequest(entity, cursor);
    }
    first = false;
    if (!request) {
      CountError(request.error());
      return request.error();
    }
    // A report of gigabytes takes as long as it takes; stalls are caught by the transport.
    request->timeout = std::chrono::hours(6);
    std::unique_ptr<connectors::RecordStream> stream;
    connectors::Page pending;
    BodySink sink;
    sink.begin = [&] {
      stream = source_->OpenStream(entity);
      pending = connectors::Page();
    };
    sink.chunk = [&](std::string_view chunk) {
      if (auto fed = stream->Feed(chunk, pending); !fed) {
        sink.failure = fed.error();
        return false;
      }
      if (pending.records.size() + pending.rejected.size() >= kStreamBatch) {
        if (auto done = ProcessPage(entity, pending, seen, report); !done) {
          sink.failure = done.error();
          return false;
        }
        pending = connectors::Page();
      }
      return !deps_.stop.stopped();
    };
    sink.end = [&]() -> Result<void> {
      if (auto finished = stream->Finish(pending); !finished) return finished;
      return ProcessPage(entity, pending, seen, report);
    };
    auto response = Execute(*request, report, &sink);
    if (!response) return response.error();
    cursor = source_->NextDocument(entity, cursor);
  } while (cursor);
  if (auto flushed = stager_.Flush(); !flushed) return flushed;
  if (entity == Entity::kCandidate && !incremental) selection_.AllOwedDone();
  if (incremental) {
    ++report.incremental_listings;
    return CommitCursor(entity, /*full_listing=*/false, old_cursor);
  }
  if (auto reconciled = differ_.ReconcileDeletions(entity, seen, report); !reconciled) return reconciled;
  if (!source_->SupportsQuery(entity)) return Ok();
  return CommitCursor(entity, /*full_listing=*/true, old_cursor);
}

// Incremental when the source can filter by time, a cursor exists and the last full listing
// (the only one that can see deletions) is recent enough (pipeline::ListingState).
bool SyncWorker::UseIncremental(Entity entity) {
  if (force_full_.count(entity) > 0) return false;  // a resync
  return listing_state_.UseIncremental(entity, source_->SupportsQuery(entity),
                                       std::chrono::system_clock::now());
}

// Paged listings of candidates continue after an interruption (a restart, a deploy, a failed
// page) from the last committed page instead of page 1: a full listing of a large account
// takes hours at Workable's rate limit. Not jobs: that listing is short, and each cycle's must
// be complete because it decides whose candidates are selected (JobSelection). Not streamed
// documents, which have no pages.
bool SyncWorker::Resumable(Entity entity) const {
  return entity != Entity::kJob && !source_->Streamed(entity);
}

// After a complete listing, in one batch: the cursor, last_full_listing and the resume marker
// removed (pipeline::ListingState::BuildCursorCommit says how a resumed listing moves them).
Result<void> SyncWorker::CommitCursor(Entity entity, bool full_listing,
                                      const std::optional<SystemTime>& old_cursor,
                                      const ResumeMarker* resumed) {
  pipeline::ListingState::CursorInputs in;
  in.can_query = source_->SupportsQuery(entity);
  in.resumable = Resumable(entity);
  in.full_listing = full_listing;
  in.listing_newest = stager_.listing_newest();
  in.old_cursor = old_cursor;
  in.cycle_started = cycle_started_;
  in.resumed = resumed;
  auto commit = listing_state_.BuildCursorCommit(entity, in);
  if (commit.deletions_unchecked_since)
    log::Info("Resumed full listing complete; deletions are checked by the next full reconcile.",
              {{"connection", connection_.id},
               {"entity", ToString(entity)},
               {"deletions_unchecked_since", FormatRfc3339(*commit.deletions_unchecked_since)},
               {"next_full_reconcile",
                commit.already_owed
                    ? std::string("next cycle")
                    : FormatRfc3339(resumed->started + seconds(connection_.full_reconcile_interval_s))}});
  if (commit.batch.empty()) return Ok();
  if (auto committed = deps_.store.Commit(commit.batch); !committed) {
    CountError(committed.error());
    return committed;
  }
  return Ok();
}

Result<std::optional<std::pair<ResumeMarker, http::Request>>> SyncWorker::LoadResumeMarker(Entity entity) {
  using Found = std::optional<std::pair<ResumeMarker, http::Request>>;
  auto stored = deps_.store.GetMeta(listing_state_.MetaKey(entity, "resume"));
  if (!stored) {
    CountError(stored.error());
    return stored.error();
  }
  if (!stored->has_value()) return Found();
  // Left in place: the new listing's first page overwrites it, its completion removes it.
  const auto discard = [&](const std::string& reason) {
    log::Warn("Not resuming the interrupted listing; listing from the first page.",
              {{"connection", connection_.id}, {"entity", ToString(entity)}, {"reason", reason}});
    return Found();
  };
  const bool incremental_allowed = connection_.incremental && source_->SupportsQuery(entity);
  auto checked = listing_state_.CheckResume(**stored, incremental_allowed, std::chrono::system_clock::now());
  if (auto* reason = std::get_if<std::string>(&checked)) return discard(*reason);
  auto& marker = std::get<ResumeMarker>(checked);
  // The same checks as any paging.next: a URL that would send the token elsewhere (a changed
  // base_url or subdomain, a damaged snapshot) is refused.
  auto request = source_->BuildRequest(entity, marker.next);
  if (!request) return discard(request.error().message);
  return Found(std::pair{std::move(marker), std::move(*request)});
}

Result<void> SyncWorker::SyncEntity(Entity entity, CycleReport& report) {
  if (source_->Streamed(entity)) return SyncStreamedEntity(entity, report);
  stager_.ResetListingNewest();
  SeenIds seen;
  const auto old_cursor = listing_state_.MetaTime(entity, "cursor");
  std::optional<std::pair<ResumeMarker, http::Request>> resume;
  if (Resumable(entity) && force_full_.count(entity) == 0) {  // a resync lists from page 1
    auto loaded = LoadResumeMarker(entity);
    if (!loaded) return loaded.error();
    resume = std::move(*loaded);
  }
  ResumeMarker listing;
  listing.started = cycle_started_;
  Result<http::Request> first = Error::Permanent(ErrorCategory::kInternal, "unset");
  if (resume) {
    listing = resume->first;
    first = std::move(resume->second);
    ++report.resumed_listings;
    log::Info("Resuming an interrupted listing.",
              {{"connection", connection_.id},
               {"entity", ToString(entity)},
               {"mode", listing.full ? "full" : "incremental"},
               {"started", FormatRfc3339(listing.started)}});
  } else if (UseIncremental(entity)) {
    // Changed since the cursor, minus an overlap: records sharing the cursor's timestamp (or
    // written late by the source) are listed again and the diff drops the repeats.
    connectors::ListQuery query;
    query.updated_after = *old_cursor - seconds(connection_.incremental_overlap_s);
    listing.full = false;
    listing.updated_after = query.updated_after;
    first = source_->BuildQueryRequest(entity, query);
  } else {
    first = source_->BuildRequest(entity, std::nullopt);
  }
  if (Resumable(entity)) {
    listing_ = listing;
    listing_resumed_ = resume.has_value();
  }
  auto listed = ListPages(entity, std::move(first), seen, report);
  listing_.reset();
  listing_resumed_ = false;
  if (!listed) return listed;
  // Jobs that entered the selection in this cycle: their candidates are new to downstream even
  // when they did not change, so they are listed in full (a backfill) — after a listing of
  // changes, and after a resumed listing, whose first part was listed before those jobs were
  // selected. Backfills write no resume marker: one interrupted starts again from its first page.
  // Jobs whose backfill an earlier cycle did not finish are owed one too (JobSelection::owed),
  // except after a resumed full listing that began after they were imported: it covers them.
  if (entity == Entity::kCandidate && (!listing.full || resume)) {
    const OwedBackfills owed = selection_.owed();  // (a copy: listings may admit jobs)
    for (const auto& [job, imported_at] : owed) {
      if (listing.full && imported_at <= listing.started) continue;
      connectors::ListQuery by_job;
      by_job.parent_id = job;
      if (auto backfilled = ListPages(entity, source_->BuildQueryRequest(entity, by_job), seen, report);
          !backfilled)
        return backfilled;
    }
  }
  if (auto flushed = stager_.Flush(); !flushed) return flushed;
  if (entity == Entity::kCandidate) selection_.AllOwedDone();
  const ResumeMarker* resumed = resume ? &listing : nullptr;
  if (!listing.full) {
    ++report.incremental_listings;
    return CommitCursor(entity, /*full_listing=*/false, old_cursor, resumed);
  }
  // Deletions only from a listing that saw every record (see CommitCursor for a resumed one).
  // Jobs are never resumed; a job missing from their listing closed, or was deleted.
  if (entity == Entity::kJob) {
    if (auto reconciled = ReconcileJobs(seen, report); !reconciled) return reconciled;
  } else if (!resume)
    if (auto reconciled = differ_.ReconcileDeletions(entity, seen, report); !reconciled) return reconciled;
  return CommitCursor(entity, /*full_listing=*/true, old_cursor, resumed);
}

Result<CycleReport> SyncWorker::RunCycle() {
  http::Client client;
  return RunCycle(client);
}

Result<CycleReport> SyncWorker::RunCycle(http::Client& client) {
  // Shutdown or the connection's removal abandons a request in flight instead of waiting for the
  // source's answer or timeout.
  client.SetStopSignal(&deps_.stop);
  client_ = &client;
  struct Release {
    SyncWorker* worker;
    ~Release() {
      worker->client_ = nullptr;
      worker->force_full_.clear();
    }
  } release{this};
  CycleReport report;
  selection_.ClearSelected();
  cycle_started_ = std::chrono::system_clock::now();
  // Jobs imported or removed through the admin API and backfills owed (stored with the
  // snapshot, so they survive a restart).
  if (auto loaded = LoadSelection(); !loaded) return loaded.error();
  for (Entity entity : source_->entities()) {
    stager_.Reset();
    if (auto synced = SyncEntity(entity, report); !synced) {
      // What was staged before a source failure is still good: publish and commit it, so the
      // next cycle does not publish it again. When stopping, only the stage already in flight
      // is settled (the page in hand); nothing new goes out. Not after a Kafka or snapshot failure.
      const auto category = synced.error().category;
      if (category != ErrorCategory::kKafka && category != ErrorCategory::kSnapshot) {
        if (deps_.stop.stopped()) stager_.DropOpen();
        (void)stager_.Flush();
      }
      stager_.Reset();
      return synced.error();
    }
  }
  if (auto settled = SettleBackfills(); !settled) return settled.error();
  return report;
}

void SyncWorker::MarkSucceeded(SystemTime now) {
  {
    std::lock_guard lock(gauges_mu_);
    last_success_ = now;
  }
  UpdateGauges(now);  // do not leave lag/freshness stale until the next tick
}

void SyncWorker::UpdateGauges(SystemTime now) {
  std::lock_guard lock(gauges_mu_);
  const SystemTime since = last_success_.value_or(started_at_);
  deps_.metrics.SyncLag(connection_.id).Set(std::chrono::duration<double>(now - since).count());
  for (const auto& [entity, newest] : newest_updated_at_)
    deps_.metrics.SourceFreshness(connection_.id, std::string(ToString(entity)))
        .Set(std::chrono::duration<double>(now - newest).count());
}

}  // namespace ats::runtime
