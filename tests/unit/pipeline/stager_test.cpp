#include "pipeline/stager.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace ats::pipeline {
namespace {

// Kafka as the stager sees it: publishes are recorded, acknowledged when the test says so.
class FakeOutbox : public Outbox {
 public:
  Result<Ticket> Publish(const std::vector<Message>& batch) override {
    published.push_back(batch);
    if (on_publish) on_publish();
    return Ticket(std::make_shared<int>(static_cast<int>(published.size())));
  }
  Result<void> Await(const Ticket&) override {
    if (fail_ack) return Error::Retryable(ErrorCategory::kKafka, "delivery failed");
    return Ok();
  }
  bool Settled(const Ticket&) override { return settled; }
  Result<void> PublishAndAwait(const std::vector<Message>& batch) override {
    published.push_back(batch);
    if (on_publish) on_publish();
    if (fail_ack) return Error::Retryable(ErrorCategory::kKafka, "delivery failed");
    return Ok();
  }

  std::vector<std::vector<Message>> published;
  std::function<void()> on_publish;
  bool settled = false;
  bool fail_ack = false;
};

class StagerTest : public ::testing::Test {
 protected:
  StagerTest() {
    auto opened = snapshot::OpenRocksDbStore(dir_.File("snapshot"));
    EXPECT_TRUE(opened);
    store_ = std::move(*opened);
    connection_.id = "acme";
    listing_ = std::make_unique<ListingState>(*store_, connection_);
    stager_ = std::make_unique<Stager>(Stager::Deps{*store_, outbox_, metrics_, *listing_, "acme",
                                                    [this](Entity, SystemTime t) { newest_seen_ = t; }});
  }
  // One candidate change staged: its event, its new state, its counts.
  void StageCandidate(const std::string& id, const char* updated_at) {
    Stage& stage = stager_->open();
    stage.entity = Entity::kCandidate;
    stage.report = &report_;
    stage.Add(Message{"cands", "acme/" + id, "{}", {}});
    snapshot::StoredRecord state;
    state.body = "{\"id\":\"" + id + "\"}";
    state.sequence = 1;
    stage.states.insert_or_assign(id, state);
    ++stage.counts.created;
    ++stage.counts.records;
    stage.newest = *ParseRfc3339(updated_at);
  }
  bool Stored(const snapshot::Key& key) {
    auto got = store_->Get(key);
    EXPECT_TRUE(got);
    return got && got->has_value();
  }

  testing::TempDir dir_;
  std::unique_ptr<snapshot::SnapshotStore> store_;
  config::ConnectionConfig connection_;
  std::unique_ptr<ListingState> listing_;
  FakeOutbox outbox_;
  telemetry::Metrics metrics_;
  std::unique_ptr<Stager> stager_;
  CycleReport report_;
  SystemTime newest_seen_{};
};

TEST_F(StagerTest, AStageIsCommittedOnlyOnceKafkaAcknowledgedIt) {
  const snapshot::Key key{"acme", Entity::kCandidate, "C1"};
  StageCandidate("C1", "2026-11-22T07:00:00Z");
  ASSERT_TRUE(stager_->Advance(/*force=*/false));
  ASSERT_EQ(outbox_.published.size(), 1U);
  EXPECT_FALSE(Stored(key));                            // in flight: not committed
  EXPECT_TRUE(Stored(Stager::PendingKey(key)));         // but written ahead
  EXPECT_TRUE(stager_->StagedState("C1").has_value());  // later diffs see the staged state
  EXPECT_EQ(report_.created, 0);                        // counts join once committed
  ASSERT_TRUE(stager_->Advance(/*force=*/false));       // not acknowledged yet: keeps gathering
  EXPECT_FALSE(Stored(key));
  outbox_.settled = true;
  ASSERT_TRUE(stager_->Advance(/*force=*/false));
  EXPECT_TRUE(Stored(key));
  EXPECT_FALSE(Stored(Stager::PendingKey(key)));
  EXPECT_FALSE(stager_->StagedState("C1").has_value());
  EXPECT_EQ(report_.created, 1);
  EXPECT_EQ(report_.records, 1);
  EXPECT_EQ(stager_->listing_newest(), *ParseRfc3339("2026-11-22T07:00:00Z"));
  EXPECT_EQ(newest_seen_, *ParseRfc3339("2026-11-22T07:00:00Z"));
}

TEST_F(StagerTest, AFailedAcknowledgementCommitsNothingAndResetsThePipeline) {
  const snapshot::Key key{"acme", Entity::kCandidate, "C1"};
  StageCandidate("C1", "2026-11-22T07:00:00Z");
  ASSERT_TRUE(stager_->Advance(false));
  outbox_.fail_ack = true;
  auto flushed = stager_->Flush();
  ASSERT_FALSE(flushed);
  EXPECT_EQ(flushed.error().category, ErrorCategory::kKafka);
  EXPECT_FALSE(Stored(key));
  EXPECT_FALSE(stager_->StagedState("C1").has_value());
  EXPECT_EQ(report_.created, 0);
  EXPECT_EQ(stager_->listing_newest(), SystemTime{});
}

TEST_F(StagerTest, TheNextStageGathersWhileOneIsInFlightAndFlushCommitsBoth) {
  StageCandidate("C1", "2026-11-22T07:00:00Z");
  ASSERT_TRUE(stager_->Advance(false));
  StageCandidate("C2", "2026-11-22T08:00:00Z");
  ASSERT_TRUE(stager_->Advance(false));  // C1 not acknowledged: C2 stays in the open stage
  EXPECT_EQ(outbox_.published.size(), 1U);
  EXPECT_EQ(stager_->NewestSoFar(), *ParseRfc3339("2026-11-22T08:00:00Z"));
  ASSERT_TRUE(stager_->Flush());
  EXPECT_EQ(outbox_.published.size(), 2U);
  EXPECT_TRUE(Stored({"acme", Entity::kCandidate, "C1"}));
  EXPECT_TRUE(Stored({"acme", Entity::kCandidate, "C2"}));
  EXPECT_EQ(report_.created, 2);
  EXPECT_EQ(report_.largest_stage, 1);
}

TEST_F(StagerTest, AResumeMarkerIsCommittedWithItsStage) {
  StageCandidate("C1", "2026-11-22T07:00:00Z");
  stager_->open().resume_marker = "marker-1";
  ASSERT_TRUE(stager_->Advance(false));
  EXPECT_FALSE(store_->GetMeta("sync/acme/candidate/resume").value());
  ASSERT_TRUE(stager_->Flush());
  EXPECT_EQ(store_->GetMeta("sync/acme/candidate/resume").value(), "marker-1");
}

TEST_F(StagerTest, PublishAndCommitWritesIntentBeforePublishingAndCommitsAfter) {
  const snapshot::Key key{"acme", Entity::kJob, "J1"};
  bool intent_before_publish = false;
  outbox_.on_publish = [&] { intent_before_publish = Stored(Stager::PendingKey(key)) && !Stored(key); };
  std::vector<Message> messages{Message{"jobs", "acme/J1", "{}", {}}};
  snapshot::Batch batch;
  snapshot::StoredRecord state;
  state.body = "{}";
  batch.Put(key, state);
  batch.Put(Stager::TombstoneKey(key), state);  // "~" namespaces get no intent of their own
  ASSERT_TRUE(stager_->PublishAndCommit(messages, batch));
  EXPECT_TRUE(intent_before_publish);
  EXPECT_TRUE(Stored(key));
  EXPECT_FALSE(Stored(Stager::PendingKey(key)));
  EXPECT_FALSE(Stored(Stager::PendingKey(Stager::TombstoneKey(key))));
  EXPECT_TRUE(messages.empty());
  EXPECT_TRUE(batch.empty());

  outbox_.fail_ack = true;  // not acknowledged: the batch is not committed
  const snapshot::Key other{"acme", Entity::kJob, "J2"};
  messages = {Message{"jobs", "acme/J2", "{}", {}}};
  batch.Put(other, state);
  EXPECT_FALSE(stager_->PublishAndCommit(messages, batch));
  EXPECT_FALSE(Stored(other));
}

// Cluster mode's outbox (state/connection_state.hpp) in miniature: events wait until the next
// commit, which carries them in one transaction with its states.
class HeldOutbox : public Outbox {
 public:
  Result<Ticket> Publish(const std::vector<Message>& batch) override {
    pending.insert(pending.end(), batch.begin(), batch.end());
    return Ticket(std::make_shared<int>(0));
  }
  Result<void> Await(const Ticket&) override { return Ok(); }
  bool Settled(const Ticket&) override { return true; }
  Result<void> PublishAndAwait(const std::vector<Message>& batch) override {
    pending.insert(pending.end(), batch.begin(), batch.end());
    return Ok();
  }
  std::vector<Message> pending;
};

// Each commit as one transaction would be: the events it carries and the records it writes.
class TransactionStore : public snapshot::SnapshotStore {
 public:
  TransactionStore(snapshot::SnapshotStore& local, HeldOutbox& outbox) : local_(local), outbox_(outbox) {}
  Result<std::optional<snapshot::StoredRecord>> Get(const snapshot::Key& key) override { return local_.Get(key); }
  Result<void> ForEach(std::string_view c, Entity e,
                       const std::function<bool(std::string_view, const snapshot::StoredRecord&)>& fn) override {
    return local_.ForEach(c, e, fn);
  }
  Result<size_t> Count(std::string_view c, Entity e) override { return local_.Count(c, e); }
  Result<std::optional<std::string>> GetMeta(std::string_view key) override { return local_.GetMeta(key); }
  Result<void> Commit(const snapshot::Batch& batch) override {
    std::set<std::string> events, states;
    for (const auto& m : outbox_.pending) events.insert(m.key);
    for (const auto& [key, record] : batch.puts()) states.insert("acme/" + key.id);
    outbox_.pending.clear();
    transactions.emplace_back(events, states);
    return local_.Commit(batch);
  }
  std::vector<std::pair<std::set<std::string>, std::set<std::string>>> transactions;

 private:
  snapshot::SnapshotStore& local_;
  HeldOutbox& outbox_;
};

// Without write-ahead copies (cluster mode) a commit must never carry events without the states
// that say they were published: a job imported while a candidate stage is in flight commits that
// stage first, each with its own events.
TEST_F(StagerTest, WithoutWriteAheadEveryCommitCarriesTheEventsOfItsOwnStates) {
  HeldOutbox held;
  TransactionStore store(*store_, held);
  Stager stager(Stager::Deps{store, held, metrics_, *listing_, "acme", nullptr, /*write_ahead=*/false});
  Stage& stage = stager.open();
  stage.entity = Entity::kCandidate;
  stage.report = &report_;
  stage.Add(Message{"cands", "acme/c1", "{}", {}});
  snapshot::StoredRecord state;
  state.sequence = 1;
  stage.states.insert_or_assign("c1", state);
  ASSERT_TRUE(stager.Advance(/*force=*/false).ok());  // c1's events held, its state not yet written
  EXPECT_FALSE(Stored({"acme", Entity::kCandidate, "c1"}));

  std::vector<Message> messages{Message{"jobs", "acme/j1", "{}", {}}};
  snapshot::Batch batch;
  batch.Put({"acme", Entity::kJob, "j1"}, state);
  ASSERT_TRUE(stager.PublishAndCommit(messages, batch).ok());
  ASSERT_EQ(store.transactions.size(), 2u);
  for (const auto& [events, states] : store.transactions) EXPECT_EQ(events, states);
  EXPECT_TRUE(Stored({"acme", Entity::kCandidate, "c1"}));
  EXPECT_TRUE(Stored({"acme", Entity::kJob, "j1"}));
  EXPECT_TRUE(stager.Flush().ok());  // nothing left in flight
  EXPECT_EQ(store.transactions.size(), 2u);
}

}  // namespace
}  // namespace ats::pipeline
