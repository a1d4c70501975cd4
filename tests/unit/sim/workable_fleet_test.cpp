// The Workable fleet (ats-sim --workable-tenants N) as a client sees it over loopback HTTP: many
// tenants on one port, each under /t/<subdomain>/spi/v3 with its own data, token, rate limit and
// counters; a path that names no tenant gets 404.
#include "sim/workable_fleet.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sim_test_util.hpp"

namespace ats::sim {
namespace {

using testutil::Ids;
using testutil::Json;
using testutil::Parse;
using testutil::Reply;
using testutil::Str;

WorkableFleetOptions SmallFleet(int tenants, int rate_limit = 0) {
  WorkableFleetOptions o;
  o.tenants = tenants;
  o.jobs = 2;
  o.candidates_per_job = 10;
  o.rate_limit_requests = rate_limit;
  o.threads = 4;
  o.keep_alive_s = 1;
  return o;
}

// GET `path_and_query` on the fleet's port; an empty token sends no Authorization header.
Reply Get(const WorkableFleet& fleet, const std::string& path_and_query, const std::string& token) {
  httplib::Client client("127.0.0.1", fleet.port());
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto res = client.Get(path_and_query, headers);
  if (!res) {
    ADD_FAILURE() << "GET " << path_and_query << " failed: " << httplib::to_string(res.error());
    return {};
  }
  return {res->status, res->body, res->headers};
}

std::string Prefix(size_t index) {
  return "/t/" + WorkableFleet::Subdomain(index) + "/spi/v3";
}

// Every candidate id of tenant `index`, following paging.next (which must stay under the
// tenant's prefix on the fleet's port).
std::vector<std::string> WalkCandidates(const WorkableFleet& fleet, size_t index, int limit) {
  std::vector<std::string> ids;
  const std::string origin = "http://127.0.0.1:" + std::to_string(fleet.port());
  std::string path = Prefix(index) + "/candidates?limit=" + std::to_string(limit);
  for (int guard = 0; guard < 1000; ++guard) {
    Reply r = Get(fleet, path, fleet.token(index));
    if (r.status != 200) {
      ADD_FAILURE() << "GET " << path << " -> " << r.status << " " << r.body;
      return ids;
    }
    Json j = Parse(r.body);
    if (!j.ok) {
      ADD_FAILURE() << "invalid JSON from " << path;
      return ids;
    }
    for (simdjson::dom::element c : j.root["candidates"].get_array()) {
      ids.push_back(Str(c, "id"));
      EXPECT_EQ(Str(c["account"], "subdomain"), WorkableFleet::Subdomain(index));
    }
    simdjson::dom::element paging;
    if (j.root["paging"].get(paging) != simdjson::SUCCESS) return ids;
    const std::string next = Str(paging, "next");
    const std::string want = origin + Prefix(index) + "/candidates?";
    if (next.rfind(want, 0) != 0) {
      ADD_FAILURE() << next << " does not start with " << want;
      return ids;
    }
    path = next.substr(origin.size());
  }
  ADD_FAILURE() << "paging did not end";
  return ids;
}

TEST(WorkableFleet, SubdomainsTokensAndBaseUrlsFollowTheContract) {
  WorkableFleet fleet(SmallFleet(2));
  ASSERT_TRUE(fleet.Start());
  ASSERT_EQ(fleet.size(), 2u);
  EXPECT_EQ(WorkableFleet::Subdomain(0), "tenant-00001");
  EXPECT_EQ(WorkableFleet::Subdomain(41), "tenant-00042");
  EXPECT_EQ(fleet.token(1), "token-00002-42");
  EXPECT_EQ(fleet.base_url(1), "http://127.0.0.1:" + std::to_string(fleet.port()) + "/t/tenant-00002/spi/v3");
  EXPECT_EQ(fleet.tenant(1).base_url(), fleet.base_url(1));
}

TEST(WorkableFleet, TwoTenantsAnswerWithTheirOwnData) {
  WorkableFleet fleet(SmallFleet(3));
  ASSERT_TRUE(fleet.Start());
  for (size_t i : {size_t{0}, size_t{2}}) {
    const auto truth = Ids(fleet.tenant(i).candidates());
    ASSERT_EQ(truth.size(), 20u);
    EXPECT_EQ(WalkCandidates(fleet, i, 7), truth) << "tenant " << i;  // pages of 7, 7, 6
  }
  // Their data differ (each tenant is generated from its own seed): no job shortcode in common.
  std::set<std::string> first;
  for (const auto& job : fleet.tenant(0).jobs()) first.insert(job.shortcode);
  for (const auto& job : fleet.tenant(2).jobs()) EXPECT_EQ(first.count(job.shortcode), 0u) << job.shortcode;
  Reply jobs = Get(fleet, Prefix(2) + "/jobs", fleet.token(2));
  ASSERT_EQ(jobs.status, 200);
  EXPECT_NE(jobs.body.find(fleet.tenant(2).jobs().front().shortcode), std::string::npos);
  EXPECT_EQ(jobs.body.find(fleet.tenant(0).jobs().front().shortcode), std::string::npos);
}

TEST(WorkableFleet, TokenOfOneTenantIsRefusedOnAnother) {
  WorkableFleet fleet(SmallFleet(2));
  ASSERT_TRUE(fleet.Start());
  EXPECT_EQ(Get(fleet, Prefix(0) + "/jobs", fleet.token(0)).status, 200);
  Reply r = Get(fleet, Prefix(1) + "/jobs", fleet.token(0));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"error":"Not authorized"})");
  EXPECT_EQ(Get(fleet, Prefix(1) + "/jobs", "").status, 401);
}

TEST(WorkableFleet, RateLimitsAndCountersArePerTenant) {
  WorkableFleet fleet(SmallFleet(2, /*rate_limit=*/3));
  ASSERT_TRUE(fleet.Start());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Get(fleet, Prefix(0) + "/jobs", fleet.token(0)).status, 200) << i;
  Reply limited = Get(fleet, Prefix(0) + "/jobs", fleet.token(0));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("X-Rate-Limit-Limit"), "3");
  EXPECT_EQ(limited.Header("X-Rate-Limit-Remaining"), "0");
  EXPECT_TRUE(limited.Has("X-Rate-Limit-Reset"));
  // Tenant A is exhausted; tenant B still has its whole budget.
  Reply other = Get(fleet, Prefix(1) + "/jobs", fleet.token(1));
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.Header("X-Rate-Limit-Remaining"), "2");
  EXPECT_EQ(fleet.tenant(0).stats().requests, 4);
  EXPECT_EQ(fleet.tenant(0).stats().rate_limited, 1);
  EXPECT_EQ(fleet.tenant(1).stats().requests, 1);
  EXPECT_EQ(fleet.tenant(1).stats().rate_limited, 0);
  EXPECT_EQ(fleet.tenant(1).stats().by_path.at("/spi/v3/jobs"), 1);  // counted below the prefix
  EXPECT_EQ(fleet.requests(), 5);
  EXPECT_EQ(fleet.rate_limited(), 1);
}

TEST(WorkableFleet, PathsNamingNoTenantGet404) {
  WorkableFleet fleet(SmallFleet(3));
  ASSERT_TRUE(fleet.Start());
  const std::vector<std::string> paths = {
      "/t/tenant-00004/spi/v3/jobs",   // past the last tenant
      "/t/tenant-00000/spi/v3/jobs",   // numbering starts at 1
      "/t/tenant-1/spi/v3/jobs",       // not spelled as the fleet spells it
      "/t/tenant-000001/spi/v3/jobs",  // nor this
      "/t/nobody/spi/v3/jobs",         //
      "/t/tenant-00001",               // a tenant but no path below it
      "/spi/v3/jobs",                  // no tenant at all
  };
  for (const auto& path : paths) {
    Reply r = Get(fleet, path, fleet.token(0));
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body, R"({"error":"Not found"})") << path;
  }
  EXPECT_EQ(fleet.unknown_tenant(), static_cast<int64_t>(paths.size()));
  EXPECT_EQ(fleet.requests(), 0);  // no tenant saw any of them
  EXPECT_EQ(Get(fleet, "/t/tenant-00003/spi/v3/jobs", fleet.token(2)).status, 200);
}

TEST(WorkableFleet, EachChangeLandsInTheTenantItNames) {
  WorkableFleet fleet(SmallFleet(5));
  ASSERT_TRUE(fleet.Start());
  std::vector<std::string> clocks;
  for (size_t i = 0; i < fleet.size(); ++i) clocks.push_back(fleet.tenant(i).clock());
  std::set<std::string> kinds;
  for (int n = 0; n < 40; ++n) {
    const auto change = fleet.MutateRandom();
    ASSERT_TRUE(change.has_value());
    ASSERT_LT(change->tenant, fleet.size());
    EXPECT_EQ(change->subdomain, WorkableFleet::Subdomain(change->tenant));
    WorkableTenant& tenant = fleet.tenant(change->tenant);
    EXPECT_EQ(change->clock, tenant.clock());
    EXPECT_GT(change->clock, clocks[change->tenant]);  // that tenant's clock moved
    clocks[change->tenant] = change->clock;
    // The candidate named carries the change's updated_at, and belongs to a published job.
    const std::string what = change->what;
    const bool moved = what.rfind("moved ", 0) == 0;
    ASSERT_TRUE(moved || what.rfind("added candidate ", 0) == 0) << what;
    kinds.insert(moved ? "moved" : "added");
    const std::string id = what.substr(moved ? 6 : 16, what.find(' ', moved ? 6 : 16) - (moved ? 6 : 16));
    bool found = false;
    for (const auto& c : tenant.candidates()) {
      if (c.id != id) continue;
      found = true;
      EXPECT_EQ(c.updated_at, change->clock) << what;
      for (const auto& job : tenant.jobs()) {
        if (job.shortcode == c.job_shortcode) {
          EXPECT_EQ(job.state, "published") << what;
        }
      }
    }
    EXPECT_TRUE(found) << what << " in " << change->subdomain;
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"added", "moved"}));
  // The other tenants' clocks did not move (checked above per change; and at the end).
  for (size_t i = 0; i < fleet.size(); ++i) EXPECT_EQ(fleet.tenant(i).clock(), clocks[i]);
}

TEST(WorkableFleet, ChangesStayInTheFirstMutateTenants) {
  WorkableFleetOptions o = SmallFleet(6);
  o.mutate_tenants = 2;
  WorkableFleet fleet(o);
  ASSERT_TRUE(fleet.Start());
  std::set<size_t> touched;
  for (int n = 0; n < 30; ++n) {
    const auto change = fleet.MutateRandom();
    ASSERT_TRUE(change.has_value());
    touched.insert(change->tenant);
  }
  EXPECT_EQ(touched, (std::set<size_t>{0, 1}));
  for (size_t i = 2; i < fleet.size(); ++i) EXPECT_EQ(fleet.tenant(i).clock(), "2026-01-01T00:00:00Z") << i;
}

// The proof's ground truth counts each candidate's changes: the counts must add up to the
// changes made, name the candidate each change named, and stay per tenant.
TEST(WorkableFleet, ChangesAppliedCountsEachCandidatesChangesPerTenant) {
  WorkableFleet fleet(SmallFleet(3));
  ASSERT_TRUE(fleet.Start());
  std::vector<std::map<std::string, int>> expected(fleet.size());
  for (int n = 0; n < 60; ++n) {
    const auto change = fleet.MutateRandom();
    ASSERT_TRUE(change.has_value());
    ASSERT_FALSE(change->candidate_id.empty()) << change->what;
    EXPECT_NE(change->what.find(change->candidate_id), std::string::npos) << change->what;
    ++expected[change->tenant][change->candidate_id];
  }
  int total = 0;
  for (size_t i = 0; i < fleet.size(); ++i) {
    EXPECT_EQ(fleet.changes_applied(i), expected[i]) << i;
    for (const auto& [id, n] : fleet.changes_applied(i)) total += n;
  }
  EXPECT_EQ(total, 60);
  EXPECT_TRUE(fleet.changes_applied(fleet.size()).empty());  // no such tenant
}

TEST(WorkableFleet, ManyTenantsOnePortUnderConcurrentClients) {
  WorkableFleet fleet(SmallFleet(200));
  ASSERT_TRUE(fleet.Start());
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < fleet.size(); i += 4)
        if (Get(fleet, Prefix(i) + "/jobs", fleet.token(i)).status == 200) ++ok;
    });
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 200);
  for (size_t i = 0; i < fleet.size(); ++i) ASSERT_EQ(fleet.tenant(i).stats().requests, 1) << i;
}

}  // namespace
}  // namespace ats::sim
