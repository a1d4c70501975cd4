// The simulated Workday tenant's REST job postings and RaaS report as a client sees them over
// loopback HTTP: shapes, paging, prompts, streaming, errors and faults.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/time.hpp"
#include "sim/workday_tenant.hpp"
#include "workday_test_util.hpp"

namespace ats::sim {
namespace {

using namespace wdtest;

bool IsWid(std::string_view s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char ch) {
           return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
         });
}

// A started tenant and an access token for it.
struct Fixture {
  explicit Fixture(WorkdayTenantOptions o) : options(std::move(o)), tenant(options) {
    started = tenant.Start();
    if (started) token = Token(tenant, options);
  }
  WorkdayTenantOptions options;
  WorkdayTenant tenant;
  bool started = false;
  std::string token;
  httplib::Headers auth() const { return Bearer(token); }
};

// A report row's columns as strings ("<null>" for null, "<group>" for the skills group).
using Row = std::map<std::string, std::string>;
std::vector<Row> ReportRows(const std::string& body) {
  std::vector<Row> rows;
  Json j = Parse(body);
  if (!j.ok) {
    ADD_FAILURE() << "report is not JSON: " << body.substr(0, 200);
    return rows;
  }
  simdjson::dom::array entries;
  if (j.root["Report_Entry"].get(entries) != simdjson::SUCCESS) {
    ADD_FAILURE() << "no Report_Entry array: " << body.substr(0, 200);
    return rows;
  }
  for (simdjson::dom::object entry : entries) {
    Row row;
    for (auto field : entry) {
      std::string_view v;
      if (field.value.is_null()) {
        row[std::string(field.key)] = "<null>";
      } else if (field.value.get_string().get(v) == simdjson::SUCCESS) {
        row[std::string(field.key)] = std::string(v);
      } else {
        row[std::string(field.key)] = "<group>";
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Row> Report(const Fixture& f, const std::string& query = "") {
  Download d = Fetch(f.tenant, ReportPath(f.options) + "?format=json" + query, f.auth());
  EXPECT_EQ(d.status, 200) << d.body;
  return ReportRows(d.body);
}

void ExpectRowIs(const Row& row, const SimApplication& a) {
  EXPECT_EQ(row.at("Candidate_ID"), a.candidate_id);
  EXPECT_EQ(row.at("Job_Application_ID"), a.application_id);
  EXPECT_EQ(row.at("Job_Requisition_ID"), a.requisition_id);
  EXPECT_EQ(row.at("Candidate_Name"), a.name);
  EXPECT_EQ(row.at("Email"), a.email);
  EXPECT_EQ(row.at("Phone"), a.phone);
  EXPECT_EQ(row.at("Stage"), a.stage);
  EXPECT_EQ(row.at("Status"), a.status);
  EXPECT_EQ(row.at("Last_Updated"), a.last_updated);
}

// Workday's error shape: {"error": ..., "errors": [{"error": ..., "field", "path"}]}.
simdjson::dom::element FirstError(const Json& j) {
  return j.root["errors"].at(0).value();
}

// --- REST job postings ---

TEST(WorkdayTenantRest, PagesWithLimitAndOffsetAndReportsTheTotal) {
  Fixture f(Options(45, 10));
  ASSERT_TRUE(f.started);
  const auto truth = f.tenant.postings();
  ASSERT_EQ(truth.size(), 45u);
  std::vector<std::string> ids;
  std::vector<size_t> sizes;
  for (int offset = 0; offset < 45; offset += 20) {
    Reply r = Get(f.tenant, PostingsPath(f.options) + "?limit=20&offset=" + std::to_string(offset), f.auth());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "application/json; charset=utf-8");
    Json j = Parse(r.body);
    ASSERT_TRUE(j.ok);
    EXPECT_EQ(j.root["total"].get_int64().value(), 45);
    size_t n = 0;
    for (auto p : j.root["data"].get_array()) {
      ids.push_back(Str(p, "id"));
      ++n;
    }
    sizes.push_back(n);
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{20, 20, 5}));  // the last page is short
  ASSERT_EQ(ids.size(), truth.size());
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], truth[i].id);

  // Past the end: no data, the same total.
  Reply past = Get(f.tenant, PostingsPath(f.options) + "?offset=45", f.auth());
  Json j = Parse(past.body);
  ASSERT_TRUE(j.ok);
  EXPECT_EQ(j.root["data"].get_array().size(), 0u);
  EXPECT_EQ(j.root["total"].get_int64().value(), 45);
}

TEST(WorkdayTenantRest, LimitDefaultsTo20AndIsCappedAt100) {
  Fixture f(Options(130, 0));
  ASSERT_TRUE(f.started);
  for (const auto& [query, size] : {std::pair{"", 20u}, std::pair{"?limit=1000", 100u},
                                    std::pair{"?limit=7", 7u}, std::pair{"?offset=120&limit=100", 10u}}) {
    Reply r = Get(f.tenant, PostingsPath(f.options) + query, f.auth());
    ASSERT_EQ(r.status, 200);
    Json j = Parse(r.body);
    ASSERT_TRUE(j.ok);
    EXPECT_EQ(j.root["data"].get_array().size(), size) << query;
    EXPECT_EQ(j.root["total"].get_int64().value(), 130);
  }
}

TEST(WorkdayTenantRest, BadPagingParametersAreValidationErrors) {
  Fixture f(Options(5, 0));
  ASSERT_TRUE(f.started);
  for (const auto& [query, field] : {std::pair{"?limit=0", "limit"}, std::pair{"?limit=abc", "limit"},
                                     std::pair{"?limit=-5", "limit"}, std::pair{"?offset=x", "offset"}}) {
    Reply r = Get(f.tenant, PostingsPath(f.options) + query, f.auth());
    EXPECT_EQ(r.status, 400) << query;
    Json j = Parse(r.body);
    ASSERT_TRUE(j.ok);
    EXPECT_EQ(Str(j.root, "error"), "Invalid request.");
    EXPECT_EQ(Str(FirstError(j), "field"), field);
    EXPECT_FALSE(Str(FirstError(j), "error").empty());
  }
}

TEST(WorkdayTenantRest, PostingsCarryWorkdayReferencesAndTheirRequisitionId) {
  Fixture f(Options(12, 0));
  ASSERT_TRUE(f.started);
  const auto truth = f.tenant.postings();
  Reply r = Get(f.tenant, PostingsPath(f.options) + "?limit=100", f.auth());
  ASSERT_EQ(r.status, 200);
  Json j = Parse(r.body);
  ASSERT_TRUE(j.ok);
  size_t i = 0;
  int with_end = 0, open_ended = 0;
  std::set<std::string> requisitions;
  for (auto p : j.root["data"].get_array()) {
    const SimPosting& t = truth[i++];
    EXPECT_TRUE(IsWid(Str(p, "id"))) << Str(p, "id");
    EXPECT_EQ(Str(p, "id"), t.id);
    EXPECT_EQ(Str(p, "title"), t.title);
    EXPECT_EQ(Str(p, "descriptor"), t.title);
    EXPECT_EQ(Str(p, "jobReqId"), t.requisition_id);
    EXPECT_EQ(t.requisition_id.rfind("R-", 0), 0u);
    EXPECT_EQ(t.requisition_id.size(), 7u);
    requisitions.insert(t.requisition_id);
    auto req = p["jobRequisition"].value();
    EXPECT_TRUE(IsWid(Str(req, "id")));
    EXPECT_NE(Str(req, "id"), t.id);
    EXPECT_EQ(Str(req, "descriptor"), t.requisition_id + " " + t.title);
    EXPECT_EQ(Str(req, "href"), "http://127.0.0.1:" + std::to_string(f.tenant.port()) +
                                    "/ccx/api/recruiting/v4/acme/jobRequisitions/" + Str(req, "id"));
    for (const char* ref : {"jobPostingSite", "jobType", "timeType", "primaryLocation"}) {
      EXPECT_TRUE(IsWid(Str(p[ref].value(), "id"))) << ref;
      EXPECT_FALSE(Str(p[ref].value(), "descriptor").empty()) << ref;
    }
    EXPECT_EQ(Str(p, "startDate"), t.posted_on);
    EXPECT_EQ(t.posted_on.size(), 10u);
    if (IsNull(p, "endDate")) {
      ++open_ended;
    } else {
      ++with_end;
      EXPECT_GT(Str(p, "endDate"), t.posted_on);
    }
    EXPECT_NE(Str(p, "url").find(t.requisition_id), std::string::npos);

    // The posting by its WID, on the legacy path style too.
    for (const std::string& base : {PostingsPath(f.options), std::string("/ccx/api/v1/acme/jobPostings")}) {
      Reply one = Get(f.tenant, base + "/" + t.id, f.auth());
      ASSERT_EQ(one.status, 200) << base;
      Json oj = Parse(one.body);
      ASSERT_TRUE(oj.ok);
      EXPECT_EQ(Str(oj.root, "jobReqId"), t.requisition_id);
    }
  }
  EXPECT_EQ(i, 12u);
  EXPECT_EQ(requisitions.size(), 12u);
  EXPECT_GT(with_end, 0);
  EXPECT_GT(open_ended, 0);
}

TEST(WorkdayTenantRest, LegacyEndpointListsTheSamePostings) {
  Fixture f(Options(5, 0));
  ASSERT_TRUE(f.started);
  EXPECT_EQ(f.tenant.rest_endpoint(),
            "http://127.0.0.1:" + std::to_string(f.tenant.port()) + "/ccx/api/v1/acme");
  Reply a = Get(f.tenant, PostingsPath(f.options), f.auth());
  Reply b = Get(f.tenant, "/ccx/api/v1/acme/jobPostings", f.auth());
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body, b.body);
}

TEST(WorkdayTenantRest, UnknownPathsTenantsAndPostingsAre404WithWorkdayErrors) {
  Fixture f(Options(3, 0));
  ASSERT_TRUE(f.started);
  for (const std::string& path : std::vector<std::string>{
           "/ccx/api/recruiting/v4/other/jobPostings", "/ccx/api/recruiting/v4/acme/jobRequisitions",
           "/ccx/api/staffing/v6/acme/jobPostings",
           "/ccx/api/recruiting/v4/acme/jobPostings/" + std::string(32, 'a'), "/ccx/api/acme/jobPostings",
           "/elsewhere"}) {
    Reply r = Get(f.tenant, path, f.auth());
    EXPECT_EQ(r.status, 404) << path;
    Json j = Parse(r.body);
    ASSERT_TRUE(j.ok) << path;
    EXPECT_EQ(Str(j.root, "error"), "Resource not found.");
    EXPECT_EQ(Str(FirstError(j), "path"), path);
  }
  httplib::Client client("127.0.0.1", f.tenant.port());
  auto post = client.Post(PostingsPath(f.options), f.auth(), "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

TEST(WorkdayTenantRest, InsufficientScopeIs403WithS22UntilCleared) {
  Fixture f(Options(3, 10));
  ASSERT_TRUE(f.started);
  f.tenant.SetFault(WorkdayFault::kInsufficientScope);
  for (const std::string& path : {PostingsPath(f.options), ReportPath(f.options) + "?format=json"}) {
    for (int i = 0; i < 2; ++i) {
      Reply r = Get(f.tenant, path, f.auth());
      EXPECT_EQ(r.status, 403) << path;
      Json j = Parse(r.body);
      ASSERT_TRUE(j.ok);
      EXPECT_EQ(Str(j.root, "error"), "The API client does not have access to this resource");
      EXPECT_EQ(Str(FirstError(j), "code"), "S22");
      EXPECT_EQ(Str(FirstError(j), "path"), path.substr(0, path.find('?')));
    }
  }
  // A bad token is still 401 first: the scope is the client's, known only with a valid token.
  EXPECT_EQ(Get(f.tenant, PostingsPath(f.options), Bearer("x")).status, 401);
  f.tenant.SetFault(WorkdayFault::kNone);
  EXPECT_EQ(Get(f.tenant, PostingsPath(f.options), f.auth()).status, 200);

  f.tenant.SetFault(WorkdayFault::kInsufficientScope, 1);  // counted: the next call only
  EXPECT_EQ(Get(f.tenant, PostingsPath(f.options), f.auth()).status, 403);
  EXPECT_EQ(Get(f.tenant, PostingsPath(f.options), f.auth()).status, 200);
}

TEST(WorkdayTenantRest, ServerErrorFaultAnswers500ForTheNextCalls) {
  Fixture f(Options(3, 10));
  ASSERT_TRUE(f.started);
  f.tenant.SetFault(WorkdayFault::kServerError, 2);
  Reply a = Get(f.tenant, PostingsPath(f.options), f.auth());
  EXPECT_EQ(a.status, 500);
  Json j = Parse(a.body);
  ASSERT_TRUE(j.ok);
  EXPECT_EQ(Str(j.root, "error"), "Processing error occurred.");
  EXPECT_EQ(Get(f.tenant, ReportPath(f.options) + "?format=json", f.auth()).status, 500);
  EXPECT_EQ(Get(f.tenant, PostingsPath(f.options), f.auth()).status, 200);
  EXPECT_EQ(Fetch(f.tenant, ReportPath(f.options) + "?format=json", f.auth()).status, 200);
  // Token grants are not affected.
  f.tenant.SetFault(WorkdayFault::kServerError, 1);
  EXPECT_FALSE(Token(f.tenant, f.options).empty());
  const WorkdayStats s = f.tenant.stats();
  EXPECT_EQ(s.rest_requests, 2);
  EXPECT_EQ(s.report_requests, 2);
  EXPECT_EQ(s.token_requests, 2);
  EXPECT_EQ(s.requests, 6);
}

// --- RaaS report ---

TEST(WorkdayTenantReport, HasExactlyTheApplicationsAsWorkdayColumns) {
  Fixture f(Options(6, 300));
  ASSERT_TRUE(f.started);
  const auto truth = f.tenant.applications();
  ASSERT_EQ(truth.size(), 300u);
  Download d = Fetch(f.tenant, ReportPath(f.options) + "?format=json", f.auth());
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.error, httplib::Error::Success);
  auto header = [&d](const char* name) {
    auto it = d.headers.find(name);
    return it == d.headers.end() ? std::string("<none>") : it->second;
  };
  EXPECT_EQ(header("Content-Length"), "<none>");
  EXPECT_EQ(header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(header("Content-Type"), "application/json; charset=utf-8");
  const auto rows = ReportRows(d.body);
  ASSERT_EQ(rows.size(), truth.size());

  std::set<std::string> posting_requisitions;
  for (const auto& p : f.tenant.postings()) posting_requisitions.insert(p.requisition_id);
  std::set<std::string> sources, statuses, stages;
  int internal = 0, with_skills = 0, null_reasons = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    ExpectRowIs(row, truth[i]);
    // Every row's requisition is one a posting carries as jobReqId.
    EXPECT_TRUE(posting_requisitions.contains(row.at("Job_Requisition_ID"))) << row.at("Job_Requisition_ID");
    const std::string& updated = row.at("Last_Updated");
    ASSERT_EQ(updated.size(), 29u) << updated;  // 2026-02-03T10:15:00.000-08:00
    EXPECT_EQ(updated.substr(19), ".000-08:00");
    EXPECT_TRUE(ParseRfc3339(updated).has_value()) << updated;
    EXPECT_TRUE(row.at("Is_Internal") == "0" || row.at("Is_Internal") == "1");
    internal += row.at("Is_Internal") == "1";
    sources.insert(row.at("Source"));
    statuses.insert(row.at("Status"));
    stages.insert(row.at("Stage"));
    const bool dispositioned = row.at("Status") == "Declined" || row.at("Status") == "Withdrawn";
    EXPECT_EQ(row.at("Disposition_Reason") == "<null>", !dispositioned) << row.at("Status");
    null_reasons += row.at("Disposition_Reason") == "<null>";
    EXPECT_EQ(row.at("Referred_By") == "<null>", row.at("Source") != "Employee Referral");
    if (row.contains("Skills_group")) {
      EXPECT_EQ(row.at("Skills_group"), "<group>");
      ++with_skills;
    }
    if (row.at("Status") == "Hired") {
      EXPECT_EQ(row.at("Stage"), "Ready for Hire");
    }
  }
  EXPECT_GT(internal, 0);
  EXPECT_LT(internal, 300);
  EXPECT_GT(with_skills, 0);
  EXPECT_LT(with_skills, 300);  // the group is left out when a candidate has no skills
  EXPECT_GT(null_reasons, 0);
  EXPECT_GE(sources.size(), 5u);
  EXPECT_EQ(statuses, (std::set<std::string>{"Active", "Declined", "Hired", "Withdrawn"}));
  EXPECT_EQ(stages, (std::set<std::string>{"Review", "Screen", "Assessment", "Interview", "Reference Check",
                                           "Background Check", "Offer", "Ready for Hire"}));

  // Skills are a multi-instance group: [{"Skill": "..."}, ...].
  Json j = Parse(d.body);
  ASSERT_TRUE(j.ok);
  for (auto entry : j.root["Report_Entry"].get_array()) {
    simdjson::dom::array group;
    if (entry["Skills_group"].get(group) != simdjson::SUCCESS) continue;
    EXPECT_GE(group.size(), 1u);
    EXPECT_LE(group.size(), 3u);
    for (auto skill : group) EXPECT_FALSE(Str(skill, "Skill").empty());
  }
}

TEST(WorkdayTenantReport, ZeroRowsIsAnEmptyObject) {
  Fixture f(Options(3, 0));
  ASSERT_TRUE(f.started);
  Download d = Fetch(f.tenant, ReportPath(f.options) + "?format=json", f.auth());
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.body, "{}");
  // As after removing every row.
  Fixture g(Options(3, 2));
  ASSERT_TRUE(g.started);
  for (const auto& a : g.tenant.applications()) ASSERT_TRUE(g.tenant.RemoveApplication(a.application_id));
  EXPECT_EQ(Fetch(g.tenant, ReportPath(g.options) + "?format=json", g.auth()).body, "{}");
}

TEST(WorkdayTenantReport, FormatOtherThanJsonAndUnknownPromptsAre400) {
  Fixture f(Options(3, 5));
  ASSERT_TRUE(f.started);
  const std::string base = ReportPath(f.options);
  for (const auto& [query, field] :
       {std::pair{"?format=csv", "format"}, std::pair{"", "format"}, std::pair{"?format=xml", "format"},
        std::pair{"?format=json&Candidate_Status=Active", "Candidate_Status"},
        std::pair{"?format=json&From_Date=yesterday", "From_Date"},
        std::pair{"?format=json&To_Date=2026-02-30", "To_Date"}}) {
    Reply r = Get(f.tenant, base + query, f.auth());
    EXPECT_EQ(r.status, 400) << query;
    Json j = Parse(r.body);
    ASSERT_TRUE(j.ok) << r.body;
    EXPECT_EQ(Str(FirstError(j), "field"), field) << query;
  }
  EXPECT_EQ(
      Get(f.tenant, "/ccx/service/customreport2/acme/ISU_ATS/Other_Report?format=json", f.auth()).status,
      404);
  EXPECT_EQ(
      Get(f.tenant, "/ccx/service/customreport2/other/ISU_ATS/ATS_Candidates?format=json", f.auth()).status,
      404);
  EXPECT_EQ(f.tenant.report_url(), "http://127.0.0.1:" + std::to_string(f.tenant.port()) +
                                       "/ccx/service/customreport2/acme/ISU_ATS/ATS_Candidates");
}

TEST(WorkdayTenantReport, DatePromptsFilterOnLastUpdatedInclusively) {
  Fixture f(Options(4, 2000));
  ASSERT_TRUE(f.started);
  const auto truth = f.tenant.applications();

  // Dates are the tenant's local days; Last_Updated is rendered in local time, so its first ten
  // characters are the local date.
  auto by_date = [&](const std::string& from, const std::string& to) {
    std::vector<std::string> ids;
    for (const auto& a : truth) {
      const std::string day = a.last_updated.substr(0, 10);
      if (day >= from && day <= to) ids.push_back(a.application_id);
    }
    return ids;
  };
  auto ids_of = [](const std::vector<Row>& rows) {
    std::vector<std::string> ids;
    for (const auto& r : rows) ids.push_back(r.at("Job_Application_ID"));
    return ids;
  };
  const auto june = by_date("2025-06-01", "2025-06-30");
  ASSERT_GT(june.size(), 50u);
  ASSERT_LT(june.size(), 500u);
  EXPECT_EQ(ids_of(Report(f, "&From_Date=2025-06-01&To_Date=2025-06-30")), june);
  EXPECT_EQ(ids_of(Report(f, "&From_Date=2025-12-01")), by_date("2025-12-01", "9999"));
  EXPECT_EQ(ids_of(Report(f, "&To_Date=2025-03-01")), by_date("0000", "2025-03-01"));

  // Date-times are instants, and both ends are inclusive: a range of one row's exact time holds it.
  const SimApplication& pick = truth[1234];
  const std::string at = pick.last_updated;
  std::string encoded = at;  // '+' would need encoding; the offset here is '-'
  std::vector<std::string> same_instant;
  for (const auto& a : truth)
    if (*ParseRfc3339(a.last_updated) == *ParseRfc3339(at)) same_instant.push_back(a.application_id);
  EXPECT_EQ(ids_of(Report(f, "&From_Date=" + encoded + "&To_Date=" + encoded)), same_instant);
  // The same instant in UTC.
  const std::string utc = FormatRfc3339(*ParseRfc3339(at));
  EXPECT_EQ(ids_of(Report(f, "&From_Date=" + utc + "&To_Date=" + utc)), same_instant);

  // Nothing in range: {} like any report without rows.
  Download none = Fetch(f.tenant, ReportPath(f.options) + "?format=json&From_Date=2030-01-01", f.auth());
  EXPECT_EQ(none.status, 200);
  EXPECT_EQ(none.body, "{}");
}

TEST(WorkdayTenantReport, TruncationFaultClosesTheConnectionHalfWay) {
  Fixture f(Options(4, 1000));
  ASSERT_TRUE(f.started);
  const std::string path = ReportPath(f.options) + "?format=json";
  const Download full = Fetch(f.tenant, path, f.auth());
  ASSERT_EQ(full.error, httplib::Error::Success);
  ASSERT_EQ(ReportRows(full.body).size(), 1000u);

  f.tenant.SetFault(WorkdayFault::kTruncateReport);  // the next download
  const Download cut = Fetch(f.tenant, path, f.auth());
  EXPECT_NE(cut.error, httplib::Error::Success);  // the client sees the body end early
  ASSERT_GT(cut.body.size(), 0u);
  EXPECT_LT(cut.body.size(), full.body.size());
  EXPECT_EQ(full.body.compare(0, cut.body.size(), cut.body), 0) << "the cut body is a prefix of the full one";
  // About half the rows made it.
  size_t rows = 0;
  for (size_t pos = 0; (pos = cut.body.find("\"Job_Application_ID\"", pos)) != std::string::npos; ++pos)
    ++rows;
  EXPECT_GE(rows, 400u);
  EXPECT_LE(rows, 600u);
  EXPECT_FALSE(Parse(cut.body).ok);

  // Only that one.
  const Download again = Fetch(f.tenant, path, f.auth());
  EXPECT_EQ(again.error, httplib::Error::Success);
  EXPECT_EQ(again.body, full.body);

  // With a count, that many; a zero-row report is cut too.
  Fixture empty(Options(1, 0));
  ASSERT_TRUE(empty.started);
  empty.tenant.SetFault(WorkdayFault::kTruncateReport, 2);
  for (int i = 0; i < 2; ++i)
    EXPECT_NE(Fetch(empty.tenant, ReportPath(empty.options) + "?format=json", empty.auth()).error,
              httplib::Error::Success);
  EXPECT_EQ(Fetch(empty.tenant, ReportPath(empty.options) + "?format=json", empty.auth()).body, "{}");
}

TEST(WorkdayTenantReport, LargeReportStreamsInBoundedChunks) {
  constexpr int kRows = 200000;
  auto o = Options(20, kRows);
  Fixture f(o);
  ASSERT_TRUE(f.started);
  Download d = Fetch(f.tenant, ReportPath(o) + "?format=json", f.auth());
  ASSERT_EQ(d.status, 200);
  ASSERT_EQ(d.error, httplib::Error::Success);
  EXPECT_GT(d.body.size(), 50u * 1000 * 1000);
  EXPECT_GT(d.pieces, 1000);  // the client read it piece by piece, as it arrived

  // The server never held more than one chunk of entries: 256 rows of well under 1 KB each.
  const WorkdayStats s = f.tenant.stats();
  EXPECT_EQ(s.report_rows, kRows);
  EXPECT_GT(s.report_max_chunk_bytes, 0);
  EXPECT_LT(s.report_max_chunk_bytes, 256 * 1024);

  // Every row, in order, parsed with simdjson's on-demand parser.
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(d.body);
  auto doc = parser.iterate(padded);
  int n = 0;
  bool in_order = true;
  for (auto entry : doc["Report_Entry"].get_array()) {
    std::string_view id;
    ASSERT_EQ(entry["Job_Application_ID"].get_string().get(id), simdjson::SUCCESS);
    char expected[32];
    std::snprintf(expected, sizeof expected, "JA-%06d", n + 1);
    in_order = in_order && id == expected;
    ++n;
  }
  EXPECT_EQ(n, kRows);
  EXPECT_TRUE(in_order);
}

TEST(WorkdayTenantReport, ADownloadIsASnapshotOfWhenItStarted) {
  // Large enough (about 25 MB) that the server cannot have written it all into socket buffers
  // before the client has read the first few kilobytes.
  auto o = Options(4, 60000);
  o.report_chunk_rows = 64;
  Fixture f(o);
  ASSERT_TRUE(f.started);
  const auto before = f.tenant.applications();
  const std::string last = before.back().application_id;
  bool mutated = false;
  Download d = Fetch(f.tenant, ReportPath(o) + "?format=json", f.auth(), [&](const Download& so_far) {
    if (mutated || so_far.body.size() < 4096) return;
    mutated = true;  // the download is under way: change rows it has not reached yet
    EXPECT_TRUE(f.tenant.RemoveApplication(last));
    EXPECT_TRUE(f.tenant.MoveApplication(before[59990].application_id, "Offer"));
    f.tenant.AddApplication(before[0].requisition_id);
  });
  ASSERT_TRUE(mutated);
  ASSERT_EQ(d.error, httplib::Error::Success);
  const auto rows = ReportRows(d.body);
  ASSERT_EQ(rows.size(), before.size());
  for (size_t i = 0; i < rows.size(); ++i) ExpectRowIs(rows[i], before[i]);

  // The next download has the changes.
  const auto after = Report(f);
  ASSERT_EQ(after.size(), before.size());  // one removed, one added
  EXPECT_EQ(after[59990].at("Stage"), "Offer");
  EXPECT_NE(after.back().at("Job_Application_ID"), last);
}

TEST(WorkdayTenantReport, MutationsShowInTheNextDownload) {
  Fixture f(Options(3, 50));
  ASSERT_TRUE(f.started);
  auto truth = f.tenant.applications();
  const SimApplication moved = truth[10];
  const std::string stage = moved.stage == "Offer" ? "Interview" : "Offer";
  ASSERT_TRUE(f.tenant.MoveApplication(moved.application_id, stage));
  ASSERT_TRUE(f.tenant.RemoveApplication(truth[20].application_id));
  const std::string requisition = f.tenant.AddPosting();
  const std::string added = f.tenant.AddApplication(requisition);
  ASSERT_FALSE(added.empty());

  const auto rows = Report(f);
  ASSERT_EQ(rows.size(), 50u);
  const auto now = f.tenant.applications();
  for (size_t i = 0; i < rows.size(); ++i) ExpectRowIs(rows[i], now[i]);
  EXPECT_EQ(rows[10].at("Stage"), stage);
  EXPECT_EQ(rows[10].at("Status"), "Active");
  // The tenant clock starts at 2026-01-01T00:00:00Z and moves a second per mutation.
  EXPECT_EQ(rows[10].at("Last_Updated"), "2025-12-31T16:00:01.000-08:00");
  EXPECT_EQ(rows[20].at("Job_Application_ID"), truth[21].application_id);  // 20 is gone
  EXPECT_EQ(rows.back().at("Job_Application_ID"), added);
  EXPECT_EQ(rows.back().at("Job_Requisition_ID"), requisition);
  EXPECT_EQ(rows.back().at("Stage"), "Review");
  EXPECT_EQ(rows.back().at("Last_Updated"), "2025-12-31T16:00:04.000-08:00");

  // The new posting is listed with that requisition id.
  Reply r = Get(f.tenant, PostingsPath(f.options), f.auth());
  Json j = Parse(r.body);
  ASSERT_TRUE(j.ok);
  EXPECT_EQ(j.root["total"].get_int64().value(), 4);
  EXPECT_EQ(Str(j.root["data"].at(3).value(), "jobReqId"), requisition);

  // Random mutations too.
  const auto lines = f.tenant.MutateRandom(40);
  EXPECT_EQ(lines.size(), 40u);
  const auto later = f.tenant.applications();
  const auto rows2 = Report(f);
  ASSERT_EQ(rows2.size(), later.size());
  for (size_t i = 0; i < rows2.size(); ++i) ExpectRowIs(rows2[i], later[i]);
}

}  // namespace
}  // namespace ats::sim
