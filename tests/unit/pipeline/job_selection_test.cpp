#include "pipeline/job_selection.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/test_support.hpp"

namespace ats::pipeline {
namespace {

Record Job(const std::string& id, std::map<std::string, std::string> fields = {}) {
  Record r;
  r.entity = Entity::kJob;
  r.id = id;
  r.fields = std::move(fields);
  return r;
}

TEST(JobSelectionTest, RulesSelectByIdDepartmentLocationAndState) {
  config::ConnectionConfig c;
  c.id = "acme";
  c.all_jobs = true;
  c.job_departments = {"Engineering"};
  c.job_locations = {"berlin"};
  c.job_states = {"published"};
  JobSelection selection(c);
  const auto job = [](const char* department, const char* location, const char* state) {
    return Job("J1", {{"department", department}, {"location", location}, {"state", state}});
  };
  EXPECT_TRUE(selection.Matches(job("\"engineering\"", R"({"city":"Berlin"})", "\"published\"")));
  EXPECT_FALSE(selection.Matches(job("\"Sales\"", R"({"city":"Berlin"})", "\"published\"")));
  EXPECT_FALSE(selection.Matches(job("\"Engineering\"", R"({"city":"Paris"})", "\"published\"")));
  EXPECT_FALSE(selection.Matches(job("\"Engineering\"", R"({"city":"Berlin"})", "\"closed\"")));
  // No state (a Workday posting): job_states does not apply.
  EXPECT_TRUE(selection.Matches(Job("J2", {{"department", "\"Engineering\""}, {"location", "\"Berlin\""}})));
}

TEST(JobSelectionTest, NamedJobsOnlyAndRemovalByDroppingFromTheList) {
  config::ConnectionConfig c;
  c.id = "acme";
  c.all_jobs = false;
  c.jobs = {"J1"};
  JobSelection selection(c);
  EXPECT_TRUE(selection.Matches(Job("J1")));
  EXPECT_FALSE(selection.Matches(Job("J2")));
  EXPECT_FALSE(selection.UserRemoved("J1"));
  EXPECT_TRUE(selection.UserRemoved("J2"));  // not (or no longer) in `jobs`
  EXPECT_TRUE(selection.AdmitsRowJob("J1"));
  EXPECT_FALSE(selection.AdmitsRowJob("J2"));
}

TEST(JobSelectionTest, AdminImportsAndRemovalsFromTheSnapshotOverrideTheRules) {
  testing::TempDir dir;
  auto store = snapshot::OpenRocksDbStore(dir.File("snapshot"));
  ASSERT_TRUE(store);
  snapshot::Batch batch;
  batch.PutMeta(ImportedJobsKey("acme"), EncodeStringArray({"J9"}));
  batch.PutMeta(RemovedJobsKey("acme"), EncodeStringArray({"J1"}));
  const SystemTime at = *ParseRfc3339("2026-11-22T07:00:00Z");
  batch.PutMeta(BackfillOwedKey("acme"), EncodeOwedBackfills({{"J9", at}}));
  ASSERT_TRUE((*store)->Commit(batch));
  config::ConnectionConfig c;
  c.id = "acme";
  c.all_jobs = true;
  c.job_departments = {"Engineering"};
  JobSelection selection(c);
  ASSERT_TRUE(selection.Load(**store));
  EXPECT_TRUE(
      selection.Matches(Job("J9", {{"department", "\"Sales\""}})));  // imported: whatever its department
  EXPECT_TRUE(selection.UserRemoved("J1"));
  EXPECT_FALSE(selection.AdmitsRowJob("J1"));
  EXPECT_TRUE(selection.AdmitsRowJob("J9"));
  EXPECT_FALSE(selection.AdmitsRowJob("J5"));  // department rules: a row carries no department
  ASSERT_TRUE(selection.Owes("J9"));
  EXPECT_EQ(selection.owed().at("J9"), at);
}

TEST(JobSelectionTest, BackfillsSettleOnlyOnceDone) {
  config::ConnectionConfig c;
  c.id = "acme";
  JobSelection selection(c);
  const SystemTime at = *ParseRfc3339("2026-11-22T07:00:00Z");
  selection.Owe("J1", at);
  EXPECT_FALSE(selection.Settle(/*no_candidates=*/false));  // not backfilled yet
  EXPECT_TRUE(selection.Owes("J1"));
  selection.AllOwedDone();
  selection.Owe("J2", at);  // entered after the candidates listing: still owed
  EXPECT_TRUE(selection.Settle(false));
  EXPECT_FALSE(selection.Owes("J1"));
  EXPECT_TRUE(selection.Owes("J2"));
  EXPECT_TRUE(selection.Settle(/*no_candidates=*/true));  // nothing to backfill from
  EXPECT_TRUE(selection.owed().empty());
}

TEST(JobSelectionTest, StoredListsRoundTripAndRefuseOtherShapes) {
  EXPECT_EQ(DecodeStringArray(EncodeStringArray({"a\"b", "c"})), (std::vector<std::string>{"a\"b", "c"}));
  EXPECT_TRUE(DecodeStringArray("{\"a\":1}").empty());
  const auto owed = DecodeOwedBackfills(R"({"J1":"2026-11-22T07:00:00.000Z","J2":3,"J3":"yesterday"})");
  ASSERT_EQ(owed.size(), 1U);
  EXPECT_EQ(EncodeOwedBackfills(owed), R"({"J1":"2026-11-22T07:00:00.000Z"})");
}

}  // namespace
}  // namespace ats::pipeline
