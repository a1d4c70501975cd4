#pragma once
// The connector contract. The runtime owns the poll loop, HTTP, rate limiting, retries, the
// diff and publishing; a source only turns a cursor into a request and a response into
// records plus the next cursor (Vector's http_client / Fluent Bit's collector model).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/record.hpp"
#include "common/result.hpp"
#include "http/http_client.hpp"
#include "http/rate_limiter.hpp"

namespace ats::connectors {

struct Page {
  std::vector<Record> records;
  std::vector<RejectedRecord> rejected;  // dead-lettered by the runtime
  std::optional<std::string> next;       // cursor of the next page (Workable: paging.next URL)
};

using http::RateLimitInfo;

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
};

using SourcePtr = std::unique_ptr<Source>;

}  // namespace ats::connectors
