#include "pipeline/event_builder.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace ats::pipeline {
namespace {

using events::JobChange;
using snapshot::Change;
using snapshot::ChangeType;

Change JobUpdate(const char* before, const char* after) {
  Change c;
  c.type = ChangeType::kUpdated;
  c.entity = Entity::kJob;
  c.id = "J1";
  c.fields = {{"state", after}, {"title", "\"Engineer\""}};
  c.changed_fields = {"state"};
  c.previous = {{"state", before}};
  return c;
}

TEST(EventBuilderTest, ClassifiesJobUpdatesByStateBeforeAndAfter) {
  EXPECT_EQ(EventBuilder::ClassifyJobUpdate(JobUpdate("\"published\"", "\"closed\"")), JobChange::kClosed);
  EXPECT_EQ(EventBuilder::ClassifyJobUpdate(JobUpdate("\"published\"", "\"archived\"")),
            JobChange::kArchived);
  EXPECT_EQ(EventBuilder::ClassifyJobUpdate(JobUpdate("\"closed\"", "\"published\"")), JobChange::kReopened);
  // A requisition that gets its first posting is not a reopening.
  EXPECT_EQ(EventBuilder::ClassifyJobUpdate(JobUpdate("\"unposted\"", "\"published\"")), JobChange::kUpdated);
  EXPECT_EQ(EventBuilder::ClassifyJobUpdate(JobUpdate("\"draft\"", "\"published\"")), JobChange::kUpdated);
  Change title = JobUpdate("\"published\"", "\"published\"");
  title.changed_fields = {"title"};
  title.previous = {{"title", "\"Intern\""}};
  EXPECT_EQ(EventBuilder::ClassifyJobUpdate(title), JobChange::kUpdated);
}

TEST(EventBuilderTest, BeforeRestoresPreviousValuesAndDropsAddedFields) {
  Change c;
  c.type = ChangeType::kUpdated;
  c.fields = {{"stage", "\"Interview\""}, {"phone", "\"1\""}, {"name", "\"Ada\""}};
  c.changed_fields = {"phone", "stage"};  // phone is new: absent from previous
  c.previous = {{"stage", "\"Applied\""}};
  EXPECT_EQ(EventBuilder::Before(c),
            (std::map<std::string, std::string>{{"name", "\"Ada\""}, {"stage", "\"Applied\""}}));
}

class EventBuilderWithConnection : public ::testing::Test {
 protected:
  EventBuilderWithConnection() {
    connection_.id = "acme";
    connection_.trigger_stages = {"interview"};
    topics_.candidates_state = "cands.state";
    topics_.jobs_state = "jobs.state";
    topics_.candidate_changed = "cands.changed";
  }
  config::ConnectionConfig connection_;
  config::TopicsConfig topics_;
  FieldPolicy policy_{config::FieldPolicyConfig{}};
};

TEST_F(EventBuilderWithConnection, FollowUpOnlyWhenACandidateEntersATriggerStage) {
  EventBuilder builder(connection_, "workable", topics_, policy_);
  Change entered;
  entered.type = ChangeType::kUpdated;
  entered.fields = {{"stage", "\"Interview\""}};
  entered.changed_fields = {"stage"};
  entered.previous = {{"stage", "\"Applied\""}};
  const auto extras = builder.Extras(entered);
  EXPECT_TRUE(extras.follow_up);
  ASSERT_TRUE(extras.previous_stage);
  EXPECT_EQ(extras.previous_stage->source, "Applied");
  Change stayed = entered;
  stayed.changed_fields = {"name"};
  stayed.previous = {{"name", "\"Ad\""}};
  stayed.fields["name"] = "\"Ada\"";
  EXPECT_FALSE(builder.Extras(stayed).follow_up);
  EXPECT_FALSE(builder.Extras(stayed).previous_stage);
  Change deleted = entered;
  deleted.type = ChangeType::kDeleted;
  EXPECT_FALSE(builder.Extras(deleted).follow_up);
}

TEST_F(EventBuilderWithConnection, LastStateFromTheSnapshotPassesThePolicyAgain) {
  EventBuilder builder(connection_, "workable", topics_, policy_);
  Change gone;
  gone.type = ChangeType::kDeleted;
  gone.fields = {{"name", "\"Ada\""}, {"gender", "\"Female\""}};  // stored before it was withheld
  gone.withheld = {"veteran_status"};
  builder.FilterLastState(gone);
  EXPECT_EQ(gone.fields.count("gender"), 0U);
  EXPECT_EQ(gone.withheld, (std::vector<std::string>{"gender", "veteran_status"}));
  Change updated;
  updated.type = ChangeType::kUpdated;
  updated.fields = {{"name", "\"Ada\""}};
  updated.changed_fields = {"gender", "name"};
  updated.previous = {{"gender", "\"Male\""}, {"name", "\"Ad\""}};
  builder.FilterPrevious(updated);
  EXPECT_EQ(updated.previous, (std::map<std::string, std::string>{{"name", "\"Ad\""}}));
  EXPECT_EQ(updated.changed_fields, (std::vector<std::string>{"gender", "name"}));
}

TEST_F(EventBuilderWithConnection, StateMessagesGoToTheirEntitysTopic) {
  EventBuilder builder(connection_, "workable", topics_, policy_);
  const events::Context ctx{"acme", "workable", SystemTime{}};
  EXPECT_EQ(builder.StateTombstone(ctx, Entity::kJob, "J1").topic, "jobs.state");
  const Message tombstone = builder.StateTombstone(ctx, Entity::kCandidate, "C1");
  EXPECT_EQ(tombstone.topic, "cands.state");
  EXPECT_TRUE(tombstone.null_value);
  EXPECT_EQ(tombstone.key, "acme/C1");
  connection_.publish = "triggers_only";
  EXPECT_TRUE(EventBuilder(connection_, "workable", topics_, policy_).triggers_only());
  EXPECT_FALSE(builder.triggers_only());
}

}  // namespace
}  // namespace ats::pipeline
