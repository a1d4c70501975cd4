// The simulated Workable API as a client sees it over loopback HTTP: shapes, paging, filters,
// auth errors, rate limiting and faults.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

#include "sim/workable_tenant.hpp"
#include "sim_test_util.hpp"

namespace ats::sim {
namespace {

using namespace testutil;

int64_t NowEpoch() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsHex(const std::string& s, bool upper) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char ch) {
    return (ch >= '0' && ch <= '9') || (upper ? (ch >= 'A' && ch <= 'F') : (ch >= 'a' && ch <= 'f'));
  });
}

TEST(WorkableTenantPaging, WalksEveryCandidateExactlyOnceAndLastPageHasNoPaging) {
  WorkableTenant tenant(SmallOptions(4, 30));  // 120 candidates
  ASSERT_TRUE(tenant.Start());
  const auto truth = Ids(tenant.candidates());
  ASSERT_EQ(truth.size(), 120u);

  const Walk walk = WalkAll(tenant, "/spi/v3/candidates?limit=25", "candidates");
  EXPECT_EQ(walk.ids, truth);  // all of them, once each, in listing order
  EXPECT_EQ(walk.page_sizes, (std::vector<size_t>{25, 25, 25, 25, 20}));
  EXPECT_EQ(walk.last_paging, simdjson::NO_SUCH_FIELD);  // no "paging" key at all
  ASSERT_EQ(walk.nexts.size(), 4u);
  for (size_t p = 0; p < walk.nexts.size(); ++p) {
    // Absolute, on this server, carrying limit and the (inclusive) first id of the next page.
    EXPECT_EQ(walk.nexts[p], tenant.base_url() + "/candidates?limit=25&since_id=" + truth[(p + 1) * 25]);
  }
}

TEST(WorkableTenantPaging, NoEmptyTrailingPageWhenTotalIsAMultipleOfLimit) {
  WorkableTenant tenant(SmallOptions(4, 30));
  ASSERT_TRUE(tenant.Start());
  const Walk walk = WalkAll(tenant, "/spi/v3/candidates?limit=30", "candidates");
  EXPECT_EQ(walk.page_sizes, (std::vector<size_t>{30, 30, 30, 30}));
  EXPECT_EQ(walk.last_paging, simdjson::NO_SUCH_FIELD);
}

TEST(WorkableTenantPaging, IdsVaryInLengthAndDoNotSortAsStrings) {
  WorkableTenant tenant(SmallOptions(4, 30));
  const auto ids = Ids(tenant.candidates());
  std::set<size_t> lengths;
  for (const auto& id : ids) {
    EXPECT_TRUE(IsHex(id, /*upper=*/false)) << id;
    lengths.insert(id.size());
  }
  EXPECT_GE(lengths.size(), 2u);
  EXPECT_FALSE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(WorkableTenantPaging, SinceIdIsInclusiveAndSurvivesDeletionOfThatId) {
  WorkableTenant tenant(SmallOptions(4, 30));
  ASSERT_TRUE(tenant.Start());
  const auto ids = Ids(tenant.candidates());
  const Walk from = WalkAll(tenant, "/spi/v3/candidates?limit=100&since_id=" + ids[37], "candidates");
  EXPECT_EQ(from.ids, std::vector<std::string>(ids.begin() + 37, ids.end()));

  // A crawl resuming from a next URL whose since_id was deleted meanwhile goes on after it.
  ASSERT_TRUE(tenant.DeleteCandidate(ids[37]));
  Reply r = Get(tenant, "/spi/v3/candidates?limit=3&since_id=" + ids[37]);
  ASSERT_EQ(r.status, 200);
  Json j = Parse(r.body);
  ASSERT_TRUE(j.ok);
  std::vector<std::string> got;
  for (auto item : j.root["candidates"].get_array()) got.push_back(Str(item, "id"));
  EXPECT_EQ(got, (std::vector<std::string>{ids[38], ids[39], ids[40]}));
}

TEST(WorkableTenantPaging, LimitDefaultsTo50AndIsCappedAt100) {
  WorkableTenant tenant(SmallOptions(4, 30));
  ASSERT_TRUE(tenant.Start());
  const auto ids = Ids(tenant.candidates());
  for (const auto& [query, size, limit] : {std::tuple{"", 50u, 50}, std::tuple{"?limit=1000", 100u, 100}}) {
    Reply r = Get(tenant, std::string("/spi/v3/candidates") + query);
    ASSERT_EQ(r.status, 200);
    Json j = Parse(r.body);
    ASSERT_TRUE(j.ok);
    EXPECT_EQ(j.root["candidates"].get_array().size(), size);
    EXPECT_EQ(Str(j.root["paging"].value(), "next"),
              tenant.base_url() + "/candidates?limit=" + std::to_string(limit) + "&since_id=" + ids[size]);
  }
}

TEST(WorkableTenantShapes, CandidateListItemsCarryWorkableFields) {
  WorkableTenant tenant(SmallOptions(4, 30));
  ASSERT_TRUE(tenant.Start());
  const auto truth = tenant.candidates();
  Reply r = Get(tenant, "/spi/v3/candidates?limit=100");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "application/json; charset=utf-8");
  Json j = Parse(r.body);
  ASSERT_TRUE(j.ok);
  size_t i = 0;
  int disqualified = 0;
  std::set<std::string> kinds;
  for (simdjson::dom::element c : j.root["candidates"].get_array()) {
    for (const char* key : {"id",
                            "name",
                            "firstname",
                            "lastname",
                            "headline",
                            "account",
                            "job",
                            "stage",
                            "stage_kind",
                            "disqualified",
                            "disqualification_reason",
                            "hired_at",
                            "moved_to_offer_at",
                            "sourced",
                            "profile_url",
                            "address",
                            "phone",
                            "email",
                            "domain",
                            "outlet",
                            "common_source",
                            "common_source_category",
                            "created_at",
                            "updated_at"})
      EXPECT_TRUE(Has(c, key)) << key;
    const SimCandidate& t = truth[i++];
    EXPECT_EQ(Str(c, "id"), t.id);
    EXPECT_EQ(Str(c, "name"), t.firstname + " " + t.lastname);
    EXPECT_EQ(Str(c, "email"), t.email);
    EXPECT_EQ(Str(c["account"].value(), "subdomain"), "sandbox");
    EXPECT_EQ(Str(c["job"].value(), "shortcode"), t.job_shortcode);
    EXPECT_EQ(Str(c["job"].value(), "title"), t.job_title);
    EXPECT_EQ(Str(c, "stage"), t.stage);
    EXPECT_EQ(Str(c, "stage_kind"), t.stage_kind);
    EXPECT_EQ(Str(c, "updated_at"), t.updated_at);
    EXPECT_EQ(Str(c, "created_at").size(), std::string("2026-07-23T18:58:18Z").size());
    EXPECT_EQ(c["disqualified"].get_bool().value(), t.disqualified);
    EXPECT_EQ(IsNull(c, "disqualification_reason"), !t.disqualified);
    EXPECT_EQ(IsNull(c, "hired_at"), t.stage_kind != "hired");
    kinds.insert(t.stage_kind);
    disqualified += t.disqualified ? 1 : 0;
  }
  EXPECT_EQ(i, 100u);
  EXPECT_GE(kinds.size(), 5u);  // spread over the pipeline
  EXPECT_GT(disqualified, 0);
  EXPECT_LT(disqualified, 30);
}

TEST(WorkableTenantShapes, JobsCarryWorkableFieldsAndPage) {
  WorkableTenant tenant(SmallOptions(12, 1));
  ASSERT_TRUE(tenant.Start());
  const auto truth = tenant.jobs();
  EXPECT_EQ(truth[0].state, "published");
  const Walk walk = WalkAll(tenant, "/spi/v3/jobs?limit=5", "jobs");
  ASSERT_EQ(walk.ids.size(), 12u);
  EXPECT_EQ(walk.page_sizes, (std::vector<size_t>{5, 5, 2}));
  EXPECT_EQ(walk.last_paging, simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(walk.nexts[0], tenant.base_url() + "/jobs?limit=5&since_id=" + truth[5].id);

  Reply r = Get(tenant, "/spi/v3/jobs?limit=100");
  Json j = Parse(r.body);
  ASSERT_TRUE(j.ok);
  size_t i = 0;
  for (simdjson::dom::element job : j.root["jobs"].get_array()) {
    for (const char* key :
         {"id", "title", "full_title", "shortcode", "code", "state", "sample", "confidential", "department",
          "department_hierarchy", "url", "application_url", "shortlink", "workplace_type", "location",
          "salary", "created_at", "updated_at", "keywords"})
      EXPECT_TRUE(Has(job, key)) << key;
    for (const char* key : {"location_str", "country", "country_code", "region", "region_code", "city",
                            "zip_code", "telecommuting", "workplace_type"})
      EXPECT_TRUE(Has(job["location"].value(), key)) << key;
    const std::string shortcode = Str(job, "shortcode");
    EXPECT_EQ(shortcode.size(), 10u);
    EXPECT_TRUE(IsHex(shortcode, /*upper=*/true)) << shortcode;
    EXPECT_EQ(shortcode, truth[i].shortcode);
    EXPECT_EQ(Str(job, "state"), truth[i].state);
    EXPECT_EQ(Str(job, "department"), truth[i].department);
    EXPECT_FALSE(job["sample"].get_bool().value());
    EXPECT_EQ(Str(job["department_hierarchy"].at(0).value(), "name"), truth[i].department);
    ++i;
  }
  EXPECT_EQ(i, 12u);

  Reply one = Get(tenant, "/spi/v3/jobs/" + truth[3].shortcode);  // bare object, no wrapper
  ASSERT_EQ(one.status, 200);
  Json detail = Parse(one.body);
  ASSERT_TRUE(detail.ok);
  EXPECT_EQ(Str(detail.root, "shortcode"), truth[3].shortcode);
  EXPECT_TRUE(Has(detail.root, "full_description"));
}

TEST(WorkableTenantShapes, StagesAccountsAndCandidateDetail) {
  WorkableTenant tenant(SmallOptions(2, 3));
  ASSERT_TRUE(tenant.Start());
  const std::vector<std::pair<std::string, std::string>> expected = {{"sourced", "Sourced"},
                                                                     {"applied", "Applied"},
                                                                     {"shortlisted", "Shortlisted"},
                                                                     {"assessment", "Assessment"},
                                                                     {"phone-screen", "Phone Screen"},
                                                                     {"interview", "Interview"},
                                                                     {"offer", "Offer"},
                                                                     {"hired", "Hired"}};
  const std::string job_stages = "/spi/v3/jobs/" + tenant.jobs()[1].shortcode + "/stages";
  for (const std::string path : {"/spi/v3/stages", job_stages.c_str()}) {
    Reply r = Get(tenant, path);
    ASSERT_EQ(r.status, 200) << path;
    Json j = Parse(r.body);
    ASSERT_TRUE(j.ok);
    int64_t position = 0;
    for (simdjson::dom::element s : j.root["stages"].get_array()) {
      ASSERT_LT(position, 8);
      EXPECT_EQ(Str(s, "kind"), expected[static_cast<size_t>(position)].first);
      EXPECT_EQ(Str(s, "slug"), expected[static_cast<size_t>(position)].first);
      EXPECT_EQ(Str(s, "name"), expected[static_cast<size_t>(position)].second);
      EXPECT_EQ(s["position"].get_int64().value(), ++position);
      EXPECT_TRUE(s["id"].is_int64());
      EXPECT_TRUE(IsHex(Str(s, "identifier"), false));
    }
    EXPECT_EQ(position, 8);
  }
  EXPECT_EQ(Get(tenant, "/spi/v3/jobs/0000000000/stages").status, 404);

  Reply accounts = Get(tenant, "/spi/v3/accounts");
  ASSERT_EQ(accounts.status, 200);
  Json a = Parse(accounts.body);
  ASSERT_TRUE(a.ok);
  EXPECT_EQ(Str(a.root["accounts"].at(0).value(), "subdomain"), "sandbox");

  const SimCandidate c = tenant.candidates()[2];
  Reply detail = Get(tenant, "/spi/v3/candidates/" + c.id);
  ASSERT_EQ(detail.status, 200);
  Json d = Parse(detail.body);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(Str(d.root["candidate"].value(), "id"), c.id);
  EXPECT_EQ(Str(d.root["candidate"].value(), "stage_kind"), c.stage_kind);
  EXPECT_TRUE(Has(d.root["candidate"].value(), "disqualified_at"));
}

TEST(WorkableTenantFilters, ShortcodeFilterPagesThroughTheLegacyJobUrl) {
  WorkableTenant tenant(SmallOptions(3, 20));
  ASSERT_TRUE(tenant.Start());
  const std::string sc = tenant.jobs()[1].shortcode;
  std::vector<std::string> expected;
  for (const auto& c : tenant.candidates())
    if (c.job_shortcode == sc) expected.push_back(c.id);
  ASSERT_EQ(expected.size(), 20u);
  const Walk walk = WalkAll(tenant, "/spi/v3/candidates?shortcode=" + sc + "&limit=7", "candidates");
  EXPECT_EQ(walk.ids, expected);
  EXPECT_EQ(walk.page_sizes, (std::vector<size_t>{7, 7, 6}));
  ASSERT_FALSE(walk.nexts.empty());
  EXPECT_EQ(walk.nexts[0], tenant.base_url() + "/jobs/" + sc + "/candidates?limit=7&since_id=" + expected[7]);
  EXPECT_EQ(Get(tenant, "/spi/v3/candidates?shortcode=0000000000").status, 404);
}

TEST(WorkableTenantFilters, StageAndTimeFiltersCarryForward) {
  WorkableTenant tenant(SmallOptions(4, 30));
  ASSERT_TRUE(tenant.Start());
  std::vector<std::string> applied;
  for (const auto& c : tenant.candidates())
    if (c.stage_kind == "applied") applied.push_back(c.id);
  ASSERT_GT(applied.size(), 3u);
  const Walk by_stage = WalkAll(tenant, "/spi/v3/candidates?stage=applied&limit=3", "candidates");
  EXPECT_EQ(by_stage.ids, applied);
  ASSERT_FALSE(by_stage.nexts.empty());
  EXPECT_NE(by_stage.nexts[0].find("&stage=applied"), std::string::npos) << by_stage.nexts[0];

  // Everything generated predates the tenant clock's start; only mutated records are newer.
  const auto ids = Ids(tenant.candidates());
  ASSERT_TRUE(tenant.MoveCandidate(ids[90], "offer"));
  ASSERT_TRUE(tenant.MoveCandidate(ids[5], "offer"));
  ASSERT_TRUE(tenant.Disqualify(ids[60], "Position filled"));
  const std::vector<std::string> changed = {ids[5], ids[60], ids[90]};  // listing order
  for (const std::string value :
       {"20260101T000000Z", "1767225600", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00%2B01:00"}) {
    const Walk w = WalkAll(tenant, "/spi/v3/candidates?limit=2&updated_after=" + value, "candidates");
    EXPECT_EQ(w.ids, changed) << value;
  }
  const Walk w = WalkAll(tenant, "/spi/v3/candidates?limit=2&updated_after=1767225600", "candidates");
  ASSERT_EQ(w.nexts.size(), 1u);
  EXPECT_NE(w.nexts[0].find("&updated_after=1767225600"), std::string::npos);

  const std::string added = tenant.AddCandidate(tenant.jobs()[0].shortcode);
  const Walk created = WalkAll(tenant, "/spi/v3/candidates?created_after=20260101T000000Z", "candidates");
  EXPECT_EQ(created.ids, std::vector<std::string>{added});

  Reply bad = Get(tenant, "/spi/v3/candidates?updated_after=yesterday");
  EXPECT_EQ(bad.status, 422);
  Json j = Parse(bad.body);
  ASSERT_TRUE(j.ok);
  EXPECT_TRUE(Has(j.root, "error"));
}

TEST(WorkableTenantFilters, JobStateFilter) {
  WorkableTenant tenant(SmallOptions(20, 0));
  ASSERT_TRUE(tenant.Start());
  int published = 0;
  for (const auto& job : tenant.jobs()) published += job.state == "published" ? 1 : 0;
  EXPECT_GT(published, 0);
  EXPECT_LT(published, 20);
  const Walk walk = WalkAll(tenant, "/spi/v3/jobs?state=published&limit=100", "jobs");
  EXPECT_EQ(walk.ids.size(), static_cast<size_t>(published));
  const Walk all = WalkAll(tenant, "/spi/v3/jobs", "jobs");
  EXPECT_EQ(all.ids.size(), 20u);
}

TEST(WorkableTenantErrors, AuthScopesAndUnknownPaths) {
  WorkableTenant tenant(SmallOptions(2, 3));
  ASSERT_TRUE(tenant.Start());
  const std::string not_authorized = R"({"error":"Not authorized"})";
  Reply none = Get(tenant, "/spi/v3/candidates", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body, not_authorized);
  Reply wrong = Get(tenant, "/spi/v3/jobs", "not-the-token");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, not_authorized);

  Reply unknown = Get(tenant, "/spi/v3/nothing-here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, R"({"error":"Not found"})");
  EXPECT_EQ(Get(tenant, "/api/v3/jobs").status, 404);
  EXPECT_EQ(Get(tenant, "/spi/v3/candidates/0123abc").status, 404);

  WorkableTenantOptions jobs_only = SmallOptions(2, 3);
  jobs_only.scopes = {"r_jobs"};
  WorkableTenant limited(jobs_only);
  ASSERT_TRUE(limited.Start());
  const std::string id = limited.candidates()[0].id;
  for (const std::string& path : std::vector<std::string>{"/spi/v3/candidates", "/spi/v3/candidates/" + id}) {
    Reply r = Get(limited, path);
    EXPECT_EQ(r.status, 403) << path;
    EXPECT_EQ(r.body, R"({"error":"Forbidden"})");
  }
  EXPECT_EQ(Get(limited, "/spi/v3/jobs").status, 200);
  EXPECT_EQ(Get(limited, "/spi/v3/stages").status, 200);

  WorkableTenantOptions candidates_only = SmallOptions(2, 3);
  candidates_only.scopes = {"r_candidates"};
  WorkableTenant other(candidates_only);
  ASSERT_TRUE(other.Start());
  EXPECT_EQ(Get(other, "/spi/v3/jobs").status, 403);
  EXPECT_EQ(Get(other, "/spi/v3/stages").status, 403);
  EXPECT_EQ(Get(other, "/spi/v3/candidates").status, 200);
}

TEST(WorkableTenantRateLimit, EleventhRequestInAWindowGets429WithConsistentHeaders) {
  WorkableTenantOptions o = SmallOptions(2, 3);
  o.rate_limit_requests = 10;
  o.rate_limit_window_s = 3600;  // the window cannot roll over during the test
  WorkableTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  const int64_t before = NowEpoch();
  std::string reset;
  for (int i = 0; i < 10; ++i) {
    Reply r = Get(tenant, "/spi/v3/jobs");
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.Header("X-Rate-Limit-Limit"), "10");
    EXPECT_EQ(r.Header("X-Rate-Limit-Remaining"), std::to_string(9 - i));
    if (i == 0) reset = r.Header("X-Rate-Limit-Reset");
    EXPECT_EQ(r.Header("X-Rate-Limit-Reset"), reset);  // one window, one end
  }
  const int64_t reset_epoch = std::stoll(reset);
  EXPECT_GE(reset_epoch, before + 3600);
  EXPECT_LE(reset_epoch, NowEpoch() + 3601);

  Reply limited = Get(tenant, "/spi/v3/candidates");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body, R"({"error":"Too many requests"})");
  EXPECT_EQ(limited.Header("X-Rate-Limit-Limit"), "10");
  EXPECT_EQ(limited.Header("X-Rate-Limit-Remaining"), "0");
  EXPECT_EQ(limited.Header("X-Rate-Limit-Reset"), reset);

  // The budget is per token: another client has its own.
  Reply other = Get(tenant, "/spi/v3/jobs", "someone-else");
  EXPECT_EQ(other.status, 401);
  EXPECT_EQ(other.Header("X-Rate-Limit-Remaining"), "9");

  const Stats stats = tenant.stats();
  EXPECT_EQ(stats.requests, 12);
  EXPECT_EQ(stats.rate_limited, 1);
}

TEST(WorkableTenantRateLimit, HeadersCanBeTurnedOff) {
  WorkableTenantOptions o = SmallOptions(2, 3);
  o.rate_limit_requests = 2;
  o.rate_limit_window_s = 3600;
  WorkableTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  Reply on = Get(tenant, "/spi/v3/jobs");
  EXPECT_TRUE(on.Has("X-Rate-Limit-Remaining"));
  tenant.SetRateLimitHeaders(false);
  Reply ok = Get(tenant, "/spi/v3/jobs");
  EXPECT_EQ(ok.status, 200);
  Reply limited = Get(tenant, "/spi/v3/jobs");
  EXPECT_EQ(limited.status, 429);
  for (const Reply* r : {&ok, &limited})
    for (const char* h : {"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"})
      EXPECT_FALSE(r->Has(h)) << h;
}

TEST(WorkableTenantFaults, CountedFaultsAffectExactlyTheNextCalls) {
  WorkableTenant tenant(SmallOptions(2, 30));
  ASSERT_TRUE(tenant.Start());

  tenant.SetFault(Fault::kServerError, 2);
  EXPECT_EQ(Get(tenant, "/spi/v3/jobs").status, 500);
  EXPECT_EQ(Get(tenant, "/spi/v3/candidates").status, 500);
  EXPECT_EQ(Get(tenant, "/spi/v3/jobs").status, 200);

  tenant.ResetStats();
  tenant.SetFault(Fault::kRateLimitStorm, 1);
  Reply storm = Get(tenant, "/spi/v3/jobs");
  EXPECT_EQ(storm.status, 429);
  EXPECT_GE(std::stoll(storm.Header("X-Rate-Limit-Reset")), NowEpoch());
  EXPECT_EQ(storm.Header("X-Rate-Limit-Remaining"), "0");
  EXPECT_EQ(Get(tenant, "/spi/v3/jobs").status, 200);
  EXPECT_EQ(tenant.stats().rate_limited, 1);

  tenant.SetFault(Fault::kInvalidJson, 1);
  Reply cut = Get(tenant, "/spi/v3/candidates");
  EXPECT_EQ(cut.status, 200);
  EXPECT_FALSE(Parse(cut.body).ok);
  Reply whole = Get(tenant, "/spi/v3/candidates");
  EXPECT_TRUE(Parse(whole.body).ok);
  EXPECT_EQ(cut.body, whole.body.substr(0, whole.body.size() / 2));

  tenant.SetFault(Fault::kForeignNextUrl, 1);
  Json foreign = Parse(Get(tenant, "/spi/v3/candidates?limit=10").body);
  ASSERT_TRUE(foreign.ok);
  EXPECT_EQ(
      Str(foreign.root["paging"].value(), "next").rfind("http://evil.example.invalid/spi/v3/candidates?", 0),
      0u);
  Json own = Parse(Get(tenant, "/spi/v3/candidates?limit=10").body);
  ASSERT_TRUE(own.ok);
  EXPECT_EQ(Str(own.root["paging"].value(), "next").rfind(tenant.base_url(), 0), 0u);
}

TEST(WorkableTenantFaults, PersistentFaultsLastUntilCleared) {
  WorkableTenant tenant(SmallOptions(2, 3));
  ASSERT_TRUE(tenant.Start());
  const std::vector<std::tuple<Fault, int, std::string>> faults = {
      {Fault::kUnauthorized, 401, R"({"error":"Not authorized"})"},
      {Fault::kForbidden, 403, R"({"error":"Forbidden"})"},
      {Fault::kNotFound, 404, R"({"error":"Not found"})"}};
  for (const auto& [fault, status, body] : faults) {
    tenant.SetFault(fault, 1);
    for (int i = 0; i < 3; ++i) {
      Reply r = Get(tenant, i % 2 == 0 ? "/spi/v3/jobs" : "/spi/v3/candidates");
      EXPECT_EQ(r.status, status);
      EXPECT_EQ(r.body, body);
    }
    tenant.SetFault(Fault::kNone);
    EXPECT_EQ(Get(tenant, "/spi/v3/jobs").status, 200);
  }
}

TEST(WorkableTenantStats, CountsRequestsPerPathWithoutQuery) {
  WorkableTenant tenant(SmallOptions(2, 3));
  ASSERT_TRUE(tenant.Start());
  Get(tenant, "/spi/v3/candidates?limit=1");
  Get(tenant, "/spi/v3/candidates?limit=2");
  Get(tenant, "/spi/v3/jobs");
  Get(tenant, "/spi/v3/unknown", "");
  Stats s = tenant.stats();
  EXPECT_EQ(s.requests, 4);
  EXPECT_EQ(s.rate_limited, 0);
  EXPECT_EQ(s.by_path["/spi/v3/candidates"], 2);
  EXPECT_EQ(s.by_path["/spi/v3/jobs"], 1);
  EXPECT_EQ(s.by_path["/spi/v3/unknown"], 1);
  tenant.ResetStats();
  s = tenant.stats();
  EXPECT_EQ(s.requests, 0);
  EXPECT_TRUE(s.by_path.empty());
}

}  // namespace
}  // namespace ats::sim
