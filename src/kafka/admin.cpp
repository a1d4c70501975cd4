#include "kafka/admin.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <memory>
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

}  // namespace

Result<void> CreateTopics(const std::string& bootstrap_servers, const std::vector<TopicSpec>& topics,
                          milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto rk = Connect(bootstrap_servers);
  if (!rk) return rk.error();
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
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk->get()));
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
      rd_kafka_AdminOptions_new(rk->get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), RemainingMs(deadline), errstr.data(),
                                            errstr.size());
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), RemainingMs(deadline), errstr.data(),
                                              errstr.size());
  rd_kafka_CreateTopics(rk->get(), raw.data(), raw.size(), options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(
      rd_kafka_queue_poll(queue.get(), RemainingMs(deadline)));
  if (!event) return AdminError("CreateTopics timed out");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return AdminError(std::string("CreateTopics failed: ") + rd_kafka_event_error_string(event.get()));
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_topic_result_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* why = rd_kafka_topic_result_error_string(results[i]);
      return AdminError(std::string("cannot create topic ") + rd_kafka_topic_result_name(results[i]) + ": " +
                        (why != nullptr ? why : rd_kafka_err2str(rd_kafka_topic_result_error(results[i]))));
    }
  }
  // Created in the controller's log is not yet served: wait for a leader of every partition.
  for (const auto& t : topics) {
    while (true) {
      auto leaders = Leaders(rk->get(), t.name, std::min(RemainingMs(deadline), 2000));
      bool ready = leaders.ok() && static_cast<int>(leaders->size()) == t.partitions;
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

}  // namespace ats::kafka
