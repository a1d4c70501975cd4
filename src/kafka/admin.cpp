#include "kafka/admin.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <memory>
#include <sstream>
#include <thread>

#include "kafka/rdkafka_util.hpp"

namespace ats::kafka {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};

Error AdminError(const std::string& what) {
  return Error::Retryable(ErrorCategory::kKafka, "kafka admin: " + what);
}

struct ConfigResourceDeleter {
  void operator()(rd_kafka_ConfigResource_t* r) const { rd_kafka_ConfigResource_destroy(r); }
};

Result<internal::HandlePtr> Connect(const std::string& bootstrap_servers,
                                    const std::map<std::string, std::string>& rdkafka = {}) {
  internal::ConfPtr conf(rd_kafka_conf_new());
  if (auto r = internal::SetConfs(conf.get(), rdkafka, "kafka.rdkafka."); !r) return r.error();
  if (auto r = internal::SetConfs(
          conf.get(), {{"bootstrap.servers", bootstrap_servers}, {"client.id", "ats-admin"}}, "kafka.");
      !r)
    return r.error();
  internal::RouteLogs(conf.get());
  std::array<char, 512> errstr{};
  internal::HandlePtr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr.data(), errstr.size()));
  if (!rk) return AdminError(std::string("cannot create a client: ") + errstr.data());
  static_cast<void>(conf.release());
  return rk;
}

int RemainingMs(Clock::time_point deadline) {
  return static_cast<int>(
      std::max<int64_t>(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count(), 1));
}

// Leaders of `topic` from one metadata request; empty when the topic is unknown (yet).
Result<std::vector<int>> Leaders(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  std::unique_ptr<rd_kafka_topic_t, void (*)(rd_kafka_topic_t*)> rkt(
      rd_kafka_topic_new(rk, topic.c_str(), nullptr), rd_kafka_topic_destroy);
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt.get(), &raw, timeout_ms);
  internal::MetadataPtr metadata(raw);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return AdminError(std::string("no metadata: ") + rd_kafka_err2str(err));
  std::vector<int> leaders;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const auto& mt = metadata->topics[t];
    if (topic != mt.topic || mt.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    leaders.assign(static_cast<size_t>(mt.partition_cnt), -1);
    for (int p = 0; p < mt.partition_cnt; ++p) {
      const auto& mp = mt.partitions[p];
      if (mp.id >= 0 && mp.id < mt.partition_cnt && mp.err == RD_KAFKA_RESP_ERR_NO_ERROR)
        leaders[static_cast<size_t>(mp.id)] = mp.leader;
    }
  }
  return leaders;
}

// CreateTopics on a connected client; with `tolerate_existing`, a topic that exists already (made
// by another client meanwhile) is not an error. Waits for a leader of every partition.
Result<void> CreateOn(rd_kafka_t* rk, const std::vector<TopicSpec>& topics, Clock::time_point deadline,
                      bool tolerate_existing) {
  std::vector<std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  std::array<char, 512> errstr{};
  for (const auto& t : topics) {
    owned.emplace_back(rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor,
                                             errstr.data(), errstr.size()));
    if (!owned.back())
      return Error::Permanent(ErrorCategory::kConfig, "kafka admin: topic " + t.name + ": " + errstr.data());
    for (const auto& [k, v] : t.configs) {
      if (rd_kafka_NewTopic_set_config(owned.back().get(), k.c_str(), v.c_str()) !=
          RD_KAFKA_RESP_ERR_NO_ERROR)
        return Error::Permanent(ErrorCategory::kConfig, "kafka admin: topic " + t.name + ": bad config " + k);
    }
    raw.push_back(owned.back().get());
  }
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk));
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), RemainingMs(deadline), errstr.data(),
                                            errstr.size());
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), RemainingMs(deadline), errstr.data(),
                                              errstr.size());
  rd_kafka_CreateTopics(rk, raw.data(), raw.size(), options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(
      rd_kafka_queue_poll(queue.get(), RemainingMs(deadline)));
  if (!event) return AdminError("CreateTopics timed out");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return AdminError(std::string("CreateTopics failed: ") + rd_kafka_event_error_string(event.get()));
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && tolerate_existing) continue;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* why = rd_kafka_topic_result_error_string(results[i]);
      return AdminError(std::string("cannot create topic ") + rd_kafka_topic_result_name(results[i]) + ": " +
                        (why != nullptr ? why : rd_kafka_err2str(err)));
    }
  }
  // Created in the controller's log is not yet served: wait for a leader of every partition.
  for (const auto& t : topics) {
    while (true) {
      auto leaders = Leaders(rk, t.name, std::min(RemainingMs(deadline), 2000));
      bool ready = leaders.ok() && !leaders->empty() &&
                   (tolerate_existing || static_cast<int>(leaders->size()) == t.partitions);
      if (ready)
        for (int l : *leaders) ready = ready && l >= 0;
      if (ready) break;
      if (Clock::now() >= deadline)
        return AdminError("topic " + t.name + " has no leader for every partition yet");
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  return Ok();
}

}  // namespace

Result<void> CreateTopics(const std::string& bootstrap_servers, const std::vector<TopicSpec>& topics,
                          milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto rk = Connect(bootstrap_servers);
  if (!rk) return rk.error();
  return CreateOn(rk->get(), topics, deadline, false);
}

Result<std::vector<int>> PartitionLeaders(const std::string& bootstrap_servers, const std::string& topic,
                                          milliseconds timeout) {
  auto rk = Connect(bootstrap_servers);
  if (!rk) return rk.error();
  auto leaders = Leaders(rk->get(), topic, static_cast<int>(timeout.count()));
  if (!leaders) return leaders.error();
  if (leaders->empty()) return AdminError("topic " + topic + " is unknown");
  return leaders;
}

Result<std::optional<std::string>> TopicCleanupPolicy(const std::string& bootstrap_servers, const std::string& topic,
                                                      const std::map<std::string, std::string>& rdkafka,
                                                      milliseconds timeout, const std::atomic<bool>* cancel) {
  const auto deadline = Clock::now() + timeout;
  auto rk = Connect(bootstrap_servers, rdkafka);
  if (!rk) return rk.error();
  std::array<char, 512> errstr{};
  std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter> resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk->get()));
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
      rd_kafka_AdminOptions_new(rk->get(), RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), RemainingMs(deadline), errstr.data(),
                                            errstr.size());
  rd_kafka_ConfigResource_t* raw = resource.get();
  rd_kafka_DescribeConfigs(rk->get(), &raw, 1, options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event;
  while (!event && Clock::now() < deadline) {
    if (cancel != nullptr && cancel->load()) return AdminError("DescribeConfigs of topic " + topic + " cancelled");
    event.reset(rd_kafka_queue_poll(queue.get(), std::min(RemainingMs(deadline), 100)));
  }
  if (!event) return AdminError("DescribeConfigs of topic " + topic + " timed out");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return AdminError("DescribeConfigs of topic " + topic + " failed: " + rd_kafka_event_error_string(event.get()));
  const rd_kafka_DescribeConfigs_result_t* result = rd_kafka_event_DescribeConfigs_result(event.get());
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(result, &count);
  if (count != 1) return AdminError("DescribeConfigs of topic " + topic + " answered no resource");
  const rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[0]);
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return std::optional<std::string>();
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* why = rd_kafka_ConfigResource_error_string(resources[0]);
    return AdminError("DescribeConfigs of topic " + topic + ": " + (why != nullptr ? why : rd_kafka_err2str(err)));
  }
  size_t entries = 0;
  const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(resources[0], &entries);
  for (size_t i = 0; i < entries; ++i) {
    const char* name = rd_kafka_ConfigEntry_name(configs[i]);
    const char* value = rd_kafka_ConfigEntry_value(configs[i]);
    if (name != nullptr && std::string_view(name) == "cleanup.policy")
      return std::optional<std::string>(value != nullptr ? value : "");
  }
  return AdminError("DescribeConfigs of topic " + topic + " reported no cleanup.policy");
}

// ---- EnsureTopics ------------------------------------------------------------------------------
namespace {

// What the cluster's metadata says of a topic.
struct TopicShape {
  int partitions = 0;
  int replication_factor = 0;  // the smallest replica count of its partitions
};

// Metadata of `topic`; nullopt when it does not exist. Never creates it: the client asking has
// allow.auto.create.topics=false, and brokers often have auto.create.topics.enable=true.
Result<std::optional<TopicShape>> Shape(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  std::unique_ptr<rd_kafka_topic_t, void (*)(rd_kafka_topic_t*)> rkt(
      rd_kafka_topic_new(rk, topic.c_str(), nullptr), rd_kafka_topic_destroy);
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt.get(), &raw, timeout_ms);
  internal::MetadataPtr metadata(raw);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return AdminError(std::string("no metadata for topic ") + topic + ": " + rd_kafka_err2str(err));
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const auto& mt = metadata->topics[t];
    if (topic != mt.topic) continue;
    if (mt.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return std::optional<TopicShape>();
    if (mt.err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
      return Error::Permanent(ErrorCategory::kConfig,
                              "kafka admin: not allowed to describe topic " + topic +
                                  ": grant this principal Describe on it (docs/operations.md#cluster-mode)");
    if (mt.partition_cnt == 0) return AdminError("topic " + topic + ": " + rd_kafka_err2str(mt.err));
    TopicShape shape{mt.partition_cnt, mt.partitions[0].replica_cnt};
    for (int p = 1; p < mt.partition_cnt; ++p)
      shape.replication_factor = std::min(shape.replication_factor, mt.partitions[p].replica_cnt);
    return std::optional<TopicShape>(shape);
  }
  return std::optional<TopicShape>();
}

// cleanup.policy and min.insync.replicas of each topic (one DescribeConfigs request).
using TopicConfigs = std::map<std::string, std::map<std::string, std::string>>;
Result<TopicConfigs> DescribeTopicConfigs(rd_kafka_t* rk, const std::vector<std::string>& topics,
                                          Clock::time_point deadline) {
  std::array<char, 512> errstr{};
  std::vector<std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter>> owned;
  std::vector<rd_kafka_ConfigResource_t*> raw;
  for (const auto& t : topics) {
    owned.emplace_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
    raw.push_back(owned.back().get());
  }
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk));
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), RemainingMs(deadline), errstr.data(),
                                            errstr.size());
  rd_kafka_DescribeConfigs(rk, raw.data(), raw.size(), options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(
      rd_kafka_queue_poll(queue.get(), RemainingMs(deadline)));
  if (!event) return AdminError("DescribeConfigs timed out");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return AdminError(std::string("DescribeConfigs failed: ") + rd_kafka_event_error_string(event.get()));
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  TopicConfigs out;
  for (size_t i = 0; i < count; ++i) {
    const std::string name = rd_kafka_ConfigResource_name(resources[i]);
    if (const rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[i]);
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* why = rd_kafka_ConfigResource_error_string(resources[i]);
      return AdminError("DescribeConfigs of topic " + name + ": " +
                        (why != nullptr ? why : rd_kafka_err2str(err)));
    }
    size_t entries = 0;
    const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(resources[i], &entries);
    auto& mine = out[name];
    for (size_t e = 0; e < entries; ++e) {
      const char* key = rd_kafka_ConfigEntry_name(configs[e]);
      const char* value = rd_kafka_ConfigEntry_value(configs[e]);
      if (key != nullptr) mine[key] = value != nullptr ? value : "";
    }
  }
  for (const auto& t : topics)
    if (out.find(t) == out.end()) return AdminError("DescribeConfigs answered nothing for topic " + t);
  return out;
}

int ToInt(const std::string& text) {
  try {
    return std::stoi(text);
  } catch (const std::exception&) {
    return 0;
  }
}

// The problems of one existing topic, each with the command that fixes it.
std::vector<std::string> Check(const TopicRequirement& want, const TopicShape& found,
                               const std::map<std::string, std::string>& configs,
                               const std::string& bootstrap) {
  const TopicSpec& spec = want.spec;
  const std::string topics_sh = "kafka-topics.sh --bootstrap-server " + bootstrap;
  const std::string configs_sh = "kafka-configs.sh --bootstrap-server " + bootstrap +
                                 " --alter --entity-type topics --entity-name " + spec.name;
  std::vector<std::string> problems;
  const std::string n = std::to_string(found.partitions), wanted = std::to_string(spec.partitions);
  if (want.exact_partitions && found.partitions != spec.partitions) {
    problems.push_back("topic " + spec.name + " has " + n + " partitions, wanted exactly " + wanted +
                       ": a partition count is fixed once the topic holds data (its records are placed by "
                       "key: for the state topic, a connection's partition); configure " +
                       n + " instead, or delete the topic (" + topics_sh + " --delete --topic " + spec.name +
                       ") and let it be created again, losing what it holds");
  } else if (!want.exact_partitions && found.partitions < spec.partitions) {
    problems.push_back("topic " + spec.name + " has " + n + " partitions, wanted at least " + wanted + ": " +
                       topics_sh + " --alter --topic " + spec.name + " --partitions " + wanted);
  }
  if (found.replication_factor < spec.replication_factor) {
    problems.push_back("topic " + spec.name + " has replication factor " +
                       std::to_string(found.replication_factor) + ", wanted at least " +
                       std::to_string(spec.replication_factor) +
                       ": add replicas with kafka-reassign-partitions.sh --bootstrap-server " + bootstrap +
                       " --execute --reassignment-json-file <plan.json> (a plan listing " +
                       std::to_string(spec.replication_factor) + " brokers per partition)");
  }
  const auto policy_wanted = spec.configs.find("cleanup.policy");
  if (policy_wanted != spec.configs.end() && policy_wanted->second.find("compact") != std::string::npos) {
    const auto it = configs.find("cleanup.policy");
    const std::string policy = it != configs.end() ? it->second : "";
    if (policy.find("compact") == std::string::npos)
      problems.push_back(
          "topic " + spec.name + " has cleanup.policy=" + policy +
          ", wanted compact (its records are state: the latest value per key must never expire): " +
          configs_sh + " --add-config cleanup.policy=compact");
  }
  const auto isr_wanted = spec.configs.find("min.insync.replicas");
  if (isr_wanted != spec.configs.end()) {
    const auto it = configs.find("min.insync.replicas");
    const std::string isr = it != configs.end() ? it->second : "";
    if (ToInt(isr) < ToInt(isr_wanted->second))
      problems.push_back("topic " + spec.name + " has min.insync.replicas=" + isr + ", wanted at least " +
                         isr_wanted->second + " (an acknowledged write must survive a broker's loss): " +
                         configs_sh + " --add-config min.insync.replicas=" + isr_wanted->second);
  }
  return problems;
}

std::string CreateCommand(const TopicSpec& spec, const std::string& bootstrap) {
  std::ostringstream out;
  out << "kafka-topics.sh --bootstrap-server " << bootstrap << " --create --topic " << spec.name
      << " --partitions " << spec.partitions << " --replication-factor " << spec.replication_factor;
  for (const auto& [k, v] : spec.configs) out << " --config " << k << "=" << v;
  return out.str();
}

}  // namespace

Result<std::vector<std::string>> EnsureTopics(const std::string& bootstrap_servers,
                                              const std::vector<TopicRequirement>& topics,
                                              const std::map<std::string, std::string>& rdkafka, bool create,
                                              milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto settings = rdkafka;
  settings["allow.auto.create.topics"] = "false";  // asking about a topic must not create it
  auto rk = Connect(bootstrap_servers, settings);
  if (!rk) return rk.error();
  std::vector<std::string> problems;
  std::vector<TopicSpec> missing;
  for (const auto& t : topics) {
    auto shape = Shape(rk->get(), t.spec.name, std::min(RemainingMs(deadline), 10000));
    if (!shape) return shape.error();
    if (*shape) continue;
    if (create)
      missing.push_back(t.spec);
    else
      problems.push_back("topic " + t.spec.name + " does not exist; create it with " +
                         CreateCommand(t.spec, bootstrap_servers));
  }
  if (!missing.empty())
    if (auto r = CreateOn(rk->get(), missing, deadline, true); !r) return r.error();
  // Every topic that exists now (created just above or not) is checked against its requirement.
  std::vector<std::pair<const TopicRequirement*, TopicShape>> present;
  std::vector<std::string> names;
  for (const auto& t : topics) {
    auto shape = Shape(rk->get(), t.spec.name, std::min(RemainingMs(deadline), 10000));
    if (!shape) return shape.error();
    if (!*shape) continue;  // reported above
    present.emplace_back(&t, **shape);
    names.push_back(t.spec.name);
  }
  if (present.empty()) return problems;
  auto configs = DescribeTopicConfigs(rk->get(), names, deadline);
  if (!configs) return configs.error();
  for (const auto& [want, shape] : present)
    for (auto& p : Check(*want, shape, (*configs)[want->spec.name], bootstrap_servers))
      problems.push_back(std::move(p));
  return problems;
}

}  // namespace ats::kafka
