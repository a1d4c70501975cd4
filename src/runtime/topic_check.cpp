#include "runtime/topic_check.hpp"

#include "common/log.hpp"
#include "kafka/admin.hpp"

namespace ats::runtime {
namespace {

bool Compacted(std::string_view policy) {
  while (!policy.empty()) {
    const size_t comma = policy.find(',');
    std::string_view item = policy.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "compact") return true;
    if (comma == std::string_view::npos) break;
    policy.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::optional<std::string> StateTopicProblem(const std::string& topic,
                                             const std::optional<std::string>& policy,
                                             const std::string& bootstrap_servers) {
  if (policy && Compacted(*policy)) return std::nullopt;
  if (!policy)
    // Missing is worth a warning even where the broker creates topics on first use: such a
    // topic gets the broker's default cleanup.policy (delete), not compaction.
    return "state topic " + topic +
           " does not exist; a topic the broker creates on first use is not compacted. Fix: kafka-topics.sh "
           "--bootstrap-server " +
           bootstrap_servers + " --create --topic " + topic + " --config cleanup.policy=compact";
  return "state topic " + topic + " has cleanup.policy=" + *policy +
         ", not compact: retention deletes the state of records that did not change. Fix: kafka-configs.sh "
         "--bootstrap-server " +
         bootstrap_servers + " --alter --entity-type topics --entity-name " + topic +
         " --add-config cleanup.policy=compact";
}

std::vector<std::string> CheckStateTopics(const config::KafkaConfig& kafka, const std::atomic<bool>* cancel) {
  std::vector<std::string> warnings;
  for (const auto* topic : {&kafka.topics.candidates_state, &kafka.topics.jobs_state}) {
    auto policy = kafka::TopicCleanupPolicy(kafka.bootstrap_servers, *topic, kafka.rdkafka,
                                            std::chrono::seconds(10), cancel);
    if (cancel != nullptr && cancel->load()) break;
    if (!policy) {
      warnings.push_back("cannot check that state topic " + *topic +
                         " is compacted: " + policy.error().message +
                         " (the connector needs DescribeConfigs on the topic for this check)");
      log::Warn("Cannot check a state topic's cleanup.policy.",
                {{"topic", *topic}, {"error", warnings.back()}});
      continue;
    }
    if (auto problem = StateTopicProblem(*topic, *policy, kafka.bootstrap_servers)) {
      warnings.push_back(*problem);
      log::Warn("State topic is not compacted.", {{"topic", *topic}, {"problem", *problem}});
    }
  }
  return warnings;
}

}  // namespace ats::runtime
