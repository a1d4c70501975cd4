// Fetching of a SyncWorker's paged listings: a page fetched within its limits (max_page_mib,
// records per page) and fetched again when it cannot be parsed; the page loop that follows the
// source's cursors within max_listing_pages / max_next_url_bytes, the next page downloading on a
// second thread while this one is diffed. Requests go through SyncWorker::Execute (rate
// limiter, retries, 429s, re-authorisation: sync_worker.cpp).
#include <future>
#include <utility>

#include "common/log.hpp"
#include "runtime/listing_guard.hpp"
#include "runtime/sync_worker.hpp"

namespace ats::runtime {

using std::chrono::seconds;

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

}  // namespace ats::runtime
