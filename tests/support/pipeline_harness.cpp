#include "support/pipeline_harness.hpp"

#include <utility>

#include "common/json_writer.hpp"
#include "connectors/registry.hpp"

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

void PipelineHarness::StartKafka(std::vector<std::string> consumed) {
  auto cluster = kafka::EmbeddedCluster::Start(1);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  cluster_ = std::move(cluster).value();
  for (const auto* t : {&topics_.candidate_changed, &topics_.job_imported, &topics_.dead_letter})
    ASSERT_TRUE(cluster_->CreateTopic(*t, 4, 1).ok());
  if (consumed.empty()) consumed = {topics_.candidate_changed, topics_.job_imported, topics_.dead_letter};
  auto consumer = kafka::Consumer::Create(cluster_->bootstrap_servers(), consumed);
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
  if (with_source_state_) state_ = std::make_unique<runtime::SnapshotStateStore>(*store_, connection_.id);
  kafka::ProducerOptions producer;
  producer.bootstrap_servers = cluster_->bootstrap_servers();
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
    e.change = JsonField(m.value, "change");
    e.candidate_id = JsonField(m.value, "candidate_id");
    e.job_id = JsonField(m.value, "job_id");
    events.push_back(std::move(e));
  }
  return events;
}

void PipelineHarness::ExpectValid(const std::vector<Event>& events) {
  std::vector<EventForValidation> v;
  for (const auto& e : events) v.push_back({e.ce_type, e.value});
  EXPECT_EQ(ValidateAgainstSchemas(v), "");
}

}  // namespace ats::testing
