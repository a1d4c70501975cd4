#include "support/pipeline_harness.hpp"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <utility>

#include "common/json_writer.hpp"
#include "connectors/registry.hpp"
#include "kafka/admin.hpp"

namespace ats::testing {

std::string JsonField(const std::string& json, const std::string& name) {
  const std::string needle = "\"" + name + "\":";
  auto pos = json.find(needle);
  if (pos == std::string::npos) return "";
  pos += needle.size();
  if (json[pos] != '"') return json.substr(pos, json.find_first_of(",}", pos) - pos);
  std::string out;
  auto end = pos + 1;
  while (end < json.size() && !(json[end] == '"' && json[end - 1] != '\\')) ++end;
  DecodeJsonString(json.substr(pos, end - pos + 1), out);
  return out;
}

config::ConnectionConfig WorkableConnection(const std::string& id, const std::string& base_url,
                                            const std::string& api_token) {
  config::ConnectionConfig c;
  c.id = id;
  c.source = "workable";
  c.workable.subdomain = "sandbox";
  c.workable.api_token = api_token;
  c.workable.base_url = base_url;
  c.workable.allow_insecure_http = true;
  c.workable.rate_limit = {0, 10};
  return c;
}

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// The real cluster's directory (scripts/kafka-cluster.sh --dir), "" when not given.
std::string RealKafkaDir() {
  return Env("ATS_TEST_KAFKA_DIR");
}

std::string RealBootstrap() {
  if (auto b = Env("ATS_TEST_KAFKA_BOOTSTRAP"); !b.empty()) return b;
  if (RealKafkaDir().empty()) return "";
  std::ifstream in(RealKafkaDir() + "/bootstrap.txt");
  std::string line;
  std::getline(in, line);
  return line;
}

// Runs scripts/kafka-cluster.sh with `args` on the cluster of ATS_TEST_KAFKA_DIR; true on exit 0.
bool ClusterScript(const std::string& args) {
  const std::string cmd = std::string("bash '") + ATS_SOURCE_DIR + "/scripts/kafka-cluster.sh' " + args +
                          " --dir '" + RealKafkaDir() + "' >&2";
  return std::system(cmd.c_str()) == 0;
}

// A topic-name suffix no other test (nor an earlier run on the same cluster) uses.
std::string UniqueSuffix() {
  static std::atomic<int> counter{0};
  std::string name = "t";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) name = info->name();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  return name.substr(0, 120) + "." + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) +
         "-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000007);
}

}  // namespace

bool PipelineHarness::RealKafka() {
  return !RealBootstrap().empty();
}

std::string PipelineHarness::bootstrap() const {
  return cluster_ ? cluster_->bootstrap_servers() : RealBootstrap();
}

void PipelineHarness::TearDown() {
  CloseWorker();
  consumer_.reset();
  if (real_broker_down_) KafkaUp();  // a failed test must not leave the shared broker down
}

void PipelineHarness::KafkaDown() {
  if (!RealKafka()) {
    ASSERT_TRUE(cluster_->SetBrokerDown(1).ok());
    return;
  }
  ASSERT_FALSE(RealKafkaDir().empty()) << "stopping a broker needs ATS_TEST_KAFKA_DIR";
  real_broker_down_ = true;
  ASSERT_TRUE(ClusterScript("kill-node 1 --signal TERM"));
}

void PipelineHarness::KafkaUp() {
  if (!RealKafka()) {
    ASSERT_TRUE(cluster_->SetBrokerUp(1).ok());
    return;
  }
  ASSERT_TRUE(ClusterScript("start-node 1"));
  real_broker_down_ = false;
}

void PipelineHarness::StartKafka(std::vector<std::string> consumed) {
  const bool real = RealKafka();
  if (real) {
    // Unique names; a test's `consumed` list names the default topics, mapped here.
    const config::TopicsConfig defaults;
    const std::string suffix = UniqueSuffix();
    for (auto& c : consumed) {
      if (c == defaults.candidate_changed) c = defaults.candidate_changed + "." + suffix;
      if (c == defaults.job_imported) c = defaults.job_imported + "." + suffix;
      if (c == defaults.job_changed) c = defaults.job_changed + "." + suffix;
      if (c == defaults.dead_letter) c = defaults.dead_letter + "." + suffix;
      if (c == defaults.candidates_state) c = defaults.candidates_state + "." + suffix;
      if (c == defaults.jobs_state) c = defaults.jobs_state + "." + suffix;
    }
    topics_.candidate_changed = defaults.candidate_changed + "." + suffix;
    topics_.job_imported = defaults.job_imported + "." + suffix;
    topics_.job_changed = defaults.job_changed + "." + suffix;
    topics_.dead_letter = defaults.dead_letter + "." + suffix;
    topics_.candidates_state = defaults.candidates_state + "." + suffix;
    topics_.jobs_state = defaults.jobs_state + "." + suffix;
    std::vector<kafka::TopicSpec> specs;
    for (const auto* t : {&topics_.candidate_changed, &topics_.job_imported, &topics_.job_changed, &topics_.dead_letter})
      specs.push_back({*t, 4, 1, {}});
    for (const auto* t : {&topics_.candidates_state, &topics_.jobs_state})
      specs.push_back({*t, 4, 1, {{"cleanup.policy", "compact"}}});
    auto created = kafka::CreateTopics(bootstrap(), specs);
    ASSERT_TRUE(created.ok()) << created.error().message;
  } else {
    auto cluster = kafka::EmbeddedCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.error().message;
    cluster_ = std::move(cluster).value();
    for (const auto* t : {&topics_.candidate_changed, &topics_.job_imported, &topics_.job_changed,
                          &topics_.dead_letter, &topics_.candidates_state, &topics_.jobs_state})
      ASSERT_TRUE(cluster_->CreateTopic(*t, 4, 1).ok());
  }
  if (consumed.empty()) consumed = {topics_.candidate_changed, topics_.job_imported, topics_.job_changed, topics_.dead_letter};
  auto consumer = kafka::Consumer::Create(bootstrap(), consumed);
  ASSERT_TRUE(consumer.ok()) << consumer.error().message;
  consumer_ = std::move(consumer).value();
}

void PipelineHarness::CloseWorker() {
  worker_.reset();
  publisher_.reset();
  state_.reset();
  store_.reset();
}

void PipelineHarness::OpenWorker(int delivery_timeout_ms) {
  CloseWorker();
  auto store = snapshot::OpenRocksDbStore(dir_.File("snapshot"));
  ASSERT_TRUE(store.ok()) << store.error().message;
  store_ = std::move(store).value();
  if (with_source_state_)
    state_ = std::make_unique<runtime::SnapshotStateStore>(*store_, connection_.id, state_keyring_);
  kafka::ProducerOptions producer;
  producer.bootstrap_servers = bootstrap();
  producer.delivery_timeout_ms = delivery_timeout_ms;
  publisher_ = std::make_unique<runtime::Publisher>(producer, metrics_);
  ASSERT_TRUE(publisher_->Start().ok());
  auto source = connectors::CreateSource(connection_, {state_.get()});
  ASSERT_TRUE(source.ok()) << source.error().message;
  worker_ = std::make_unique<runtime::SyncWorker>(
      connection_, std::move(source).value(),
      runtime::WorkerDeps{*store_, *publisher_, metrics_, status_, stop_, topics_});
}

std::vector<Event> PipelineHarness::Consume(std::chrono::milliseconds idle, std::chrono::milliseconds max_wait) {
  auto drained = consumer_->Drain(idle, max_wait);
  EXPECT_TRUE(drained.ok());
  std::vector<Event> events;
  if (!drained.ok()) return events;
  for (auto& m : *drained) {
    Event e;
    e.topic = m.topic;
    e.key = m.key;
    e.headers = m.headers;
    e.ce_type = m.headers["ce_type"];
    e.ce_id = m.headers["ce_id"];
    e.value = m.value;
    e.null_value = m.null_value;
    e.change = JsonField(m.value, "change");
    e.candidate_id = JsonField(m.value, "candidate_id");
    e.job_id = JsonField(m.value, "job_id");
    events.push_back(std::move(e));
  }
  return events;
}

void PipelineHarness::ExpectValid(const std::vector<Event>& events) const {
  std::vector<EventForValidation> v;
  for (const auto& e : events) {
    if (e.null_value) continue;  // a state topic's tombstone: nothing to validate
    // State records are no events (no ce_type); their schemas are named the same way.
    std::string type = e.ce_type;
    if (e.topic == topics_.candidates_state) type = "com.ats-connector.candidate-state.v1";
    if (e.topic == topics_.jobs_state) type = "com.ats-connector.job-state.v1";
    v.push_back({type, e.value});
  }
  EXPECT_EQ(ValidateAgainstSchemas(v), "");
}

}  // namespace ats::testing
