#pragma once
// Listing state of one connection: where each entity's listings stand in the snapshot's
// metadata (cursor, last_full_listing, deletions_owed, resume), the resume marker of an
// interrupted listing, and the decisions made from them (incremental or full, whether a stored
// marker may be resumed, the batch a complete listing commits). Reads the snapshot, never
// writes it: the caller commits what it builds.
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/record.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "snapshot/snapshot_store.hpp"

namespace ats::pipeline {

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
  // the bound on the cursor after a resumed listing (ListingState::CursorCommit).
  std::optional<SystemTime> newest;
};
std::string EncodeResumeMarker(const ResumeMarker& marker);
// nullopt when `json` is not a marker EncodeResumeMarker wrote.
std::optional<ResumeMarker> DecodeResumeMarker(std::string_view json);

class ListingState {
 public:
  // `connection` is read at each call (its settings may change between cycles).
  ListingState(snapshot::SnapshotStore& store, const config::ConnectionConfig& connection);

  // sync/<connection>/<entity>/<what>: what = cursor | last_full_listing | deletions_owed | resume.
  std::string MetaKey(Entity entity, std::string_view what) const;
  // The stored time under MetaKey(entity, what); nullopt when absent, unreadable or on a read error.
  std::optional<SystemTime> MetaTime(Entity entity, std::string_view what) const;

  // Incremental when the source can filter `entity` by time (`can_query`), incremental sync is
  // on, a cursor exists and the last full listing (the only one that sees deletions) is more
  // recent than full_reconcile_interval_s.
  bool UseIncremental(Entity entity, bool can_query, SystemTime now) const;

  // Whether a stored resume marker may be continued: the marker, or why not (it is then left in
  // place: the new listing's first page overwrites it). `incremental_allowed`: incremental sync is
  // on and the source can filter this entity by time.
  std::variant<ResumeMarker, std::string> CheckResume(std::string_view stored, bool incremental_allowed,
                                                      SystemTime now) const;

  // What a complete listing commits, in one batch (see the .cpp for a resumed listing).
  struct CursorInputs {
    bool can_query = false;       // the source filters this entity by time: it has a cursor
    bool resumable = false;       // listings of this entity keep a resume marker (removed here)
    bool full_listing = false;    // the listing saw every record
    SystemTime listing_newest{};  // newest updated_at committed by the listing
    std::optional<SystemTime> old_cursor;
    SystemTime cycle_started{};
    const ResumeMarker* resumed = nullptr;  // the listing continued an interrupted one
  };
  struct CursorCommit {
    snapshot::Batch batch;
    // A resumed full listing: deletions unchecked since then, and whether a check was already
    // owed (then the next cycle lists in full).
    std::optional<SystemTime> deletions_unchecked_since;
    bool already_owed = false;
  };
  CursorCommit BuildCursorCommit(Entity entity, const CursorInputs& in) const;

 private:
  snapshot::SnapshotStore& store_;
  const config::ConnectionConfig& connection_;
};

}  // namespace ats::pipeline
