#pragma once
// The connector contract. The runtime owns the poll loop, HTTP, rate limiting, retries, the
// diff and publishing; a source only turns a cursor into a request and a response into
// records plus the next cursor (Vector's http_client / Fluent Bit's collector model).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/record.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "http/http_client.hpp"
#include "http/rate_limiter.hpp"

namespace ats::connectors {

// Records of a page handed over at a time: a page of a million records (a server that ignores
// `limit`) is never a million Records in memory.
inline constexpr size_t kPageBatchRecords = 500;

struct Page {
  std::vector<Record> records;
  std::vector<RejectedRecord> rejected;  // dead-lettered by the runtime
  std::optional<std::string> next;       // cursor of the next page (Workable: paging.next URL)
  // A page with more than kPageBatchRecords records holds the first batch in records/rejected,
  // and more_records is true until next_batch(page) has replaced them with the last one. The
  // batches share nothing with the source, so they may be read while it parses the next page.
  bool more_records = false;
  std::function<void(Page&)> next_batch;
};

using http::RateLimitInfo;

// A narrower listing than "everything", for sources whose API can filter.
struct ListQuery {
  std::optional<SystemTime> updated_after;  // records updated strictly after this time
  std::optional<std::string> parent_id;     // only the children of this record (a job's candidates)
};

// A listing that arrives as one large document (a Workday custom report): the runtime feeds
// the body to the stream as it downloads, and processes the records it yields in batches, so
// memory stays bounded whatever the document's size.
class RecordStream {
 public:
  virtual ~RecordStream() = default;
  // Consumes the next chunk of the body; appends every record completed by it to `out`. A
  // malformed document is a retryable kBadResponse.
  virtual Result<void> Feed(std::string_view chunk, Page& out) = 0;
  // The body ended: error if the document is incomplete (truncated download).
  virtual Result<void> Finish(Page& out) = 0;
};

// Small durable per-connection state a source may keep (e.g. a rotated OAuth refresh token).
// Backed by the snapshot store; Put is durable when it returns.
class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual Result<std::optional<std::string>> Get(const std::string& key) = 0;
  virtual Result<void> Put(const std::string& key, const std::string& value) = 0;
};

struct SourceContext {
  StateStore* state = nullptr;  // may be null (e.g. `check` without a snapshot)
};

class Source {
 public:
  virtual ~Source() = default;
  virtual std::string_view name() const = 0;  // "workable"
  // The entities to list each cycle, in order (jobs before candidates).
  virtual std::vector<Entity> entities() const = 0;
  // The request for the first page of `entity`, or for the page `cursor` points at. A cursor
  // that would send credentials elsewhere is refused (permanent kUnsafeUrl).
  virtual Result<http::Request> BuildRequest(Entity entity, const std::optional<std::string>& cursor) = 0;
  // Turns a 2xx response into a page. A body that is not the expected document is a retryable
  // kBadResponse; a record that cannot be normalised goes into Page::rejected.
  virtual Result<Page> ParsePage(Entity entity, const http::Response& response) = 0;
  // Maps a non-2xx response to an error with a message that says what to fix.
  virtual Error ClassifyError(const http::Response& response) = 0;
  virtual RateLimitInfo ParseRateLimit(const http::Response& response) = 0;
  // Every secret this source holds, for log redaction.
  virtual std::vector<std::string> secrets() const = 0;
  // Client-side pacing for this connection's token.
  virtual config::RateLimitConfig rate_limit() const = 0;

  // Called right before every request is sent (after BuildRequest, and again on retries):
  // adds credentials. Workday obtains or refreshes its OAuth access token here, with `client`.
  virtual Result<void> Authorize(http::Request& request, http::Client& client) {
    (void)request;
    (void)client;
    return Ok();
  }
  // An API call answered 401. Returns true when fresh credentials may help (a cached access
  // token was dropped); the runtime then authorizes again and retries once.
  virtual bool OnUnauthorized() { return false; }

  // Whether the jobs listing holds only open jobs (Workday: live postings), so that a job
  // missing from a complete listing was closed or unposted rather than deleted.
  virtual bool ListsOnlyOpenJobs() const { return false; }
  // The job a candidate row references when that job is not in the jobs listing (Workday: a
  // requisition without a live posting), built from what the row carries; nullopt when the
  // source has no such notion or the row names no job.
  virtual std::optional<Record> JobFromCandidate(const Record& candidate) const {
    (void)candidate;
    return std::nullopt;
  }
  // Whether BuildQueryRequest can filter `entity` listings (Workable candidates: by
  // updated_after and by job). Incremental sync and backfills need it.
  virtual bool SupportsQuery(Entity entity) const {
    (void)entity;
    return false;
  }
  // The first page of a filtered listing; later pages come from BuildRequest(entity, cursor).
  virtual Result<http::Request> BuildQueryRequest(Entity entity, const ListQuery& query) {
    (void)entity;
    (void)query;
    return Error::Permanent(ErrorCategory::kInternal, "this source cannot filter listings");
  }

  // Entities whose listing is one or more streamed documents rather than pages (Workday
  // reports). For those, BuildRequest(entity, cursor) builds the request of the document the
  // cursor names (nullopt: the first), the runtime feeds its body to OpenStream(entity), and
  // NextDocument says which document follows.
  virtual bool Streamed(Entity entity) const {
    (void)entity;
    return false;
  }
  virtual std::unique_ptr<RecordStream> OpenStream(Entity entity) {
    (void)entity;
    return nullptr;
  }
  // After a streamed document ended: the cursor of the next document of the same entity (a
  // second report), or nullopt when the listing is complete.
  virtual std::optional<std::string> NextDocument(Entity entity, const std::optional<std::string>& cursor) {
    (void)entity;
    (void)cursor;
    return std::nullopt;
  }
};

using SourcePtr = std::unique_ptr<Source>;

}  // namespace ats::connectors
