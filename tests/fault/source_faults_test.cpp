// Source faults against the real connector binary: the simulated Workable tenant (in this
// process) answers with 429 storms, 5xx, connection resets, timeouts, slow drips, truncated
// bodies, invalid JSON and a page that repeats; page-level faults are retried with backoff and
// lose nothing. Records missing a required field, with a field of the wrong type, with a 10 MiB
// field, or with 1e400 or an invalid UTF-8 byte in a field the connector ignores go to the
// dead-letter topic with the reason, and the sync goes on. A source that stays down is retried
// at a bounded pace.
#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>

#include "fault/harness.hpp"
#include "sim/workable_tenant.hpp"
#include "support/test_support.hpp"

namespace ats::fault {
namespace {

using Clock = std::chrono::steady_clock;

class SourceFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions options;
    options.jobs = 4;
    options.candidates_per_job = 25;  // 100 candidates: 5 pages of 20
    options.rate_limit_requests = 0;
    options.rate_limit_window_s = 1;  // a 429 storm announces a reset 1 s ahead
    options.seed = 11;
    tenant_ = std::make_unique<sim::WorkableTenant>(options);
    ASSERT_TRUE(tenant_->Start());
    kafka_ = std::make_unique<KafkaProcess>(1);
    ASSERT_TRUE(kafka_->ok()) << kafka_->child().err();
    ConnectorConfig cfg;
    cfg.base_url = tenant_->base_url();
    cfg.bootstrap = kafka_->bootstrap();
    cfg.snapshot_path = dir_.File("snapshot");
    cfg.page_size = 20;
    cfg.request_timeout_s = 2;
    cfg.extra_connection = "    incremental: false\n";
    testing::WriteFile(dir_.File("connector.yaml"), ConnectorYaml(cfg));
    connector_ = std::make_unique<ConnectorProcess>(dir_.File("connector.yaml"));
    ASSERT_TRUE(connector_->WaitStarted()) << connector_->child().err();
    ASSERT_TRUE(connector_->child().WaitForLine("\"msg\":\"Sync cycle complete.\"", true, 60s))
        << connector_->child().err();
  }

  bool WaitForFreshCycle(std::chrono::milliseconds timeout = 120s) { return connector_->WaitForFreshCycle(timeout); }
  double MetricNow(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    return Metric(connector_->Get("/metrics").second, name, labels);
  }
  double Errors(const std::string& kind) {
    return MetricNow("ats_connector_errors_total", {{"connection", "fault"}, {"kind", kind}});
  }

  Verdict StopAndCompare() {
    EXPECT_TRUE(connector_->child().Signal(SIGTERM));
    auto code = connector_->child().Wait(60s);
    EXPECT_TRUE(code.has_value());
    const Truth truth = TruthOf(*tenant_);
    events_ = ConsumeUntil(kafka_->bootstrap(), [&](const std::vector<Event>& ev) {
      return Compare(truth, ev).lost == 0;
    });
    return Compare(truth, events_);
  }

  testing::TempDir dir_;
  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::unique_ptr<KafkaProcess> kafka_;
  std::unique_ptr<ConnectorProcess> connector_;
  std::vector<Event> events_;
};

TEST_F(SourceFaultTest, PageFaultsAreRetriedWithBackoffAndLoseNothing) {
  struct Case {
    const char* name;
    sim::Fault fault;
    int count;
    std::chrono::milliseconds delay;
    const char* kind;  // errors_total kind that must grow
  };
  const Case cases[] = {
      {"429 storm", sim::Fault::kRateLimitStorm, 4, 0ms, "rate_limited"},
      {"5xx", sim::Fault::kServerError, 3, 0ms, "server"},
      {"connection reset", sim::Fault::kConnectionReset, 3, 0ms, "transport"},
      {"timeout", sim::Fault::kTimeout, 2, 4000ms, "transport"},
      {"slow drip", sim::Fault::kSlowDrip, 2, 6000ms, "transport"},
      {"truncated body", sim::Fault::kTruncatedBody, 3, 0ms, "transport"},
      {"invalid JSON", sim::Fault::kInvalidJson, 3, 0ms, "bad_response"},
      {"repeating page", sim::Fault::kRepeatPage, 1, 0ms, "bad_response"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    tenant_->MutateRandom(4);
    const double before = Errors(c.kind);
    const auto requests_before = tenant_->stats().requests;
    tenant_->SetFaultDelay(c.delay);
    tenant_->SetFault(c.fault, c.count);
    const auto t0 = Clock::now();
    // The faulted cycle may fail as a whole (a repeating page ends it); a later one completes.
    ASSERT_TRUE(WaitForFreshCycle()) << connector_->child().err();
    const double after = Errors(c.kind);
    std::cout << "=== source fault " << c.name << " x" << c.count << ": errors_total{kind=\"" << c.kind << "\"} "
              << before << " -> " << after << ", " << tenant_->stats().requests - requests_before
              << " requests, synced again after "
              << std::chrono::duration<double>(Clock::now() - t0).count() << " s\n";
    EXPECT_GE(after - before, 1) << "the fault was not counted";
  }
  tenant_->MutateRandom(4);
  ASSERT_TRUE(WaitForFreshCycle());
  const Verdict v = StopAndCompare();
  for (const auto& p : v.problems) std::cout << "  problem: " << p << "\n";
  EXPECT_EQ(v.lost, 0);
  EXPECT_EQ(v.order_violations, 0);
  EXPECT_EQ(v.replays_with_new_id, 0);
  EXPECT_GT(v.checked_candidates, 50);
  // The token never travelled in a log line (several faults log their request).
  EXPECT_EQ(connector_->child().err().find("sandbox-token-0123456789"), std::string::npos);
}

TEST_F(SourceFaultTest, BadRecordsGoToTheDeadLetterTopicAndTheSyncGoesOn) {
  struct Case {
    const char* name;
    sim::Fault fault;
    const char* reason;  // in the dead letter's reason
  };
  const Case cases[] = {
      {"missing required field", sim::Fault::kMissingField, "missing required field 'id'"},
      {"wrong type", sim::Fault::kWrongType, "field 'disqualified' must be a boolean"},
      {"10 MiB field", sim::Fault::kHugeField, "record is too large to publish"},
      {"1e400 in an ignored field", sim::Fault::kOddNumber,
       "field 'score' holds a value that cannot be read"},
      {"invalid UTF-8 in an ignored field", sim::Fault::kInvalidUtf8, "field 'note' holds invalid UTF-8"},
  };
  const std::map<std::string, std::string> connection{{"connection", "fault"}, {"entity", "candidate"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const double dlq_before = MetricNow("ats_connector_dead_letter_records_total", connection);
    const double bad_before = Errors("bad_record");
    tenant_->MutateRandom(3);
    // Three listings in a row carry the damaged record: the sync must keep completing.
    tenant_->SetFault(c.fault, 3);
    ASSERT_TRUE(WaitForFreshCycle()) << connector_->child().err();
    ASSERT_TRUE(WaitForFreshCycle()) << connector_->child().err();
    const double dlq = MetricNow("ats_connector_dead_letter_records_total", connection) - dlq_before;
    const double bad = Errors("bad_record") - bad_before;
    std::cout << "=== bad record (" << c.name << "): dead_letter_records_total +" << dlq
              << ", errors_total{kind=\"bad_record\"} +" << bad << "\n";
    EXPECT_GE(dlq, 1);
    EXPECT_EQ(dlq, bad);
  }
  tenant_->MutateRandom(3);
  ASSERT_TRUE(WaitForFreshCycle());
  const Verdict v = StopAndCompare();
  for (const auto& p : v.problems) std::cout << "  problem: " << p << "\n";
  EXPECT_EQ(v.lost, 0);
  EXPECT_EQ(v.order_violations, 0);

  std::vector<testing::EventForValidation> dead_letters;
  std::map<std::string, int> reasons;
  for (const auto& e : events_) {
    if (e.topic != "ats.dead-letter.v1") continue;
    dead_letters.push_back({e.ce_type, e.value});
    EXPECT_EQ(e.ce_type, "com.ats-connector.dead-letter.v1");
    EXPECT_EQ(e.entity, "candidate");
    EXPECT_LE(e.value.size(), 70u * 1024) << "a dead letter carries at most 64 KiB of the raw record";
    for (const auto& c : cases)
      if (e.reason.find(c.reason) != std::string::npos) ++reasons[c.name];
    // Bytes that are not UTF-8 are kept exactly, as base64.
    if (e.reason.find("invalid UTF-8") != std::string::npos) {
      EXPECT_NE(e.value.find("\"raw_base64\":\""), std::string::npos) << e.value;
    }
  }
  for (const auto& c : cases) EXPECT_GE(reasons[c.name], 1) << "no dead letter says: " << c.reason;
  ASSERT_FALSE(dead_letters.empty());
  EXPECT_EQ(testing::ValidateAgainstSchemas(dead_letters), "");
}

TEST_F(SourceFaultTest, ASourceThatStaysDownIsRetriedAtABoundedPace) {
  const auto requests_before = tenant_->stats().requests;
  tenant_->SetFault(sim::Fault::kServerError, 1000000);
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(20s);
  const auto requests = tenant_->stats().requests - requests_before;
  const double server_errors = Errors("server");
  const long rss = connector_->child().RssKib();
  tenant_->SetFault(sim::Fault::kNone);
  const auto recovered = WaitForFreshCycle();
  std::cout << "=== source down 20 s: " << requests << " requests (backoff), errors_total{kind=\"server\"} "
            << server_errors << ", RSS " << rss
            << " KiB; synced again " << std::chrono::duration<double>(Clock::now() - t0).count() - 20
            << " s after it came back\n";
  // Without backoff a 1 s poll interval and 6 attempts a page would make hundreds.
  EXPECT_LE(requests, 40);
  EXPECT_GE(requests, 3);
  EXPECT_GE(server_errors, 3);
  EXPECT_TRUE(recovered);
  EXPECT_LT(rss, 256 * 1024);
}

}  // namespace
}  // namespace ats::fault
