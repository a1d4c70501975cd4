// WorkdaySource: Create checks, request building, REST paging, error classification, and the
// whole flow against a small tenant on 127.0.0.1 (httplib) driven the way the runtime drives it.
#include "connectors/workday/workday_source.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/json_writer.hpp"
#include "connectors/registry.hpp"
#include "support/test_support.hpp"

namespace ats::connectors {
namespace {

using namespace std::chrono_literals;

constexpr char kSecret[] = "wd-src-client-secret-5e6f7a8b";
constexpr char kRefresh[] = "wd-src-refresh-token-1a2b3c4d";
constexpr char kIsuPassword[] = "isu pass-word-0987";

const std::string kRest = "https://wd2-impl-services1.workday.com/ccx/api/v1/acme";
const std::string kReport =
    "https://wd2-impl-services1.workday.com/ccx/service/customreport2/acme/ISU_ATS/ATS_Candidates";

config::ConnectionConfig Conn(const std::string& rest = kRest) {
  config::ConnectionConfig conn;
  conn.id = "acme-wd";
  conn.source = "workday";
  conn.request_timeout_s = 20;
  config::WorkdayConfig& w = conn.workday;
  w.rest_endpoint = rest;
  w.client_id = "wd-client-id";
  w.client_secret = kSecret;
  w.refresh_token = kRefresh;
  w.page_size = 2;
  config::WorkdayReportConfig report;
  report.url = kReport;
  w.reports.push_back(report);
  return conn;
}

std::unique_ptr<WorkdaySource> MakeSource(const config::ConnectionConfig& conn = Conn()) {
  auto source = WorkdaySource::Create(conn);
  EXPECT_TRUE(source.ok()) << source.error().message;
  return std::move(source).value();
}

std::string Fixture(const std::string& name) {
  const std::string path = testing::SourceDir() + "/tests/fixtures/workday/" + name;
  std::string body = testing::ReadFile(path);
  EXPECT_FALSE(body.empty()) << "missing fixture " << path;
  return body;
}

http::Response Response(long status, std::string body) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

const std::string* Header(const http::Request& request, const std::string& name) {
  for (const auto& [n, v] : request.headers)
    if (n == name) return &v;
  return nullptr;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A page of `n` postings with ids p<first>..; `total` (negative: omitted).
std::string Postings(int first, int n, long long total) {
  std::string out = "{";
  if (total >= 0) out += "\"total\":" + std::to_string(total) + ",";
  out += "\"data\":[";
  for (int i = 0; i < n; ++i) {
    if (i) out += ",";
    const std::string id = std::to_string(first + i);
    out += R"({"id":"p)" + id + R"(","title":"Job )" + id + R"(","jobRequisitionId":"R-)" + id + "\"}";
  }
  return out + "]}";
}

// ---- Create ------------------------------------------------------------------------------------

TEST(WorkdaySourceTest, NameEntitiesStreamingAndRegistry) {
  auto source = MakeSource();
  EXPECT_EQ(source->name(), "workday");
  EXPECT_EQ(source->entities(), (std::vector<Entity>{Entity::kJob, Entity::kCandidate}));
  EXPECT_TRUE(source->Streamed(Entity::kCandidate));
  EXPECT_FALSE(source->Streamed(Entity::kJob));
  EXPECT_EQ(source->OpenStream(Entity::kJob), nullptr);
  EXPECT_NE(source->OpenStream(Entity::kCandidate), nullptr);
  EXPECT_EQ(source->rate_limit().requests, 10);
  EXPECT_EQ(source->rate_limit().per_s, 1);

  auto registered = CreateSource(Conn());
  ASSERT_TRUE(registered.ok()) << registered.error().message;
  EXPECT_EQ((*registered)->name(), "workday");

  auto no_reports = Conn();
  no_reports.workday.reports.clear();
  EXPECT_EQ(MakeSource(no_reports)->entities(), std::vector<Entity>{Entity::kJob});
}

TEST(WorkdaySourceTest, CreateRefusesWhatCannotWork) {
  struct Case {
    std::string name;
    std::function<void(config::ConnectionConfig&)> change;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"endpoint", [](auto& c) { c.workday.rest_endpoint = "https://wd2-impl-services1.workday.com/acme"; },
       "Invalid API Endpoint — the URL format is https://{domain}/ccx/api/v1/{tenant}"},
      {"http", [](auto& c) { c.workday.rest_endpoint = "http://127.0.0.1:9/ccx/api/v1/acme"; },
       "allow_insecure_http"},
      {"http_token", [](auto& c) { c.workday.token_endpoint = "http://127.0.0.1:9/ccx/oauth2/acme/token"; },
       "workday.token_endpoint uses plain http"},
      {"secret", [](auto& c) { c.workday.client_secret.clear(); }, "client_secret_file"},
      {"refresh", [](auto& c) { c.workday.refresh_token.clear(); }, "refresh_token_file"},
      {"client_id", [](auto& c) { c.workday.client_id.clear(); }, "client_id"},
      {"report_url", [](auto& c) { c.workday.reports[0].url = "https://h/ccx/service/acme/Recruiting/v44"; },
       "workday.reports[0].url is not a custom report URL"},
      {"bearer_other_host",
       [](auto& c) {
         c.workday.reports[0].url = "https://evil.example.com/ccx/service/customreport2/acme/o/r";
       },
       "the OAuth access token would go elsewhere"},
      {"basic_without_password",
       [](auto& c) {
         c.workday.reports[0].auth = "basic";
         c.workday.reports[0].username = "ISU_ATS";
       },
       "username or password is empty"},
  };
  for (const auto& c : cases) {
    auto conn = Conn();
    c.change(conn);
    auto source = WorkdaySource::Create(conn);
    ASSERT_FALSE(source.ok()) << c.name;
    EXPECT_EQ(source.error().category, ErrorCategory::kConfig) << c.name;
    EXPECT_FALSE(source.error().retryable()) << c.name;
    EXPECT_TRUE(Contains(source.error().message, c.message)) << c.name << ": " << source.error().message;
    EXPECT_FALSE(Contains(source.error().message, kSecret)) << c.name;
  }
}

// ---- BuildRequest --------------------------------------------------------------------------------

TEST(WorkdaySourceTest, JobRequestsPageByOffsetWithoutCredentials) {
  auto conn = Conn("https://wd2-impl-services1.workday.com/ccx/api/recruiting/v4/acme_preview/");
  conn.workday.page_size = 50;
  conn.workday.reports.clear();
  auto source = MakeSource(conn);
  auto first = source->BuildRequest(Entity::kJob, std::nullopt);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->method, "GET");
  EXPECT_EQ(first->url,
            "https://wd2-impl-services1.workday.com/ccx/api/recruiting/v4/acme_preview/"
            "jobPostings?limit=50&offset=0");
  EXPECT_EQ(Header(*first, "Authorization"), nullptr);  // Authorize adds it
  ASSERT_NE(Header(*first, "Accept"), nullptr);
  EXPECT_EQ(*Header(*first, "Accept"), "application/json");
  EXPECT_EQ(first->timeout, std::chrono::seconds(20));

  auto next = source->BuildRequest(Entity::kJob, std::string("150"));
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->url.ends_with("jobPostings?limit=50&offset=150")) << next->url;
  EXPECT_FALSE(source->BuildRequest(Entity::kJob, std::string("x")).ok());
  EXPECT_FALSE(source->BuildRequest(Entity::kJob, std::string("-1")).ok());
}

TEST(WorkdaySourceTest, ACustomJobsPathIsRelativeToTheApiRoot) {
  auto conn = Conn();
  conn.workday.jobs_path = "/recruiting/v5/{tenant}/jobPostings";
  auto request = MakeSource(conn)->BuildRequest(Entity::kJob, std::nullopt);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->url,
            "https://wd2-impl-services1.workday.com/ccx/api/recruiting/v5/acme/jobPostings?limit=2&offset=0");
}

TEST(WorkdaySourceTest, ReportRequestsForceJsonAndAppendEncodedPrompts) {
  auto conn = Conn();
  conn.workday.reports[0].url = kReport + "?format=simplexml&From_Date=2020-01-01&Keep=1";
  conn.workday.reports[0].prompts = {{"From_Date", "2026-01-01"}, {"Worker_Type!WID", "a b&c=d+e"}};
  config::WorkdayReportConfig basic;
  basic.url = "https://other-host.workday.com/ccx/service/customreport2/acme/ISU_ATS/ATS_Prospects";
  basic.auth = "basic";
  basic.username = "ISU_ATS";
  basic.password = kIsuPassword;
  conn.workday.reports.push_back(basic);
  auto source = MakeSource(conn);

  auto first = source->BuildRequest(Entity::kCandidate, std::nullopt);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->url,
            kReport + "?Keep=1&From_Date=2026-01-01&Worker_Type!WID=a%20b%26c%3Dd%2Be&format=json");
  EXPECT_EQ(Header(*first, "Authorization"), nullptr);

  auto second = source->BuildRequest(Entity::kCandidate, std::string("1"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(
      second->url,
      "https://other-host.workday.com/ccx/service/customreport2/acme/ISU_ATS/ATS_Prospects?format=json");
  ASSERT_NE(Header(*second, "Authorization"), nullptr);
  EXPECT_EQ(*Header(*second, "Authorization"),
            httplib::make_basic_authentication_header("ISU_ATS", kIsuPassword).second);

  EXPECT_EQ(source->NextDocument(Entity::kCandidate, std::nullopt), std::optional<std::string>("1"));
  EXPECT_EQ(source->NextDocument(Entity::kCandidate, std::string("0")), std::optional<std::string>("1"));
  EXPECT_EQ(source->NextDocument(Entity::kCandidate, std::string("1")), std::nullopt);
  EXPECT_EQ(source->NextDocument(Entity::kJob, std::nullopt), std::nullopt);
  auto bad = source->BuildRequest(Entity::kCandidate, std::string("2"));
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(bad.error().retryable());

  const auto secrets = source->secrets();
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), kIsuPassword), secrets.end());
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), kSecret), secrets.end());
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), kRefresh), secrets.end());
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), *Header(*second, "Authorization")), secrets.end());
}

// ---- ParsePage (jobs) ----------------------------------------------------------------------------

// Parses `body` as the page at `offset` (BuildRequest records the offset, as the runtime calls it).
Result<Page> JobPage(WorkdaySource& source, long long offset, const std::string& body) {
  auto request =
      source.BuildRequest(Entity::kJob, offset == 0 ? std::nullopt : std::optional(std::to_string(offset)));
  EXPECT_TRUE(request.ok());
  return source.ParsePage(Entity::kJob, Response(200, body));
}

TEST(WorkdaySourceTest, TheFixturePagesMapPostingsToRequisitionsAndMergeDuplicates) {
  auto source = MakeSource();
  auto first = JobPage(*source, 0, Fixture("job_postings_page1.json"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->next, std::optional<std::string>("2"));
  ASSERT_EQ(first->records.size(), 2u);
  EXPECT_EQ(first->records[0].id, "R-00008");
  EXPECT_EQ(first->records[0].entity, Entity::kJob);
  EXPECT_EQ(first->records[0].fields.at("title"), "\"Senior Backend Engineer (Payments)\"");
  EXPECT_EQ(first->records[0].fields.at("state"), "\"published\"");
  EXPECT_EQ(first->records[0].fields.at("jobType"),
            R"({"id":"9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d","descriptor":"Regular"})");
  EXPECT_EQ(first->records[1].id, "d41f7a2c9b3e4f5a8c6d0e1f2a3b4c5d");  // a WID reference, as is

  auto last = JobPage(*source, 2, Fixture("job_postings_last_page.json"));
  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_EQ(last->next, std::nullopt);  // offset 4 == total
  // The internal posting of R-00008 is the same job: only the posting without a requisition is new.
  ASSERT_EQ(last->records.size(), 1u);
  EXPECT_EQ(last->records[0].id, "f1e2d3c4b5a697887766554433221100");
  EXPECT_EQ(last->records[0].fields.at("title"),
            "\"\xC3\x89v\xC3\xA8nement Coordinator \xE2\x80\x94 \\\"Paris\\\"\"");

  // A new listing starts afresh.
  auto again = JobPage(*source, 0, Fixture("job_postings_page1.json"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->records.size(), 2u);
}

TEST(WorkdaySourceTest, PagingStopsOnAShortPageAnEmptyPageOrTheTotal) {
  auto source = MakeSource();  // page_size 2
  // Short page: stop even though total promises more.
  auto short_page = JobPage(*source, 0, Postings(0, 1, 50));
  ASSERT_TRUE(short_page.ok()) << short_page.error().message;
  EXPECT_EQ(short_page->next, std::nullopt);
  // Empty page.
  auto empty = JobPage(*source, 4, Postings(0, 0, 4));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->next, std::nullopt);
  EXPECT_TRUE(empty->records.empty());
  // Full page that reaches total: no extra request for an empty page.
  auto reached = JobPage(*source, 2, Postings(2, 2, 4));
  ASSERT_TRUE(reached.ok());
  EXPECT_EQ(reached->next, std::nullopt);
  // Full page, more to come.
  auto more = JobPage(*source, 0, Postings(0, 2, 5));
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(more->next, std::optional<std::string>("2"));
  // No total at all: only the page length decides.
  auto no_total = JobPage(*source, 0, Postings(0, 2, -1));
  ASSERT_TRUE(no_total.ok());
  EXPECT_EQ(no_total->next, std::optional<std::string>("2"));
}

TEST(WorkdaySourceTest, ALyingTotalDoesNotEndTheListingEarly) {
  // total says 0 on later pages (as some Workday APIs do) while full pages keep coming.
  auto source = MakeSource();
  auto page1 = JobPage(*source, 0, Postings(0, 2, 7));
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(page1->next, std::optional<std::string>("2"));
  auto page2 = JobPage(*source, 2, Postings(2, 2, 0));
  ASSERT_TRUE(page2.ok());
  EXPECT_EQ(page2->next, std::optional<std::string>("4"));
  auto page3 = JobPage(*source, 4, Postings(4, 2, 1));
  ASSERT_TRUE(page3.ok());
  EXPECT_EQ(page3->next, std::optional<std::string>("6"));
  auto page4 = JobPage(*source, 6, Postings(6, 1, 0));
  ASSERT_TRUE(page4.ok());
  EXPECT_EQ(page4->next, std::nullopt);
}

TEST(WorkdaySourceTest, AServerThatIgnoresOffsetIsStoppedNotLoopedOn) {
  auto source = MakeSource();
  ASSERT_TRUE(JobPage(*source, 0, Postings(0, 2, 10)).ok());
  auto repeated = JobPage(*source, 2, Postings(0, 2, 10));
  ASSERT_FALSE(repeated.ok());
  EXPECT_FALSE(repeated.error().retryable());
  EXPECT_TRUE(Contains(repeated.error().message, "is 'offset' ignored?")) << repeated.error().message;
}

TEST(WorkdaySourceTest, BadPostingsAreRejectedAndBadPagesAreRetryable) {
  auto source = MakeSource();
  auto page = JobPage(*source, 0,
                      R"({"total":3,"data":[{"title":"no id"}, 42, {"id":"p9","jobRequisitionId":"R-9"}]})");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].id, "R-9");
  ASSERT_EQ(page->rejected.size(), 2u);
  EXPECT_EQ(page->rejected[0].raw, R"({"title":"no id"})");
  EXPECT_EQ(page->rejected[0].reason, "missing required field 'id'");
  EXPECT_EQ(page->rejected[0].entity, Entity::kJob);
  EXPECT_EQ(page->rejected[1].raw, "42");

  for (const std::string& body :
       {std::string("<html>"), std::string(R"({"total":1})"), std::string(R"({"data":{}})"),
        std::string(R"([1])"), std::string(R"({"data":[{"id":"p1",}]})"), std::string(R"({"data":[]} x)"),
        std::string(R"({"total":"many","data":[]})")}) {
    auto bad = JobPage(*source, 0, body);
    ASSERT_FALSE(bad.ok()) << body;
    EXPECT_TRUE(bad.error().retryable()) << body;
    EXPECT_EQ(bad.error().category, ErrorCategory::kBadResponse) << body;
    EXPECT_TRUE(Contains(bad.error().message, "/ccx/api/recruiting/v4/acme/jobPostings"))
        << bad.error().message;
  }
}

// ---- ParsePage (a whole report, the non-streaming fallback) -----------------------------------

TEST(WorkdaySourceTest, AWholeReportParsesAsOnePage) {
  auto conn = Conn();
  conn.workday.reports.push_back(conn.workday.reports[0]);
  auto source = MakeSource(conn);
  ASSERT_TRUE(source->BuildRequest(Entity::kCandidate, std::nullopt).ok());
  auto page = source->ParsePage(Entity::kCandidate, Response(200, Fixture("report_job_applications.json")));
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->records.size(), 3u);
  EXPECT_EQ(page->rejected.size(), 1u);
  EXPECT_EQ(page->next, std::optional<std::string>("1"));

  ASSERT_TRUE(source->BuildRequest(Entity::kCandidate, std::string("1")).ok());
  auto last = source->ParsePage(Entity::kCandidate, Response(200, "{}"));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->next, std::nullopt);
  auto cut = source->ParsePage(Entity::kCandidate, Response(200, R"({"Report_Entry":[{"Candidate_ID":"C)"));
  ASSERT_FALSE(cut.ok());
  EXPECT_TRUE(cut.error().retryable());
}

// ---- ClassifyError ------------------------------------------------------------------------------

struct ErrorCase {
  std::string name;
  Entity entity;
  long status;
  std::string body;
  ErrorKind kind;
  ErrorCategory category;
  std::string message;
};

TEST(WorkdaySourceTest, ErrorsAreClassifiedByStatusAndWorkdaysCodes) {
  const std::vector<ErrorCase> cases = {
      {"401", Entity::kJob, 401, Fixture("error_401_invalid_token.json"), ErrorKind::kPermanent,
       ErrorCategory::kAuth, "(invalid_token)"},
      {"403", Entity::kJob, 403, Fixture("error_403_insufficient_permissions.json"), ErrorKind::kPermanent,
       ErrorCategory::kPermission,
       "Insufficient Permissions — the API client / ISU lacks the Recruiting (and Candidate) scopes or "
       "security "
       "domains"},
      {"403_codes", Entity::kJob, 403, Fixture("error_403_insufficient_permissions.json"),
       ErrorKind::kPermanent, ErrorCategory::kPermission,
       "(Workday said: User has insufficient permissions.; codes S22)"},
      {"403_report", Entity::kCandidate, 403, "", ErrorKind::kPermanent, ErrorCategory::kPermission,
       "shared with the ISU"},
      {"404", Entity::kJob, 404, Fixture("error_404_not_found.json"), ErrorKind::kPermanent,
       ErrorCategory::kNotFound,
       "Invalid API Endpoint — /ccx/api/recruiting/v4/acme/jobPostings was not found"},
      {"404_report", Entity::kCandidate, 404, "", ErrorKind::kPermanent, ErrorCategory::kNotFound,
       "Invalid API Endpoint — report ISU_ATS/ATS_Candidates was not found"},
      {"400", Entity::kJob, 400, Fixture("error_400_validation.json"), ErrorKind::kPermanent,
       ErrorCategory::kBadResponse, "limit: The value of limit must be between 1 and 100.; codes A398"},
      {"400_report", Entity::kCandidate, 400, "", ErrorKind::kPermanent, ErrorCategory::kBadResponse,
       "check the report's prompts"},
      {"429", Entity::kJob, 429, "", ErrorKind::kRetryable, ErrorCategory::kRateLimited, "429"},
      {"500", Entity::kCandidate, 500, R"({"error":"Processing error occurred."})", ErrorKind::kRetryable,
       ErrorCategory::kServer,
       "HTTP 500) on report ISU_ATS/ATS_Candidates (Workday said: Processing error occurred.)"},
      {"503", Entity::kJob, 503, "<html>", ErrorKind::kRetryable, ErrorCategory::kServer, "HTTP 503"},
      {"302", Entity::kJob, 302, "", ErrorKind::kPermanent, ErrorCategory::kBadResponse,
       "redirects are not followed"},
  };
  for (const auto& c : cases) {
    auto source = MakeSource();
    ASSERT_TRUE(source->BuildRequest(c.entity, std::nullopt).ok());
    const Error e = source->ClassifyError(Response(c.status, c.body));
    EXPECT_EQ(e.kind, c.kind) << c.name << ": " << e.message;
    EXPECT_EQ(e.category, c.category) << c.name << ": " << e.message;
    EXPECT_TRUE(Contains(e.message, c.message)) << c.name << ": " << e.message;
  }
}

TEST(WorkdaySourceTest, ErrorMessagesNeverEchoASecret) {
  auto source = MakeSource();
  ASSERT_TRUE(source->BuildRequest(Entity::kJob, std::nullopt).ok());
  const std::string body = std::string(R"({"error":"bad token )") + kRefresh +
                           R"(","errors":[{"error":"secret )" + kSecret + R"(","code":"X1"}]})";
  for (long status : {400L, 401L, 403L, 404L, 500L}) {
    const Error e = source->ClassifyError(Response(status, body));
    EXPECT_FALSE(Contains(e.message, kSecret)) << e.message;
    EXPECT_FALSE(Contains(e.message, kRefresh)) << e.message;
  }
}

TEST(WorkdaySourceTest, RetryAfterIsTheOnlyRateLimitSignal) {
  auto source = MakeSource();
  http::Response response = Response(429, "");
  response.headers["retry-after"] = "7";
  const auto info = source->ParseRateLimit(response);
  EXPECT_EQ(info.retry_after_s, std::optional<long long>(7));
  EXPECT_FALSE(info.limit.has_value());
  response.headers["retry-after"] = "Wed, 21 Oct 2026 07:28:00 GMT";
  EXPECT_FALSE(source->ParseRateLimit(response).retry_after_s.has_value());
}

// ---- against a tenant on loopback ------------------------------------------------------------------

// Token endpoint, job postings and two reports (bearer and basic), each scriptable.
class Tenant {
 public:
  Tenant() {
    server_.Post("/ccx/oauth2/acme/token", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      log_.push_back("token");
      (void)req;
      ++tokens_;
      res.set_content(
          R"({"access_token":"tenant-access-)" + std::to_string(tokens_) + R"(","expires_in":3600})",
          "application/json");
    });
    server_.Get("/ccx/api/recruiting/v4/acme/jobPostings",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  const std::string auth = req.get_header_value("Authorization");
                  log_.push_back("jobs " + req.get_param_value("offset") + " " + auth);
                  if (reject_next_ > 0) {
                    --reject_next_;
                    res.status = 401;
                    res.set_content(R"({"error":"invalid_token"})", "application/json");
                    return;
                  }
                  const int offset = std::stoi(req.get_param_value("offset"));
                  const int n = std::max(0, std::min(2, 5 - offset));
                  res.set_content(Postings(offset, n, 5), "application/json");
                });
    server_.Get("/ccx/service/customreport2/acme/ISU_ATS/ATS_Candidates", [this](const httplib::Request& req,
                                                                                 httplib::Response& res) {
      std::lock_guard lock(mu_);
      log_.push_back("report " + req.get_param_value("format") + " " + req.get_header_value("Authorization"));
      std::string body = "{\"Report_Entry\":[";
      for (int i = 0; i < 300; ++i) {
        body += std::string(i ? "," : "") + R"({"Candidate_ID":"C-)" + std::to_string(i) +
                R"(","Job_Requisition_ID":"R-)" + std::to_string(i % 5) + R"(","Stage":"Screen"})";
      }
      body += "]}";
      res.set_chunked_content_provider("application/json", [body](size_t offset, httplib::DataSink& sink) {
        if (offset >= body.size()) {
          sink.done();
          return true;
        }
        return sink.write(body.data() + offset, std::min<size_t>(997, body.size() - offset));
      });
    });
    server_.Get("/ccx/service/customreport2/acme/ISU_ATS/ATS_Prospects",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  const std::string auth = req.get_header_value("Authorization");
                  log_.push_back("prospects " + auth);
                  if (auth != httplib::make_basic_authentication_header("ISU_ATS", kIsuPassword).second) {
                    res.status = 401;
                    return;
                  }
                  res.set_content(R"({"Report_Entry":[{"Candidate_ID":"P-1","Job_Requisition_ID":"R-1"}]})",
                                  "application/json");
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~Tenant() {
    server_.stop();
    thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> log() {
    std::lock_guard lock(mu_);
    return log_;
  }
  void RejectNext(int n) {
    std::lock_guard lock(mu_);
    reject_next_ = n;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> log_;
  int tokens_ = 0;
  int reject_next_ = 0;
};

config::ConnectionConfig TenantConn(const Tenant& tenant, bool basic_prospects) {
  auto conn = Conn(tenant.base() + "/ccx/api/v1/acme");
  conn.workday.allow_insecure_http = true;
  conn.workday.reports[0].url = tenant.base() + "/ccx/service/customreport2/acme/ISU_ATS/ATS_Candidates";
  config::WorkdayReportConfig prospects;
  prospects.url = tenant.base() + "/ccx/service/customreport2/acme/ISU_ATS/ATS_Prospects";
  if (basic_prospects) {
    prospects.auth = "basic";
    prospects.username = "ISU_ATS";
    prospects.password = kIsuPassword;
  }
  conn.workday.reports.push_back(prospects);
  return conn;
}

// What the runtime does for one request: authorize, send, and on a 401 let the source drop its
// token and try once more.
Result<http::Response> Send(WorkdaySource& source, http::Client& client, http::Request& request,
                            const std::function<bool(std::string_view)>* on_body = nullptr) {
  for (int attempt = 0;; ++attempt) {
    if (auto authorized = source.Authorize(request, client); !authorized) return authorized.error();
    auto response = on_body ? client.Execute(request, *on_body) : client.Execute(request);
    if (!response || response->status != 401 || attempt > 0 || !source.OnUnauthorized()) return response;
  }
}

TEST(WorkdaySourceTest, ListsJobsAndStreamsReportsFromALoopbackTenant) {
  Tenant tenant;
  auto source = MakeSource(TenantConn(tenant, /*basic_prospects=*/true));
  http::Client client;

  // Jobs, page by page; the second page is refused once as if the token had expired.
  std::vector<std::string> job_ids;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    auto request = source->BuildRequest(Entity::kJob, cursor);
    ASSERT_TRUE(request.ok()) << request.error().message;
    if (pages == 1) tenant.RejectNext(1);
    auto response = Send(*source, client, *request);
    ASSERT_TRUE(response.ok()) << response.error().message;
    ASSERT_EQ(response->status, 200);
    auto page = source->ParsePage(Entity::kJob, *response);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& r : page->records) job_ids.push_back(r.id);
    cursor = page->next;
    ++pages;
  } while (cursor && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(job_ids, (std::vector<std::string>{"R-0", "R-1", "R-2", "R-3", "R-4"}));

  // Candidates: every report, streamed.
  std::vector<Record> candidates;
  std::optional<std::string> document;
  int documents = 0;
  do {
    auto request = source->BuildRequest(Entity::kCandidate, document);
    ASSERT_TRUE(request.ok()) << request.error().message;
    auto stream = source->OpenStream(Entity::kCandidate);
    ASSERT_NE(stream, nullptr);
    Page page;
    Result<void> fed;
    const std::function<bool(std::string_view)> on_body = [&](std::string_view chunk) {
      fed = stream->Feed(chunk, page);
      return fed.ok();
    };
    auto response = Send(*source, client, *request, &on_body);
    ASSERT_TRUE(response.ok()) << response.error().message;
    ASSERT_EQ(response->status, 200) << response->body;
    ASSERT_TRUE(fed.ok()) << fed.error().message;
    ASSERT_TRUE(stream->Finish(page).ok());
    candidates.insert(candidates.end(), page.records.begin(), page.records.end());
    document = source->NextDocument(Entity::kCandidate, document);
    ++documents;
  } while (document && documents < 5);
  EXPECT_EQ(documents, 2);
  ASSERT_EQ(candidates.size(), 301u);
  EXPECT_EQ(candidates[299].id, "C-299");
  EXPECT_EQ(candidates[299].parent_id, "R-4");
  EXPECT_EQ(candidates[300].id, "P-1");

  const auto log = tenant.log();
  const std::vector<std::string> expected = {
      "token",
      "jobs 0 Bearer tenant-access-1",
      "jobs 2 Bearer tenant-access-1",  // refused: the token is dropped and fetched again
      "token",
      "jobs 2 Bearer tenant-access-2",
      "jobs 4 Bearer tenant-access-2",
      "report json Bearer tenant-access-2",
      "prospects " + httplib::make_basic_authentication_header("ISU_ATS", kIsuPassword).second,
  };
  EXPECT_EQ(log, expected);

  // Every access token issued is a secret.
  const auto secrets = source->secrets();
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), "tenant-access-2"), secrets.end());
}

TEST(WorkdaySourceTest, ABasicReportIsNeverGivenTheBearerTokenAndA401IsFinal) {
  Tenant tenant;
  auto conn = TenantConn(tenant, /*basic_prospects=*/true);
  conn.workday.reports[1].password = "wrong-password-123";
  auto source = MakeSource(conn);
  http::Client client;
  auto request = source->BuildRequest(Entity::kCandidate, std::string("1"));
  ASSERT_TRUE(request.ok());
  auto response = Send(*source, client, *request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 401);
  const Error e = source->ClassifyError(*response);
  EXPECT_EQ(e.category, ErrorCategory::kAuth);
  EXPECT_TRUE(Contains(e.message, "integration system user")) << e.message;
  EXPECT_EQ(
      tenant.log(),
      std::vector<std::string>{
          "prospects " + httplib::make_basic_authentication_header("ISU_ATS", "wrong-password-123").second});
}

TEST(WorkdaySourceTest, AuthorizeReplacesAStaleBearerAndRefusesForeignHosts) {
  Tenant tenant;
  auto source = MakeSource(TenantConn(tenant, false));
  http::Client client;
  auto request = source->BuildRequest(Entity::kJob, std::nullopt);
  ASSERT_TRUE(request.ok());
  request->headers.emplace_back("authorization", "Bearer stale-token");
  ASSERT_TRUE(source->Authorize(*request, client).ok());
  int authorizations = 0;
  for (const auto& [name, value] : request->headers) {
    if (name == "Authorization" || name == "authorization") {
      ++authorizations;
      EXPECT_EQ(value, "Bearer tenant-access-1");
    }
  }
  EXPECT_EQ(authorizations, 1);

  http::Request foreign;
  foreign.url = "https://evil.example.com/ccx/api/v1/acme/x";
  auto refused = source->Authorize(foreign, client);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().category, ErrorCategory::kUnsafeUrl);
  EXPECT_EQ(Header(foreign, "Authorization"), nullptr);
}

TEST(WorkdaySourceTest, TheTokenEndpointIsDerivedFromTheRestEndpoint) {
  Tenant tenant;
  auto source = MakeSource(TenantConn(tenant, false));
  http::Client client;
  auto request = source->BuildRequest(Entity::kJob, std::nullopt);
  ASSERT_TRUE(request.ok());
  ASSERT_TRUE(source->Authorize(*request, client).ok());
  EXPECT_EQ(tenant.log(), std::vector<std::string>{"token"});
}

}  // namespace
}  // namespace ats::connectors
