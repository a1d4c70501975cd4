#include "pipeline/listing_state.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <variant>

#include "support/test_support.hpp"

namespace ats::pipeline {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

SystemTime At(const char* text) {
  return *ParseRfc3339(text);
}

class ListingStateTest : public ::testing::Test {
 protected:
  ListingStateTest() {
    auto opened = snapshot::OpenRocksDbStore(dir_.File("snapshot"));
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().message);
    store_ = std::move(*opened);
    connection_.id = "acme";
    connection_.incremental = true;
    connection_.full_reconcile_interval_s = 6 * 3600;
  }
  void PutMeta(const std::string& key, const std::string& value) {
    snapshot::Batch batch;
    batch.PutMeta(key, value);
    ASSERT_TRUE(store_->Commit(batch));
  }
  std::optional<std::string> Meta(const std::string& key) {
    auto got = store_->GetMeta(key);
    EXPECT_TRUE(got);
    return got ? *got : std::nullopt;
  }

  testing::TempDir dir_;
  std::unique_ptr<snapshot::SnapshotStore> store_;
  config::ConnectionConfig connection_;
};

TEST_F(ListingStateTest, KeysNameTheConnectionEntityAndWhat) {
  ListingState state(*store_, connection_);
  EXPECT_EQ(state.MetaKey(Entity::kCandidate, "cursor"), "sync/acme/candidate/cursor");
  EXPECT_EQ(state.MetaKey(Entity::kJob, "resume"), "sync/acme/job/resume");
}

TEST_F(ListingStateTest, IncrementalOnlyWithACursorAndARecentFullListing) {
  ListingState state(*store_, connection_);
  const SystemTime now = At("2026-11-22T12:00:00Z");
  EXPECT_FALSE(state.UseIncremental(Entity::kCandidate, true, now));  // nothing stored yet
  PutMeta("sync/acme/candidate/cursor", "2026-11-22T11:00:00.000Z");
  EXPECT_FALSE(state.UseIncremental(Entity::kCandidate, true, now));  // never listed in full
  PutMeta("sync/acme/candidate/last_full_listing", "2026-11-22T07:00:00.000Z");
  EXPECT_TRUE(state.UseIncremental(Entity::kCandidate, true, now));
  EXPECT_FALSE(state.UseIncremental(Entity::kCandidate, false, now));            // the source cannot filter
  EXPECT_FALSE(state.UseIncremental(Entity::kJob, true, now));                   // other entity, no cursor
  EXPECT_FALSE(state.UseIncremental(Entity::kCandidate, true, now + hours(2)));  // 7 h: reconcile due
  connection_.incremental = false;                                               // read at each call
  EXPECT_FALSE(state.UseIncremental(Entity::kCandidate, true, now));
}

TEST_F(ListingStateTest, ResumeRefusesOldFutureUnreadableAndIncrementalWhenOff) {
  ListingState state(*store_, connection_);
  ResumeMarker marker;
  marker.next = "https://acme.workable.com/spi/v3/candidates?since_id=9";
  marker.full = false;
  marker.updated_after = At("2026-11-22T06:00:00Z");
  marker.started = At("2026-11-22T07:00:00Z");
  const std::string stored = EncodeResumeMarker(marker);
  auto ok = state.CheckResume(stored, true, At("2026-11-22T08:00:00Z"));
  ASSERT_TRUE(std::holds_alternative<ResumeMarker>(ok)) << std::get<std::string>(ok);
  EXPECT_EQ(std::get<ResumeMarker>(ok).next, marker.next);
  auto old = state.CheckResume(stored, true, At("2026-11-22T13:00:00Z"));
  ASSERT_TRUE(std::holds_alternative<std::string>(old));
  EXPECT_NE(std::get<std::string>(old).find("full_reconcile_interval_s"), std::string::npos);
  auto future = state.CheckResume(stored, true, At("2026-11-22T06:00:00Z"));
  ASSERT_TRUE(std::holds_alternative<std::string>(future));
  EXPECT_NE(std::get<std::string>(future).find("future"), std::string::npos);
  auto off = state.CheckResume(stored, false, At("2026-11-22T08:00:00Z"));
  ASSERT_TRUE(std::holds_alternative<std::string>(off));
  EXPECT_NE(std::get<std::string>(off).find("incremental"), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<std::string>(
      state.CheckResume("{\"next\":1}", true, At("2026-11-22T08:00:00Z"))));
}

TEST_F(ListingStateTest, CompleteFullListingMovesCursorForwardOnlyAndClearsResume) {
  ListingState state(*store_, connection_);
  PutMeta("sync/acme/candidate/resume", "{}");
  PutMeta("sync/acme/candidate/deletions_owed", "2026-11-21T00:00:00.000Z");
  ListingState::CursorInputs in;
  in.can_query = true;
  in.resumable = true;
  in.full_listing = true;
  in.listing_newest = At("2026-11-22T06:00:00Z");
  in.old_cursor = At("2026-11-22T06:30:00Z");  // newer than anything listed: kept
  in.cycle_started = At("2026-11-22T07:00:00Z");
  auto commit = state.BuildCursorCommit(Entity::kCandidate, in);
  EXPECT_FALSE(commit.deletions_unchecked_since);
  ASSERT_TRUE(store_->Commit(commit.batch));
  EXPECT_EQ(Meta("sync/acme/candidate/cursor"), "2026-11-22T06:30:00.000Z");
  EXPECT_EQ(Meta("sync/acme/candidate/last_full_listing"), "2026-11-22T07:00:00.000Z");
  EXPECT_FALSE(Meta("sync/acme/candidate/deletions_owed"));
  EXPECT_FALSE(Meta("sync/acme/candidate/resume"));
}

TEST_F(ListingStateTest, ResumedFullListingBoundsCursorAndDefersDeletionsOnce) {
  ListingState state(*store_, connection_);
  ResumeMarker resumed;
  resumed.next = "https://x/next";
  resumed.started = At("2026-11-22T07:00:00Z");
  resumed.newest = At("2026-11-22T06:50:00Z");
  ListingState::CursorInputs in;
  in.can_query = true;
  in.resumable = true;
  in.full_listing = true;
  in.listing_newest = At("2026-11-22T09:00:00Z");  // listed after the gap: not trusted
  in.cycle_started = At("2026-11-22T09:30:00Z");
  in.resumed = &resumed;
  auto first = state.BuildCursorCommit(Entity::kCandidate, in);
  ASSERT_TRUE(first.deletions_unchecked_since);
  EXPECT_EQ(*first.deletions_unchecked_since, resumed.started);
  EXPECT_FALSE(first.already_owed);
  ASSERT_TRUE(store_->Commit(first.batch));
  EXPECT_EQ(Meta("sync/acme/candidate/cursor"), "2026-11-22T06:50:00.000Z");
  EXPECT_EQ(Meta("sync/acme/candidate/last_full_listing"), "2026-11-22T07:00:00.000Z");
  EXPECT_EQ(Meta("sync/acme/candidate/deletions_owed"), "2026-11-22T07:00:00.000Z");
  // Resumed again: already owed, so last_full_listing stays behind (the next cycle lists in full).
  resumed.started = At("2026-11-22T13:00:00Z");
  resumed.newest.reset();
  auto second = state.BuildCursorCommit(Entity::kCandidate, in);
  EXPECT_TRUE(second.already_owed);
  ASSERT_TRUE(store_->Commit(second.batch));
  EXPECT_EQ(Meta("sync/acme/candidate/last_full_listing"), "2026-11-22T07:00:00.000Z");
  EXPECT_EQ(Meta("sync/acme/candidate/deletions_owed"), "2026-11-22T07:00:00.000Z");
}

TEST_F(ListingStateTest, NoCursorForSourcesThatCannotFilter) {
  ListingState state(*store_, connection_);
  ListingState::CursorInputs in;
  in.full_listing = true;
  in.listing_newest = At("2026-11-22T06:00:00Z");
  in.cycle_started = At("2026-11-22T07:00:00Z");
  EXPECT_TRUE(state.BuildCursorCommit(Entity::kJob, in).batch.empty());
}

}  // namespace
}  // namespace ats::pipeline
