// The simulated Workday tenant's data: generation from the seed, mutations, memory use of large
// tenants, and the server's lifecycle.
#include <gtest/gtest.h>
#include <malloc.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sim/workday_tenant.hpp"
#include "workday_test_util.hpp"

namespace ats::sim {
namespace {

using namespace wdtest;

bool Same(const SimApplication& a, const SimApplication& b) {
  return a.application_id == b.application_id && a.candidate_id == b.candidate_id &&
         a.requisition_id == b.requisition_id && a.name == b.name && a.email == b.email &&
         a.phone == b.phone && a.stage == b.stage && a.status == b.status && a.last_updated == b.last_updated;
}
bool Same(const std::vector<SimApplication>& a, const std::vector<SimApplication>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!Same(a[i], b[i])) return false;
  return true;
}
bool Same(const std::vector<SimPosting>& a, const std::vector<SimPosting>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].id != b[i].id || a[i].title != b[i].title || a[i].requisition_id != b[i].requisition_id ||
        a[i].posted_on != b[i].posted_on)
      return false;
  return true;
}

TEST(WorkdayTenantData, SameSeedSameTenantDifferentSeedDifferentTenant) {
  WorkdayTenant a(Options(8, 500, 11)), b(Options(8, 500, 11)), c(Options(8, 500, 12));
  EXPECT_TRUE(Same(a.applications(), b.applications()));
  EXPECT_TRUE(Same(a.postings(), b.postings()));
  EXPECT_FALSE(Same(a.applications(), c.applications()));
  EXPECT_FALSE(Same(a.postings(), c.postings()));

  // Mutations are deterministic too, and so is what they leave behind.
  const auto lines_a = a.MutateRandom(300);
  const auto lines_b = b.MutateRandom(300);
  EXPECT_EQ(lines_a, lines_b);
  EXPECT_TRUE(Same(a.applications(), b.applications()));
  EXPECT_TRUE(Same(a.postings(), b.postings()));
  EXPECT_NE(lines_a, c.MutateRandom(300));
}

TEST(WorkdayTenantData, GeneratedApplicationsLookLikeAWorkdayPipeline) {
  WorkdayTenant tenant(Options(8, 4000));
  const auto apps = tenant.applications();
  ASSERT_EQ(apps.size(), 4000u);
  const auto postings = tenant.postings();
  ASSERT_EQ(postings.size(), 8u);
  std::set<std::string> requisitions;
  for (const auto& p : postings) requisitions.insert(p.requisition_id);

  std::set<std::string> application_ids;
  std::map<std::string, std::vector<const SimApplication*>> by_candidate;
  std::map<std::string, int> per_requisition, stages;
  for (size_t i = 0; i < apps.size(); ++i) {
    const SimApplication& a = apps[i];
    char expected[32];
    std::snprintf(expected, sizeof expected, "JA-%06zu", i + 1);
    EXPECT_EQ(a.application_id, expected);
    application_ids.insert(a.application_id);
    by_candidate[a.candidate_id].push_back(&a);
    ++per_requisition[a.requisition_id];
    ++stages[a.stage];
    EXPECT_TRUE(requisitions.contains(a.requisition_id));
    EXPECT_EQ(a.candidate_id.rfind("C-", 0), 0u);
    EXPECT_NE(a.email.find('@'), std::string::npos);
    EXPECT_EQ(a.phone.rfind("+1 (", 0), 0u);
    // Generated history lies in 2025 (local time) before the tenant clock's start.
    EXPECT_LT(a.last_updated, "2026-01-01");
    EXPECT_GT(a.last_updated, "2024-12-31");
  }
  EXPECT_EQ(application_ids.size(), apps.size());
  EXPECT_EQ(per_requisition.size(), 8u);  // spread over every requisition
  EXPECT_EQ(stages.size(), 8u);
  EXPECT_GT(stages["Review"], stages["Offer"]);  // a funnel

  // Some candidates hold two applications: same person, two requisitions.
  int twice = 0;
  for (const auto& [candidate, list] : by_candidate) {
    ASSERT_LE(list.size(), 2u) << candidate;
    if (list.size() < 2) continue;
    ++twice;
    EXPECT_NE(list[0]->application_id, list[1]->application_id);
    EXPECT_NE(list[0]->requisition_id, list[1]->requisition_id);
    EXPECT_EQ(list[0]->name, list[1]->name);
    EXPECT_EQ(list[0]->email, list[1]->email);
    EXPECT_EQ(list[0]->phone, list[1]->phone);
  }
  EXPECT_GT(twice, 100);
  EXPECT_LT(twice, 500);
}

TEST(WorkdayTenantData, FiveMillionRowsCostAlmostNoMemoryUntilMaterialised) {
  const size_t before = mallinfo2().uordblks;
  WorkdayTenant tenant(Options(50, 5000000));
  const size_t after = mallinfo2().uordblks;
  EXPECT_LT(after - before, 1u << 20) << "bytes allocated for a 5M-row tenant";
  // Mutations store only what they change.
  const auto lines = tenant.MutateRandom(1000);
  EXPECT_EQ(lines.size(), 1000u);
  EXPECT_LT(mallinfo2().uordblks - before, 1u << 20);
}

TEST(WorkdayTenantMutations, ExplicitMutationsAndTheirFailures) {
  WorkdayTenant tenant(Options(3, 10));
  const auto apps = tenant.applications();
  const std::string requisition = apps[0].requisition_id;

  EXPECT_TRUE(tenant.MoveApplication(apps[3].application_id, "Background Check"));
  EXPECT_FALSE(tenant.MoveApplication(apps[3].application_id, "background-check"));  // display names only
  EXPECT_FALSE(tenant.MoveApplication("JA-999999", "Offer"));
  EXPECT_FALSE(tenant.MoveApplication("nonsense", "Offer"));
  EXPECT_TRUE(tenant.RemoveApplication(apps[4].application_id));
  EXPECT_FALSE(tenant.RemoveApplication(apps[4].application_id));
  EXPECT_FALSE(tenant.MoveApplication(apps[4].application_id, "Offer"));
  EXPECT_EQ(tenant.AddApplication("R-99999"), "");
  const std::string added = tenant.AddApplication(requisition);
  EXPECT_EQ(added, "JA-000011");  // ids continue after the generated ones

  const auto now = tenant.applications();
  ASSERT_EQ(now.size(), 10u);
  EXPECT_EQ(now[3].stage, "Background Check");
  EXPECT_EQ(now[3].status, "Active");
  EXPECT_EQ(now[3].last_updated, "2025-12-31T16:00:01.000-08:00");
  EXPECT_EQ(now[4].application_id, apps[5].application_id);
  const SimApplication& last = now.back();
  EXPECT_EQ(last.application_id, added);
  EXPECT_EQ(last.requisition_id, requisition);
  EXPECT_EQ(last.stage, "Review");
  EXPECT_EQ(last.status, "Active");
  EXPECT_EQ(last.candidate_id, "C-00011");  // a new candidate
  EXPECT_EQ(last.last_updated, "2025-12-31T16:00:03.000-08:00");

  const std::string posting = tenant.AddPosting();
  const auto postings = tenant.postings();
  ASSERT_EQ(postings.size(), 4u);
  EXPECT_EQ(postings.back().requisition_id, posting);
  EXPECT_GT(posting, postings[2].requisition_id);
  EXPECT_EQ(postings.back().posted_on, "2026-01-01");
}

TEST(WorkdayTenantMutations, RandomMutationsDescribeThemselvesAndWorkOnAnEmptyTenant) {
  WorkdayTenant tenant(Options(0, 0));
  EXPECT_TRUE(tenant.postings().empty());
  EXPECT_TRUE(tenant.applications().empty());
  const auto lines = tenant.MutateRandom(200);
  ASSERT_EQ(lines.size(), 200u);
  EXPECT_EQ(lines[0].rfind("added posting R-", 0), 0u) << lines[0];  // somewhere to apply first
  std::set<std::string> verbs;
  for (const auto& line : lines) verbs.insert(line.substr(0, line.find(' ')));
  EXPECT_EQ(verbs, (std::set<std::string>{"added", "moved", "removed", "set"}));
  EXPECT_FALSE(tenant.postings().empty());
  EXPECT_FALSE(tenant.applications().empty());
}

TEST(WorkdayTenantLifecycle, StartStopRestartAndConcurrentClients) {
  const auto o = Options(5, 2000);
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  EXPECT_TRUE(tenant.Start());  // already running
  const std::string origin = "http://127.0.0.1:" + std::to_string(tenant.port());
  EXPECT_EQ(tenant.token_endpoint(), origin + "/ccx/oauth2/acme/token");
  EXPECT_EQ(tenant.rest_endpoint(), origin + "/ccx/api/v1/acme");

  const std::string token = Token(tenant, o);
  const auto applications = tenant.applications();
  std::vector<std::thread> clients;
  std::vector<int> rows(4, 0);
  for (size_t t = 0; t < rows.size(); ++t) {
    clients.emplace_back([&, t] {
      Download d = Fetch(tenant, ReportPath(o) + "?format=json", Bearer(token));
      Json j = Parse(d.body);
      if (j.ok) rows[t] = static_cast<int>(j.root["Report_Entry"].get_array().size());
      // Mutate while the other clients download; a move keeps the row count, so every
      // download must still see all 2000 rows (MutateRandom may remove one and race them).
      tenant.MoveApplication(applications[t].application_id, "Offer");
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(rows, (std::vector<int>{2000, 2000, 2000, 2000}));

  tenant.Stop();
  tenant.Stop();
  httplib::Client client("127.0.0.1", tenant.port());
  EXPECT_FALSE(client.Get("/ccx/api/v1/acme/jobPostings"));
  ASSERT_TRUE(tenant.Start());
  EXPECT_EQ(Get(tenant, "/ccx/api/v1/acme/jobPostings", Bearer(token)).status, 200);  // tokens survive

  WorkdayTenantOptions taken = o;
  taken.port = tenant.port();
  WorkdayTenant clash(taken);
  EXPECT_FALSE(clash.Start());

  tenant.ResetStats();
  EXPECT_EQ(tenant.stats().requests, 0);
}

}  // namespace
}  // namespace ats::sim
