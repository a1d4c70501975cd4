#include "pipeline/listing_state.hpp"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/json_writer.hpp"

namespace ats::pipeline {

using std::chrono::seconds;

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
  for (auto [key, slot] :
       {std::pair{"updated_after", &marker.updated_after}, std::pair{"newest", &marker.newest}}) {
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

ListingState::ListingState(snapshot::SnapshotStore& store, const config::ConnectionConfig& connection)
    : store_(store), connection_(connection) {}

std::string ListingState::MetaKey(Entity entity, std::string_view what) const {
  return "sync/" + connection_.id + "/" + std::string(ToString(entity)) + "/" + std::string(what);
}

std::optional<SystemTime> ListingState::MetaTime(Entity entity, std::string_view what) const {
  auto value = store_.GetMeta(MetaKey(entity, what));
  if (!value || !value->has_value()) return std::nullopt;
  return ParseRfc3339(**value);
}

bool ListingState::UseIncremental(Entity entity, bool can_query, SystemTime now) const {
  if (!connection_.incremental || !can_query) return false;
  const auto cursor = MetaTime(entity, "cursor");
  const auto last_full = MetaTime(entity, "last_full_listing");
  if (!cursor || !last_full) return false;
  return now - *last_full < seconds(connection_.full_reconcile_interval_s);
}

std::variant<ResumeMarker, std::string> ListingState::CheckResume(std::string_view stored,
                                                                  bool incremental_allowed,
                                                                  SystemTime now) const {
  auto marker = DecodeResumeMarker(stored);
  if (!marker) return std::string("the stored resume point is unreadable");
  const auto age = now - marker->started;
  if (age < seconds::zero()) return std::string("the interrupted listing's start time lies in the future");
  if (age >= seconds(connection_.full_reconcile_interval_s))
    return "the interrupted listing started " +
           std::to_string(std::chrono::duration_cast<seconds>(age).count()) +
           " s ago, more than full_reconcile_interval_s";
  if (!marker->full && !incremental_allowed)
    return std::string("it was an incremental listing and incremental sync is now off");
  return std::move(*marker);
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
ListingState::CursorCommit ListingState::BuildCursorCommit(Entity entity, const CursorInputs& in) const {
  CursorCommit out;
  snapshot::Batch& batch = out.batch;
  const ResumeMarker* resumed = in.resumed;
  if (in.can_query) {
    SystemTime newest = in.listing_newest;
    if (resumed) {
      SystemTime bound = resumed->started;
      if (resumed->newest && *resumed->newest < bound) bound = *resumed->newest;
      newest = std::min(newest, bound);
    }
    SystemTime cursor = newest;
    if (in.old_cursor && *in.old_cursor > cursor) cursor = *in.old_cursor;
    if (cursor != SystemTime{}) batch.PutMeta(MetaKey(entity, "cursor"), FormatRfc3339Millis(cursor));
    if (in.full_listing && !resumed) {
      batch.PutMeta(MetaKey(entity, "last_full_listing"), FormatRfc3339Millis(in.cycle_started));
      batch.DeleteMeta(MetaKey(entity, "deletions_owed"));
    } else if (in.full_listing) {
      // The check is deferred once: when one is already owed (the previous reconcile was
      // resumed too), last_full_listing stays where it is, so the next cycle lists in full.
      const auto owed = MetaTime(entity, "deletions_owed");
      if (!owed) batch.PutMeta(MetaKey(entity, "last_full_listing"), FormatRfc3339Millis(resumed->started));
      const SystemTime since = owed && *owed < resumed->started ? *owed : resumed->started;
      batch.PutMeta(MetaKey(entity, "deletions_owed"), FormatRfc3339Millis(since));
      out.deletions_unchecked_since = since;
      out.already_owed = owed.has_value();
    }
  }
  if (in.resumable) batch.DeleteMeta(MetaKey(entity, "resume"));
  return out;
}

}  // namespace ats::pipeline
