// Kafka faults against a running connector: every broker down for a while, request errors and
// leader moves on a 3-broker cluster, and the fatal idempotent-producer error. Kafka is ats-kafka
// (a process of its own, driven through its stdin) or, in the `kafka-real` entries
// (ATS_TEST_KAFKA_REAL=1), a real Apache Kafka cluster whose broker processes are killed and
// restarted (the tests that need the mock's error injection run on the mock only; the leader
// kill is in kafka_real_test.cpp). The connector is the real binary, and the
// Workable tenant runs in this process and keeps changing. At the end, everything in Kafka is
// compared with the tenant's final state.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "fault/harness.hpp"
#include "kafka/admin.hpp"
#include "kafka/consumer.hpp"
#include "kafka/producer.hpp"
#include "sim/workable_tenant.hpp"
#include "support/test_support.hpp"

namespace ats::fault {
namespace {

using Clock = std::chrono::steady_clock;

int EnvInt(const char* name, int def) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : def;
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

class KafkaFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions options;
    options.jobs = 4;
    options.candidates_per_job = 25;
    options.rate_limit_requests = 0;
    options.seed = 7;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
  }

  // Starts ats-kafka and the connector (full listing every cycle, so deletions show at once),
  // and waits for its first complete cycle.
  void Start(int brokers, int delivery_timeout_s = 10) {
    kafka_ = std::make_unique<KafkaProcess>(brokers);
    ASSERT_TRUE(kafka_->ok()) << kafka_->child().err();
    ConnectorConfig cfg;
    cfg.base_url = tenant_->base_url();
    cfg.bootstrap = kafka_->bootstrap();
    cfg.snapshot_path = dir_.File("snapshot");
    cfg.delivery_timeout_s = delivery_timeout_s;
    cfg.extra_connection = "    incremental: false\n";
    testing::WriteFile(dir_.File("connector.yaml"), ConnectorYaml(cfg));
    connector_ = std::make_unique<ConnectorProcess>(dir_.File("connector.yaml"));
    ASSERT_TRUE(connector_->WaitStarted()) << connector_->child().err();
    ASSERT_TRUE(connector_->child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 60s))
        << connector_->child().err();
  }

  bool WaitForFreshCycle(std::chrono::milliseconds timeout = 90s) { return connector_->WaitForFreshCycle(timeout); }

  double MetricNow(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    return Metric(connector_->Get("/metrics").second, name, labels);
  }

  // Stops the connector with SIGTERM (exit 0 expected) and compares Kafka with the tenant.
  Verdict StopAndCompare() {
    EXPECT_TRUE(connector_->child().Signal(SIGTERM));
    auto code = connector_->child().Wait(60s);
    EXPECT_TRUE(code.has_value());
    if (code) {
      EXPECT_EQ(*code, 0) << connector_->child().err();
    }
    const Truth truth = TruthOf(*tenant_);
    const auto events = ConsumeUntil(kafka_->bootstrap(), [&](const std::vector<Event>& ev) {
      return Compare(truth, ev).lost == 0;
    });
    return Compare(truth, events);
  }

  static void ExpectSound(const Verdict& v) {
    for (const auto& p : v.problems) std::cout << "  problem: " << p << "\n";
    EXPECT_EQ(v.lost, 0);
    EXPECT_EQ(v.order_violations, 0);
    EXPECT_EQ(v.replays_with_new_id, 0);
    EXPECT_EQ(v.id_collisions, 0);
    EXPECT_GT(v.checked_candidates, 50);
  }

  testing::TempDir dir_;
  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::unique_ptr<KafkaProcess> kafka_;
  std::unique_ptr<ConnectorProcess> connector_;
};

TEST_F(KafkaFaultTest, AllBrokersDownThenUpLosesNothingAndRecoversWithinSeconds) {
  const int outage_s = EnvInt("ATS_OUTAGE_S", 12);
  // A delivery timeout shorter than the outage: batches fail, cycles are retried, the idempotent
  // producer may even go fatal (librdkafka #4438); none of it may lose or reorder anything.
  Start(/*brokers=*/3, /*delivery_timeout_s=*/5);
  ASSERT_TRUE(Eventually([&] { return connector_->Get("/readyz").first == 200; }, 30s));
  const std::map<std::string, std::string> kafka_errors{{"connection", "fault"}, {"kind", "kafka"}};
  const double errors_before = MetricNow("ats_connector_errors_total", kafka_errors);
  const long rss_before = connector_->child().RssKib();

  Mutator mutator(*tenant_, 50ms);
  ASSERT_TRUE(kafka_->Down({1, 2, 3}));  // real Kafka: the three broker processes SIGKILLed
  const auto down_at = Clock::now();
  bool not_ready = false;
  std::string not_ready_body;
  double max_queue = 0;
  long max_rss = rss_before;
  while (Clock::now() - down_at < std::chrono::seconds(outage_s)) {
    const auto [status, body] = connector_->Get("/readyz");
    if (status == 503 && !not_ready) {
      not_ready = true;
      not_ready_body = body;
    }
    max_queue = std::max(max_queue, MetricNow("ats_connector_kafka_queue_messages"));
    max_rss = std::max(max_rss, connector_->child().RssKib());
    std::this_thread::sleep_for(250ms);
  }
  const double errors_during = MetricNow("ats_connector_errors_total", kafka_errors);
  const int cycles_before_up = connector_->CompletedCycles();
  ASSERT_TRUE(kafka_->Up({1, 2, 3}));  // real Kafka: started again, back once they serve
  const auto up_at = Clock::now();
  ASSERT_TRUE(Eventually([&] { return connector_->Get("/readyz").first == 200; }, 60s));
  const double ready_s = Seconds(Clock::now() - up_at);
  ASSERT_TRUE(connector_->child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 90s, cycles_before_up))
      << connector_->child().err();
  const double recovered_s = Seconds(Clock::now() - up_at);

  mutator.Stop();
  ASSERT_TRUE(WaitForFreshCycle()) << connector_->ErrTail();
  const Verdict v = StopAndCompare();
  std::cout << "=== kafka outage: all 3 brokers down " << outage_s << " s (" << mutator.applied()
            << " tenant changes meanwhile); /readyz 503 during the outage: " << (not_ready ? "yes" : "NO")
            << "; errors_total{kind=\"kafka\"} " << errors_before << " -> " << errors_during
            << "; max queued " << max_queue << " messages; RSS " << rss_before << " -> max " << max_rss
            << " KiB\n=== kafka outage: ready again " << ready_s << " s and first complete cycle " << recovered_s
            << " s after the brokers returned; " << v.events << " events, lost " << v.lost << ", duplicates "
            << v.duplicates << ", order violations " << v.order_violations << "\n";
  EXPECT_TRUE(not_ready) << "/readyz stayed 200 with every broker down";
  EXPECT_NE(not_ready_body.find("Kafka"), std::string::npos) << not_ready_body;
  EXPECT_GT(errors_during, errors_before) << "no kafka error counted during the outage";
  EXPECT_LE(max_queue, 500) << "the local queue holds more than one batch";
  EXPECT_LT(max_rss - rss_before, 64 * 1024) << "memory grew while Kafka was down";
  EXPECT_LT(recovered_s, 60);
  ExpectSound(v);
}

TEST_F(KafkaFaultTest, RequestErrorsAndLeaderMovesNeitherLoseNorReorder) {
  Start(/*brokers=*/3);
  Mutator mutator(*tenant_, 30ms);
  int injected = 0;
  for (int i = 0; i < 20; ++i) {
    // Produce (API key 0): not leader, timed out, not enough replicas, a dropped connection.
    ASSERT_TRUE(kafka_->Command("errors 0 NOT_LEADER_FOR_PARTITION REQUEST_TIMED_OUT NOT_ENOUGH_REPLICAS _TRANSPORT"));
    injected += 4;
    ASSERT_TRUE(kafka_->Command("leader ats.candidate-changed.v1 " + std::to_string(i % 4) + " " +
                                std::to_string(1 + (i + 1) % 3)));
    std::this_thread::sleep_for(300ms);
  }
  mutator.Stop();
  // The mock cluster keeps the injected errors until Produce requests take them, one each: how
  // many the 6 s took depends on how many requests the connector made meanwhile (fewer when
  // the machine is loaded or batches are larger). Left over, they would go on failing requests
  // long after the fault window, a broker that does not exist outside this mock.
  ASSERT_TRUE(kafka_->Command("clear-errors 0"));
  ASSERT_TRUE(WaitForFreshCycle()) << connector_->ErrTail();
  const double recreated = MetricNow("ats_connector_kafka_producer_recreated_total");
  const Verdict v = StopAndCompare();
  std::cout << "=== kafka request errors: " << injected << " Produce errors injected and 20 leader moves over 6 s ("
            << mutator.applied() << " tenant changes); producer recreated " << recreated << " times; " << v.events
            << " events, lost " << v.lost << ", duplicates " << v.duplicates << ", order violations "
            << v.order_violations << "\n";
  ExpectSound(v);
}

TEST_F(KafkaFaultTest, FatalIdempotenceErrorRecreatesTheProducerAndLosesNothing) {
  Start(/*brokers=*/1);
  // librdkafka 2.0.2 treats this answer to an idempotent Produce as fatal (as tests/unit/kafka
  // shows); the Publisher must replace the producer and the page must be published again.
  ASSERT_TRUE(kafka_->Command("errors 0 OUT_OF_ORDER_SEQUENCE_NUMBER"));
  tenant_->MutateRandom(5);
  ASSERT_TRUE(Eventually([&] { return MetricNow("ats_connector_kafka_producer_recreated_total") >= 1; }, 60s))
      << connector_->child().err();
  tenant_->MutateRandom(5);
  ASSERT_TRUE(WaitForFreshCycle()) << connector_->ErrTail();
  const double recreated = MetricNow("ats_connector_kafka_producer_recreated_total");
  const Verdict v = StopAndCompare();
  std::cout << "=== kafka fatal error: producer recreated " << recreated << " times; " << v.events << " events, lost "
            << v.lost << ", duplicates " << v.duplicates << "\n";
  EXPECT_GE(recreated, 1);
  EXPECT_NE(connector_->child().err().find("recreating it"), std::string::npos);
  ExpectSound(v);
}

// ---------------------------------------------------------------- real Apache Kafka only
// Registered only as `kafka-real.` ctest entries (ATS_TEST_KAFKA_REAL=1): they need what only a
// real cluster has (replicas, a leader to kill, a Java client's view of the topics).
class RealKafkaTest : public KafkaFaultTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RealKafka()) << "run through ctest -L kafka-real (ATS_TEST_KAFKA_REAL=1)";
    KafkaFaultTest::SetUp();
  }

  // Runs the connector on `yaml` until its first complete cycle, then stops it (SIGTERM, exit 0).
  // `log`: what it logged.
  void SyncOnce(const std::string& yaml_path, std::string* log = nullptr) {
    ConnectorProcess c(yaml_path);
    ASSERT_TRUE(c.WaitStarted()) << c.child().err();
    ASSERT_TRUE(c.child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 90s)) << c.ErrTail();
    ASSERT_TRUE(c.child().Signal(SIGTERM));
    EXPECT_EQ(c.child().Wait(60s), 0) << c.ErrTail();
    if (log != nullptr) *log = c.child().err();
  }

  // tests/kafka/consumer-check: the Java client reads `prefix`candidate-changed/job-imported/
  // dead-letter and the state topics `prefix`candidates.state/jobs.state (as tables) and checks
  // headers, keys and partitions. Returns its exit code; `out` its report.
  int JavaCheck(const std::string& prefix, std::string& out) {
    Child check({"/bin/bash", std::string(ATS_SOURCE_DIR) + "/tests/kafka/consumer-check/run.sh",
                 kafka_->bootstrap(), "fault", "workable", "50",
                 prefix + "candidate-changed.v1=com.ats-connector.candidate-changed.v1",
                 prefix + "job-imported.v1=com.ats-connector.job-imported.v1",
                 prefix + "job-changed.v1=com.ats-connector.job-changed.v1",
                 prefix + "dead-letter.v1=com.ats-connector.dead-letter.v1", prefix + "candidates.state.v1=state",
                 prefix + "jobs.state.v1=state"});
    const auto code = check.Wait(300s);
    check.WaitForEof(10s);
    out = check.out() + check.err();
    return code.value_or(-1);
  }
};

TEST_F(RealKafkaTest, KillNineOfAPartitionLeaderLosesNothingAndSyncsGoOnWithTwoReplicasOfThree) {
  // Three combined broker+controller nodes; topics with replication factor 3 and
  // min.insync.replicas=2; the producer's acks=all. Killing one node (-9: no controlled
  // shutdown, no leadership handed over) must move its partitions' leadership to a survivor,
  // and publishing must go on, acknowledged by the two replicas left, with nothing lost.
  ASSERT_NO_FATAL_FAILURE(Start(/*brokers=*/3));
  const std::string topic = "ats.candidate-changed.v1";
  const std::map<std::string, std::string> published{{"connection", "fault"}, {"type", "candidate-changed"}};
  Mutator mutator(*tenant_, 30ms);
  const int leader = kafka_->Leader(topic, 0);
  ASSERT_GE(leader, 1) << "no leader of " << topic << "[0]";
  ASSERT_TRUE(WaitForFreshCycle()) << connector_->ErrTail();
  ASSERT_TRUE(kafka_->Down({leader}));
  const auto killed_at = Clock::now();
  const double published_at_kill = MetricNow("ats_connector_events_published_total", published);
  int new_leader = -1;
  ASSERT_TRUE(Eventually(
      [&] {
        new_leader = kafka_->Leader(topic, 0);
        return new_leader >= 1 && new_leader != leader;
      },
      60s))
      << "the leadership of " << topic << "[0] did not move off the killed node " << leader;
  const double moved_s = Seconds(Clock::now() - killed_at);
  // Cycles that start after the kill complete: Kafka acknowledges with two in-sync replicas.
  ASSERT_TRUE(WaitForFreshCycle(120s)) << connector_->ErrTail();
  ASSERT_TRUE(WaitForFreshCycle(120s)) << connector_->ErrTail();
  const double published_while_down =
      MetricNow("ats_connector_events_published_total", published) - published_at_kill;
  ASSERT_TRUE(kafka_->Up({leader}));
  mutator.Stop();
  ASSERT_TRUE(WaitForFreshCycle()) << connector_->ErrTail();
  const Verdict v = StopAndCompare();
  std::cout << "=== kafka leader kill: node " << leader << " (leader of " << topic
            << "[0]) killed with SIGKILL; "
            << "leadership moved to node " << new_leader << " after " << moved_s << " s; "
            << published_while_down << " candidate events acknowledged while it was down ("
            << mutator.applied() << " tenant changes); " << v.events << " events, lost " << v.lost
            << ", duplicates " << v.duplicates << ", order violations " << v.order_violations << "\n";
  EXPECT_GT(published_while_down, 0) << "nothing was acknowledged with one node of three down";
  ExpectSound(v);
}

TEST_F(RealKafkaTest, AJavaConsumerSeesEveryCloudEventsHeaderAndJavasPartitionForEachKey) {
  kafka_ = std::make_unique<KafkaProcess>(1);
  ASSERT_TRUE(kafka_->ok()) << kafka_->child().err();
  ConnectorConfig cfg;
  cfg.base_url = tenant_->base_url();
  cfg.bootstrap = kafka_->bootstrap();
  cfg.snapshot_path = dir_.File("snapshot");
  cfg.extra_connection = "    incremental: false\n";  // full listings: deletions show at once
  testing::WriteFile(dir_.File("connector.yaml"), ConnectorYaml(cfg));
  std::string log;
  ASSERT_NO_FATAL_FAILURE(SyncOnce(dir_.File("connector.yaml"), &log));
  // The state topics were created compacted (the harness): the start-up check found them so.
  ASSERT_EQ(kafka::TopicCleanupPolicy(kafka_->bootstrap(), "ats.candidates.state.v1").value(), "compact");
  EXPECT_EQ(log.find("State topic is not compacted."), std::string::npos) << log;
  // A second sync after changes: updated and deleted events too, not only the first sync's, and
  // a job closing (job-changed).
  ASSERT_FALSE(tenant_->MutateRandom(30).empty());
  std::string closing;
  for (const auto& job : tenant_->jobs())
    if (job.state == "published") closing = job.shortcode;
  ASSERT_FALSE(closing.empty());
  ASSERT_TRUE(tenant_->SetJobState(closing, "closed"));
  ASSERT_NO_FATAL_FAILURE(SyncOnce(dir_.File("connector.yaml")));

  // The control: the same events in other topics, placed by librdkafka's old default
  // partitioner (consistent_random, CRC32). The Java check must notice, or it proves nothing.
  // The connector's config refuses that partitioner (kafka.rdkafka), so the control copies the
  // connector's events and state records with a producer of its own.
  std::vector<kafka::TopicSpec> control;
  for (const char* t : {"ctl.candidate-changed.v1", "ctl.job-imported.v1", "ctl.job-changed.v1", "ctl.dead-letter.v1",
                        "ctl.candidates.state.v1", "ctl.jobs.state.v1"})
    control.push_back({t, 4, 1, {}});
  ASSERT_TRUE(kafka::CreateTopics(kafka_->bootstrap(), control).ok());
  auto consumer = kafka::Consumer::Create(
      kafka_->bootstrap(), {"ats.candidate-changed.v1", "ats.job-imported.v1", "ats.job-changed.v1", "ats.dead-letter.v1",
                            "ats.candidates.state.v1", "ats.jobs.state.v1"});
  ASSERT_TRUE(consumer.ok()) << consumer.error().message;
  auto published = (*consumer)->Drain(3s, 60s);
  ASSERT_TRUE(published.ok()) << published.error().message;
  ASSERT_FALSE(published->empty());
  auto crc32 = kafka::Producer::Create(
      {.bootstrap_servers = kafka_->bootstrap(), .rdkafka = {{"partitioner", "consistent_random"}}});
  ASSERT_TRUE(crc32.ok()) << crc32.error().message;
  for (const auto& m : *published) {
    Message copy{"ctl." + m.topic.substr(4), m.key, m.value, {m.headers.begin(), m.headers.end()}};
    copy.null_value = m.null_value;  // tombstones stay tombstones
    ASSERT_TRUE((*crc32)->Produce(copy, 10s).ok());
  }
  ASSERT_TRUE((*crc32)->AwaitDeliveries(60s).ok());

  // State topics that are not compacted: the connector says so at start-up, naming the topic
  // and the fix (a run of its own, into topics of its own).
  std::vector<kafka::TopicSpec> plain;
  for (const char* t : {"warn.candidates.state.v1", "warn.jobs.state.v1"}) plain.push_back({t, 4, 1, {}});
  ASSERT_TRUE(kafka::CreateTopics(kafka_->bootstrap(), plain).ok());
  cfg.snapshot_path = dir_.File("snapshot-warn");
  cfg.extra_kafka =
      "  topics: {candidate_changed: warn.candidate-changed.v1, job_imported: warn.job-imported.v1,"
      " job_changed: warn.job-changed.v1, dead_letter: warn.dead-letter.v1,"
      " candidates_state: warn.candidates.state.v1, jobs_state: warn.jobs.state.v1}\n";
  testing::WriteFile(dir_.File("warn.yaml"), ConnectorYaml(cfg));
  std::string warn_log;
  ASSERT_NO_FATAL_FAILURE(SyncOnce(dir_.File("warn.yaml"), &warn_log));
  EXPECT_NE(warn_log.find("state topic warn.candidates.state.v1 has cleanup.policy=delete"), std::string::npos)
      << warn_log;
  EXPECT_NE(warn_log.find("--entity-name warn.jobs.state.v1 --add-config cleanup.policy=compact"),
            std::string::npos)
      << warn_log;

  std::string report;
  const int code = JavaCheck("ats.", report);
  std::cout << "=== Java consumer on the connector's topics (default producer settings):\n" << report;
  EXPECT_EQ(code, 0) << "the Java consumer check failed";
  // The state topic read as a table (tombstones remove keys) holds one key per candidate the
  // events say is alive: the last candidate-changed of the key is not a deletion.
  std::map<std::string, std::string> last_change;
  for (const auto& e : ConsumeAll(kafka_->bootstrap()))  // in partition order: per key, in order
    if (e.topic == "ats.candidate-changed.v1") last_change[e.key] = e.change;
  size_t live = 0;
  for (const auto& [key, change] : last_change) live += change != "deleted" ? 1 : 0;
  ASSERT_GT(live, 0u);
  EXPECT_NE(report.find("state table ats.candidates.state.v1: " + std::to_string(live) + " keys"), std::string::npos)
      << "expected " << live << " live candidates in the table";

  std::string control_report;
  const int control_code = JavaCheck("ctl.", control_report);
  std::cout << "=== control, partitioner=consistent_random (must fail the partition check):\n"
            << control_report;
  EXPECT_EQ(control_code, 1);
  EXPECT_NE(control_report.find("FAIL partition is murmur2(key) % partitions"), std::string::npos);
}

}  // namespace
}  // namespace ats::fault
