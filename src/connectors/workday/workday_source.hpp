#pragma once
// Workday as a connectors::Source.
//
// Jobs: the REST job postings collection (GET {api}/{jobs_path}?limit=&offset=, {"total","data"}),
// paged by offset; the cursor is the next offset as text ("100"). The listing ends on an empty
// or short page, or when the offset reaches `total`; a total the data already contradicts (less
// than what was received) is ignored rather than trusted to end the listing early. Each posting
// becomes a job record keyed by its requisition (what report rows reference; see
// workday_mapping.hpp); when several postings of one listing share a requisition, the first wins.
//
// Candidates: one or more custom reports (RaaS), each one streamed document. The cursor is the
// report's index ("0", "1", ...; nullopt = "0"); NextDocument gives the next index. A report
// with auth: basic gets its Basic Authorization header in BuildRequest, and Authorize leaves a
// request that carries a Basic header alone; every other request gets a fresh Bearer token from
// Authorize (an existing Bearer header is replaced, so a retry after OnUnauthorized uses the new
// token). OnUnauthorized returns false after a Basic request: a new OAuth token cannot help there.
//
// Not thread-safe apart from the OAuth token cache (it keeps the offset and report of the last
// request built, to page and to word errors); one instance per connection worker.
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "connectors/source.hpp"
#include "connectors/workday/workday_auth.hpp"

namespace ats::connectors {

class WorkdaySource final : public Source {
 public:
  static constexpr std::string_view kName{"workday"};

  // Checks what can be checked without the network (endpoint shapes, plain http only with
  // allow_insecure_http, credentials present, bearer reports on the REST host): permanent
  // kConfig if not. Reads a saved refresh token from context.state. `clock` is for tests.
  static Result<std::unique_ptr<WorkdaySource>> Create(const config::ConnectionConfig& conn,
                                                       SourceContext context = {},
                                                       WorkdayAuth::Clock clock = nullptr);
  ~WorkdaySource() override;

  std::string_view name() const override { return kName; }
  // Jobs, then candidates (only jobs when no report is configured).
  std::vector<Entity> entities() const override;
  Result<http::Request> BuildRequest(Entity entity, const std::optional<std::string>& cursor) override;
  // Jobs: one REST page. Candidates: a whole report body at once (the non-streaming fallback of
  // OpenStream; next = the following report).
  Result<Page> ParsePage(Entity entity, const http::Response& response) override;
  Error ClassifyError(const http::Response& response) override;
  RateLimitInfo ParseRateLimit(const http::Response& response) override;
  std::vector<std::string> secrets() const override;
  config::RateLimitConfig rate_limit() const override { return rate_limit_; }

  Result<void> Authorize(http::Request& request, http::Client& client) override;
  bool OnUnauthorized() override;

  // Postings are listed only while posted: a requisition whose posting went away is closed.
  bool ListsOnlyOpenJobs() const override { return true; }
  // A requisition referenced by report rows: id and requisition_id from the row's job column,
  // posting_id null, state "unposted", title from a Job_Requisition_Title / Job_Posting_Title /
  // Job_Title attribute when the row has one.
  std::optional<Record> JobFromCandidate(const Record& candidate) const override;
  bool Streamed(Entity entity) const override { return entity == Entity::kCandidate; }
  // Incremental report reads: when a report has a prompt whose value is {window_start} (e.g.
  // From_Date: "{window_start}"), BuildQueryRequest fills it with updated_after; a full read
  // (BuildRequest with no cursor) leaves those prompts out, so the report returns every row.
  // {window_end} becomes the time of the request.
  bool SupportsQuery(Entity entity) const override;
  Result<http::Request> BuildQueryRequest(Entity entity, const ListQuery& query) override;
  std::unique_ptr<RecordStream> OpenStream(Entity entity) override;
  std::optional<std::string> NextDocument(Entity entity, const std::optional<std::string>& cursor) override;

 private:
  struct Parser;  // simdjson state, kept out of this header
  struct Report {
    std::string url;  // with format=json and the fixed prompts
    std::vector<std::pair<std::string, std::string>>
        window_prompts;  // name -> "{window_start}"/"{window_end}"
    std::string label;   // "report ISU_ATS/ATS_Candidates", for messages
    std::string basic;   // the Authorization header value for auth: basic, else ""
    std::string password;
  };

  WorkdaySource() = default;
  // The report a cursor names, or a permanent kInternal error.
  Result<size_t> ReportIndex(const std::optional<std::string>& cursor) const;
  std::string ErrorContext() const;  // what the last request was, for messages

  std::unique_ptr<WorkdayAuth> auth_;
  std::unique_ptr<Parser> parser_;
  config::RateLimitConfig rate_limit_;
  config::WorkdayColumns columns_;
  config::WorkdayEndpoint endpoint_;
  http::Url api_origin_;
  std::string jobs_url_;   // without the query
  std::string jobs_path_;  // for messages, e.g. /ccx/api/recruiting/v4/acme/jobPostings
  std::vector<Report> reports_;
  int page_size_ = 100;
  size_t max_page_records_ = 100'000;
  std::chrono::milliseconds timeout_{30000};
  bool insecure_skip_tls_verify_ = false;  // workday.insecure_skip_tls_verify

  // The last request built.
  Entity last_entity_ = Entity::kJob;
  long long job_offset_ = 0;
  size_t report_index_ = 0;
  std::optional<SystemTime> window_start_;  // set by BuildQueryRequest for the listing in progress
  bool last_basic_ = false;
  // The current jobs listing.
  std::set<std::string> listed_jobs_;
  std::string previous_first_posting_;
};

}  // namespace ats::connectors
