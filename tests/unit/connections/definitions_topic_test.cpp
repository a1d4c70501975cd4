// The connections topic of cluster mode against librdkafka's mock cluster: two DefinitionsTopic
// instances on one topic stand for two replicas. Writes are read back by the writer before they
// return, the other replica sees them after WaitCaughtUp (and through on_change), a restarted
// instance rebuilds the same view from the topic, the raw topic never holds a secret, and hostile
// records are skipped and counted while the rest is applied.
#include "connections/definitions_topic.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "common/time.hpp"
#include "events/events.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"

namespace ats::connections {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kLong{15000};  // upper bound for things that normally take milliseconds
constexpr const char* kTopic = "ats.connector.connections";
constexpr const char* kStatusTopic = "ats.connection-status.v1";
constexpr const char* kSecret = "wk-secret-token-5f1c0a9e77d24b";

std::string Document(const std::string& id, const std::string& token = kSecret) {
  return R"({"id":")" + id + R"(","source":"workable","workable":{"api_token":")" + token +
         R"(","subdomain":"acme"}})";
}

// The ids on_change reported, in order (called on the reader thread).
class Changes {
 public:
  std::function<void(const std::string&)> Callback() {
    return [this](const std::string& id) {
      std::lock_guard lock(mu_);
      ids_.push_back(id);
    };
  }
  size_t Count(const std::string& id) const {
    std::lock_guard lock(mu_);
    return static_cast<size_t>(std::count(ids_.begin(), ids_.end(), id));
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> ids_;
};

class DefinitionsTopicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = kafka::EmbeddedCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.error().message;
    cluster_ = std::move(cluster).value();
    ASSERT_TRUE(cluster_->CreateTopic(kTopic, 1, 1).ok());
    ASSERT_TRUE(cluster_->CreateTopic(kStatusTopic, 4, 1).ok());
  }

  std::unique_ptr<DefinitionsTopic> Open(Changes* changes = nullptr, const Keyring* keyring = nullptr) {
    DefinitionsOptions o;
    o.bootstrap_servers = cluster_->bootstrap_servers();
    o.topic = kTopic;
    o.status_topic = kStatusTopic;
    o.client_id = "definitions-test";
    o.rdkafka = {{"message.max.bytes", "3000000"}};
    o.keyring = keyring != nullptr ? keyring : &keyring_;
    auto opened = DefinitionsTopic::Open(o, changes != nullptr ? changes->Callback() : nullptr);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    if (!opened.ok()) return nullptr;
    auto topic = std::move(opened).value();
    auto caught_up = topic->WaitCaughtUp(kLong);
    EXPECT_TRUE(caught_up.ok()) << caught_up.error().message;
    return topic;
  }

  // Writes records as any client could (hostile ones included).
  void Produce(const std::vector<Message>& messages) {
    kafka::ProducerOptions po;
    po.bootstrap_servers = cluster_->bootstrap_servers();
    po.rdkafka = {{"message.max.bytes", "3000000"}};
    auto producer = kafka::Producer::Create(po);
    ASSERT_TRUE(producer.ok()) << producer.error().message;
    for (const auto& m : messages) ASSERT_TRUE((*producer)->Produce(m, kLong).ok());
    ASSERT_TRUE((*producer)->AwaitDeliveries(kLong).ok());
  }

  // Every record of the connections topic as stored: (key, value, tombstone).
  std::vector<kafka::ConsumedMessage> Raw() {
    auto consumer = kafka::Consumer::Create(cluster_->bootstrap_servers(), {kTopic});
    EXPECT_TRUE(consumer.ok());
    if (!consumer.ok()) return {};
    auto drained = (*consumer)->Drain(milliseconds(300), kLong);
    EXPECT_TRUE(drained.ok());
    return drained.ok() ? *drained : std::vector<kafka::ConsumedMessage>{};
  }

  Keyring keyring_ = Keyring::Parse(Keyring::Generate()).value();
  std::unique_ptr<kafka::EmbeddedCluster> cluster_;
};

TEST_F(DefinitionsTopicTest, APutOnOneReplicaIsReadBackThereAndSeenByTheOther) {
  Changes changes_a;
  Changes changes_b;
  auto a = Open(&changes_a);
  auto b = Open(&changes_b);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Put("acme", Document("acme")).ok());
  // Read-your-writes: the writer's view has it when Put returns.
  EXPECT_EQ(a->Get("acme"), Document("acme"));
  EXPECT_EQ(changes_a.Count("acme"), 1u);
  ASSERT_TRUE(b->WaitCaughtUp(kLong).ok());
  EXPECT_EQ(b->Get("acme"), Document("acme"));
  EXPECT_EQ(changes_b.Count("acme"), 1u);
  ASSERT_TRUE(b->Put("beta", Document("beta", "other-token-0123456789")).ok());
  ASSERT_TRUE(a->WaitCaughtUp(kLong).ok());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"acme", Document("acme")}, {"beta", Document("beta", "other-token-0123456789")}};
  EXPECT_EQ(a->List(), expected);
  EXPECT_EQ(b->List(), expected);
  EXPECT_FALSE(a->Get("gamma"));
  EXPECT_EQ(a->skipped(), 0);
}

TEST_F(DefinitionsTopicTest, RemoveCarriesPurgeAndForgetTombstonesEveryRecordOfTheId) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Put("acme", Document("acme")).ok());
  ASSERT_TRUE(a->Put("keep", Document("keep")).ok());
  ASSERT_TRUE(a->SetPaused("acme", true).ok());
  ASSERT_TRUE(a->RequestResync("acme", "{}").ok());
  ASSERT_TRUE(a->Remove("acme", /*purge=*/true).ok());
  ASSERT_TRUE(b->WaitCaughtUp(kLong).ok());
  for (auto* replica : {a.get(), b.get()}) {
    ASSERT_TRUE(replica->Removed("acme"));
    EXPECT_TRUE(replica->Removed("acme")->purge);
    EXPECT_FALSE(replica->Get("acme"));
    ASSERT_EQ(replica->List().size(), 1u);
    EXPECT_EQ(replica->List()[0].first, "keep");
  }
  ASSERT_TRUE(a->Remove("keep", /*purge=*/false).ok());
  ASSERT_TRUE(a->Removed("keep"));
  EXPECT_FALSE(a->Removed("keep")->purge);

  ASSERT_TRUE(b->Forget("acme").ok());
  ASSERT_TRUE(a->WaitCaughtUp(kLong).ok());
  for (auto* replica : {a.get(), b.get()}) {
    EXPECT_FALSE(replica->Removed("acme"));
    EXPECT_FALSE(replica->Paused("acme"));
    EXPECT_FALSE(replica->PendingResync("acme"));
  }
  // The tombstones are in the topic (compaction drops every record of the id).
  int tombstones = 0;
  for (const auto& m : Raw())
    if (m.null_value && m.key.find("/acme") != std::string::npos) ++tombstones;
  EXPECT_EQ(tombstones, 3);
}

TEST_F(DefinitionsTopicTest, PauseResumeAndResyncRequests) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->SetPaused("acme", true).ok());
  EXPECT_TRUE(a->Paused("acme"));
  ASSERT_TRUE(b->WaitCaughtUp(kLong).ok());
  EXPECT_TRUE(b->Paused("acme"));
  ASSERT_TRUE(b->SetPaused("acme", false).ok());
  EXPECT_FALSE(b->Paused("acme"));
  ASSERT_TRUE(a->WaitCaughtUp(kLong).ok());
  EXPECT_FALSE(a->Paused("acme"));

  auto first = a->RequestResync("acme", R"({"entity": "jobs"})");
  auto second = a->RequestResync("acme", R"({"job_id":"J-7"})");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_FALSE(first->empty());
  ASSERT_TRUE(b->WaitCaughtUp(kLong).ok());
  auto pending = b->PendingResync("acme");
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->request_id, *second);
  EXPECT_EQ(pending->scope_json, R"({"job_id":"J-7"})");
  EXPECT_FALSE(b->PendingResync("other"));
  EXPECT_FALSE(a->RequestResync("acme", "[1]").ok()) << "a scope is a JSON object";
}

TEST_F(DefinitionsTopicTest, LastStatusIsTheLatestStatusEventOfTheConnection) {
  auto a = Open();
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->LastStatus("acme"));
  const SystemTime t1 = *ParseRfc3339("2026-07-23T18:58:18Z");
  const SystemTime t2 = *ParseRfc3339("2026-07-23T19:00:00Z");
  events::ConnectionStatusInfo active;
  active.change = "active";
  events::ConnectionStatusInfo failed;
  failed.change = "failed";
  failed.category = "Token Errors";
  failed.reason = "401 Unauthorized";
  failed.fix = "Generate a new API access token";
  ASSERT_NO_FATAL_FAILURE(
      Produce({events::ConnectionStatus({"acme", "workable", t1}, active, kStatusTopic),
               events::ConnectionStatus({"acme", "workable", t2}, failed, kStatusTopic),
               events::ConnectionStatus({"beta", "workable", t1}, active, kStatusTopic)}));
  ASSERT_TRUE(a->WaitCaughtUp(kLong).ok());
  auto status = a->LastStatus("acme");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->change, "failed");
  EXPECT_EQ(status->category, "Token Errors");
  EXPECT_EQ(status->reason, "401 Unauthorized");
  EXPECT_EQ(status->fix, "Generate a new API access token");
  EXPECT_EQ(status->at, t2);
  ASSERT_TRUE(a->LastStatus("beta"));
  EXPECT_EQ(a->LastStatus("beta")->change, "active");
}

TEST_F(DefinitionsTopicTest, ARestartedInstanceRebuildsTheSameView) {
  auto a = Open();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->Put("acme", Document("acme")).ok());
  ASSERT_TRUE(a->Put("acme", Document("acme", "rotated-token-0123456789")).ok());  // a PATCH
  ASSERT_TRUE(a->Put("beta", Document("beta")).ok());
  ASSERT_TRUE(a->Put("gone", Document("gone")).ok());
  ASSERT_TRUE(a->Remove("gone", true).ok());
  ASSERT_TRUE(a->SetPaused("beta", true).ok());
  auto resync = a->RequestResync("acme", "{}");
  ASSERT_TRUE(resync.ok());
  const auto list = a->List();
  a.reset();

  Changes changes;
  auto restarted = Open(&changes);
  ASSERT_TRUE(restarted);
  EXPECT_EQ(restarted->List(), list);
  EXPECT_EQ(restarted->Get("acme"), Document("acme", "rotated-token-0123456789"));
  ASSERT_TRUE(restarted->Removed("gone"));
  EXPECT_TRUE(restarted->Removed("gone")->purge);
  EXPECT_TRUE(restarted->Paused("beta"));
  EXPECT_FALSE(restarted->Paused("acme"));
  ASSERT_TRUE(restarted->PendingResync("acme"));
  EXPECT_EQ(restarted->PendingResync("acme")->request_id, *resync);
  // The catch-up called on_change for every record (WaitCaughtUp returned after it).
  EXPECT_EQ(changes.Count("acme"), 3u);
  EXPECT_EQ(changes.Count("gone"), 2u);
}

TEST_F(DefinitionsTopicTest, TheRawTopicHoldsNoSecret) {
  auto a = Open();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->Put("acme", Document("acme")).ok());
  ASSERT_TRUE(a->Remove("acme", false).ok());
  ASSERT_TRUE(a->Put("acme", Document("acme")).ok());
  const auto raw = Raw();
  ASSERT_EQ(raw.size(), 3u);
  int sealed = 0;
  for (const auto& m : raw) {
    EXPECT_EQ(m.key, "connection/acme");
    EXPECT_EQ(m.key.find(kSecret), std::string::npos);
    EXPECT_EQ(m.value.find(kSecret), std::string::npos) << "in plain text: " << m.value;
    EXPECT_EQ(m.value.find("api_token"), std::string::npos) << "the document's fields show";
    if (Keyring::IsSealed(m.value)) ++sealed;
  }
  EXPECT_EQ(sealed, 2);
  // Sealed for its key: the seal opens with connection/acme as the associated data only.
  EXPECT_EQ(keyring_.Open(raw[0].value, "connection/acme").value(), Document("acme"));
  EXPECT_FALSE(keyring_.Open(raw[0].value, "connection/other").ok());
}

TEST_F(DefinitionsTopicTest, HostileRecordsAreSkippedAndCountedAndTheRestIsApplied) {
  auto a = Open();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->Put("good", Document("good")).ok());
  const std::string sealed_good = keyring_.Seal(Document("good"), "connection/good");
  const Keyring stranger = Keyring::Parse(Keyring::Generate()).value();
  std::vector<Message> hostile = {
      {kTopic, "garbage", "x", {}},                                                     // no kind
      {kTopic, "connection/Not An Id", sealed_good, {}},                                // bad id
      {kTopic, "other/acme", "true", {}},                                               // unknown kind
      {kTopic, "connection/big", std::string(kMaxDefinitionRecordBytes + 1, 'x'), {}},  // oversized
      {kTopic, "connection/moved", sealed_good, {}},  // a seal moved to another key
      {kTopic, "connection/foreign", stranger.Seal(Document("foreign"), "connection/foreign"), {}},
      {kTopic, "connection/junk", "{\"removed\":\"yes\"}", {}},  // neither a seal nor a marker
      {kTopic, "paused/acme", "maybe", {}},
      {kTopic, "resync/acme", "{\"scope\":{}}", {}},  // no request id
      {kStatusTopic, "acme", "not json", {}},
  };
  ASSERT_NO_FATAL_FAILURE(Produce(hostile));
  ASSERT_TRUE(a->Put("after", Document("after")).ok());  // the reader went on past them
  EXPECT_EQ(a->skipped(), static_cast<int64_t>(hostile.size()));
  EXPECT_EQ(a->Get("after"), Document("after"));
  EXPECT_EQ(a->Get("good"), Document("good"));
  for (const char* id : {"big", "moved", "foreign", "junk"}) {
    EXPECT_FALSE(a->Get(id)) << id;
    EXPECT_FALSE(a->Removed(id)) << id;
  }
  EXPECT_FALSE(a->Paused("acme"));
  EXPECT_FALSE(a->PendingResync("acme"));
  EXPECT_FALSE(a->LastStatus("acme"));
  // A fresh replica skips the same records.
  auto b = Open();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->skipped(), static_cast<int64_t>(hostile.size()));
  EXPECT_EQ(b->List().size(), 2u);
}

TEST_F(DefinitionsTopicTest, WritesRefuseBadIdsOversizedDocumentsAndMissingKeyrings) {
  auto a = Open();
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->Put("Not An Id", Document("x")).ok());
  EXPECT_FALSE(a->Put("", Document("x")).ok());
  EXPECT_FALSE(a->SetPaused("a/b", true).ok());
  auto big = a->Put("big", std::string(kMaxDefinitionRecordBytes, 'x'));
  ASSERT_FALSE(big.ok());
  EXPECT_FALSE(big.error().retryable());
  EXPECT_FALSE(a->Get("big"));

  DefinitionsOptions o;
  o.bootstrap_servers = cluster_->bootstrap_servers();
  o.topic = kTopic;
  auto no_keyring = DefinitionsTopic::Open(o, nullptr);
  ASSERT_TRUE(no_keyring.ok()) << no_keyring.error().message;
  auto refused = (*no_keyring)->Put("acme", Document("acme"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("keyring"), std::string::npos);

  o.topic = "no.such.topic";
  EXPECT_FALSE(DefinitionsTopic::Open(o, nullptr).ok());
}

}  // namespace
}  // namespace ats::connections
