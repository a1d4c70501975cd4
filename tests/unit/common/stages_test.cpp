#include "common/stages.hpp"

#include <gtest/gtest.h>

#include "common/json_writer.hpp"

namespace ats {
namespace {

using Fields = std::map<std::string, std::string>;

Fields Workable(const std::string& stage, const std::string& kind, bool disqualified = false,
                bool withdrew = false) {
  return {{"stage", JsonString(stage)},
          {"stage_kind", JsonString(kind)},
          {"disqualified", disqualified ? "true" : "false"},
          {"withdrew", withdrew ? "true" : "false"}};
}
Fields Workday(const std::string& stage, const std::string& status) {
  return {{"stage", JsonString(stage)}, {"status", JsonString(status)}};
}

TEST(StageVocabularyTest, CanonicalNamesIgnoreCaseAndSeparators) {
  EXPECT_EQ(CanonicalName("reference_check"), "Reference Check");
  EXPECT_EQ(CanonicalName("BACKGROUND-CHECK"), "Background Check");
  EXPECT_EQ(CanonicalName("Phone Screen"), std::nullopt);
  EXPECT_EQ(CanonicalStages().size(), 11u);
}

TEST(StageVocabularyTest, WorkableDefaultsUseTheKindAndDisqualification) {
  StageVocabulary v("workable");
  EXPECT_EQ(v.View(Workable("Phone Screen", "phone-screen")).canonical, "Screen");
  EXPECT_EQ(v.View(Workable("Shortlisted", "shortlisted")).canonical, "Screen");
  EXPECT_EQ(v.View(Workable("Tech Test", "assessment")).canonical, "Assessment");
  EXPECT_EQ(v.View(Workable("Hired", "hired")).canonical, "Hired");
  // A custom stage whose name is canonical says more than its kind.
  EXPECT_EQ(v.View(Workable("Reference Check", "interview")).canonical, "Reference Check");
  EXPECT_EQ(v.View(Workable("Interview", "interview", /*disqualified=*/true)).canonical, "Rejected");
  EXPECT_EQ(v.View(Workable("Interview", "interview", false, /*withdrew=*/true)).canonical, "Withdrawn");
  const auto view = v.View(Workable("Phone Screen", "phone-screen"));
  EXPECT_EQ(view.source, "Phone Screen");
  EXPECT_EQ(view.source_kind, "phone-screen");
}

TEST(StageVocabularyTest, WorkdayStepsAndFinalStatuses) {
  StageVocabulary v("workday");
  EXPECT_EQ(v.View(Workday("Review", "Active")).canonical, "Applied");
  EXPECT_EQ(v.View(Workday("Reference Check", "Active")).canonical, "Reference Check");
  EXPECT_EQ(v.View(Workday("Background Check", "Active")).canonical, "Background Check");
  EXPECT_EQ(v.View(Workday("Ready for Hire", "Active")).canonical, "Hired");
  EXPECT_EQ(v.View(Workday("Interview", "Declined")).canonical, "Rejected");
  EXPECT_EQ(v.View(Workday("Offer", "Withdrawn")).canonical, "Withdrawn");
  EXPECT_EQ(v.View(Workday("Something Custom", "Active")).canonical, std::nullopt);
}

TEST(StageVocabularyTest, OverridesExtendAndReplaceTheDefaults) {
  StageVocabulary v("workable", {{"Culture Fit", "Interview"}, {"phone-screen", "assessment"}});
  EXPECT_EQ(v.View(Workable("Culture Fit", "interview")).canonical, "Interview");
  EXPECT_EQ(v.View(Workable("Phone Screen", "phone-screen")).canonical, "Assessment");
  EXPECT_THROW(StageVocabulary("workable", {{"x", "Not A Stage"}}), std::invalid_argument);
}

// Every transition class of the follow-up rule.
TEST(TriggerTest, EntersTriggerOnlyOnEntry) {
  StageVocabulary v("workable");
  TriggerStages t({"Screen", "Reference Check"});
  const auto applied = Workable("Applied", "applied");
  const auto screen = Workable("Phone Screen", "phone-screen");
  const auto shortlisted = Workable("Shortlisted", "shortlisted");  // also Screen
  const auto interview = Workable("Interview", "interview");
  const auto reference = Workable("Reference Check", "interview");
  const auto screen_disqualified = Workable("Phone Screen", "phone-screen", true);

  EXPECT_TRUE(EntersTrigger(v, t, nullptr, screen)) << "created in a trigger stage";
  EXPECT_FALSE(EntersTrigger(v, t, nullptr, applied)) << "created elsewhere";
  EXPECT_TRUE(EntersTrigger(v, t, &applied, screen)) << "into";
  EXPECT_FALSE(EntersTrigger(v, t, &screen, interview)) << "out of";
  EXPECT_FALSE(EntersTrigger(v, t, &screen, shortlisted)) << "within the same canonical stage";
  EXPECT_TRUE(EntersTrigger(v, t, &screen, reference)) << "from one trigger stage into another";
  EXPECT_FALSE(EntersTrigger(v, t, &screen, screen)) << "unrelated change";
  EXPECT_FALSE(EntersTrigger(v, t, &applied, screen_disqualified)) << "disqualified is Rejected";
  EXPECT_TRUE(EntersTrigger(v, t, &screen_disqualified, screen)) << "re-entry after disqualification";
  EXPECT_FALSE(EntersTrigger(v, TriggerStages({}), nullptr, screen)) << "no triggers";
}

TEST(TriggerTest, SourceNamesAndKindsAlsoWork) {
  StageVocabulary v("workable");
  TriggerStages by_kind({"phone-screen"});
  EXPECT_TRUE(by_kind.Contains(v.View(Workable("Phone Screen", "phone-screen"))));
  EXPECT_FALSE(by_kind.Contains(v.View(Workable("Phone Screen", "phone-screen", true))))
      << "a disqualified candidate is not in its old step";
  TriggerStages rejected({"Rejected"});
  EXPECT_TRUE(rejected.Contains(v.View(Workable("Phone Screen", "phone-screen", true))));
  StageVocabulary wd("workday");
  TriggerStages bg({"Background Check"});
  EXPECT_TRUE(EntersTrigger(wd, bg, nullptr, Workday("Background Check", "Active")));
}

}  // namespace
}  // namespace ats
