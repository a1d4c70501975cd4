// The control API over the connections topic (cluster mode's TopicConnectionStore) over real HTTP
// (127.0.0.1), the check run for real against the simulated Workable tenant, the mock Kafka
// holding the topic. A second DefinitionsTopic stands for another replica: what the API writes
// on this one is what that one reads (documents, PATCHes merged, removal markers with purge),
// the raw topic holds no secret, and the status events the API publishes (read back and
// validated against schemas/) reach the other replica's LastStatus. The runtime is a recording fake.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>

#include "connections/definitions_topic.hpp"
#include "control/control_api.hpp"
#include "control/topic_connection_store.hpp"
#include "events/events.hpp"
#include "runtime/check.hpp"
#include "sim/workable_tenant.hpp"
#include "support/fake_runtime.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kLong{15000};
constexpr const char* kWrite = "write-token-0123456789abcdef";
constexpr const char* kStatusTopic = "ats.connection-status.v1";
constexpr const char* kConnectionsTopic = "ats.connector.connections";

class ControlApiTopicTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions o;
    o.jobs = 1;
    o.candidates_per_job = 1;
    o.rate_limit_requests = 0;
    token_ = o.token;
    tenant_ = std::make_unique<sim::WorkableTenant>(o);
    ASSERT_TRUE(tenant_->Start());
    topics_.dead_letter = kStatusTopic;  // the harness creates and consumes it
    ASSERT_NO_FATAL_FAILURE(StartKafka({kStatusTopic}));
    if (cluster_) {
      ASSERT_TRUE(cluster_->CreateTopic(kConnectionsTopic, 1, 1).ok());
    } else {
      GTEST_FAIL() << "this suite runs on the mock cluster only";
    }
    kafka::ProducerOptions po;
    po.bootstrap_servers = bootstrap();
    publisher_ = std::make_unique<runtime::Publisher>(po, metrics_);
    ASSERT_TRUE(publisher_->Start().ok());
    here_ = OpenReplica();
    there_ = OpenReplica();
    ASSERT_TRUE(here_ && there_);
    store_here_ = std::make_unique<control::TopicConnectionStore>(*here_);

    auto snapshot = snapshot::OpenRocksDbStore(dir_.File("snapshot"));
    ASSERT_TRUE(snapshot.ok());
    store_ = std::move(snapshot).value();
    control::ControlDeps deps{
        runtime_,
        *store_,
        *store_here_,
        &keyring_,
        [](const config::ConnectionConfig& c) { return runtime::CheckConnection(c, nullptr, false); },
        [this](const runtime::ConnectionStatusChange& c) {
          ASSERT_TRUE(publisher_
                          ->PublishAndAwait({events::ConnectionStatus({c.connection, c.source, c.at},
                                                                      runtime::StatusInfo(c), kStatusTopic)})
                          .ok());
        },
        [] {
          return control::Tokens{kWrite, ""};
        }};
    api_ = std::make_unique<control::ControlApi>(std::move(deps));
    admin_ = std::make_unique<telemetry::AdminServer>(metrics_, status_);
    api_->Register(*admin_);
    ASSERT_TRUE(admin_->Start("127.0.0.1:0").ok());
    http_ = std::make_unique<httplib::Client>("127.0.0.1", admin_->port());
  }
  void TearDown() override {
    if (admin_) admin_->Stop();
    api_.reset();
    store_here_.reset();
    here_.reset();
    there_.reset();
    PipelineHarness::TearDown();
  }

  std::unique_ptr<connections::DefinitionsTopic> OpenReplica() {
    connections::DefinitionsOptions o;
    o.bootstrap_servers = bootstrap();
    o.topic = kConnectionsTopic;
    o.status_topic = kStatusTopic;
    o.client_id = "control-api-topic-test";
    o.keyring = &keyring_;
    auto opened = connections::DefinitionsTopic::Open(o, nullptr);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  std::string Workable(const std::string& id, const std::string& extra = "") {
    return R"({"id":")" + id +
           R"(","source":"workable","poll_interval_s":60,"workable":{"subdomain":"acme",)" +
           R"("api_token":")" + token_ + R"(","base_url":")" + tenant_->base_url() +
           R"(","allow_insecure_http":true})" + extra + "}";
  }
  static httplib::Headers Auth() { return {{"Authorization", std::string("Bearer ") + kWrite}}; }

  // Every value and key of the connections topic, as stored.
  std::string RawTopic() {
    auto consumer = kafka::Consumer::Create(bootstrap(), {kConnectionsTopic});
    EXPECT_TRUE(consumer.ok());
    if (!consumer.ok()) return {};
    auto drained = (*consumer)->Drain(milliseconds(300), kLong);
    EXPECT_TRUE(drained.ok());
    std::string all;
    if (drained.ok())
      for (const auto& m : *drained) all += m.key + "=" + m.value + "\n";
    return all;
  }

  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::string token_;
  connections::Keyring keyring_ = connections::Keyring::Parse(connections::Keyring::Generate()).value();
  std::unique_ptr<connections::DefinitionsTopic> here_;   // this replica's view (the API's store)
  std::unique_ptr<connections::DefinitionsTopic> there_;  // another replica's
  std::unique_ptr<control::ConnectionStore> store_here_;
  testing::FakeRuntime runtime_;
  std::unique_ptr<control::ControlApi> api_;
  std::unique_ptr<telemetry::AdminServer> admin_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(ControlApiTopicTest, CreateGetPatchDeleteLandInTheTopicForEveryReplica) {
  auto created = http_->Post("/v1/connections", Auth(), Workable("acme"), "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_TRUE(runtime_.Called("add acme"));
  // The document is in the topic: the other replica reads it (opened with the shared keyring).
  ASSERT_TRUE(there_->WaitCaughtUp(kLong).ok());
  auto document = there_->Get("acme");
  ASSERT_TRUE(document);
  EXPECT_NE(document->find(token_), std::string::npos);
  EXPECT_NE(document->find(R"("poll_interval_s":60)"), std::string::npos) << *document;

  auto got = http_->Get("/v1/connections/acme", Auth());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(got->body.find(token_), std::string::npos) << got->body;
  EXPECT_NE(got->body.find(R"("api_token":{"configured":true)"), std::string::npos) << got->body;

  auto patched = http_->Patch("/v1/connections/acme", Auth(), R"({"poll_interval_s":120})",
                              "application/merge-patch+json");
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->status, 200) << patched->body;
  EXPECT_NE(patched->body.find(R"("poll_interval_s":120)"), std::string::npos) << patched->body;
  ASSERT_TRUE(there_->WaitCaughtUp(kLong).ok());
  ASSERT_TRUE(there_->Get("acme"));
  EXPECT_NE(there_->Get("acme")->find(R"("poll_interval_s":120)"), std::string::npos) << *there_->Get("acme");

  // Start-up's view of the stored connections comes from the topic too.
  auto stored = api_->StoredConnections();
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].poll_interval_s, 120);
  EXPECT_EQ((*stored)[0].workable.api_token, token_);

  auto deleted = http_->Delete("/v1/connections/acme?purge=true", Auth());
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200) << deleted->body;
  EXPECT_TRUE(runtime_.Called("remove+purge acme"));
  ASSERT_TRUE(there_->WaitCaughtUp(kLong).ok());
  ASSERT_TRUE(there_->Removed("acme"));
  EXPECT_TRUE(there_->Removed("acme")->purge) << "the owner is told to purge";
  EXPECT_FALSE(there_->Get("acme"));
  EXPECT_TRUE(there_->List().empty());

  // Sealed documents and a removal marker only: no token in the topic.
  const std::string raw = RawTopic();
  EXPECT_NE(raw.find("connection/acme=v1:"), std::string::npos) << raw;
  EXPECT_NE(raw.find(R"(connection/acme={"removed":true,"purge":true})"), std::string::npos) << raw;
  EXPECT_EQ(raw.find(token_), std::string::npos) << "a token in plain text in the topic";
  EXPECT_EQ(raw.find("api_token"), std::string::npos);

  // created, updated, deleted on ats.connection-status.v1, valid, and heard by the other replica.
  const auto events = Consume();
  ASSERT_EQ(events.size(), 3u);
  ExpectValid(events);
  EXPECT_EQ(events[0].change, "created");
  EXPECT_EQ(events[2].change, "deleted");
  ASSERT_TRUE(there_->WaitCaughtUp(kLong).ok());
  ASSERT_TRUE(there_->LastStatus("acme"));
  EXPECT_EQ(there_->LastStatus("acme")->change, "deleted");
}

TEST_F(ControlApiTopicTest, ACreateAnotherReplicaWroteIsAConflictHere) {
  ASSERT_TRUE(there_->Put("acme", Workable("acme")).ok());
  ASSERT_TRUE(here_->WaitCaughtUp(kLong).ok());
  auto again = http_->Post("/v1/connections", Auth(), Workable("acme"), "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;
  EXPECT_FALSE(runtime_.Called("add acme"));
}

}  // namespace
}  // namespace ats
