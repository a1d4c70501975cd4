// The simulated Workable account's data: mutations, the tenant clock, determinism, scale and
// the server's lifecycle.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>

#include "sim/workable_tenant.hpp"
#include "sim_test_util.hpp"

namespace ats::sim {
namespace {

using namespace testutil;

struct Fetched {
  int status = 0;
  std::string stage, stage_kind, updated_at, created_at, name, email, reason;
  bool disqualified = false, reason_null = true, hired_at_null = true;
};

Fetched FetchCandidate(const WorkableTenant& tenant, const std::string& id) {
  Fetched f;
  Reply r = Get(tenant, "/spi/v3/candidates/" + id);
  f.status = r.status;
  if (r.status != 200) return f;
  Json j = Parse(r.body);
  if (!j.ok) {
    ADD_FAILURE() << "invalid JSON";
    return f;
  }
  simdjson::dom::element c = j.root["candidate"].value();
  f.stage = Str(c, "stage");
  f.stage_kind = Str(c, "stage_kind");
  f.updated_at = Str(c, "updated_at");
  f.created_at = Str(c, "created_at");
  f.name = Str(c, "name");
  f.email = Str(c, "email");
  f.disqualified = c["disqualified"].get_bool().value();
  f.reason_null = IsNull(c, "disqualification_reason");
  if (!f.reason_null) f.reason = Str(c, "disqualification_reason");
  f.hired_at_null = IsNull(c, "hired_at");
  return f;
}

const SimCandidate* FindTruth(const std::vector<SimCandidate>& all, const std::string& id) {
  for (const auto& c : all)
    if (c.id == id) return &c;
  return nullptr;
}

TEST(WorkableTenantMutations, MoveChangesStageKindAndUpdatedAtOnly) {
  WorkableTenant tenant(SmallOptions(2, 10));
  ASSERT_TRUE(tenant.Start());
  SimCandidate target;
  for (const auto& c : tenant.candidates())
    if (c.stage_kind != "interview" && c.stage_kind != "hired") target = c;
  ASSERT_FALSE(target.id.empty());
  const Fetched before = FetchCandidate(tenant, target.id);
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.stage_kind, target.stage_kind);

  ASSERT_TRUE(tenant.MoveCandidate(target.id, "phone-screen"));
  const Fetched after = FetchCandidate(tenant, target.id);
  EXPECT_EQ(after.stage, "Phone Screen");
  EXPECT_EQ(after.stage_kind, "phone-screen");
  EXPECT_GT(after.updated_at, before.updated_at);  // same RFC 3339 layout: orders as text
  EXPECT_EQ(after.created_at, before.created_at);
  EXPECT_EQ(after.name, before.name);
  EXPECT_EQ(after.email, before.email);
  EXPECT_EQ(after.disqualified, before.disqualified);

  const auto now = tenant.candidates();
  const SimCandidate* truth = FindTruth(now, target.id);
  ASSERT_NE(truth, nullptr);
  EXPECT_EQ(truth->stage, "Phone Screen");
  EXPECT_EQ(truth->stage_kind, "phone-screen");
  EXPECT_EQ(truth->updated_at, after.updated_at);

  ASSERT_TRUE(tenant.MoveCandidate(target.id, "hired"));
  EXPECT_FALSE(FetchCandidate(tenant, target.id).hired_at_null);
  EXPECT_FALSE(tenant.MoveCandidate(target.id, "no-such-stage"));
  EXPECT_FALSE(tenant.MoveCandidate("0abc", "interview"));
}

TEST(WorkableTenantMutations, DisqualifySetsFlagAndReason) {
  WorkableTenant tenant(SmallOptions(2, 10));
  ASSERT_TRUE(tenant.Start());
  SimCandidate target;
  for (const auto& c : tenant.candidates())
    if (!c.disqualified) target = c;
  ASSERT_FALSE(target.id.empty());
  EXPECT_TRUE(FetchCandidate(tenant, target.id).reason_null);
  ASSERT_TRUE(tenant.Disqualify(target.id, "Position filled"));
  const Fetched f = FetchCandidate(tenant, target.id);
  EXPECT_TRUE(f.disqualified);
  EXPECT_FALSE(f.reason_null);
  EXPECT_EQ(f.reason, "Position filled");
  EXPECT_EQ(f.stage_kind, target.stage_kind);
  EXPECT_GT(f.updated_at, target.updated_at);
}

TEST(WorkableTenantMutations, DeleteRemovesFromListingsAndDetail) {
  WorkableTenant tenant(SmallOptions(2, 10));
  ASSERT_TRUE(tenant.Start());
  auto ids = Ids(tenant.candidates());
  const std::string gone = ids[4];
  ASSERT_TRUE(tenant.DeleteCandidate(gone));
  EXPECT_FALSE(tenant.DeleteCandidate(gone));
  ids.erase(ids.begin() + 4);
  EXPECT_EQ(Ids(tenant.candidates()), ids);
  EXPECT_EQ(WalkAll(tenant, "/spi/v3/candidates?limit=3", "candidates").ids, ids);
  EXPECT_EQ(FetchCandidate(tenant, gone).status, 404);
  EXPECT_FALSE(tenant.MoveCandidate(gone, "interview"));
}

TEST(WorkableTenantMutations, AddedCandidateAndJobAppearAtTheEnd) {
  WorkableTenant tenant(SmallOptions(3, 10));
  ASSERT_TRUE(tenant.Start());
  const std::string sc = tenant.jobs()[2].shortcode;
  const std::string id = tenant.AddCandidate(sc);
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(tenant.AddCandidate("NOSUCHJOB0"), "");
  const Walk walk = WalkAll(tenant, "/spi/v3/candidates?limit=7", "candidates");
  ASSERT_EQ(walk.ids.size(), 31u);
  EXPECT_EQ(walk.ids.back(), id);
  const auto all = tenant.candidates();
  const SimCandidate& truth = all.back();
  EXPECT_EQ(truth.id, id);
  EXPECT_EQ(truth.job_shortcode, sc);
  EXPECT_EQ(truth.stage_kind, "applied");
  EXPECT_EQ(truth.created_at, truth.updated_at);

  const std::string job = tenant.AddJob("draft");
  ASSERT_EQ(job.size(), 10u);
  EXPECT_EQ(tenant.AddJob("bogus"), "");
  const auto jobs = tenant.jobs();
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_EQ(jobs.back().shortcode, job);
  EXPECT_EQ(jobs.back().state, "draft");
  const Walk job_walk = WalkAll(tenant, "/spi/v3/jobs?limit=3", "jobs");
  EXPECT_EQ(job_walk.ids.back(), jobs.back().id);

  ASSERT_TRUE(tenant.SetJobState(job, "published"));
  EXPECT_EQ(tenant.jobs().back().state, "published");
  EXPECT_GT(tenant.jobs().back().updated_at, jobs.back().updated_at);
  auto contains = [](const std::vector<std::string>& list, const std::string& wanted) {
    return std::find(list.begin(), list.end(), wanted) != list.end();
  };
  EXPECT_TRUE(contains(WalkAll(tenant, "/spi/v3/jobs?state=published", "jobs").ids, jobs.back().id));
  EXPECT_FALSE(contains(WalkAll(tenant, "/spi/v3/jobs?state=draft", "jobs").ids, jobs.back().id));
  EXPECT_FALSE(tenant.SetJobState(job, "bogus"));
  EXPECT_FALSE(tenant.SetJobState("NOSUCHJOB0", "closed"));
}

TEST(WorkableTenantMutations, TenantClockStartsAt2026AndMovesForwardEachMutation) {
  WorkableTenant tenant(SmallOptions(2, 10));
  for (const auto& c : tenant.candidates()) EXPECT_LT(c.updated_at, "2026-01-01T00:00:00Z");
  const auto ids = Ids(tenant.candidates());
  std::string last = "2026-01-01T00:00:00Z";
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(tenant.MoveCandidate(ids[static_cast<size_t>(i)], "interview"));
    const auto all = tenant.candidates();
    const SimCandidate* c = FindTruth(all, ids[static_cast<size_t>(i)]);
    ASSERT_NE(c, nullptr);
    EXPECT_GT(c->updated_at, last);
    last = c->updated_at;
  }
  EXPECT_EQ(last, "2026-01-01T00:00:05Z");
}

TEST(WorkableTenantMutations, ClockIsTheUpdatedAtOfTheLatestChange) {
  // ats-sim --mutation-log pairs this with wall time, so a benchmark can tell from an event's
  // updated_at when its change happened.
  WorkableTenant tenant(SmallOptions(2, 10));
  EXPECT_EQ(tenant.clock(), "2026-01-01T00:00:00Z");
  const auto ids = Ids(tenant.candidates());
  ASSERT_TRUE(tenant.MoveCandidate(ids[0], "interview"));
  const auto all = tenant.candidates();
  const SimCandidate* c = FindTruth(all, ids[0]);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(tenant.clock(), c->updated_at);
  tenant.MutateRandom(3);
  EXPECT_EQ(tenant.clock(), "2026-01-01T00:00:04Z");  // one second per change
}

TEST(WorkableTenantMutations, MutateRandomDescribesEachChange) {
  WorkableTenant tenant(SmallOptions(3, 20));
  const auto before = tenant.candidates();
  const auto lines = tenant.MutateRandom(40);
  ASSERT_EQ(lines.size(), 40u);
  std::set<std::string> verbs;
  for (const auto& line : lines) {
    const std::string verb = line.substr(0, line.find(' '));
    EXPECT_TRUE(verb == "moved" || verb == "added" || verb == "disqualified" || verb == "deleted") << line;
    verbs.insert(verb);
  }
  EXPECT_GE(verbs.size(), 3u);
  // Each line about a candidate that no later line touches is true of the ground truth.
  const auto after = tenant.candidates();
  int checked = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const size_t verb_end = line.find(' ');
    const bool added = line.rfind("added candidate ", 0) == 0;
    if (line.rfind("added job ", 0) == 0) continue;
    const size_t id_start = added ? std::string("added candidate ").size() : verb_end + 1;
    const std::string id = line.substr(id_start, line.find_first_of(" :", id_start) - id_start);
    bool touched_later = false;
    for (size_t k = i + 1; k < lines.size(); ++k) touched_later |= lines[k].find(id) != std::string::npos;
    if (touched_later) continue;
    const SimCandidate* c = FindTruth(after, id);
    if (line.rfind("deleted candidate ", 0) == 0) {
      EXPECT_EQ(c, nullptr) << line;
    } else {
      ASSERT_NE(c, nullptr) << line;
      if (line.rfind("moved ", 0) == 0) {
        EXPECT_EQ(line, "moved " + id + " to " + c->stage_kind);
      }
      if (line.rfind("disqualified ", 0) == 0) {
        EXPECT_TRUE(c->disqualified);
        EXPECT_EQ(line, "disqualified " + id + ": " + c->disqualification_reason);
      }
      if (added) {
        EXPECT_EQ(line, "added candidate " + id + " (" + c->name + ") to job " + c->job_shortcode);
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 20);
  EXPECT_NE(Ids(tenant.candidates()), Ids(before));
}

TEST(WorkableTenantDeterminism, SameSeedSameDataAndMutations) {
  auto fingerprint = [](const WorkableTenant& t) {
    std::string out;
    for (const auto& j : t.jobs()) out += j.id + j.shortcode + j.title + j.state + j.updated_at + "\n";
    for (const auto& c : t.candidates())
      out += c.id + c.name + c.email + c.phone + c.job_shortcode + c.stage_kind + c.updated_at +
             (c.disqualified ? c.disqualification_reason : "-") + "\n";
    return out;
  };
  WorkableTenant a(SmallOptions(5, 20, 7));
  WorkableTenant b(SmallOptions(5, 20, 7));
  WorkableTenant c(SmallOptions(5, 20, 8));
  EXPECT_EQ(fingerprint(a), fingerprint(b));
  EXPECT_NE(fingerprint(a), fingerprint(c));
  EXPECT_EQ(a.MutateRandom(30), b.MutateRandom(30));
  EXPECT_EQ(fingerprint(a), fingerprint(b));

  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  EXPECT_EQ(Get(a, "/spi/v3/candidates?limit=100").body.size(),
            Get(b, "/spi/v3/candidates?limit=100").body.size());
  EXPECT_EQ(Get(a, "/spi/v3/jobs").body, Get(b, "/spi/v3/jobs").body);
  EXPECT_EQ(Get(a, "/spi/v3/stages").body, Get(b, "/spi/v3/stages").body);
}

TEST(WorkableTenantScale, HundredThousandCandidatesPageBySinceId) {
  WorkableTenant tenant(SmallOptions(100, 1000));
  ASSERT_TRUE(tenant.Start());
  const auto all = tenant.candidates();
  ASSERT_EQ(all.size(), 100000u);
  Reply r = Get(tenant, "/spi/v3/candidates?limit=100&since_id=" + all[54321].id);
  ASSERT_EQ(r.status, 200);
  Json j = Parse(r.body);
  ASSERT_TRUE(j.ok);
  simdjson::dom::array items = j.root["candidates"].get_array().value();
  ASSERT_EQ(items.size(), 100u);
  EXPECT_EQ(Str(items.at(0).value(), "id"), all[54321].id);
  EXPECT_EQ(Str(items.at(99).value(), "id"), all[54420].id);
  EXPECT_EQ(Str(j.root["paging"].value(), "next"),
            tenant.base_url() + "/candidates?limit=100&since_id=" + all[54421].id);
}

TEST(WorkableTenantLifecycle, StartStopRestartAndConcurrentUse) {
  WorkableTenant tenant(SmallOptions(3, 30));
  EXPECT_FALSE(tenant.base_url().empty());
  ASSERT_TRUE(tenant.Start());
  EXPECT_TRUE(tenant.Start());  // already running
  EXPECT_GT(tenant.port(), 0);
  EXPECT_EQ(tenant.base_url(), "http://127.0.0.1:" + std::to_string(tenant.port()) + "/spi/v3");

  // Mutations from another thread while a client pages: every page stays well-formed.
  std::thread mutator([&] {
    for (int i = 0; i < 500; ++i) {
      tenant.MutateRandom(1);
      std::this_thread::yield();
    }
  });
  for (int i = 0; i < 3; ++i) {
    const Walk w = WalkAll(tenant, "/spi/v3/candidates?limit=20", "candidates");
    EXPECT_FALSE(w.ids.empty());
    EXPECT_EQ(std::set<std::string>(w.ids.begin(), w.ids.end()).size(), w.ids.size());
  }
  mutator.join();

  tenant.Stop();
  tenant.Stop();
  httplib::Client client("127.0.0.1", tenant.port());
  EXPECT_FALSE(client.Get("/spi/v3/jobs"));  // nothing listens any more
  ASSERT_TRUE(tenant.Start());
  EXPECT_EQ(Get(tenant, "/spi/v3/jobs").status, 200);

  WorkableTenantOptions taken = SmallOptions(1, 1);
  taken.port = tenant.port();
  WorkableTenant clash(taken);
  EXPECT_FALSE(clash.Start());
}

}  // namespace
}  // namespace ats::sim
