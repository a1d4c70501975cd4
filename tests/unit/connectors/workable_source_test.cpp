#include "connectors/workable/workable_source.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "support/test_support.hpp"

namespace ats::connectors {
namespace {

constexpr char kToken[] = "wk-test-token-7f3a9c21e8";

config::ConnectionConfig Conn(const std::string& base_url = "https://acme.workable.com/spi/v3") {
  config::ConnectionConfig conn;
  conn.id = "acme";
  conn.source = "workable";
  conn.workable.subdomain = "acme";
  conn.workable.api_token = kToken;
  conn.workable.base_url = base_url;
  conn.workable.page_size = 100;
  conn.request_timeout_s = 20;
  return conn;
}

std::unique_ptr<WorkableSource> MakeSource(const config::ConnectionConfig& conn = Conn()) {
  auto source = WorkableSource::Create(conn);
  EXPECT_TRUE(source.ok()) << source.error().message;
  return std::move(source).value();
}

std::string Fixture(const std::string& name) {
  const std::string path = testing::SourceDir() + "/tests/fixtures/workable/" + name;
  std::string body = testing::ReadFile(path);
  EXPECT_FALSE(body.empty()) << "missing fixture " << path;
  return body;
}

http::Response Ok(std::string body) {
  http::Response response;
  response.status = 200;
  response.body = std::move(body);
  return response;
}

http::Response Status(long status, std::string body = "") {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

const std::string& Field(const Record& record, const std::string& name) {
  static const std::string kAbsent = "<absent>";
  auto it = record.fields.find(name);
  return it == record.fields.end() ? kAbsent : it->second;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- identity, Create ----------------------------------------------------------------------

TEST(WorkableSourceTest, NameEntitiesAndSecrets) {
  auto source = MakeSource();
  EXPECT_EQ(source->name(), "workable");
  EXPECT_EQ(source->entities(), (std::vector<Entity>{Entity::kJob, Entity::kCandidate}));
  EXPECT_EQ(source->secrets(), std::vector<std::string>{kToken});
}

TEST(WorkableSourceTest, CreateRefusesPlainHttpUnlessAllowed) {
  auto conn = Conn("http://127.0.0.1:8080/spi/v3");
  auto refused = WorkableSource::Create(conn);
  ASSERT_FALSE(refused.ok());
  EXPECT_FALSE(refused.error().retryable());
  EXPECT_EQ(refused.error().category, ErrorCategory::kConfig);
  EXPECT_TRUE(Contains(refused.error().message, "allow_insecure_http")) << refused.error().message;

  conn.workable.allow_insecure_http = true;
  EXPECT_TRUE(WorkableSource::Create(conn).ok());
}

TEST(WorkableSourceTest, CreateRefusesAnUnusableBaseUrlOrAnEmptyToken) {
  const std::vector<std::string> bad_urls = {
      "acme.workable.com/spi/v3", "ftp://acme.workable.com/",
      std::string("https://user:") + kToken + "@acme.workable.com/spi/v3"};
  for (const std::string& bad : bad_urls) {
    auto result = WorkableSource::Create(Conn(bad));
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().category, ErrorCategory::kConfig);
    EXPECT_FALSE(Contains(result.error().message, kToken)) << result.error().message;
  }
  auto conn = Conn();
  conn.workable.api_token.clear();
  auto result = WorkableSource::Create(conn);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().category, ErrorCategory::kConfig);
  EXPECT_TRUE(Contains(result.error().message, "api_token_file")) << result.error().message;
}

// ---- BuildRequest --------------------------------------------------------------------------

TEST(WorkableSourceTest, FirstPageRequestsHaveLimitBearerAndNoStateFilter) {
  auto conn = Conn();
  conn.workable.page_size = 50;
  auto source = MakeSource(conn);

  auto jobs = source->BuildRequest(Entity::kJob, std::nullopt);
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  EXPECT_EQ(jobs->method, "GET");
  EXPECT_EQ(jobs->url, "https://acme.workable.com/spi/v3/jobs?limit=50");
  EXPECT_FALSE(Contains(jobs->url, "state"));
  EXPECT_EQ(jobs->timeout, std::chrono::seconds(20));
  using Header = std::pair<std::string, std::string>;
  EXPECT_NE(std::find(jobs->headers.begin(), jobs->headers.end(),
                      Header{"Authorization", std::string("Bearer ") + kToken}),
            jobs->headers.end());
  EXPECT_NE(std::find(jobs->headers.begin(), jobs->headers.end(), Header{"Accept", "application/json"}),
            jobs->headers.end());
  EXPECT_NE(std::find(jobs->headers.begin(), jobs->headers.end(), Header{"User-Agent", "ats-connector/0.1"}),
            jobs->headers.end());

  auto candidates = source->BuildRequest(Entity::kCandidate, std::nullopt);
  ASSERT_TRUE(candidates.ok()) << candidates.error().message;
  EXPECT_EQ(candidates->url, "https://acme.workable.com/spi/v3/candidates?limit=50");
}

TEST(WorkableSourceTest, BaseUrlFromSubdomainAndTrailingSlashOverride) {
  auto conn = Conn("");
  auto from_subdomain = MakeSource(conn)->BuildRequest(Entity::kJob, std::nullopt);
  ASSERT_TRUE(from_subdomain.ok());
  EXPECT_EQ(from_subdomain->url, "https://acme.workable.com/spi/v3/jobs?limit=100");

  conn.workable.base_url = "http://127.0.0.1:18080/spi/v3/";
  conn.workable.allow_insecure_http = true;
  auto overridden = MakeSource(conn)->BuildRequest(Entity::kCandidate, std::nullopt);
  ASSERT_TRUE(overridden.ok());
  EXPECT_EQ(overridden->url, "http://127.0.0.1:18080/spi/v3/candidates?limit=100");
}

TEST(WorkableSourceTest, CursorIsUsedVerbatimOnTheSameOrigin) {
  auto source = MakeSource();
  const std::string next = "https://acme.workable.com/spi/v3/candidates?limit=100&since_id=2727030b";
  auto request = source->BuildRequest(Entity::kCandidate, next);
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->url, next);

  // The legacy per-job path Workable hands out when filtering by shortcode: same origin, kept.
  const std::string legacy_path = "https://acme.workable.com/spi/v3/jobs/GROOV003/candidates?limit=50&since_id=ce4da98";
  auto legacy = source->BuildRequest(Entity::kCandidate, legacy_path);
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->url, legacy_path);
}

TEST(WorkableSourceTest, ForeignHostCursorIsRefusedWithoutLeakingTheToken) {
  auto source = MakeSource();
  for (const std::string next : {
           "https://www.workable.com/spi/v3/accounts/acme/jobs?limit=1&since_id=61884e3",
           "https://acme.workable.com.evil.example/spi/v3/jobs?limit=1",
           "http://acme.workable.com/spi/v3/jobs?limit=1",
           "https://acme.workable.com:8443/spi/v3/jobs?limit=1",
       }) {
    auto request = source->BuildRequest(Entity::kJob, next);
    ASSERT_FALSE(request.ok()) << next;
    EXPECT_FALSE(request.error().retryable());
    EXPECT_EQ(request.error().category, ErrorCategory::kUnsafeUrl);
    EXPECT_TRUE(Contains(request.error().message, "refusing to send the API token")) << request.error().message;
    EXPECT_TRUE(Contains(request.error().message, "acme.workable.com")) << request.error().message;
    EXPECT_FALSE(Contains(request.error().message, kToken)) << request.error().message;
  }
  auto www = source->BuildRequest(Entity::kJob, "https://www.workable.com/spi/v3/accounts/acme/jobs");
  ASSERT_FALSE(www.ok());
  EXPECT_TRUE(Contains(www.error().message, "paging.next points at www.workable.com, not acme.workable.com"))
      << www.error().message;

  for (const std::string garbage : {"/spi/v3/jobs?since_id=1", "", "https://user@acme.workable.com/x"}) {
    auto request = source->BuildRequest(Entity::kJob, garbage);
    ASSERT_FALSE(request.ok()) << garbage;
    EXPECT_EQ(request.error().category, ErrorCategory::kUnsafeUrl);
  }
}

TEST(WorkableSourceTest, LegacyNextFromAFixtureIsRefused) {
  auto source = MakeSource();
  auto page = source->ParsePage(Entity::kJob, Ok(Fixture("jobs_legacy_next.json")));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_TRUE(page->next.has_value());
  auto request = source->BuildRequest(Entity::kJob, page->next);
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.error().category, ErrorCategory::kUnsafeUrl);
}

// ---- ParsePage: jobs -----------------------------------------------------------------------

TEST(WorkableSourceTest, ParsesAJobsPageWithPaging) {
  auto source = MakeSource();
  auto page = source->ParsePage(Entity::kJob, Ok(Fixture("jobs_page1.json")));
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_TRUE(page->rejected.empty());
  ASSERT_EQ(page->records.size(), 2u);
  ASSERT_TRUE(page->next.has_value());
  EXPECT_EQ(*page->next, "https://acme.workable.com/spi/v3/jobs?limit=2&since_id=61884e8");

  const Record& job = page->records[0];
  EXPECT_EQ(job.entity, Entity::kJob);
  EXPECT_EQ(job.id, "GROOV003");  // jobs are keyed by shortcode
  EXPECT_EQ(job.parent_id, "");
  EXPECT_EQ(job.updated_at, "2026-07-21T14:02:11Z");
  EXPECT_EQ(Field(job, "id"), "\"61884e2\"");
  EXPECT_EQ(Field(job, "shortcode"), "\"GROOV003\"");
  EXPECT_EQ(Field(job, "title"), "\"Sales Intern\"");
  EXPECT_EQ(Field(job, "full_title"), "\"Sales Intern - US/3/SI\"");
  EXPECT_EQ(Field(job, "code"), "\"US/3/SI\"");
  EXPECT_EQ(Field(job, "state"), "\"draft\"");
  EXPECT_EQ(Field(job, "department"), "\"Sales\"");
  EXPECT_EQ(Field(job, "url"), "\"https://acme.workable.com/jobs/102268944\"");
  EXPECT_EQ(Field(job, "application_url"), "\"https://acme.workable.com/jobs/102268944/candidates/new\"");
  EXPECT_EQ(Field(job, "shortlink"), "\"https://acme.workable.com/j/GROOV003\"");
  EXPECT_EQ(Field(job, "location"),
            R"({"location_str":"Portland, Oregon, United States","country":"United States",)"
            R"("country_code":"US","region":"Oregon","region_code":"OR","city":"Portland",)"
            R"("zip_code":"97201","telecommuting":false,"workplace_type":"on_site"})");
  EXPECT_EQ(Field(job, "created_at"), "\"2026-03-02T08:15:31Z\"");
  EXPECT_EQ(Field(job, "updated_at"), "\"2026-07-21T14:02:11Z\"");
  // Not kept: salary, keywords, department_hierarchy, locations, sample, confidential.
  EXPECT_EQ(job.fields.size(), 13u);
  EXPECT_EQ(Field(job, "salary"), "<absent>");
  EXPECT_EQ(Field(job, "confidential"), "<absent>");

  EXPECT_EQ(page->records[1].id, "B3627BCF5D");
  EXPECT_EQ(Field(page->records[1], "state"), "\"published\"");
}

TEST(WorkableSourceTest, LastJobsPageHasNoNextAndKeepsNulls) {
  auto source = MakeSource();
  auto page = source->ParsePage(Entity::kJob, Ok(Fixture("jobs_last_page.json")));
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_FALSE(page->next.has_value());
  ASSERT_EQ(page->records.size(), 1u);
  const Record& job = page->records[0];
  EXPECT_EQ(job.id, "8F2A11C0E4");
  EXPECT_EQ(Field(job, "code"), "null");
  EXPECT_EQ(Field(job, "department"), "null");
  EXPECT_EQ(Field(job, "state"), "\"closed\"");
  EXPECT_TRUE(Contains(Field(job, "location"), R"("region":null)"));
  EXPECT_TRUE(Contains(Field(job, "location"), R"("telecommuting":true)"));
}

TEST(WorkableSourceTest, JobWithoutShortcodeIsRejected) {
  auto source = MakeSource();
  auto page = source->ParsePage(
      Entity::kJob,
      Ok(R"({"jobs":[{"id":"1","title":"No code"},{"shortcode":"AB12","title":"Fine","location":"Paris"},)"
         R"({"shortcode":"CD34","title":"Ok"}]})"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].id, "CD34");
  ASSERT_EQ(page->rejected.size(), 2u);
  EXPECT_EQ(page->rejected[0].entity, Entity::kJob);
  EXPECT_EQ(page->rejected[0].reason, "missing required field 'shortcode'");
  EXPECT_EQ(page->rejected[0].raw, R"({"id":"1","title":"No code"})");
  EXPECT_EQ(page->rejected[1].reason, "field 'location' must be an object or null, got string");
}

// ---- ParsePage: candidates -----------------------------------------------------------------

TEST(WorkableSourceTest, ParsesACandidatesPageExactly) {
  auto source = MakeSource();
  auto page = source->ParsePage(Entity::kCandidate, Ok(Fixture("candidates_page1.json")));
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_TRUE(page->rejected.empty());
  ASSERT_EQ(page->records.size(), 4u);
  ASSERT_TRUE(page->next.has_value());
  EXPECT_EQ(*page->next, "https://acme.workable.com/spi/v3/candidates?limit=4&since_id=2727030b");

  const Record& applied = page->records[0];
  EXPECT_EQ(applied.entity, Entity::kCandidate);
  EXPECT_EQ(applied.id, "ce4da98");
  EXPECT_EQ(applied.parent_id, "GROOV003");
  EXPECT_EQ(applied.updated_at, "2026-07-20T08:01:44Z");
  const std::map<std::string, std::string> expected = {
      {"id", "\"ce4da98\""},
      {"name", "\"Lakita Marrero\""},
      {"firstname", "\"Lakita\""},
      {"lastname", "\"Marrero\""},
      {"headline", "\"Operations Manager\""},
      {"email", "\"lakita_marrero@example.com\""},
      {"phone", "\"+1 503 555 0142\""},
      {"job_shortcode", "\"GROOV003\""},
      {"job_title", "\"Sales Intern\""},
      {"stage", "\"Applied\""},
      {"stage_kind", "\"applied\""},
      {"disqualified", "false"},
      {"disqualification_reason", "null"},
      {"hired_at", "null"},
      {"sourced", "false"},
      {"profile_url", "\"https://acme.workable.com/backend/jobs/102268944/candidates/656866801\""},
      {"domain", "\"workable.com\""},
      {"created_at", "\"2026-04-21T05:50:12Z\""},
      {"updated_at", "\"2026-07-20T08:01:44Z\""},
  };
  EXPECT_EQ(applied.fields, expected);  // withdrew is absent in the source, so absent here

  const Record& hired = page->records[1];
  EXPECT_EQ(hired.id, "108d1748");
  EXPECT_EQ(hired.parent_id, "B3627BCF5D");
  EXPECT_EQ(Field(hired, "name"), "\"Jörg Ångström\"");
  EXPECT_EQ(Field(hired, "stage"), "\"Hired\"");
  EXPECT_EQ(Field(hired, "stage_kind"), "\"hired\"");
  EXPECT_EQ(Field(hired, "hired_at"), "\"2026-07-22T16:40:00Z\"");
  EXPECT_EQ(Field(hired, "sourced"), "true");
  EXPECT_EQ(Field(hired, "phone"), "null");

  const Record& disqualified = page->records[2];
  EXPECT_EQ(disqualified.id, "272702e9");
  EXPECT_EQ(Field(disqualified, "stage"), "\"Phone Screen\"");  // display name
  EXPECT_EQ(Field(disqualified, "stage_kind"), "\"phone-screen\"");  // slug
  EXPECT_EQ(Field(disqualified, "disqualified"), "true");
  EXPECT_EQ(Field(disqualified, "disqualification_reason"), "\"Doesn't have required experience\"");
  EXPECT_EQ(Field(disqualified, "phone"), "<absent>");  // not in the source record

  const Record& nulls = page->records[3];
  EXPECT_EQ(nulls.id, "2727030a");
  EXPECT_EQ(nulls.updated_at, "");  // updated_at: null
  EXPECT_EQ(Field(nulls, "updated_at"), "null");
  EXPECT_EQ(Field(nulls, "name"), R"("Sam \"The Closer\" O'Neil")");
  EXPECT_EQ(Field(nulls, "headline"), "null");
  EXPECT_EQ(Field(nulls, "email"), "null");
  EXPECT_EQ(Field(nulls, "withdrew"), "false");
}

TEST(WorkableSourceTest, LastCandidatesPageHasNoNextAndIdsOfAnyLength) {
  auto source = MakeSource();
  auto page = source->ParsePage(Entity::kCandidate, Ok(Fixture("candidates_last_page.json")));
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_FALSE(page->next.has_value());
  ASSERT_EQ(page->records.size(), 2u);
  EXPECT_EQ(page->records[0].id, "2727030b");
  EXPECT_EQ(page->records[1].id, "3a1f0c2b9");
  EXPECT_EQ(page->records[1].parent_id, "8F2A11C0E4");
  EXPECT_EQ(Field(page->records[1], "firstname"), "null");
}

TEST(WorkableSourceTest, BadRecordsAreRejectedAndTheRestStillParse) {
  auto source = MakeSource();
  auto page = source->ParsePage(Entity::kCandidate, Ok(Fixture("candidates_with_bad_records.json")));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->records.size(), 2u);
  EXPECT_EQ(page->records[0].id, "4b00a1");
  EXPECT_EQ(page->records[1].id, "4b00a9");
  EXPECT_EQ(Field(page->records[1], "stage"), "\"Offer\"");

  std::vector<std::string> reasons;
  for (const auto& r : page->rejected) {
    EXPECT_EQ(r.entity, Entity::kCandidate);
    reasons.push_back(r.reason);
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{
                         "missing required field 'id'",
                         "field 'stage' must be a string or null, got number",
                         "field 'disqualified' must be a boolean or null, got string",
                         "missing required field 'job.shortcode'",
                         "field 'id' must be a non-empty string, got \"\"",
                         "field 'id' must be a non-empty string, got number",
                         "record is not a JSON object, got string",
                     }));
  // The raw JSON of each rejected element is kept as received.
  ASSERT_EQ(page->rejected.size(), 7u);
  EXPECT_TRUE(page->rejected[0].raw.starts_with("{")) << page->rejected[0].raw;
  EXPECT_TRUE(page->rejected[0].raw.ends_with("}")) << page->rejected[0].raw;
  EXPECT_TRUE(Contains(page->rejected[0].raw, "\"name\": \"No Id\"")) << page->rejected[0].raw;
  EXPECT_TRUE(Contains(page->rejected[1].raw, "\"stage\": 3")) << page->rejected[1].raw;
  EXPECT_EQ(page->rejected[6].raw, "\"not a candidate\"");
}

TEST(WorkableSourceTest, RejectionInsideANestedObjectLeavesTheParserOnTrack) {
  auto source = MakeSource();
  auto page = source->ParsePage(
      Entity::kCandidate,
      Ok(R"({"candidates":[)"
         R"({"id":"n1","job":{"shortcode":5,"title":"x"},"stage":"Applied","tags":[{"a":[1,2]}]},)"
         R"([1,2],)"
         R"({"id":"n3","job":null},)"
         R"({"id":"n4","job":{"title":"T","shortcode":"SC4"},"withdrew":null}],)"
         R"("paging":{"next":"https://acme.workable.com/spi/v3/candidates?since_id=n5"}})"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->rejected.size(), 3u);
  EXPECT_EQ(page->rejected[0].reason, "field 'job.shortcode' must be a non-empty string, got number");
  EXPECT_EQ(page->rejected[0].raw,
            R"({"id":"n1","job":{"shortcode":5,"title":"x"},"stage":"Applied","tags":[{"a":[1,2]}]})");
  EXPECT_EQ(page->rejected[1].reason, "record is not a JSON object, got array");
  EXPECT_EQ(page->rejected[1].raw, "[1,2]");
  EXPECT_EQ(page->rejected[2].reason, "field 'job' must be an object, got null");
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].id, "n4");
  EXPECT_EQ(page->records[0].parent_id, "SC4");
  EXPECT_EQ(Field(page->records[0], "withdrew"), "null");
  EXPECT_EQ(page->next, std::optional<std::string>("https://acme.workable.com/spi/v3/candidates?since_id=n5"));
}

TEST(WorkableSourceTest, IdsAreKeptByteForByte) {
  auto source = MakeSource();
  auto page = source->ParsePage(
      Entity::kCandidate,
      Ok(R"({"candidates":[{"id":"00ab\u00e9 x\/y","job":{"shortcode":"A\"B"}}]})"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].id, "00ab\xC3\xA9 x/y");
  EXPECT_EQ(page->records[0].parent_id, "A\"B");
  EXPECT_EQ(Field(page->records[0], "job_shortcode"), R"("A\"B")");
  EXPECT_EQ(Field(page->records[0], "job_title"), "<absent>");
}

TEST(WorkableSourceTest, EmptyOrNullNextMeansLastPage) {
  auto source = MakeSource();
  for (const std::string body : {R"({"candidates":[],"paging":{"next":""}})",
                                 R"({"candidates":[],"paging":{"next":null}})",
                                 R"({"candidates":[],"paging":{}})", R"({"paging":null,"candidates":[]})"}) {
    auto page = source->ParsePage(Entity::kCandidate, Ok(body));
    ASSERT_TRUE(page.ok()) << body << ": " << page.error().message;
    EXPECT_FALSE(page->next.has_value()) << body;
    EXPECT_TRUE(page->records.empty());
  }
  // paging before the array is fine too
  auto page = source->ParsePage(
      Entity::kJob, Ok(R"({"paging":{"next":"https://acme.workable.com/spi/v3/jobs?since_id=9"},"jobs":[]})"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->next, std::optional<std::string>("https://acme.workable.com/spi/v3/jobs?since_id=9"));
}

TEST(WorkableSourceTest, BodiesThatAreNotAPageAreRetryableBadResponses) {
  auto source = MakeSource();
  const std::vector<std::pair<Entity, std::string>> cases = {
      {Entity::kCandidate, "<html><body>Bad gateway</body></html>"},
      {Entity::kCandidate, ""},
      {Entity::kCandidate, R"({"candidates":[{"id":"a","job":{"shortcode":"B"}})"},  // truncated
      {Entity::kCandidate, R"({"jobs":[]})"},                                           // wrong array
      {Entity::kJob, R"({"jobs":{"id":"x"}})"},                                         // not an array
      {Entity::kJob, R"([{"shortcode":"X"}])"},                                         // not an object
      {Entity::kJob, R"({"jobs":[],"paging":{"next":42}})"},                            // next not a URL
      {Entity::kJob, R"({"jobs":[],"paging":"soon"})"},
      {Entity::kJob, R"({"jobs":[]} {"jobs":[]})"},                                     // two documents
  };
  for (const auto& [entity, body] : cases) {
    auto page = source->ParsePage(entity, Ok(body));
    ASSERT_FALSE(page.ok()) << body;
    EXPECT_TRUE(page.error().retryable()) << body;
    EXPECT_EQ(page.error().category, ErrorCategory::kBadResponse) << body;
    const std::string path = entity == Entity::kJob ? "/spi/v3/jobs" : "/spi/v3/candidates";
    EXPECT_TRUE(page.error().message.starts_with("unexpected response from " + path + ": "))
        << page.error().message;
  }
}

TEST(WorkableSourceTest, ParserIsReusableAcrossPages) {
  auto source = MakeSource();
  for (int i = 0; i < 3; ++i) {
    auto jobs = source->ParsePage(Entity::kJob, Ok(Fixture("jobs_page1.json")));
    ASSERT_TRUE(jobs.ok());
    EXPECT_EQ(jobs->records.size(), 2u);
    auto broken = source->ParsePage(Entity::kJob, Ok("{\"jobs\":["));
    EXPECT_FALSE(broken.ok());
    auto candidates = source->ParsePage(Entity::kCandidate, Ok(Fixture("candidates_last_page.json")));
    ASSERT_TRUE(candidates.ok());
    EXPECT_EQ(candidates->records.size(), 2u);
  }
}

// ---- ClassifyError -------------------------------------------------------------------------

TEST(WorkableSourceTest, ClassifiesAuthScopeAndSubdomainErrors) {
  auto source = MakeSource();

  const Error unauthorized = source->ClassifyError(Status(401, Fixture("error_401_not_authorized.json")));
  EXPECT_FALSE(unauthorized.retryable());
  EXPECT_EQ(unauthorized.category, ErrorCategory::kAuth);
  EXPECT_TRUE(Contains(unauthorized.message, "401 Not authorized")) << unauthorized.message;
  EXPECT_TRUE(Contains(unauthorized.message, "Settings → Integrations")) << unauthorized.message;
  EXPECT_TRUE(Contains(unauthorized.message, "api_token_file")) << unauthorized.message;
  EXPECT_FALSE(Contains(unauthorized.message, kToken));

  const Error forbidden = source->ClassifyError(Status(403, Fixture("error_403_forbidden.json")));
  EXPECT_FALSE(forbidden.retryable());
  EXPECT_EQ(forbidden.category, ErrorCategory::kPermission);
  EXPECT_TRUE(Contains(forbidden.message, "r_jobs and r_candidates")) << forbidden.message;

  const Error not_found = source->ClassifyError(Status(404, Fixture("error_404_not_found.json")));
  EXPECT_FALSE(not_found.retryable());
  EXPECT_EQ(not_found.category, ErrorCategory::kNotFound);
  EXPECT_TRUE(Contains(not_found.message, "no Workable account at acme.workable.com (404)")) << not_found.message;
  EXPECT_TRUE(Contains(not_found.message, "workable.subdomain")) << not_found.message;
}

TEST(WorkableSourceTest, ClassifiesRateLimitServerAndOtherErrors) {
  auto source = MakeSource();

  const Error limited = source->ClassifyError(Status(429));
  EXPECT_TRUE(limited.retryable());
  EXPECT_EQ(limited.category, ErrorCategory::kRateLimited);

  for (long status : {500L, 502L, 503L}) {
    const Error server = source->ClassifyError(Status(status, "<html>oops</html>"));
    EXPECT_TRUE(server.retryable());
    EXPECT_EQ(server.category, ErrorCategory::kServer);
    EXPECT_TRUE(Contains(server.message, std::to_string(status))) << server.message;
  }

  const Error unprocessable = source->ClassifyError(Status(422, Fixture("error_422_validation.json")));
  EXPECT_FALSE(unprocessable.retryable());
  EXPECT_EQ(unprocessable.category, ErrorCategory::kBadResponse);
  EXPECT_TRUE(Contains(unprocessable.message, "Validation failed")) << unprocessable.message;

  http::Response redirect = Status(301);
  redirect.headers["location"] = "https://evil.example/spi/v3/jobs?token=x";
  const Error moved = source->ClassifyError(redirect);
  EXPECT_FALSE(moved.retryable());
  EXPECT_EQ(moved.category, ErrorCategory::kBadResponse);
  EXPECT_TRUE(Contains(moved.message, "evil.example")) << moved.message;
  EXPECT_FALSE(Contains(moved.message, "token=x")) << moved.message;
}

TEST(WorkableSourceTest, IncludesWorkablesOwnErrorTextWhenItSaysMore) {
  auto source = MakeSource();
  const Error e = source->ClassifyError(Status(401, R"({"error":"Token expired on 2026-07-01"})"));
  EXPECT_EQ(e.category, ErrorCategory::kAuth);
  EXPECT_TRUE(Contains(e.message, "Token expired on 2026-07-01")) << e.message;

  const Error echoed = source->ClassifyError(Status(500, std::string(R"({"error":"bad token )") + kToken + "\"}"));
  EXPECT_FALSE(Contains(echoed.message, kToken)) << echoed.message;
}

// ---- ParseRateLimit ------------------------------------------------------------------------

TEST(WorkableSourceTest, ParsesRateLimitHeaders) {
  auto source = MakeSource();
  http::Response response = Ok("{}");
  response.headers = {{"x-rate-limit-limit", "10"},
                      {"x-rate-limit-remaining", "0"},
                      {"x-rate-limit-reset", "1785000010"},
                      {"retry-after", "7"}};
  const RateLimitInfo info = source->ParseRateLimit(response);
  EXPECT_EQ(info.limit, 10);
  EXPECT_EQ(info.remaining, 0);
  EXPECT_EQ(info.reset_epoch_s, 1785000010);
  EXPECT_EQ(info.retry_after_s, 7);
}

TEST(WorkableSourceTest, MissingOrMalformedRateLimitHeadersAreIgnored) {
  auto source = MakeSource();
  const RateLimitInfo none = source->ParseRateLimit(Ok("{}"));
  EXPECT_FALSE(none.limit || none.remaining || none.reset_epoch_s || none.retry_after_s);

  http::Response response = Ok("{}");
  response.headers = {{"x-rate-limit-limit", "ten"},
                      {"x-rate-limit-remaining", "-1"},
                      {"x-rate-limit-reset", "17850000.5"},
                      {"retry-after", "Wed, 21 Oct 2026 07:28:00 GMT"}};
  const RateLimitInfo bad = source->ParseRateLimit(response);
  EXPECT_FALSE(bad.limit.has_value());
  EXPECT_FALSE(bad.remaining.has_value());
  EXPECT_FALSE(bad.reset_epoch_s.has_value());
  EXPECT_FALSE(bad.retry_after_s.has_value());
}

}  // namespace
}  // namespace ats::connectors
