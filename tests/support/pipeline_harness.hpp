#pragma once
// The set-up every pipeline integration test shares: a Kafka cluster with the three topics and a
// consumer reading them back, a RocksDB snapshot under a temporary directory, and
// a SyncWorker (Publisher + source) built from `connection_`. Each test keeps its own tenant
// (simulated Workable or Workday), its connection settings and its helpers.
//
// Which Kafka: librdkafka's mock cluster, in process (the default), or a real Apache Kafka
// cluster started by scripts/kafka-cluster.sh when ATS_TEST_KAFKA_DIR names its directory (the
// ctest entries labelled `kafka-real` set it; ATS_TEST_KAFKA_BOOTSTRAP overrides the address).
// On a real cluster every test gets topics of its own (unique names, 4 partitions), so tests
// sharing one cluster never read each other's events.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/stop.hpp"
#include "config/config.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "runtime/publisher.hpp"
#include "runtime/source_state.hpp"
#include "runtime/sync_worker.hpp"
#include "snapshot/snapshot_store.hpp"
#include "support/test_support.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status.hpp"

namespace ats::testing {

// One consumed event, with the fields the tests assert on pulled out of its JSON value.
struct Event {
  std::string topic, key, ce_type, ce_id, change, candidate_id, job_id;
  std::map<std::string, std::string> headers;
  std::string value;
  bool null_value = false;  // a tombstone (state topics)
};

// Minimal field extraction for assertions (a string is decoded; any other value is returned
// as written); the schema validation is done by python. "" when the field is absent.
std::string JsonField(const std::string& json, const std::string& name);

// The connection to the simulated Workable tenant at `base_url` ("sandbox", plain http allowed,
// no client-side pacing).
config::ConnectionConfig WorkableConnection(const std::string& id, const std::string& base_url,
                                            const std::string& api_token);

class PipelineHarness : public ::testing::Test {
 protected:
  static constexpr int kDeliveryTimeoutMs = 10000;

  void TearDown() override;

  // Mock: starts a one-broker embedded cluster. Real: names `topics_` uniquely for this test.
  // Then creates the five topics of `topics_` with 4 partitions each (the state topics
  // compacted on a real cluster), and a consumer of `consumed` (the three event topics when
  // empty; a test that reads the state topics names them). Call as ASSERT_NO_FATAL_FAILURE(StartKafka(...)).
  void StartKafka(std::vector<std::string> consumed = {});

  // True when the tests run against a real cluster (ATS_TEST_KAFKA_DIR or _BOOTSTRAP set).
  static bool RealKafka();
  // The bootstrap address of the cluster under test.
  std::string bootstrap() const;
  // Every broker down / up again. Mock: the mock broker refuses connections. Real: the broker
  // process is stopped (SIGTERM) and started again (scripts/kafka-cluster.sh), so the
  // connector sees a real broker go away and come back with its log recovered from disk.
  // Call as ASSERT_NO_FATAL_FAILURE(KafkaDown()).
  void KafkaDown();
  void KafkaUp();

  // A new worker on the same snapshot directory (what a restart does): opens RocksDB at
  // dir_/snapshot, starts a Publisher with `delivery_timeout_ms`, creates the source of
  // `connection_` (given `state_` when with_source_state_) and the SyncWorker.
  void OpenWorker(int delivery_timeout_ms = kDeliveryTimeoutMs);
  void CloseWorker();

  // The events published since the last call, waiting until none arrived for `idle`.
  std::vector<Event> Consume(std::chrono::milliseconds idle = std::chrono::milliseconds(500),
                             std::chrono::milliseconds max_wait = std::chrono::seconds(30));

  // Every event is valid against the schema its ce_type names; state records (topics_'s state
  // topics) against candidate-state / job-state.
  void ExpectValid(const std::vector<Event>& events) const;

  testing::TempDir dir_;
  std::unique_ptr<kafka::EmbeddedCluster> cluster_;  // mock only
  bool real_broker_down_ = false;
  std::unique_ptr<kafka::Consumer> consumer_;
  config::TopicsConfig topics_;
  config::ConnectionConfig connection_;
  telemetry::Metrics metrics_;
  telemetry::StatusBoard status_;
  StopSignal stop_;
  bool with_source_state_ = false;  // sources that persist state (Workday's rotated token)
  const connections::Keyring* state_keyring_ = nullptr;  // seals state_'s values when set
  std::unique_ptr<snapshot::SnapshotStore> store_;
  std::unique_ptr<runtime::SnapshotStateStore> state_;  // only with_source_state_
  std::unique_ptr<runtime::Publisher> publisher_;
  std::unique_ptr<runtime::SyncWorker> worker_;
};

}  // namespace ats::testing
