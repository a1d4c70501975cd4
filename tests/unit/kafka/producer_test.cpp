#include "kafka/producer.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/rdkafka_util.hpp"

namespace ats::kafka {
namespace {

using std::chrono::milliseconds;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr milliseconds kLong{15000};  // upper bound for things that normally take milliseconds

std::unique_ptr<EmbeddedCluster> StartCluster(const std::vector<std::pair<std::string, int>>& topics) {
  auto cluster = EmbeddedCluster::Start(1);
  EXPECT_TRUE(cluster.ok()) << cluster.error().message;
  if (!cluster.ok()) return nullptr;
  for (const auto& [name, partitions] : topics) {
    auto r = (*cluster)->CreateTopic(name, partitions, 1);
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
  return std::move(cluster).value();
}

std::unique_ptr<Producer> MakeProducer(const std::string& bootstrap,
                                       std::map<std::string, std::string> rdkafka = {},
                                       int delivery_timeout_ms = 30000) {
  ProducerOptions options;
  options.bootstrap_servers = bootstrap;
  options.client_id = "producer-test";
  options.delivery_timeout_ms = delivery_timeout_ms;
  // Reconnect quickly after a broker comes back, so outage tests stay short.
  options.rdkafka = {{"reconnect.backoff.ms", "50"}, {"reconnect.backoff.max.ms", "500"}};
  for (auto& [k, v] : rdkafka) options.rdkafka[k] = v;
  auto producer = Producer::Create(options);
  EXPECT_TRUE(producer.ok()) << producer.error().message;
  return producer.ok() ? std::move(producer).value() : nullptr;
}

::testing::AssertionResult Succeeded(const Result<void>& r) {
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.error().message;
}

Message Msg(const std::string& topic, const std::string& key, const std::string& value,
            Headers headers = {}) {
  return Message{topic, key, value, std::move(headers)};
}

// Reads until `expected` messages arrived (or a bounded number of idle rounds passed).
std::vector<ConsumedMessage> ReadBack(const std::string& bootstrap, const std::vector<std::string>& topics,
                                      size_t expected) {
  auto consumer = Consumer::Create(bootstrap, topics);
  EXPECT_TRUE(consumer.ok()) << consumer.error().message;
  if (!consumer.ok()) return {};
  std::vector<ConsumedMessage> all;
  for (int round = 0; round < 20 && all.size() < expected; ++round) {
    auto batch = (*consumer)->Drain(milliseconds(300), milliseconds(3000));
    EXPECT_TRUE(batch.ok()) << batch.error().message;
    if (!batch.ok()) break;
    all.insert(all.end(), batch->begin(), batch->end());
  }
  return all;
}

TEST(ProducerTest, ProducedMessagesAreConsumedBackWithKeysHeadersAndPerKeyOrder) {
  auto cluster = StartCluster({{"candidates", 4}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap_servers());
  ASSERT_NE(producer, nullptr);

  constexpr int kCount = 300;
  std::map<std::string, std::vector<std::string>> sent_by_key;
  std::map<std::string, Headers> sent_headers;  // by value
  for (int i = 0; i < kCount; ++i) {
    const std::string key = "acme/cand-" + std::to_string(i % 7);
    const std::string value = R"({"seq":)" + std::to_string(i) + "}";
    Headers headers = {
        {"ce_id", "id-" + std::to_string(i)}, {"ce_type", "t"}, {"dup", "first"}, {"dup", "last"}};
    ASSERT_TRUE(Succeeded(producer->Produce(Msg("candidates", key, value, headers), kLong)));
    sent_by_key[key].push_back(value);
    sent_headers[value] = headers;
  }
  const auto delivered = producer->AwaitDeliveries(kLong);
  ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  EXPECT_EQ(producer->queue_length(), 0);
  EXPECT_FALSE(producer->fatal());

  const auto got = ReadBack(cluster->bootstrap_servers(), {"candidates"}, kCount);
  ASSERT_EQ(got.size(), static_cast<size_t>(kCount));
  std::map<std::string, std::vector<std::string>> got_by_key;
  std::map<std::string, int> partition_of_key;
  for (const auto& m : got) {
    EXPECT_EQ(m.topic, "candidates");
    got_by_key[m.key].push_back(m.value);
    // One key, one partition: that is what keeps a record's events in order.
    auto [it, inserted] = partition_of_key.emplace(m.key, m.partition);
    EXPECT_EQ(it->second, m.partition) << m.key;
    const Headers& h = sent_headers.at(m.value);
    EXPECT_EQ(m.headers.size(), 3u);
    EXPECT_EQ(m.headers.at("ce_id"), h[0].second);
    EXPECT_EQ(m.headers.at("ce_type"), "t");
    EXPECT_EQ(m.headers.at("dup"), "last");  // repeated header: last value wins
  }
  EXPECT_EQ(got_by_key, sent_by_key);  // same keys, values, and per-key order

  // Nothing is returned twice.
  auto consumer = Consumer::Create(cluster->bootstrap_servers(), {"candidates"});
  ASSERT_TRUE(consumer.ok());
  auto first = (*consumer)->Drain(milliseconds(300), milliseconds(5000));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), static_cast<size_t>(kCount));
  auto second = (*consumer)->Drain(milliseconds(200), milliseconds(1000));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->empty());
}

// Java's Utils.murmur2 (kafka-clients), the hash of its default partitioner.
int32_t JavaMurmur2(const std::string& key) {
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  const int32_t length = static_cast<int32_t>(key.size());
  constexpr uint32_t kSeed = 0x9747b28c, kM = 0x5bd1e995;
  constexpr int kR = 24;
  uint32_t h = kSeed ^ static_cast<uint32_t>(length);
  const int32_t length4 = length / 4;
  for (int32_t i = 0; i < length4; ++i) {
    const int32_t i4 = i * 4;
    uint32_t k =
        data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (static_cast<uint32_t>(data[i4 + 3]) << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  switch (length % 4) {
    case 3: h ^= static_cast<uint32_t>(data[(length & ~3) + 2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<uint32_t>(data[(length & ~3) + 1]) << 8; [[fallthrough]];
    case 1: h ^= data[length & ~3]; h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

// Java's default partitioner for a keyed record: Utils.toPositive(Utils.murmur2(key)) % n.
int JavaPartition(const std::string& key, int partitions) {
  return static_cast<int>(static_cast<uint32_t>(JavaMurmur2(key)) & 0x7fffffffu) % partitions;
}

TEST(ProducerTest, JavaMurmur2MatchesKafkaClients) {
  // The values of kafka-clients' own UtilsTest.testMurmur2.
  EXPECT_EQ(JavaMurmur2("21"), -973932308);
  EXPECT_EQ(JavaMurmur2("foobar"), -790332482);
  EXPECT_EQ(JavaMurmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(JavaMurmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(JavaMurmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(JavaMurmur2("abc"), 479470107);
}

TEST(ProducerTest, AKeyLandsInThePartitionJavasDefaultPartitionerPicks) {
  // Default options: the producer must place keys as a Java producer would (murmur2_random),
  // not by librdkafka's own default (consistent_random, CRC32). The real-broker check with the
  // Java client is kafka-real.RealKafkaTest.AJavaConsumerSees...
  constexpr int kPartitions = 6;
  auto cluster = StartCluster({{"placed", kPartitions}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap_servers());
  ASSERT_NE(producer, nullptr);
  constexpr int kKeys = 60;
  for (int i = 0; i < kKeys; ++i)
    ASSERT_TRUE(
        Succeeded(producer->Produce(Msg("placed", "acme/" + std::to_string(1000 + i * 7), "{}"), kLong)));
  ASSERT_TRUE(producer->AwaitDeliveries(kLong).ok());
  const auto got = ReadBack(cluster->bootstrap_servers(), {"placed"}, kKeys);
  ASSERT_EQ(got.size(), static_cast<size_t>(kKeys));
  std::set<int> used;
  for (const auto& m : got) {
    EXPECT_EQ(m.partition, JavaPartition(m.key, kPartitions)) << m.key;
    used.insert(m.partition);
  }
  EXPECT_GT(used.size(), 1u);  // the keys do spread
}

TEST(ProducerTest, EmptyValueAndBinaryBytesSurvive) {
  auto cluster = StartCluster({{"raw", 1}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap_servers());
  ASSERT_NE(producer, nullptr);
  const std::string binary("a\0b\xff", 4);
  ASSERT_TRUE(Succeeded(producer->Produce(Msg("raw", "k1", ""), kLong)));
  ASSERT_TRUE(Succeeded(producer->Produce(Msg("raw", binary, binary, {{"h", binary}}), kLong)));
  ASSERT_TRUE(Succeeded(producer->AwaitDeliveries(kLong)));
  const auto got = ReadBack(cluster->bootstrap_servers(), {"raw"}, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].key, "k1");
  EXPECT_EQ(got[0].value, "");
  EXPECT_TRUE(got[0].headers.empty());
  EXPECT_EQ(got[1].key, binary);
  EXPECT_EQ(got[1].value, binary);
  EXPECT_EQ(got[1].headers.at("h"), binary);
}

// A tombstone (null value) for compacted topics is a null value on the wire, not an empty one.
TEST(ProducerTest, NullValueIsATombstoneAndAnEmptyValueIsNot) {
  auto cluster = StartCluster({{"state", 1}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap_servers());
  ASSERT_NE(producer, nullptr);
  Message tombstone = Msg("state", "acme/1", "ignored", {{"content-type", "application/json"}});
  tombstone.null_value = true;
  ASSERT_TRUE(Succeeded(producer->Produce(tombstone, kLong)));
  ASSERT_TRUE(Succeeded(producer->Produce(Msg("state", "acme/2", ""), kLong)));
  ASSERT_TRUE(Succeeded(producer->AwaitDeliveries(kLong)));
  const auto got = ReadBack(cluster->bootstrap_servers(), {"state"}, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].key, "acme/1");
  EXPECT_TRUE(got[0].null_value);
  EXPECT_EQ(got[0].value, "");
  EXPECT_EQ(got[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(got[1].key, "acme/2");
  EXPECT_FALSE(got[1].null_value);
}

TEST(ProducerTest, UnknownPassthroughKeyIsAPermanentConfigErrorNamingTheKey) {
  ProducerOptions options;
  options.bootstrap_servers = "127.0.0.1:1";
  options.rdkafka = {{"foo.bar", "1"}};
  auto producer = Producer::Create(options);
  ASSERT_FALSE(producer.ok());
  EXPECT_FALSE(producer.error().retryable());
  EXPECT_EQ(producer.error().category, ErrorCategory::kConfig);
  EXPECT_NE(producer.error().message.find("kafka.rdkafka.foo.bar: "), std::string::npos)
      << producer.error().message;
  EXPECT_NE(producer.error().message.find("No such configuration property"), std::string::npos)
      << producer.error().message;
}

TEST(ProducerTest, InvalidPassthroughValueIsAConfigError) {
  ProducerOptions options;
  options.bootstrap_servers = "127.0.0.1:1";
  options.rdkafka = {{"linger.ms", "not-a-number"}};
  auto producer = Producer::Create(options);
  ASSERT_FALSE(producer.ok());
  EXPECT_EQ(producer.error().category, ErrorCategory::kConfig);
  EXPECT_EQ(producer.error().message.rfind("kafka.rdkafka.linger.ms: ", 0), 0u) << producer.error().message;
}

TEST(ProducerTest, PassthroughOverridesTheDefaults) {
  // enable.idempotence=true forbids acks=1; with the override to false the producer is valid,
  // which shows the passthrough map is applied after the built-in settings.
  ProducerOptions options;
  options.bootstrap_servers = "127.0.0.1:1";
  options.rdkafka = {{"acks", "1"}};
  auto conflicting = Producer::Create(options);
  ASSERT_FALSE(conflicting.ok());
  EXPECT_EQ(conflicting.error().category, ErrorCategory::kConfig);
  options.rdkafka["enable.idempotence"] = "false";
  auto overridden = Producer::Create(options);
  EXPECT_TRUE(overridden.ok()) << overridden.error().message;
}

TEST(ProducerTest, SecretKeysAreRecognisedAndTheirValuesRedacted) {
  using internal::IsSecretKey;
  EXPECT_TRUE(IsSecretKey("sasl.password"));
  EXPECT_TRUE(IsSecretKey("ssl.key.password"));
  EXPECT_TRUE(IsSecretKey("ssl.keystore.password"));
  EXPECT_TRUE(IsSecretKey("sasl.oauthbearer.client.secret"));
  EXPECT_TRUE(IsSecretKey("ssl.key.pem"));
  EXPECT_TRUE(IsSecretKey("sasl.oauthbearer.config"));
  EXPECT_FALSE(IsSecretKey("sasl.username"));
  EXPECT_FALSE(IsSecretKey("bootstrap.servers"));
  EXPECT_EQ(internal::RedactValue(R"(Invalid value "hunter22" for "x"; hunter22)", "hunter22"),
            R"(Invalid value "[REDACTED]" for "x"; [REDACTED])");
  EXPECT_EQ(internal::RedactValue("unchanged", ""), "unchanged");
}

TEST(ProducerTest, NonSecretBadValuesAreEchoedToHelpTheUser) {
  ProducerOptions options;
  options.bootstrap_servers = "127.0.0.1:1";
  options.rdkafka = {{"compression.type", "zippy"}};
  auto echoed = Producer::Create(options);
  ASSERT_FALSE(echoed.ok());
  EXPECT_EQ(echoed.error().category, ErrorCategory::kConfig);
  EXPECT_NE(echoed.error().message.find("kafka.rdkafka.compression.type: "), std::string::npos);
  EXPECT_NE(echoed.error().message.find("\"zippy\""), std::string::npos) << echoed.error().message;
}

TEST(ProducerTest, SecretPassthroughValuesAreRedactedFromLibrdkafkaLogs) {
  // librdkafka logs a malformed sasl.oauthbearer.config verbatim when the producer starts.
  std::mutex mu;
  std::vector<std::string> lines;
  log::SetSinkForTest([&](std::string_view line) {
    std::lock_guard lock(mu);
    lines.emplace_back(line);
  });
  ProducerOptions options;
  options.bootstrap_servers = "127.0.0.1:1";
  options.rdkafka = {{"security.protocol", "SASL_PLAINTEXT"},
                     {"sasl.mechanism", "OAUTHBEARER"},
                     {"enable.sasl.oauthbearer.unsecure.jwt", "true"},
                     {"sasl.oauthbearer.config", "bogus=Zq8SecretTokenValue"}};
  {
    auto producer = Producer::Create(options);
    ASSERT_TRUE(producer.ok()) << producer.error().message;
  }
  log::SetSinkForTest(nullptr);
  std::lock_guard lock(mu);
  bool saw_config_line = false;
  for (const auto& line : lines) {
    EXPECT_EQ(line.find("Zq8SecretTokenValue"), std::string::npos) << line;
    if (line.find("sasl.oauthbearer.config") != std::string::npos) saw_config_line = true;
  }
  EXPECT_TRUE(saw_config_line) << "librdkafka no longer logs the bad config; pick another probe";
}

TEST(ProducerTest, PingAnswersForALiveClusterAndFailsRetryablyForADeadAddress) {
  auto cluster = StartCluster({});
  ASSERT_NE(cluster, nullptr);
  auto live = MakeProducer(cluster->bootstrap_servers());
  ASSERT_NE(live, nullptr);
  const auto ok = live->Ping(kLong);
  EXPECT_TRUE(ok.ok()) << ok.error().message;

  auto dead = MakeProducer("127.0.0.1:1");  // nothing listens on port 1
  ASSERT_NE(dead, nullptr);
  const auto r = dead->Ping(milliseconds(500));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().retryable());
  EXPECT_EQ(r.error().category, ErrorCategory::kKafka);
}

TEST(ProducerTest, BrokerDownTimesOutRetryablyThenDeliversEveryMessageOnceItIsBack) {
  auto cluster = StartCluster({{"outage", 2}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap_servers());
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(Succeeded(producer->Produce(Msg("outage", "k", "before"), kLong)));
  ASSERT_TRUE(Succeeded(producer->AwaitDeliveries(kLong)));

  ASSERT_TRUE(Succeeded(cluster->SetBrokerDown(1)));
  constexpr int kDuringOutage = 25;
  for (int i = 0; i < kDuringOutage; ++i)
    ASSERT_TRUE(Succeeded(producer->Produce(Msg("outage", "k", "during-" + std::to_string(i)), kLong)));
  const auto timed_out = producer->AwaitDeliveries(milliseconds(1500));
  ASSERT_FALSE(timed_out.ok());
  EXPECT_TRUE(timed_out.error().retryable());
  EXPECT_EQ(timed_out.error().category, ErrorCategory::kKafka);
  EXPECT_NE(timed_out.error().message.find(std::to_string(kDuringOutage) +
                                           " messages not acknowledged within 1500 ms"),
            std::string::npos)
      << timed_out.error().message;
  EXPECT_EQ(producer->queue_length(), kDuringOutage);

  ASSERT_TRUE(Succeeded(cluster->SetBrokerUp(1)));
  const auto delivered = producer->AwaitDeliveries(kLong);  // waits for the same messages
  ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  EXPECT_EQ(producer->queue_length(), 0);

  const auto got = ReadBack(cluster->bootstrap_servers(), {"outage"}, kDuringOutage + 1);
  ASSERT_EQ(got.size(), static_cast<size_t>(kDuringOutage + 1));  // no loss, no duplicates
  EXPECT_EQ(got[0].value, "before");
  for (int i = 0; i < kDuringOutage; ++i) EXPECT_EQ(got[i + 1].value, "during-" + std::to_string(i));
}

TEST(ProducerTest, FailedDeliveriesAreReportedOnceWithTheFirstError) {
  auto cluster = StartCluster({{"expiring", 1}});
  ASSERT_NE(cluster, nullptr);
  // Down before the producer exists: the messages are never sent, so they expire as "not
  // persisted" (a message that expires in flight can trip librdkafka 2.0.2's idempotence bug #4438).
  ASSERT_TRUE(Succeeded(cluster->SetBrokerDown(1)));
  auto producer = MakeProducer(cluster->bootstrap_servers(), {}, /*delivery_timeout_ms=*/1000);
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Succeeded(producer->Produce(Msg("expiring", "k", "v"), kLong)));
  const auto failed = producer->AwaitDeliveries(kLong);
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.error().retryable());
  EXPECT_EQ(failed.error().category, ErrorCategory::kKafka);
  EXPECT_NE(failed.error().message.find("3 messages not delivered; first: delivery to expiring failed: "),
            std::string::npos)
      << failed.error().message;
  // The failed generation is closed: nothing new is outstanding.
  EXPECT_TRUE(Succeeded(producer->AwaitDeliveries(milliseconds(100))));

  ASSERT_TRUE(Succeeded(cluster->SetBrokerUp(1)));
  ASSERT_TRUE(Succeeded(producer->Produce(Msg("expiring", "k", "after"), kLong)));
  const auto after = producer->AwaitDeliveries(kLong);
  EXPECT_TRUE(after.ok()) << after.error().message;
}

// A sync worker keeps one batch in flight while it prepares the next: each batch's group says
// when that batch, and only it, is acknowledged, and a failure lands in the group it belongs to.
TEST(ProducerTest, DeliveryGroupsAreAcknowledgedAndFailedEachOnTheirOwn) {
  auto cluster = StartCluster({{"grouped", 2}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap_servers(), {}, /*delivery_timeout_ms=*/1500);
  ASSERT_NE(producer, nullptr);
  auto first = std::make_shared<DeliveryGroup>();
  auto second = std::make_shared<DeliveryGroup>();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(Succeeded(producer->Produce(Msg("grouped", "a", "first-" + std::to_string(i)), kLong, first)));
    ASSERT_TRUE(Succeeded(producer->Produce(Msg("grouped", "b", "second-" + std::to_string(i)), kLong, second)));
  }
  EXPECT_EQ(first->enqueued(), 50);
  EXPECT_EQ(second->enqueued(), 50);
  const auto acked = producer->Await(*first, kLong);
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  EXPECT_TRUE(first->complete());
  EXPECT_EQ(first->pending(), 0);
  ASSERT_TRUE(Succeeded(producer->Await(*second, kLong)));
  // The generation of group-less messages saw none of them.
  EXPECT_TRUE(Succeeded(producer->AwaitDeliveries(milliseconds(100))));

  // A group whose messages cannot be delivered fails; one produced after the broker is back
  // does not inherit that failure.
  ASSERT_TRUE(Succeeded(cluster->SetBrokerDown(1)));
  auto doomed = std::make_shared<DeliveryGroup>();
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(Succeeded(producer->Produce(Msg("grouped", "c", "doomed-" + std::to_string(i)), kLong, doomed)));
  EXPECT_FALSE(doomed->complete());
  const auto failed = producer->Await(*doomed, kLong);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().category, ErrorCategory::kKafka);
  EXPECT_NE(failed.error().message.find("3 messages not delivered; first: delivery to grouped failed"),
            std::string::npos)
      << failed.error().message;
  ASSERT_TRUE(Succeeded(cluster->SetBrokerUp(1)));
  auto after = std::make_shared<DeliveryGroup>();
  ASSERT_TRUE(Succeeded(producer->Produce(Msg("grouped", "c", "after"), kLong, after)));
  const auto delivered = producer->Await(*after, kLong);
  EXPECT_TRUE(delivered.ok()) << delivered.error().message;

  const auto got = ReadBack(cluster->bootstrap_servers(), {"grouped"}, 101);
  EXPECT_EQ(got.size(), 101u);  // 50 + 50 + "after"; the doomed three never arrived
}

TEST(ProducerTest, FullLocalQueueAppliesBackPressureUntilTheTimeout) {
  auto cluster = StartCluster({{"pressure", 1}});
  ASSERT_NE(cluster, nullptr);
  auto producer = MakeProducer(cluster->bootstrap_servers(), {{"queue.buffering.max.messages", "5"}});
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(Succeeded(cluster->SetBrokerDown(1)));
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(Succeeded(producer->Produce(Msg("pressure", "k", std::to_string(i)), kLong)));
  const auto full = producer->Produce(Msg("pressure", "k", "5"), milliseconds(300));
  ASSERT_FALSE(full.ok());
  EXPECT_TRUE(full.error().retryable());
  EXPECT_NE(full.error().message.find("queue still full after 300 ms"), std::string::npos)
      << full.error().message;

  // Once the broker is back the queue drains and the same Produce call gets through.
  ASSERT_TRUE(Succeeded(cluster->SetBrokerUp(1)));
  const auto through = producer->Produce(Msg("pressure", "k", "5"), kLong);
  ASSERT_TRUE(through.ok()) << through.error().message;
  ASSERT_TRUE(Succeeded(producer->AwaitDeliveries(kLong)));
  const auto got = ReadBack(cluster->bootstrap_servers(), {"pressure"}, 6);
  ASSERT_EQ(got.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(got[i].value, std::to_string(i));
}

TEST(ProducerTest, FatalIdempotenceErrorMakesTheProducerFailFast) {
  // A mock cluster of our own, to inject an out-of-order-sequence answer to a Produce request:
  // librdkafka 2.0.2 raises that as a fatal idempotence error.
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr), RD_KAFKA_CONF_OK);
  internal::HandlePtr host(rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr));
  ASSERT_NE(host, nullptr) << errstr;
  std::unique_ptr<rd_kafka_mock_cluster_t, void (*)(rd_kafka_mock_cluster_t*)> mcluster(
      rd_kafka_mock_cluster_new(host.get(), 1), &rd_kafka_mock_cluster_destroy);
  ASSERT_NE(mcluster, nullptr);
  ASSERT_EQ(rd_kafka_mock_topic_create(mcluster.get(), "fatal", 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);

  auto producer = MakeProducer(rd_kafka_mock_cluster_bootstraps(mcluster.get()));
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(Succeeded(producer->Produce(Msg("fatal", "k", "1"), kLong)));
  ASSERT_TRUE(Succeeded(producer->AwaitDeliveries(kLong)));
  EXPECT_FALSE(producer->fatal());

  rd_kafka_mock_push_request_errors(mcluster.get(), 0 /* ApiKey Produce */, 1,
                                    RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
  ASSERT_TRUE(Succeeded(producer->Produce(Msg("fatal", "k", "2"), kLong)));
  const auto awaited = producer->AwaitDeliveries(kLong);
  ASSERT_FALSE(awaited.ok());
  EXPECT_TRUE(producer->fatal());
  EXPECT_NE(awaited.error().message.find("fatal error (OUT_OF_ORDER_SEQUENCE_NUMBER"), std::string::npos)
      << awaited.error().message;

  const auto produce = producer->Produce(Msg("fatal", "k", "3"), kLong);
  ASSERT_FALSE(produce.ok());
  EXPECT_NE(produce.error().message.find("recreate it"), std::string::npos) << produce.error().message;
  EXPECT_FALSE(producer->AwaitDeliveries(kLong).ok());
  producer.reset();  // destroy before the cluster it talks to
}

}  // namespace
}  // namespace ats::kafka
