#include "runtime/connection_task.hpp"

#include <simdjson.h>

#include <algorithm>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "connectors/diagnosis.hpp"

namespace ats::runtime {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

namespace {

ConnectionStatusChange Change(const std::string& connection, std::string_view source, const char* change,
                              SystemTime at = {}) {
  ConnectionStatusChange c;
  c.connection = connection;
  c.source = std::string(source);
  c.change = change;
  c.at = at;
  return c;
}

}  // namespace

ConnectionRanges RangesOf(const std::vector<std::string>& ids) {
  ConnectionRanges ranges;
  for (const auto& id : ids) {
    ranges.connections.insert(ranges.connections.end(), {id, "~pending/" + id, "~gone/" + id});
    for (const auto root : kConnectionMetaRoots) ranges.meta_prefixes.push_back(std::string(root) + id + "/");
  }
  return ranges;
}

std::string PausedKey(const std::string& connection) {
  return "control/" + connection + "/paused";
}

std::string ResyncKey(const std::string& connection) {
  return "control/" + connection + "/resync";
}

std::string EncodeResync(const ResyncScope& scope, SystemTime requested) {
  JsonWriter w;
  w.BeginObject();
  w.Key("entity").String(scope.entity);
  w.Key("job_id").String(scope.job_id);
  w.Key("candidate_id").String(scope.candidate_id);
  w.Key("requested").String(FormatRfc3339Millis(requested));
  w.EndObject();
  return w.Take();
}

std::optional<ResyncScope> DecodeResync(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(simdjson::padded_string(json)).get_object().get(object)) return std::nullopt;
  ResyncScope scope;
  for (auto [key, slot] : {std::pair{"entity", &scope.entity}, std::pair{"job_id", &scope.job_id},
                           std::pair{"candidate_id", &scope.candidate_id}}) {
    std::string_view text;
    const auto error = object[key].get_string().get(text);
    if (error == simdjson::NO_SUCH_FIELD) continue;
    if (error) return std::nullopt;
    *slot = std::string(text);
  }
  return scope;
}

// A job's candidates or one candidate: the candidates listing in full finds what differs about
// them (deletions included) at the cost of listing the others too; sources list no narrower.
std::set<Entity> ResyncEntities(const ResyncScope& scope, const std::vector<Entity>& listed) {
  std::set<Entity> out;
  if (!scope.job_id.empty() || !scope.candidate_id.empty() || scope.entity == "candidates")
    out.insert(Entity::kCandidate);
  else if (scope.entity == "jobs")
    out.insert(Entity::kJob);
  else
    out.insert(listed.begin(), listed.end());
  return out;
}

ConnectionTask::ConnectionTask(std::unique_ptr<StopSignal> stop,
                               std::unique_ptr<connectors::StateStore> state,
                               std::unique_ptr<SyncWorker> worker, std::shared_ptr<http::RateLimiter> limiter,
                               TaskDeps deps)
    : stop_(std::move(stop)),
      state_(std::move(state)),
      worker_(std::move(worker)),
      limiter_(std::move(limiter)),
      deps_(deps),
      cycle_backoff_(milliseconds(2000), milliseconds(300000)) {}

void ConnectionTask::ScheduleLocked(SteadyClock::time_point due) {
  deps_.scheduler.At(due, shared_from_this(), ++ticket_);
}

void ConnectionTask::Start(bool paused) {
  std::lock_guard lock(mu_);
  paused_ = paused;
  deps_.status.SetPaused(id(), paused);
  if (!paused) ScheduleLocked(SteadyClock::now());
}

void ConnectionTask::Wake() {
  std::lock_guard lock(mu_);
  if (stopped_ || paused_) return;
  if (running_) {
    wake_pending_ = true;
    return;
  }
  ScheduleLocked(SteadyClock::now());
}

bool ConnectionTask::paused() const {
  std::lock_guard lock(mu_);
  return paused_;
}

void ConnectionTask::SetPaused(bool paused) {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || paused_ == paused) return;
    paused_ = paused;
    deps_.status.SetPaused(id(), paused);
    if (paused)
      ++ticket_;  // what is queued no longer counts
    else if (!running_)
      ScheduleLocked(SteadyClock::now());
  }
  Notify(Change(id(), source_name(), paused ? "paused" : "resumed"));
}

void ConnectionTask::StopAndWait() {
  stop_->Stop();
  std::unique_lock lock(mu_);
  stopped_ = true;
  ++ticket_;
  idle_cv_.wait(lock, [this] { return !running_; });
  deps_.status.SetState(id(), telemetry::ConnectionState::kStopped);
}

void ConnectionTask::RunDue(http::Client& client, uint64_t ticket, SteadyClock::time_point due) {
  {
    std::lock_guard lock(mu_);
    if (ticket != ticket_ || stopped_ || paused_ || running_) return;
    // Out of requests on a (shared, per-account) rate limiter: back to the queue until the
    // window has one, instead of holding a pool thread while waiting. (Waits within a cycle —
    // the next page, a retry, a 429 — still hold the thread: see docs/architecture.md.)
    const auto now = SteadyClock::now();
    if (const auto delay = limiter_->Delay(now); delay.count() > 0) {
      ScheduleLocked(now + delay);
      return;
    }
    running_ = true;
    wake_pending_ = false;
  }
  deps_.metrics.CycleStartLateness().Observe(
      std::max(0.0, std::chrono::duration<double>(SteadyClock::now() - due).count()));
  const milliseconds wait = Cycle(client);
  std::lock_guard lock(mu_);
  running_ = false;
  if (stopped_) {
    idle_cv_.notify_all();
    return;
  }
  if (!paused_) ScheduleLocked(wake_pending_ ? SteadyClock::now() : SteadyClock::now() + wait);
  wake_pending_ = false;
}

void ConnectionTask::Notify(ConnectionStatusChange change) const {
  if (deps_.listener == nullptr || !*deps_.listener) return;
  if (change.at == SystemTime{}) change.at = std::chrono::system_clock::now();
  (*deps_.listener)(change);
}

// The body of the old per-connection thread's loop, for one cycle: poll_interval_s after a
// success, the cycle backoff after a retryable failure, at least a minute after a permanent one.
milliseconds ConnectionTask::Cycle(http::Client& client) {
  const std::string& id = worker_->id();
  const auto& connection = worker_->connection();
  // A resync asked for through the control API: the stored value is cleared after the cycle
  // that applied it succeeds (only if no newer request replaced it meanwhile).
  std::optional<std::string> resync;
  if (auto stored = deps_.store.GetMeta(ResyncKey(id)); stored && stored->has_value()) {
    resync = **stored;
    if (auto scope = DecodeResync(*resync)) {
      worker_->ForceFullListing(ResyncEntities(*scope, {Entity::kJob, Entity::kCandidate}));
      log::Info("Resync: listing in full.", {{"connection", id}, {"scope", *resync}});
    }
  }
  deps_.status.SetState(id, telemetry::ConnectionState::kSyncing);
  const auto t0 = SteadyClock::now();
  auto result = worker_->RunCycle(client);
  const auto now = std::chrono::system_clock::now();
  const double took = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  const std::string source(worker_->source_name());
  if (result) {
    if (resync) {
      auto current = deps_.store.GetMeta(ResyncKey(id));
      if (current && current->has_value() && **current == *resync) {
        snapshot::Batch batch;
        batch.DeleteMeta(ResyncKey(id));
        (void)deps_.store.Commit(batch);
      }
    }
    deps_.metrics.ConnectionUp(id).Set(1);
    deps_.metrics.SyncDuration(id).Observe(took);
    deps_.metrics.LastSuccessfulSync(id).Set(std::chrono::duration<double>(now.time_since_epoch()).count());
    deps_.status.CycleSucceeded(id, now, result->events(), result->records, result->dead_lettered);
    worker_->MarkSucceeded(now);
    log::Info("Sync cycle complete.", {{"connection", id},
                                       {"records", result->records},
                                       {"requests", result->requests},
                                       {"created", result->created},
                                       {"updated", result->updated},
                                       {"deleted", result->deleted},
                                       {"jobs_imported", result->jobs_imported},
                                       {"dead_lettered", result->dead_lettered},
                                       {"seconds", took}});
    cycle_backoff_.Reset();
    deps_.status.SetState(id, telemetry::ConnectionState::kIdle);
    if (up_ != true) Notify(Change(id, source, "active", now));
    up_ = true;
    auto completed = Change(id, source, "listing_completed", now);
    completed.records = result->records;
    completed.created = result->created;
    completed.updated = result->updated;
    completed.deleted = result->deleted;
    completed.dead_lettered = result->dead_lettered;
    Notify(std::move(completed));
    return seconds(connection.poll_interval_s);
  }
  if (stop_->stopped()) return milliseconds::zero();  // removed, replaced or shut down: no failure
  const Error& error = result.error();
  deps_.metrics.ConnectionUp(id).Set(0);
  const auto diagnosis = connectors::Diagnose(error, source);
  deps_.status.CycleFailed(id, now, error, diagnosis.category, diagnosis.fix);
  // Permanent failures (credentials, scopes, subdomain) need a human; retry at the poll
  // interval so a fixed secret is picked up, without hammering the API meanwhile.
  const milliseconds wait =
      error.retryable() ? std::min<milliseconds>(cycle_backoff_.Next(), seconds(connection.poll_interval_s))
                        : milliseconds(seconds(std::max(connection.poll_interval_s, 60)));
  log::Error("Sync cycle failed.", {{"connection", id},
                                    {"kind", ToString(error.category)},
                                    {"retryable", error.retryable()},
                                    {"error", error.message},
                                    {"retry_in_ms", static_cast<long long>(wait.count())}});
  deps_.status.SetState(
      id, error.retryable() ? telemetry::ConnectionState::kBackingOff : telemetry::ConnectionState::kFailed);
  if (up_ != false) {
    auto failed = Change(id, source, "failed", now);
    failed.category = diagnosis.category;
    failed.reason = log::Redact(error.message);
    failed.fix = diagnosis.fix;
    Notify(std::move(failed));
  }
  up_ = false;
  return wait;
}

}  // namespace ats::runtime
