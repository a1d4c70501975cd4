#include "runtime/cluster_topics.hpp"

#include "common/log.hpp"
#include "kafka/admin.hpp"

namespace ats::runtime {

Result<void> EnsureClusterTopics(const config::ClusterConfig& cluster, const std::string& status_topic,
                                 const std::string& bootstrap_servers,
                                 const std::map<std::string, std::string>& rdkafka) {
  const std::map<std::string, std::string> compact = {
      {"cleanup.policy", "compact"}, {"min.insync.replicas", std::to_string(cluster.min_insync_replicas)}};
  // The state topic's partition count is where every connection lives: exactly as configured.
  const std::vector<kafka::TopicRequirement> topics = {
      {{cluster.state_topic, cluster.state_partitions, cluster.replication_factor, compact}, true},
      {{cluster.connections_topic, 1, cluster.replication_factor, compact}, true},
      {{status_topic, 1, cluster.replication_factor, {}}, false}};
  auto problems = kafka::EnsureTopics(bootstrap_servers, topics, rdkafka, cluster.create_topics,
                                      std::chrono::seconds(10));
  if (!problems) {
    // Not asked (no DescribeConfigs right, a cluster that cannot answer it): go on, say so. A
    // missing topic still stops the replica at its first read or write, naming the topic.
    log::Warn("cluster: cannot check the cluster topics' settings; make sure they match cluster.*",
              {{"error", problems.error().message}});
    return Ok();
  }
  if (problems->empty()) return Ok();
  std::string text =
      "cluster topics (cluster.state_topic, cluster.connections_topic) do not fit cluster mode:";
  for (const auto& problem : *problems) text += "\n  - " + problem;
  return Error::Permanent(ErrorCategory::kConfig, text);
}

}  // namespace ats::runtime
