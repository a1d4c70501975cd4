#include "runtime/sync_worker.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <future>
#include <utility>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "events/events.hpp"
#include "runtime/listing_guard.hpp"
#include "snapshot/identity.hpp"

namespace ats::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kMaxAttempts = 6;       // per request, for 5xx / transport / bad bodies
constexpr int kMaxRateLimited = 12;   // per request, for 429s (each waits for the window)
constexpr size_t kDeleteBatch = 500;  // deleted events published per batch
constexpr size_t kStreamBatch = 500;  // records of a streamed document processed per batch
// A stage gathering pages while the previous one is in flight goes out at the latest here.
constexpr size_t kStageMessages = 5000;
constexpr size_t kStageBytes = 16 << 20;
// A record's normalised fields may take this much; an event carries them (and, for an update,
// the previous values too), and Kafka refuses messages over message.max.bytes (1 MB by default).
constexpr size_t kMaxRecordBytes = 256 * 1024;

size_t FieldBytes(const Record& record) {
  size_t bytes = 0;
  for (const auto& [name, value] : record.fields) bytes += name.size() + value.size();
  return bytes;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

// ["a","b"] -> {a, b} (decoded by simdjson: any escape, any id); anything else -> {}.
std::vector<std::string> DecodeStringArray(std::string_view json) {
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parser.parse(simdjson::padded_string(json)).get_array().get(array)) return out;
  for (auto element : array) {
    std::string_view value;
    if (!element.get_string().get(value)) out.emplace_back(value);
  }
  return out;
}

std::string EncodeResumeMarker(const ResumeMarker& marker) {
  JsonWriter w;
  w.BeginObject();
  w.Key("next").String(marker.next);
  w.Key("mode").String(marker.full ? "full" : "incremental");
  if (marker.updated_after) w.Key("updated_after").String(FormatRfc3339Millis(*marker.updated_after));
  w.Key("started").String(FormatRfc3339Millis(marker.started));
  if (marker.newest) w.Key("newest").String(FormatRfc3339Millis(*marker.newest));
  w.EndObject();
  return w.Take();
}

std::optional<ResumeMarker> DecodeResumeMarker(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(simdjson::padded_string(json)).get(doc)) return std::nullopt;
  simdjson::dom::object object;
  if (doc.get_object().get(object)) return std::nullopt;
  ResumeMarker marker;
  std::string_view next, mode, started;
  if (object["next"].get_string().get(next) || next.empty()) return std::nullopt;
  if (object["mode"].get_string().get(mode) || (mode != "full" && mode != "incremental")) return std::nullopt;
  if (object["started"].get_string().get(started)) return std::nullopt;
  const auto started_at = ParseRfc3339(started);
  if (!started_at) return std::nullopt;
  marker.next = std::string(next);
  marker.full = mode == "full";
  marker.started = *started_at;
  // Optional times: present but unreadable makes the whole marker unreadable.
  for (auto [key, slot] : {std::pair{"updated_after", &marker.updated_after}, std::pair{"newest", &marker.newest}}) {
    std::string_view text;
    const auto error = object[key].get_string().get(text);
    if (error == simdjson::NO_SUCH_FIELD) continue;
    if (error) return std::nullopt;
    *slot = ParseRfc3339(text);
    if (!*slot) return std::nullopt;
  }
  if (!marker.full && !marker.updated_after) return std::nullopt;
  return marker;
}

namespace {

std::string FieldString(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  std::string out;
  if (it != fields.end()) DecodeJsonString(it->second, out);
  return out;
}

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
      triggers_(connection_.trigger_stages),
      vocabulary_(std::string(source_->name()), connection_.stage_map),
      triggers_only_(connection_.publish == "triggers_only"),
      policy_(connection_.fields),
      started_at_(std::chrono::system_clock::now()) {
  if (!connection_.all_jobs) job_filter_.insert(connection_.jobs.begin(), connection_.jobs.end());
  for (const auto& s : connection_.job_states) states_filter_.insert(JsonString(s));
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
  return "selection/" + connection + "/imported";
}

void SyncWorker::CountError(const Error& error) {
  deps_.metrics.Errors(connection_.id, std::string(ToString(error.category))).Increment();
}

bool SyncWorker::JobSelected(const Record& job) const {
  // Imported through the admin API: selected whatever its state, department or location.
  if (api_jobs_.count(job.id) > 0) return true;
  if (!job_filter_.empty() && job_filter_.count(job.id) == 0) return false;
  if (!connection_.job_departments.empty()) {
    const std::string department = Lower(FieldString(job.fields, "department"));
    if (std::none_of(connection_.job_departments.begin(), connection_.job_departments.end(),
                     [&](const std::string& d) { return Lower(d) == department; }))
      return false;
  }
  if (!connection_.job_locations.empty()) {
    // The location is an object (Workable: location_str, city, country...): a configured
    // location selects the job when any of its text mentions it.
    auto it = job.fields.find("location");
    const std::string location = it == job.fields.end() ? "" : Lower(it->second);
    if (std::none_of(connection_.job_locations.begin(), connection_.job_locations.end(),
                     [&](const std::string& l) { return location.find(Lower(l)) != std::string::npos; }))
      return false;
  }
  if (states_filter_.empty()) return true;
  // job_states applies to sources whose jobs have a state (Workable). A Workday job posting is
  // listed only while it is posted, and carries no state to filter on.
  auto it = job.fields.find("state");
  return it == job.fields.end() || states_filter_.count(it->second) > 0;
}

std::map<std::string, std::string> SyncWorker::Before(const snapshot::Change& change) {
  std::map<std::string, std::string> before = change.fields;
  for (const auto& [name, value] : change.previous) before[name] = value;
  for (const auto& name : change.changed_fields)
    if (change.previous.count(name) == 0) before.erase(name);
  return before;
}

events::CandidateExtras SyncWorker::Extras(const snapshot::Change& change) const {
  // The fields before an update, rebuilt once for both the trigger check and previous_stage.
  std::optional<std::map<std::string, std::string>> before;
  if (change.type == snapshot::ChangeType::kUpdated) before = Before(change);
  // Follow-up is asked for when the candidate enters a trigger stage (common/stages.hpp).
  const bool follow_up = change.entity == Entity::kCandidate && change.type != snapshot::ChangeType::kDeleted &&
                         EntersTrigger(vocabulary_, triggers_, before ? &*before : nullptr, change.fields);
  events::CandidateExtras extras(follow_up);
  auto to_info = [](const StageView& v) { return events::StageInfo{v.source, v.source_kind, v.canonical}; };
  extras.stage = to_info(vocabulary_.View(change.fields));
  if (before) {
    auto previous = to_info(vocabulary_.View(*before));
    if (previous.source != extras.stage->source || previous.source_kind != extras.stage->source_kind ||
        previous.canonical != extras.stage->canonical)
      extras.previous_stage = std::move(previous);
  }
  return extras;
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

Result<connectors::Page> SyncWorker::FetchPage(Entity entity, Result<http::Request> request,
                                               CycleReport& report) {
  if (!request) {
    CountError(request.error());
    return request.error();
  }
  request->timeout = seconds(connection_.request_timeout_s);
  request->max_body_bytes = static_cast<size_t>(connection_.max_page_mib) << 20;
  for (int attempt = 1;; ++attempt) {
    auto response = Execute(*request, report);
    if (!response) {
      if (response.error().category != ErrorCategory::kPageLimit) return response.error();
      deps_.metrics.PageLimitExceeded(connection_.id, "page_bytes").Increment();
      return Error::Permanent(ErrorCategory::kPageLimit,
                              response.error().message + ", more than max_page_mib (" +
                                  std::to_string(connection_.max_page_mib) +
                                  " MiB) allows: raise max_page_mib if the tenant really serves pages "
                                  "this large");
    }
    auto page = source_->ParsePage(entity, *response);
    if (page) return page;
    CountError(page.error());
    if (page.error().category == ErrorCategory::kPageLimit)
      deps_.metrics.PageLimitExceeded(connection_.id, "page_records").Increment();
    if (!page.error().retryable() || attempt >= kMaxAttempts) return page.error();
    log::Warn("Source page could not be parsed; fetching it again.",
              {{"connection", connection_.id}, {"error", page.error().message}});
    if (!Sleep(request_backoff_.Next()))
      return Error::Retryable(ErrorCategory::kInternal, "shutdown requested");
  }
}

// Where the states a batch is about to publish are written ahead ("~" never starts a
// connection id, so these never mix with the snapshot's records).
snapshot::Key SyncWorker::PendingKey(const snapshot::Key& key) {
  return {"~pending/" + key.connection, key.entity, key.id};
}

// A deleted record's tombstone: its last change sequence, nothing else (see TombstoneKey).
snapshot::Key SyncWorker::TombstoneKey(const snapshot::Key& key) {
  return {"~gone/" + key.connection, key.entity, key.id};
}

Result<uint64_t> SyncWorker::DeletedSequence(Entity entity, const std::string& id) {
  auto got = deps_.store.Get(TombstoneKey({connection_.id, entity, id}));
  if (!got) {
    CountError(got.error());
    return got.error();
  }
  return got->has_value() ? (*got)->sequence : 0;
}

const std::string& SyncWorker::StateTopic(Entity entity) const {
  return entity == Entity::kJob ? deps_.topics.jobs_state : deps_.topics.candidates_state;
}

Result<void> SyncWorker::PublishAndCommit(std::vector<Message>& messages, snapshot::Batch& batch) {
  if (!messages.empty()) {
    // Intent first: if the process dies after Kafka acknowledged the batch but before the
    // commit, the next full listing still knows downstream heard of these candidates, and a
    // candidate deleted meanwhile gets its deleted event (found by the crash suite).
    snapshot::Batch intent;
    for (const auto& [key, record] : batch.puts())  // (not the tombstones: "~" namespaces)
      if (!key.connection.starts_with('~')) intent.Put(PendingKey(key), record);
    if (!intent.empty()) {
      if (auto written = deps_.store.Commit(intent); !written) {
        CountError(written.error());
        return written;
      }
      for (const auto& [key, record] : intent.puts()) batch.Delete(key);  // with the commit
    }
    if (auto published = deps_.publisher.PublishAndAwait(messages); !published) {
      CountError(published.error());
      return published;
    }
  }
  if (!batch.empty()) {
    if (auto committed = deps_.store.Commit(batch); !committed) {
      CountError(committed.error());
      return committed;
    }
  }
  messages.clear();
  batch = snapshot::Batch();
  return Ok();
}

std::optional<snapshot::StoredRecord> SyncWorker::StagedState(const std::string& id) const {
  if (auto it = open_.states.find(id); it != open_.states.end()) return it->second;
  if (in_flight_)
    if (auto it = in_flight_->states.find(id); it != in_flight_->states.end()) return it->second;
  return std::nullopt;
}

// An update's previous values come from the snapshot, which may hold a state stored before the
// policy withheld what it now withholds: they pass the policy too. A field whose previous value
// is withheld stays in changed_fields (a name) and is absent from previous.
void SyncWorker::FilterPrevious(snapshot::Change& change) const {
  if (change.type == snapshot::ChangeType::kUpdated) policy_.Apply(change.previous);
}

// A deleted event's last state, likewise (a state stored before the policy changed).
void SyncWorker::FilterLastState(snapshot::Change& change) const {
  std::vector<std::string> names = policy_.Apply(change.fields);
  names.insert(names.end(), change.withheld.begin(), change.withheld.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  change.withheld = std::move(names);
}

// A dead letter's raw record passes the policy as well (an oversized record's raw text is its
// filtered fields already; the policy leaves what it wrote unchanged).
RejectedRecord SyncWorker::FilterRejected(const RejectedRecord& rejected) const {
  RejectedRecord out{rejected.entity, "", rejected.reason, {}, rejected.raw};
  pipeline::FieldPolicy::Raw raw = policy_.ApplyRaw(rejected.raw);
  if (raw.raw) out.raw = std::move(*raw.raw);
  std::set<std::string> names(rejected.withheld.begin(), rejected.withheld.end());
  names.insert(raw.withheld.begin(), raw.withheld.end());
  out.withheld.assign(names.begin(), names.end());
  return out;
}

Result<void> SyncWorker::ProcessPage(Entity entity, const connectors::Page& page, SeenIds& seen,
                                     CycleReport& report, bool last_batch) {
  const events::Context ctx{connection_.id, std::string(source_->name()), std::chrono::system_clock::now()};
  Stage& stage = open_;  // (stays open_ when Advance replaces it)
  stage.entity = entity;
  stage.report = &report;
  // A stage that is full goes out before another event joins it, even in the middle of a page:
  // no stage passes kStageMessages / kStageBytes, whatever a page holds.
  const auto make_room = [&]() -> Result<void> {
    if (open_.messages.size() < kStageMessages && open_.bytes < kStageBytes) return Ok();
    if (auto advanced = Advance(/*force=*/false); !advanced) return advanced;
    stage.entity = entity;
    stage.report = &report;
    return Ok();
  };
  std::vector<RejectedRecord> oversized;  // records too large for an event (dead-lettered)

  for (const auto& record : page.records) {
    if (auto room = make_room(); !room) return room;
    seen.Add(record.id);
    if (!record.updated_at.empty())
      if (auto t = ParseRfc3339(record.updated_at); t && *t > stage.newest) stage.newest = *t;
    // (listing_newest_ is advanced only once the stage is committed)
    // A job in the snapshot entered the selection earlier and stays in it (whatever its state
    // now) until the user removes it: then ReconcileJobs says it left. The rules decide only
    // which jobs enter.
    std::optional<snapshot::StoredRecord> stored_job;
    if (entity == Entity::kJob) {
      stored_job = StagedState(record.id);
      if (!stored_job) {
        auto got = deps_.store.Get({connection_.id, entity, record.id});
        if (!got) {
          CountError(got.error());
          return got.error();
        }
        stored_job = std::move(*got);
      }
      if (UserRemoved(record.id) || (!stored_job && !JobSelected(record))) continue;
      selected_jobs_.insert(record.id);
    } else if (selected_jobs_.count(record.parent_id) == 0) {
      auto admitted = AdmitRowJob(record, report);  // a Workday requisition without a posting
      if (!admitted) return admitted.error();
      if (!*admitted) continue;  // its job is not selected
    }
    // The connection's field policy, in this one place: nothing withheld reaches an event, a
    // dead letter, a log line or the snapshot on disk (pipeline/field_policy.hpp).
    Record filtered = record;
    filtered.withheld = policy_.Apply(filtered.fields);
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
        entity == Entity::kJob ? std::move(stored_job) : StagedState(record.id);
    if (!stored && entity != Entity::kJob) {
      auto got = deps_.store.Get({connection_.id, entity, record.id});
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
      if (stored && entity == Entity::kCandidate && backfill_owed_.count(record.parent_id) > 0) {
        // Its job re-entered the selection: the state record its leaving removed (a tombstone)
        // comes back, unchanged (ReconcileJobs, TombstoneCandidatesOf).
        auto same = snapshot::Deleted(entity, record.id, *stored);
        same.type = snapshot::ChangeType::kUpdated;
        FilterLastState(same);
        stage.Add(events::StateRecord(ctx, same, StateTopic(entity)));
      }
      // Same content, other fields withheld (e.g. the source added one): no event, but the state
      // remembers the names, so a later deleted event says what was withheld from it.
      if (stored && stored->withheld != filtered.withheld) {
        stored->withheld = filtered.withheld;
        stage.states.insert_or_assign(record.id, std::move(*stored));
      }
      continue;
    }
    FilterPrevious(*change);
    if (deleted_sequence > 0) stage.revived.insert(record.id);
    // The current-state topic hears of every change, whatever event (if any) it makes.
    stage.Add(events::StateRecord(ctx, *change, StateTopic(entity)));
    if (entity == Entity::kJob) {
      if (change->type == snapshot::ChangeType::kCreated) {
        stage.Add(events::JobImported(ctx, *change, deps_.topics.job_imported));
        ++stage.counts.jobs_imported;
        // Its candidates are new to downstream: a backfill is owed until acknowledged.
        backfill_owed_.emplace(record.id, cycle_started_);
        stage.metas[BackfillOwedKey(connection_.id)] = EncodeOwedBackfills(backfill_owed_);
        if (deps_.log_events)
          stage.trail.push_back("job-imported " + record.id + " \"" + FieldString(record.fields, "title") + "\"");
      } else if (change->type == snapshot::ChangeType::kUpdated) {
        const auto kind = ClassifyJobUpdate(*change);
        stage.Add(JobChangedEvent(ctx, *change, kind));
        ++stage.counts.jobs_changed;
        if (deps_.log_events)
          stage.trail.push_back("job-changed " + std::string(events::ToString(kind)) + " " + record.id);
      }
    } else {
      const auto extras = Extras(*change);
      const bool follow_up = extras.follow_up;
      // publish: triggers_only keeps the snapshot current but tells downstream only about
      // candidates that now need follow-up.
      if (follow_up || !triggers_only_) {
        stage.Add(events::CandidateChanged(ctx, *change, extras, deps_.topics.candidate_changed));
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
  for (const std::vector<RejectedRecord>* list : {&page.rejected, &std::as_const(oversized)}) {
    for (const auto& rejected : *list) {
      if (auto room = make_room(); !room) return room;
      stage.Add(events::DeadLetter(ctx, FilterRejected(rejected), deps_.topics.dead_letter));
      ++stage.counts.dead_lettered;
      log::Warn("Source record rejected; sent to the dead-letter topic.",
                {{"connection", connection_.id},
                 {"entity", ToString(rejected.entity)},
                 {"reason", rejected.reason}});
    }
  }
  stage.counts.records += static_cast<long long>(page.records.size() + page.rejected.size());
  // Where to continue if the process stops before the listing completes: committed with the
  // stage's records, so the marker never points past (or far before) what the snapshot holds.
  // (Only after a page's last batch: a stage holding part of a page resumes at that page.)
  if (listing_ && page.next && last_batch) {
    if (!listing_resumed_) {
      SystemTime committed = std::max(listing_newest_, stage.newest);
      if (in_flight_) committed = std::max(committed, in_flight_->newest);
      if (committed != SystemTime{}) listing_->newest = committed;
    }
    listing_->next = *page.next;
    stage.resume_marker = EncodeResumeMarker(*listing_);
  }
  return Advance(/*force=*/false);
}

// The pipeline: while Kafka acknowledges one stage (in_flight_), the next pages gather in
// open_. Once the stage in flight is acknowledged (or open_ is full), one durable snapshot
// write commits it and writes ahead the states open_ is about to publish, and open_ goes out.
// A page therefore costs no Kafka round trip and no fsync of its own; stages grow with the
// round trip. Nothing is committed before Kafka acknowledged it.
Result<void> SyncWorker::Advance(bool force) {
  const auto fail = [this](const Error& error) -> Result<void> {
    CountError(error);
    ResetPipeline();
    return error;
  };
  if (in_flight_) {
    const bool full = open_.messages.size() >= kStageMessages || open_.bytes >= kStageBytes;
    if (!force && !full && !deps_.publisher.Settled(in_flight_->ticket)) return Ok();  // keep gathering
    if (auto acked = deps_.publisher.Await(in_flight_->ticket); !acked) return fail(acked.error());
  }
  const bool publish = !open_.messages.empty();
  snapshot::Batch batch;
  if (in_flight_) {
    for (auto& [id, state] : in_flight_->states) {
      snapshot::Key key{connection_.id, in_flight_->entity, id};
      // Its write-ahead copy goes with the commit, unless the next stage writes a newer one
      // (a key both put and deleted in one batch ends deleted).
      if (!(publish && open_.states.count(id) > 0)) batch.Delete(PendingKey(key));
      batch.Put(std::move(key), std::move(state));
    }
    if (in_flight_->resume_marker) batch.PutMeta(MetaKey(in_flight_->entity, "resume"), *in_flight_->resume_marker);
    for (const auto& [key, value] : in_flight_->metas)
      if (!(publish && open_.metas.count(key) > 0)) batch.PutMeta(key, value);  // unless a newer one follows
    for (const auto& id : in_flight_->revived) batch.Delete(TombstoneKey({connection_.id, in_flight_->entity, id}));
  }
  if (!publish)
    for (const auto& id : open_.revived) batch.Delete(TombstoneKey({connection_.id, open_.entity, id}));
  if (!publish && open_.resume_marker) batch.PutMeta(MetaKey(open_.entity, "resume"), *open_.resume_marker);
  if (!publish)
    for (const auto& [key, value] : open_.metas) batch.PutMeta(key, value);
  for (auto& [id, state] : open_.states) {
    snapshot::Key key{connection_.id, open_.entity, id};
    if (!publish) {
      batch.Put(std::move(key), std::move(state));  // nothing to publish: committed at once
    } else {
      // Intent first: if the process dies after Kafka acknowledged the stage but before its
      // commit, the next full listing still knows downstream heard of these records, and a
      // record deleted meanwhile gets its deleted event (found by the crash suite) and its
      // state-topic tombstone (jobs too: their state records go out like candidates').
      batch.Put(PendingKey(key), state);
    }
  }
  if (!batch.empty())
    if (auto committed = deps_.store.Commit(batch); !committed) return fail(committed.error());
  if (in_flight_) {
    Committed(*in_flight_);
    in_flight_.reset();
  }
  if (!publish) {
    Committed(open_);
    open_ = Stage();
    return Ok();
  }
  if (open_.report != nullptr)
    open_.report->largest_stage =
        std::max(open_.report->largest_stage, static_cast<long long>(open_.messages.size()));
  auto ticket = deps_.publisher.Publish(open_.messages);
  if (!ticket) return fail(ticket.error());
  open_.ticket = std::move(*ticket);
  open_.messages = {};  // librdkafka holds its copies
  in_flight_ = std::move(open_);
  open_ = Stage();
  return Ok();
}

Result<void> SyncWorker::Flush() {
  if (auto first = Advance(/*force=*/true); !first) return first;
  return Advance(/*force=*/true);  // the stage the first call published
}

void SyncWorker::ResetPipeline() {
  open_ = Stage();
  in_flight_.reset();
}

// A stage is in the snapshot: its counts join the cycle's and the metrics.
void SyncWorker::Committed(Stage& stage) {
  if (stage.report == nullptr) return;  // nothing was ever staged
  for (const auto& line : stage.trail)
    log::Info("Event published.", {{"connection", connection_.id}, {"event", line}});
  const std::string entity_name(ToString(stage.entity));
  const CycleReport& counts = stage.counts;
  CycleReport& report = *stage.report;
  report.records += counts.records;
  deps_.metrics.RecordsFetched(connection_.id, entity_name).Increment(static_cast<double>(counts.records));
  if (counts.dead_lettered > 0) {
    deps_.metrics.DeadLettered(connection_.id, entity_name)
        .Increment(static_cast<double>(counts.dead_lettered));
    deps_.metrics.Errors(connection_.id, "bad_record").Increment(static_cast<double>(counts.dead_lettered));
    deps_.metrics.EventsPublished(connection_.id, "dead-letter")
        .Increment(static_cast<double>(counts.dead_lettered));
  }
  if (counts.jobs_imported > 0)
    deps_.metrics.EventsPublished(connection_.id, "job-imported")
        .Increment(static_cast<double>(counts.jobs_imported));
  if (counts.jobs_changed > 0)
    deps_.metrics.EventsPublished(connection_.id, "job-changed").Increment(static_cast<double>(counts.jobs_changed));
  if (const auto n = counts.created + counts.updated; n > 0)
    deps_.metrics.EventsPublished(connection_.id, "candidate-changed").Increment(static_cast<double>(n));
  report.created += counts.created;
  report.updated += counts.updated;
  report.jobs_imported += counts.jobs_imported;
  report.jobs_changed += counts.jobs_changed;
  report.dead_lettered += counts.dead_lettered;
  if (stage.newest > listing_newest_) listing_newest_ = stage.newest;
  if (stage.newest != SystemTime{}) {
    std::lock_guard lock(gauges_mu_);
    auto& slot = newest_updated_at_[stage.entity];
    if (stage.newest > slot) slot = stage.newest;
  }
}

Result<void> SyncWorker::ReconcileDeletions(Entity entity, const SeenIds& seen, CycleReport& report) {
  // Published but not committed (the process died in between; see PublishAndCommit): what
  // downstream last heard of a record, when the snapshot does not say it.
  std::map<std::string, snapshot::StoredRecord> pending;
  const std::string pending_namespace = PendingKey({connection_.id, entity, ""}).connection;
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
  auto visited = deps_.store.ForEach(connection_.id, entity,
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
  const events::Context ctx{connection_.id, std::string(source_->name()), std::chrono::system_clock::now()};
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
    messages.push_back(events::StateTombstone(ctx, id, StateTopic(entity)));
    if (entity == Entity::kCandidate && selected_jobs_.count(stored.parent_id) > 0 && !triggers_only_) {
      FilterLastState(change);
      messages.push_back(
          events::CandidateChanged(ctx, change, Extras(change), deps_.topics.candidate_changed));
      ++deleted;
      if (deps_.log_events)
        log::Info("Event published.",
                  {{"connection", connection_.id}, {"event", "candidate-changed deleted " + id}});
    }
    snapshot::StoredRecord tombstone;
    tombstone.sequence = change.sequence;
    batch.Put(TombstoneKey({connection_.id, entity, id}), std::move(tombstone));
    batch.Delete({connection_.id, entity, id});
    batch.Delete(PendingKey({connection_.id, entity, id}));
    if (batch.deletes().size() >= 2 * kDeleteBatch || i + 1 == gone.size()) {
      if (auto done = PublishAndCommit(messages, batch); !done) return done;
      report.deleted += deleted;
      if (deleted > 0)
        deps_.metrics.EventsPublished(connection_.id, "candidate-changed")
            .Increment(static_cast<double>(deleted));
      deleted = 0;
    }
  }
  return Ok();
}

// A listing made of whole documents (Workday reports): each is parsed while it downloads and
// processed in batches, so memory stays bounded by the batch, not by the document.
Result<void> SyncWorker::SyncStreamedEntity(Entity entity, CycleReport& report) {
  SeenIds seen;
  listing_newest_ = SystemTime{};
  // Incremental when the documents can be asked for a time window (Workday report prompts).
  // A job that entered the selection needs its candidates in full (a backfill): the report is
  // then read without its window.
  const bool incremental = UseIncremental(entity) && backfill_owed_.empty();
  const auto old_cursor = MetaTime(entity, "cursor");
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
  if (auto flushed = Flush(); !flushed) return flushed;
  if (entity == Entity::kCandidate && !incremental)
    for (const auto& [job, imported_at] : backfill_owed_) backfill_done_.insert(job);
  if (incremental) {
    ++report.incremental_listings;
    return CommitCursor(entity, /*full_listing=*/false, old_cursor);
  }
  if (auto reconciled = ReconcileDeletions(entity, seen, report); !reconciled) return reconciled;
  if (!source_->SupportsQuery(entity)) return Ok();
  return CommitCursor(entity, /*full_listing=*/true, old_cursor);
}

// Every page of one listing, from `first` on, following the source's cursors.
Result<void> SyncWorker::ListPages(Entity entity, Result<http::Request> first, SeenIds& seen,
                                   CycleReport& report) {
  ListingGuard guard(static_cast<size_t>(connection_.max_listing_pages),
                     static_cast<size_t>(connection_.max_next_url_bytes));
  auto page = FetchPage(entity, std::move(first), report);
  while (true) {
    if (!page) return page.error();
    // The next page downloads and parses on another thread while this one is diffed and
    // published. Only that thread touches the HTTP client, the rate limiter and the source
    // until it is joined below; ProcessPage (and the page's batches) touch neither.
    const std::optional<ListingStop> stop = page->next ? guard.Next(*page->next) : std::nullopt;
    std::future<Result<connectors::Page>> next;
    if (page->next && !stop && !deps_.stop.stopped()) {
      next = std::async(std::launch::async, [this, entity, &report,
                                             request = source_->BuildRequest(entity, page->next)]() mutable {
        return FetchPage(entity, std::move(request), report);
      });
    }
    auto processed = ProcessBatches(entity, *page, seen, report);
    if (!processed) {
      if (next.valid()) next.wait();  // its result goes unused: the listing stops here
      return processed;
    }
    if (!page->next) return Ok();
    if (stop) {
      if (!stop->limit.empty()) deps_.metrics.PageLimitExceeded(connection_.id, stop->limit).Increment();
      CountError(stop->error);
      return stop->error;
    }
    if (!next.valid())
      return Error::Retryable(ErrorCategory::kInternal, "shutdown requested; the cycle resumes on restart");
    page = next.get();
  }
}

// A page's records, batch after batch (connectors::Page::next_batch).
Result<void> SyncWorker::ProcessBatches(Entity entity, connectors::Page& page, SeenIds& seen,
                                        CycleReport& report) {
  while (true) {
    const bool last = !page.more_records || !page.next_batch;
    if (auto processed = ProcessPage(entity, page, seen, report, last); !processed) return processed;
    if (last) return Ok();
    page.next_batch(page);
  }
}

std::string SyncWorker::MetaKey(Entity entity, std::string_view what) const {
  return "sync/" + connection_.id + "/" + std::string(ToString(entity)) + "/" + std::string(what);
}

std::optional<SystemTime> SyncWorker::MetaTime(Entity entity, std::string_view what) {
  auto value = deps_.store.GetMeta(MetaKey(entity, what));
  if (!value || !value->has_value()) return std::nullopt;
  return ParseRfc3339(**value);
}

// Incremental when the source can filter by time, a cursor exists and the last full listing
// (the only one that can see deletions) is recent enough.
bool SyncWorker::UseIncremental(Entity entity) {
  if (force_full_.count(entity) > 0) return false;  // a resync
  if (!connection_.incremental || !source_->SupportsQuery(entity)) return false;
  const auto cursor = MetaTime(entity, "cursor");
  const auto last_full = MetaTime(entity, "last_full_listing");
  if (!cursor || !last_full) return false;
  return std::chrono::system_clock::now() - *last_full < seconds(connection_.full_reconcile_interval_s);
}

// Paged listings of candidates continue after an interruption (a restart, a deploy, a failed
// page) from the last committed page instead of page 1: a full listing of a large account
// takes hours at Workable's rate limit. Not jobs: that listing is short, and each cycle's must
// be complete because it decides whose candidates are selected (selected_jobs_). Not streamed
// documents, which have no pages.
bool SyncWorker::Resumable(Entity entity) const {
  return entity != Entity::kJob && !source_->Streamed(entity);
}

// After a complete listing: the cursor moves to the newest updated_at seen (never backwards),
// in the same durable store as the snapshot it describes, and the resume marker goes with it.
//
// After a resumed listing (`resumed`), the part listed before the interruption was not listed
// again, so a record from that part updated during the gap shows up only in a listing of
// changes. The cursor therefore stops at the earlier of the original listing's start (our clock)
// and the newest updated_at it had committed before the interruption (the source's clock, so
// clock skew cannot move the bound past the gap): the next incremental listing
// (updated_after = cursor - overlap) lists those records again.
//
// A resumed full listing saw only part of the records, so it finds no deletions (the caller
// skips ReconcileDeletions). Rather than a second full listing straight away (hours for a large
// account), last_full_listing is set to the ORIGINAL listing's start and `deletions_owed`
// records since when deletions are unchecked: the next full reconcile comes one
// full_reconcile_interval_s after the interrupted listing began, and finds every record deleted
// meanwhile (a full listing compares the whole snapshot). So a deletion near an interrupted
// reconcile surfaces up to one interval later than usual; creates and updates are not delayed.
// Deferred once only: if that next reconcile is resumed as well, deletions_owed is still set,
// last_full_listing is left behind and the cycle after it is a full listing again; a complete
// full listing (with ReconcileDeletions) clears deletions_owed.
Result<void> SyncWorker::CommitCursor(Entity entity, bool full_listing,
                                      const std::optional<SystemTime>& old_cursor,
                                      const ResumeMarker* resumed) {
  snapshot::Batch batch;
  if (source_->SupportsQuery(entity)) {
    SystemTime newest = listing_newest_;
    if (resumed) {
      SystemTime bound = resumed->started;
      if (resumed->newest && *resumed->newest < bound) bound = *resumed->newest;
      newest = std::min(newest, bound);
    }
    SystemTime cursor = newest;
    if (old_cursor && *old_cursor > cursor) cursor = *old_cursor;
    if (cursor != SystemTime{}) batch.PutMeta(MetaKey(entity, "cursor"), FormatRfc3339Millis(cursor));
    if (full_listing && !resumed) {
      batch.PutMeta(MetaKey(entity, "last_full_listing"), FormatRfc3339Millis(cycle_started_));
      batch.DeleteMeta(MetaKey(entity, "deletions_owed"));
    } else if (full_listing) {
      // The check is deferred once: when one is already owed (the previous reconcile was
      // resumed too), last_full_listing stays where it is, so the next cycle lists in full.
      const auto owed = MetaTime(entity, "deletions_owed");
      if (!owed) batch.PutMeta(MetaKey(entity, "last_full_listing"), FormatRfc3339Millis(resumed->started));
      const SystemTime since = owed && *owed < resumed->started ? *owed : resumed->started;
      batch.PutMeta(MetaKey(entity, "deletions_owed"), FormatRfc3339Millis(since));
      log::Info("Resumed full listing complete; deletions are checked by the next full reconcile.",
                {{"connection", connection_.id},
                 {"entity", ToString(entity)},
                 {"deletions_unchecked_since", FormatRfc3339(since)},
                 {"next_full_reconcile",
                  owed ? std::string("next cycle")
                       : FormatRfc3339(resumed->started + seconds(connection_.full_reconcile_interval_s))}});
    }
  }
  if (Resumable(entity)) batch.DeleteMeta(MetaKey(entity, "resume"));
  if (batch.empty()) return Ok();
  if (auto committed = deps_.store.Commit(batch); !committed) {
    CountError(committed.error());
    return committed;
  }
  return Ok();
}

Result<std::optional<std::pair<ResumeMarker, http::Request>>> SyncWorker::LoadResumeMarker(Entity entity) {
  using Found = std::optional<std::pair<ResumeMarker, http::Request>>;
  auto stored = deps_.store.GetMeta(MetaKey(entity, "resume"));
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
  auto marker = DecodeResumeMarker(**stored);
  if (!marker) return discard("the stored resume point is unreadable");
  const auto age = std::chrono::system_clock::now() - marker->started;
  if (age < seconds::zero()) return discard("the interrupted listing's start time lies in the future");
  if (age >= seconds(connection_.full_reconcile_interval_s))
    return discard("the interrupted listing started " +
                   std::to_string(std::chrono::duration_cast<seconds>(age).count()) +
                   " s ago, more than full_reconcile_interval_s");
  if (!marker->full && (!connection_.incremental || !source_->SupportsQuery(entity)))
    return discard("it was an incremental listing and incremental sync is now off");
  // The same checks as any paging.next: a URL that would send the token elsewhere (a changed
  // base_url or subdomain, a damaged snapshot) is refused.
  auto request = source_->BuildRequest(entity, marker->next);
  if (!request) return discard(request.error().message);
  return Found(std::pair{std::move(*marker), std::move(*request)});
}

Result<void> SyncWorker::SyncEntity(Entity entity, CycleReport& report) {
  if (source_->Streamed(entity)) return SyncStreamedEntity(entity, report);
  listing_newest_ = SystemTime{};
  SeenIds seen;
  const auto old_cursor = MetaTime(entity, "cursor");
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
  // Jobs whose backfill an earlier cycle did not finish are owed one too (backfill_owed_),
  // except after a resumed full listing that began after they were imported: it covers them.
  if (entity == Entity::kCandidate && (!listing.full || resume)) {
    const OwedBackfills owed = backfill_owed_;  // (a copy: listings may admit jobs)
    for (const auto& [job, imported_at] : owed) {
      if (listing.full && imported_at <= listing.started) continue;
      connectors::ListQuery by_job;
      by_job.parent_id = job;
      if (auto backfilled = ListPages(entity, source_->BuildQueryRequest(entity, by_job), seen, report);
          !backfilled)
        return backfilled;
    }
  }
  if (auto flushed = Flush(); !flushed) return flushed;
  if (entity == Entity::kCandidate)
    for (const auto& [job, imported_at] : backfill_owed_) backfill_done_.insert(job);
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
    if (auto reconciled = ReconcileDeletions(entity, seen, report); !reconciled) return reconciled;
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
  selected_jobs_.clear();
  cycle_started_ = std::chrono::system_clock::now();
  // Jobs imported or removed through the admin API and backfills owed (stored with the
  // snapshot, so they survive a restart).
  if (auto loaded = LoadSelection(); !loaded) return loaded.error();
  for (Entity entity : source_->entities()) {
    ResetPipeline();
    if (auto synced = SyncEntity(entity, report); !synced) {
      // What was staged before a source failure is still good: publish and commit it, so the
      // next cycle does not publish it again. When stopping, only the stage already in flight
      // is settled (the page in hand); nothing new goes out. Not after a Kafka or snapshot failure.
      const auto category = synced.error().category;
      if (category != ErrorCategory::kKafka && category != ErrorCategory::kSnapshot) {
        if (deps_.stop.stopped()) open_ = Stage();
        (void)Flush();
      }
      ResetPipeline();
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
