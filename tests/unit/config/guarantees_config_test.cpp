// Configurations that would switch the delivery guarantees off by accident: kafka.rdkafka
// entries that void them, `run` without Kafka, and connections that share a source account.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "config/config.hpp"
#include "config/rdkafka_guard.hpp"
#include "config/shared_accounts.hpp"

namespace ats::config {
namespace {

constexpr char kWorkableToken[] = "workable-token-7c21e9";
constexpr char kOtherToken[] = "workable-token-other-3a";
constexpr char kRefresh[] = "refresh-token-5e0b77d1";
constexpr char kOtherRefresh[] = "refresh-token-other-91";

std::optional<std::string> TestEnv(const std::string& name) {
  static const std::map<std::string, std::string> kVars = {{"TOKEN", kWorkableToken},
                                                           {"OTHER_TOKEN", kOtherToken},
                                                           {"REFRESH", kRefresh},
                                                           {"OTHER_REFRESH", kOtherRefresh},
                                                           {"SECRET", "client-secret-x"}};
  auto it = kVars.find(name);
  if (it == kVars.end()) return std::nullopt;
  return it->second;
}

const std::string kConnection = R"(connections:
  - id: acme
    source: workable
    workable: {subdomain: acme, api_token: "${TOKEN}"}
)";
const std::string kKafkaHead = "kafka:\n  bootstrap_servers: broker1:9092\n";

std::vector<Problem> ProblemsOf(const std::string& yaml, Purpose purpose = Purpose::kAny) {
  try {
    LoadConfigString(yaml, &TestEnv, purpose);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

std::string Format(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += "  " + p.path + ": " + p.message + "\n";
  return out;
}

const Problem* Find(const std::vector<Problem>& problems, const std::string& path) {
  for (const auto& p : problems)
    if (p.path == path) return &p;
  return nullptr;
}

// ---- kafka.rdkafka entries that void the guarantees ---------------------------------------

struct RefusedCase {
  const char* name;
  const char* entry;    // `key: value` under kafka.rdkafka
  const char* path;     // where the problem is reported
  const char* because;  // a part of the message that says why
};

class RefusedRdkafkaTest : public ::testing::TestWithParam<RefusedCase> {};

TEST_P(RefusedRdkafkaTest, IsRefusedWithItsKeyPathAndWhy) {
  const RefusedCase& c = GetParam();
  const auto problems = ProblemsOf(kConnection + kKafkaHead + "  rdkafka:\n    " + c.entry + "\n");
  ASSERT_EQ(problems.size(), 1u) << Format(problems);
  EXPECT_EQ(problems[0].path, c.path);
  EXPECT_NE(problems[0].message.find(c.because), std::string::npos) << problems[0].message;
}

INSTANTIATE_TEST_SUITE_P(
    Guarantees, RefusedRdkafkaTest,
    ::testing::Values(
        RefusedCase{"IdempotenceOff", "enable.idempotence: false", "kafka.rdkafka.enable.idempotence",
                    "could write an event twice"},
        RefusedCase{"IdempotenceZero", "enable.idempotence: 0", "kafka.rdkafka.enable.idempotence",
                    "turn off the idempotent producer"},
        RefusedCase{"AcksOne", "acks: 1", "kafka.rdkafka.acks", "only all (or -1)"},
        RefusedCase{"AcksZero", "acks: 0", "kafka.rdkafka.acks", "lose the event"},
        RefusedCase{"RequestRequiredAcks", "request.required.acks: 1", "kafka.rdkafka.request.required.acks",
                    "only all (or -1)"},
        RefusedCase{"MaxInFlightSix", "max.in.flight: 6", "kafka.rdkafka.max.in.flight", "1 to 5"},
        RefusedCase{"MaxInFlightLongName", "max.in.flight.requests.per.connection: 1000000",
                    "kafka.rdkafka.max.in.flight.requests.per.connection", "in order only with 1 to 5"},
        RefusedCase{"MaxInFlightNotANumber", "max.in.flight: many", "kafka.rdkafka.max.in.flight",
                    "whole number from 1 to 5"},
        RefusedCase{"PartitionerRandom", "partitioner: random", "kafka.rdkafka.partitioner",
                    "lose their order"},
        RefusedCase{"PartitionerCrc32", "partitioner: consistent_random", "kafka.rdkafka.partitioner",
                    "Java clients"},
        RefusedCase{"PartitionerConsistent", "partitioner: consistent", "kafka.rdkafka.partitioner",
                    "murmur2_random"},
        RefusedCase{"PartitionerFnv", "partitioner: fnv1a_random", "kafka.rdkafka.partitioner",
                    "Java clients"},
        RefusedCase{"RetriesZero", "retries: 0", "kafka.rdkafka.retries", "first transient broker error"},
        RefusedCase{"SendRetriesZero", "message.send.max.retries: 0",
                    "kafka.rdkafka.message.send.max.retries", "instead of retrying"},
        RefusedCase{"Lifo", "queuing.strategy: lifo", "kafka.rdkafka.queuing.strategy", "out of order"},
        RefusedCase{"Gapless", "enable.gapless.guarantee: true", "kafka.rdkafka.enable.gapless.guarantee",
                    "fatal producer error"},
        RefusedCase{"TransactionalId", "transactional.id: ats-1", "kafka.rdkafka.transactional.id",
                    "never begins a transaction"},
        RefusedCase{"BootstrapServers", "bootstrap.servers: other:9092", "kafka.rdkafka.bootstrap.servers",
                    "kafka.bootstrap_servers"},
        RefusedCase{"MetadataBrokerList", "metadata.broker.list: other:9092",
                    "kafka.rdkafka.metadata.broker.list", "kafka.bootstrap_servers"},
        RefusedCase{"ClientId", "client.id: other", "kafka.rdkafka.client.id", "kafka.client_id"},
        RefusedCase{"MessageTimeout", "message.timeout.ms: 1000", "kafka.rdkafka.message.timeout.ms",
                    "kafka.delivery_timeout_s"},
        RefusedCase{"DeliveryTimeout", "delivery.timeout.ms: 1000", "kafka.rdkafka.delivery.timeout.ms",
                    "kafka.delivery_timeout_s"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(RdkafkaGuardTest, SettingsThatKeepTheGuaranteesPass) {
  const std::string yaml = kConnection + kKafkaHead + R"(  rdkafka:
    enable.idempotence: true
    acks: all
    request.required.acks: -1
    max.in.flight: 5
    partitioner: murmur2
    retries: 10
    queuing.strategy: fifo
    enable.gapless.guarantee: false
    queue.buffering.max.ms: 100
    linger.ms: 20
    security.protocol: SASL_SSL
)";
  const auto problems = ProblemsOf(yaml);
  EXPECT_TRUE(problems.empty()) << Format(problems);
  const Config cfg = LoadConfigString(yaml, &TestEnv);
  EXPECT_EQ(cfg.kafka.rdkafka.at("partitioner"), "murmur2");
  EXPECT_EQ(cfg.kafka.rdkafka.at("queue.buffering.max.ms"), "100");
}

TEST(RdkafkaGuardTest, EveryRefusedEntryIsReportedAtOnce) {
  const auto problems = ProblemsOf(kConnection + kKafkaHead + R"(  rdkafka:
    enable.idempotence: false
    acks: 1
    max.in.flight: 10
    partitioner: random
    linger.ms: 5
)");
  EXPECT_EQ(problems.size(), 4u) << Format(problems);
  for (const char* path : {"kafka.rdkafka.enable.idempotence", "kafka.rdkafka.acks",
                           "kafka.rdkafka.max.in.flight", "kafka.rdkafka.partitioner"})
    EXPECT_NE(Find(problems, path), nullptr) << path << "\n" << Format(problems);
}

TEST(RdkafkaGuardTest, ValuesAreReadAsLibrdkafkaReadsThem) {
  EXPECT_FALSE(RefusedRdkafkaProperty("acks", "ALL"));
  EXPECT_FALSE(RefusedRdkafkaProperty("enable.idempotence", "True"));
  EXPECT_TRUE(RefusedRdkafkaProperty("enable.idempotence", "f"));
  EXPECT_FALSE(RefusedRdkafkaProperty("partitioner", " murmur2_random "));
  EXPECT_FALSE(RefusedRdkafkaProperty("max.in.flight", "1"));
  EXPECT_TRUE(RefusedRdkafkaProperty("max.in.flight", "0"));
  EXPECT_FALSE(RefusedRdkafkaProperty("retries", "2147483647"));
}

// ---- `run` requires kafka -------------------------------------------------------------------

TEST(RunNeedsKafkaTest, WithoutKafkaTheRunPurposeNamesTheKeyAndTheFix) {
  const auto problems = ProblemsOf(kConnection, Purpose::kRun);
  ASSERT_EQ(problems.size(), 1u) << Format(problems);
  EXPECT_EQ(problems[0].path, "kafka.bootstrap_servers");
  EXPECT_NE(problems[0].message.find("required by `run`"), std::string::npos) << problems[0].message;
  EXPECT_NE(problems[0].message.find("ats-connector sandbox"), std::string::npos) << problems[0].message;
  // A kafka section without the brokers is no better.
  EXPECT_NE(
      Find(ProblemsOf(kConnection + "kafka:\n  client_id: x\n", Purpose::kRun), "kafka.bootstrap_servers"),
      nullptr);
}

TEST(RunNeedsKafkaTest, BrokersOrAnExplicitEmbeddedAreAccepted) {
  EXPECT_TRUE(ProblemsOf(kConnection + kKafkaHead, Purpose::kRun).empty());
  const Config cfg =
      LoadConfigString(kConnection + "kafka:\n  bootstrap_servers: embedded\n", &TestEnv, Purpose::kRun);
  EXPECT_TRUE(cfg.kafka.embedded());
  EXPECT_TRUE(cfg.kafka.bootstrap_servers_given);
}

TEST(RunNeedsKafkaTest, OtherPurposesStillDefaultToNothingRequired) {
  const Config cfg = LoadConfigString(kConnection, &TestEnv);  // e.g. `check`
  EXPECT_FALSE(cfg.kafka.bootstrap_servers_given);
}

TEST(RunNeedsKafkaTest, ABadBrokerListIsReportedOnceNotAlsoAsMissing) {
  const auto problems = ProblemsOf(kConnection + "kafka:\n  bootstrap_servers: nonsense\n", Purpose::kRun);
  ASSERT_EQ(problems.size(), 1u) << Format(problems);
  EXPECT_NE(problems[0].message.find("is not host:port"), std::string::npos);
}

// ---- connections on one source account -------------------------------------------------------

std::string Workable(const std::string& id, const std::string& subdomain, const std::string& token_var,
                     const std::string& extra = "") {
  return "  - id: " + id + "\n    source: workable\n    workable: {subdomain: " + subdomain +
         ", api_token: \"${" + token_var + "}\"" + extra + "}\n";
}

std::string Workday(const std::string& id, const std::string& tenant, const std::string& refresh_var) {
  return "  - id: " + id + R"(
    source: workday
    workday:
      rest_endpoint: https://wd2-impl-services1.workday.com/ccx/api/v1/)" +
         tenant + R"(
      client_id: wd-client
      client_secret: ${SECRET}
      refresh_token: ${)" +
         refresh_var + R"(}
      reports:
        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/)" +
         tenant + "/ISU_ATS/R_" + id + "\n";
}

class LogCapture {
 public:
  LogCapture() {
    log::SetSinkForTest([this](std::string_view line) { all_ += std::string(line) + "\n"; });
  }
  ~LogCapture() { log::SetSinkForTest(nullptr); }
  const std::string& all() const { return all_; }

 private:
  std::string all_;
};

TEST(SharedAccountTest, TwoWorkdayConnectionsOnOneTenantAndRefreshTokenAreRefusedNamingBoth) {
  LogCapture logs;
  const std::string yaml = "connections:\n" + Workday("wd-a", "acme", "REFRESH") +
                           Workable("wk", "acme", "TOKEN") + Workday("wd-b", "acme", "REFRESH");
  const auto problems = ProblemsOf(yaml);
  ASSERT_EQ(problems.size(), 1u) << Format(problems);
  EXPECT_EQ(problems[0].path, "connections[2].workday");
  for (const char* part : {"'wd-a' (connections[0])", "'wd-b'", "acme on wd2-impl-services1.workday.com",
                           "same refresh token", "void the token of the other"})
    EXPECT_NE(problems[0].message.find(part), std::string::npos) << part << " in " << problems[0].message;
  // The token itself appears in no message and no log line.
  EXPECT_EQ(Format(problems).find(kRefresh), std::string::npos);
  EXPECT_EQ(logs.all().find(kRefresh), std::string::npos);
}

TEST(SharedAccountTest, WorkdayConnectionsWithTheirOwnTokensOrTenantsAreFine) {
  EXPECT_TRUE(ProblemsOf("connections:\n" + Workday("wd-a", "acme", "REFRESH") +
                         Workday("wd-b", "acme", "OTHER_REFRESH"))
                  .empty());
  EXPECT_TRUE(
      ProblemsOf("connections:\n" + Workday("wd-a", "acme", "REFRESH") + Workday("wd-b", "beta", "REFRESH"))
          .empty());
}

TEST(SharedAccountTest, WorkableConnectionsOnOneAccountAreWarnedAboutNotRefused) {
  const Config cfg = LoadConfigString(
      "connections:\n" + Workable("one", "acme", "TOKEN") + Workable("other-token", "acme", "OTHER_TOKEN") +
          Workable("two", "acme", "TOKEN") + Workable("beta", "beta", "TOKEN"),
      &TestEnv);
  const auto warnings = SharedAccountWarnings(cfg.connections);
  ASSERT_EQ(warnings.size(), 1u) << Format(warnings);
  EXPECT_EQ(warnings[0].path, "connections[2]");
  for (const char* part : {"'two'", "'one'", "published once per connection", "'one/<id>' and 'two/<id>'"})
    EXPECT_NE(warnings[0].message.find(part), std::string::npos) << part << " in " << warnings[0].message;
  EXPECT_EQ(warnings[0].message.find(kWorkableToken), std::string::npos);
  EXPECT_EQ(WorkableAccountKey(cfg.connections[0]), WorkableAccountKey(cfg.connections[2]));
  EXPECT_NE(WorkableAccountKey(cfg.connections[0]), WorkableAccountKey(cfg.connections[1]));
  EXPECT_NE(WorkableAccountKey(cfg.connections[0]), WorkableAccountKey(cfg.connections[3]));
  EXPECT_EQ(WorkableAccountKey(cfg.connections[0]).find(kWorkableToken), std::string::npos);
}

TEST(SharedAccountTest, ConnectionsOnOneWorkableAccountMustAgreeOnTheRateLimit) {
  const auto problems =
      ProblemsOf("connections:\n" + Workable("one", "acme", "TOKEN") +
                 Workable("two", "acme", "TOKEN", ", rate_limit: {requests: 20, per_s: 10}"));
  ASSERT_EQ(problems.size(), 1u) << Format(problems);
  EXPECT_EQ(problems[0].path, "connections[1].workable.rate_limit");
  EXPECT_NE(problems[0].message.find("share one rate limiter"), std::string::npos) << problems[0].message;
  EXPECT_NE(problems[0].message.find("20 requests per 10 s"), std::string::npos) << problems[0].message;
}

TEST(SharedAccountTest, FingerprintsTellSecretsApartWithoutShowingThem) {
  const std::string a = SecretFingerprint("secret-a");
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a, SecretFingerprint("secret-a"));
  EXPECT_NE(a, SecretFingerprint("secret-b"));
  EXPECT_EQ(a.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace ats::config
