#include "pipeline/stager.hpp"

#include <algorithm>
#include <utility>

#include "common/log.hpp"

namespace ats::pipeline {

Stager::Stager(Deps deps) : deps_(std::move(deps)) {}

void Stager::CountError(const Error& error) {
  deps_.metrics.Errors(deps_.connection, std::string(ToString(error.category))).Increment();
}

snapshot::Key Stager::PendingKey(const snapshot::Key& key) {
  return {"~pending/" + key.connection, key.entity, key.id};
}

// A deleted record's tombstone: its last change sequence, nothing else (see TombstoneKey).
snapshot::Key Stager::TombstoneKey(const snapshot::Key& key) {
  return {"~gone/" + key.connection, key.entity, key.id};
}

Result<void> Stager::PublishAndCommit(std::vector<Message>& messages, snapshot::Batch& batch) {
  const bool publish = !messages.empty();
  if (publish && deps_.write_ahead) {
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
  } else if (publish && in_flight_) {
    // Without write-ahead the outbox holds events until the next commit, which carries them
    // with its states (one transaction). It still holds the stage in flight's: that stage
    // commits first, with its own states, so no commit carries events without theirs.
    snapshot::Batch settled;
    InFlightInto(settled, /*publish=*/false);
    if (auto committed = deps_.store.Commit(settled); !committed) {
      CountError(committed.error());
      Reset();
      return committed;
    }
    Committed(*in_flight_);
    in_flight_.reset();
  }
  if (publish) {
    if (auto published = deps_.outbox.PublishAndAwait(messages); !published) {
      CountError(published.error());
      return published;
    }
  }
  // (Without write-ahead a commit follows every publication, even with no state: it carries the events.)
  if (!batch.empty() || (publish && !deps_.write_ahead)) {
    if (auto committed = deps_.store.Commit(batch); !committed) {
      CountError(committed.error());
      return committed;
    }
  }
  messages.clear();
  batch = snapshot::Batch();
  return Ok();
}

std::optional<snapshot::StoredRecord> Stager::StagedState(const std::string& id) const {
  if (auto it = open_.states.find(id); it != open_.states.end()) return it->second;
  if (in_flight_)
    if (auto it = in_flight_->states.find(id); it != in_flight_->states.end()) return it->second;
  return std::nullopt;
}

SystemTime Stager::NewestSoFar() const {
  SystemTime newest = std::max(listing_newest_, open_.newest);
  if (in_flight_) newest = std::max(newest, in_flight_->newest);
  return newest;
}

// The pipeline: while Kafka acknowledges one stage (in_flight_), the next pages gather in
// open_. Once the stage in flight is acknowledged (or open_ is full), one durable snapshot
// write commits it and writes ahead the states open_ is about to publish, and open_ goes out.
// A page therefore costs no Kafka round trip and no fsync of its own; stages grow with the
// round trip. Nothing is committed before Kafka acknowledged it.
Result<void> Stager::Advance(bool force) {
  const auto fail = [this](const Error& error) -> Result<void> {
    CountError(error);
    Reset();
    return error;
  };
  const std::string& connection = deps_.connection;
  if (in_flight_) {
    if (!force && !OpenFull() && !deps_.outbox.Settled(in_flight_->ticket)) return Ok();  // keep gathering
    if (auto acked = deps_.outbox.Await(in_flight_->ticket); !acked) return fail(acked.error());
  }
  const bool publish = !open_.messages.empty();
  snapshot::Batch batch;
  if (in_flight_) InFlightInto(batch, publish);
  if (!publish)
    for (const auto& id : open_.revived) batch.Delete(TombstoneKey({connection, open_.entity, id}));
  if (!publish && open_.resume_marker)
    batch.PutMeta(deps_.listing.MetaKey(open_.entity, "resume"), *open_.resume_marker);
  if (!publish)
    for (const auto& [key, value] : open_.metas) batch.PutMeta(key, value);
  for (auto& [id, state] : open_.states) {
    snapshot::Key key{connection, open_.entity, id};
    if (!publish) {
      batch.Put(std::move(key), std::move(state));  // nothing to publish: committed at once
    } else if (deps_.write_ahead) {
      // Intent first: if the process dies after Kafka acknowledged the stage but before its
      // commit, the next full listing still knows downstream heard of these records, and a
      // record deleted meanwhile gets its deleted event (found by the crash suite) and its
      // state-topic tombstone (jobs too: their state records go out like candidates').
      batch.Put(PendingKey(key), state);
    }
  }
  // Without write-ahead a stage in flight is committed even with no state (its events go with it).
  if (!batch.empty() || (!deps_.write_ahead && in_flight_))
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
  auto ticket = deps_.outbox.Publish(open_.messages);
  if (!ticket) return fail(ticket.error());
  open_.ticket = std::move(*ticket);
  open_.messages = {};  // librdkafka holds its copies
  in_flight_ = std::move(open_);
  open_ = Stage();
  return Ok();
}

// The commit of the stage in flight: its states (and write-ahead copies gone), resume marker,
// metadata and revived ids. `publish`: open() goes out in the same commit, so what it
// writes anew wins.
void Stager::InFlightInto(snapshot::Batch& batch, bool publish) {
  const std::string& connection = deps_.connection;
  for (auto& [id, state] : in_flight_->states) {
    snapshot::Key key{connection, in_flight_->entity, id};
    // Its write-ahead copy goes with the commit, unless the next stage writes a newer one
    // (a key both put and deleted in one batch ends deleted).
    if (deps_.write_ahead && !(publish && open_.states.count(id) > 0)) batch.Delete(PendingKey(key));
    batch.Put(std::move(key), std::move(state));
  }
  if (in_flight_->resume_marker)
    batch.PutMeta(deps_.listing.MetaKey(in_flight_->entity, "resume"), *in_flight_->resume_marker);
  for (const auto& [key, value] : in_flight_->metas)
    if (!(publish && open_.metas.count(key) > 0)) batch.PutMeta(key, value);  // unless a newer one follows
  for (const auto& id : in_flight_->revived) batch.Delete(TombstoneKey({connection, in_flight_->entity, id}));
}

Result<void> Stager::Flush() {
  if (auto first = Advance(/*force=*/true); !first) return first;
  return Advance(/*force=*/true);  // the stage the first call published
}

void Stager::Reset() {
  open_ = Stage();
  in_flight_.reset();
}

void Stager::DropOpen() {
  open_ = Stage();
}

// A stage is in the snapshot: its counts join the cycle's and the metrics.
void Stager::Committed(Stage& stage) {
  if (stage.report == nullptr) return;  // nothing was ever staged
  const std::string& connection = deps_.connection;
  for (const auto& line : stage.trail)
    log::Info("Event published.", {{"connection", connection}, {"event", line}});
  const std::string entity_name(ToString(stage.entity));
  const CycleReport& counts = stage.counts;
  CycleReport& report = *stage.report;
  report.records += counts.records;
  deps_.metrics.RecordsFetched(connection, entity_name).Increment(static_cast<double>(counts.records));
  if (counts.dead_lettered > 0) {
    deps_.metrics.DeadLettered(connection, entity_name).Increment(static_cast<double>(counts.dead_lettered));
    deps_.metrics.Errors(connection, "bad_record").Increment(static_cast<double>(counts.dead_lettered));
    deps_.metrics.EventsPublished(connection, "dead-letter")
        .Increment(static_cast<double>(counts.dead_lettered));
  }
  if (counts.jobs_imported > 0)
    deps_.metrics.EventsPublished(connection, "job-imported")
        .Increment(static_cast<double>(counts.jobs_imported));
  if (counts.jobs_changed > 0)
    deps_.metrics.EventsPublished(connection, "job-changed")
        .Increment(static_cast<double>(counts.jobs_changed));
  if (const auto n = counts.created + counts.updated; n > 0)
    deps_.metrics.EventsPublished(connection, "candidate-changed").Increment(static_cast<double>(n));
  report.created += counts.created;
  report.updated += counts.updated;
  report.jobs_imported += counts.jobs_imported;
  report.jobs_changed += counts.jobs_changed;
  report.dead_lettered += counts.dead_lettered;
  if (stage.newest > listing_newest_) listing_newest_ = stage.newest;
  if (stage.newest != SystemTime{} && deps_.on_newest) deps_.on_newest(stage.entity, stage.newest);
}

}  // namespace ats::pipeline
