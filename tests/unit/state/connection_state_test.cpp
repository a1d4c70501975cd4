#include "state/connection_state.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "kafka/consumer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "snapshot/codec.hpp"
#include "support/test_support.hpp"

namespace ats::state {
namespace {

using std::chrono::milliseconds;

snapshot::StoredRecord Rec(const std::string& body) {
  snapshot::StoredRecord r;
  r.hash = body.size();
  r.body = body;
  r.sequence = 1;
  return r;
}

Message Event(const std::string& key) {
  return Message{"events", key, "{\"id\":\"" + key + "\"}", {{"ce_id", key}}};
}

class ConnectionStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = kafka::EmbeddedCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.error().message;
    cluster_ = std::move(cluster).value();
    ASSERT_TRUE(cluster_->CreateTopic("events", 1, 1).ok());
    ASSERT_TRUE(cluster_->CreateTopic("state", 2, 1).ok());
    auto store = snapshot::OpenRocksDbStore(dir_.File("cache"));
    ASSERT_TRUE(store.ok()) << store.error().message;
    local_ = std::move(store).value();
  }

  std::shared_ptr<PartitionCommitter> Committer(int partition) {
    kafka::TransactionalOptions options;
    options.producer.bootstrap_servers = cluster_->bootstrap_servers();
    options.transactional_id = "test-state-" + std::to_string(partition);
    options.transaction_timeout_ms = 10000;
    options.producer.delivery_timeout_ms = 10000;
    auto producer = kafka::TransactionalProducer::Create(options);
    EXPECT_TRUE(producer.ok());
    auto init = (*producer)->Init(milliseconds(10000));
    EXPECT_TRUE(init.ok) << init.error.message;
    CommitterOptions committer;
    committer.partition = partition;
    committer.commit_interval = milliseconds(20);
    return std::make_shared<PartitionCommitter>(std::move(producer).value(), committer, metrics_);
  }

  std::vector<kafka::ConsumedMessage> Read(const std::string& topic) {
    auto consumer = kafka::Consumer::Create(cluster_->bootstrap_servers(), {topic});
    EXPECT_TRUE(consumer.ok());
    auto read = (*consumer)->Drain(milliseconds(1500), milliseconds(10000));
    EXPECT_TRUE(read.ok());
    return read.ok() ? *read : std::vector<kafka::ConsumedMessage>{};
  }

  testing::TempDir dir_;
  std::unique_ptr<kafka::EmbeddedCluster> cluster_;
  std::unique_ptr<snapshot::SnapshotStore> local_;
  telemetry::Metrics metrics_;
};

// The worker publishes, then commits: the events and the state records go out together, in
// the connection's partition of the changelog, and only then does the local cache change.
TEST_F(ConnectionStateTest, ACommitCarriesThePublishedEventsAndItsStateRecords) {
  auto committer = Committer(1);
  auto outbox = std::make_shared<ConnectionOutbox>();
  ConnectionState store(*local_, committer, "state", 1, outbox);
  ASSERT_TRUE(outbox->Publish({Event("c1"), Event("c2")}).ok());
  EXPECT_TRUE(outbox->Settled(nullptr));
  EXPECT_FALSE(local_->Get({"acme", Entity::kCandidate, "c1"})->has_value());
  snapshot::Batch batch;
  batch.Put({"acme", Entity::kCandidate, "c1"}, Rec("one"));
  batch.Put({"acme", Entity::kCandidate, "c2"}, Rec("two"));
  batch.PutMeta("sync/acme/candidate/cursor", "t1");
  ASSERT_TRUE(store.Commit(batch).ok());
  EXPECT_TRUE(local_->Get({"acme", Entity::kCandidate, "c1"})->has_value());
  EXPECT_EQ(*store.GetMeta("sync/acme/candidate/cursor"), std::optional<std::string>("t1"));
  EXPECT_TRUE(outbox->Take().empty());  // taken by the commit

  auto events = Read("events");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].key, "c1");
  auto state = Read("state");
  ASSERT_EQ(state.size(), 3u);
  for (const auto& record : state) EXPECT_EQ(record.partition, 1);
  EXPECT_EQ(state[0].key, snapshot::EncodeRecordKey({"acme", Entity::kCandidate, "c1"}));
  EXPECT_EQ(state[2].key, snapshot::EncodeMetaKey("sync/acme/candidate/cursor"));
  EXPECT_GE(metrics_.ClusterTransactions("committed").Value(), 1.0);
}

// Stages of many connections share transactions (group commit), each still whole.
TEST_F(ConnectionStateTest, ConcurrentCommitsAllLandAndShareTransactions) {
  auto committer = Committer(0);
  constexpr int kThreads = 6, kCommits = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto outbox = std::make_shared<ConnectionOutbox>();
      ConnectionState store(*local_, committer, "state", 0, outbox);
      for (int i = 0; i < kCommits; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        (void)outbox->Publish({Event(id)});
        snapshot::Batch batch;
        batch.Put({"conn" + std::to_string(t), Entity::kCandidate, id}, Rec(id));
        if (!store.Commit(batch).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Read("events").size(), static_cast<size_t>(kThreads * kCommits));
  const double transactions = metrics_.ClusterTransactions("committed").Value();
  EXPECT_GE(transactions, 1.0);
  EXPECT_LT(transactions, kThreads * kCommits);  // shared, not one per commit
}

// A partition leaving this replica: what is still submitted fails and the cache is untouched,
// so the worker starts again from the cache and nothing it published is half-visible.
TEST_F(ConnectionStateTest, AfterCloseACommitFailsAndLeavesTheCacheAlone) {
  auto committer = Committer(1);
  auto outbox = std::make_shared<ConnectionOutbox>();
  ConnectionState store(*local_, committer, "state", 1, outbox);
  committer->Close();
  (void)outbox->Publish({Event("late")});
  snapshot::Batch batch;
  batch.Put({"acme", Entity::kCandidate, "late"}, Rec("late"));
  auto committed = store.Commit(batch);
  ASSERT_FALSE(committed.ok());
  EXPECT_TRUE(committed.error().retryable());
  EXPECT_FALSE(local_->Get({"acme", Entity::kCandidate, "late"})->has_value());
  EXPECT_TRUE(Read("events").empty());
}

// The cache failing after a commit makes the committer stale: nothing more is committed
// until the partition is restored again.
TEST_F(ConnectionStateTest, AStaleCommitterRefusesCommits) {
  auto committer = Committer(1);
  committer->MarkStale();
  ConnectionState store(*local_, committer, "state", 1, nullptr);
  snapshot::Batch batch;
  batch.PutMeta("control/acme/paused", "true");
  auto committed = store.Commit(batch);
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.error().category, ErrorCategory::kSnapshot);
  EXPECT_FALSE(local_->GetMeta("control/acme/paused")->has_value());
}

// at_least_once: the events are acknowledged before the state records are sent.
class RecordingOutbox : public pipeline::Outbox {
 public:
  Result<Ticket> Publish(const std::vector<Message>&) override { return Ticket(); }
  Result<void> Await(const Ticket&) override { return Ok(); }
  bool Settled(const Ticket&) override { return true; }
  Result<void> PublishAndAwait(const std::vector<Message>& batch) override {
    for (const auto& m : batch) topics.push_back(m.topic);
    return Ok();
  }
  std::vector<std::string> topics;
};

TEST_F(ConnectionStateTest, AtLeastOnceSendsEventsFirstThenState) {
  RecordingOutbox publisher;
  auto committer = std::make_shared<PartitionCommitter>(publisher, CommitterOptions{}, metrics_);
  auto outbox = std::make_shared<ConnectionOutbox>();
  ConnectionState store(*local_, committer, "state", 0, outbox);
  (void)outbox->Publish({Event("c1")});
  snapshot::Batch batch;
  batch.Put({"acme", Entity::kCandidate, "c1"}, Rec("one"));
  ASSERT_TRUE(store.Commit(batch).ok());
  ASSERT_EQ(publisher.topics.size(), 2u);
  EXPECT_EQ(publisher.topics[0], "events");
  EXPECT_EQ(publisher.topics[1], "state");
}

}  // namespace
}  // namespace ats::state
