#pragma once
// Which copy of a record is the record when a listing returns one id twice under different
// parents (a candidate id under two jobs). Workable candidate ids are per job application
// (notes/workable.md), so such an id is one record reported twice, by a tenant inconsistency or
// a move seen mid-listing; it stays one record, keyed by its id. Of the two copies, the one with
// the newer updated_at wins, ties going to the greater parent id; the order the copies are
// listed in does not matter, so a static tenant produces no events after its first cycle. A
// genuine move to another job carries a newer updated_at and wins. Copies under the same
// parent are not compared (a record listed again on a later page of one listing, changed
// meanwhile, is an update).
#include "common/record.hpp"
#include "snapshot/snapshot_store.hpp"

namespace ats::snapshot {

// True when `fetched` is a losing copy of the record `stored` holds (staged or committed): the
// diff skips it.
bool LosesToStored(const Record& fetched, const StoredRecord& stored);

}  // namespace ats::snapshot
