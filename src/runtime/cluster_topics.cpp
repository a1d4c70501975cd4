#include "runtime/cluster_topics.hpp"

#include "common/log.hpp"
#include "kafka/admin.hpp"

namespace ats::runtime {

Result<void> EnsureClusterTopics(const config::ClusterConfig& cluster, const std::string& bootstrap_servers,
                                 const std::map<std::string, std::string>& rdkafka) {
  (void)rdkafka;
  const std::map<std::string, std::string> compact = {
      {"cleanup.policy", "compact"}, {"min.insync.replicas", std::to_string(cluster.min_insync_replicas)}};
  for (const auto& spec :
       {kafka::TopicSpec{cluster.state_topic, cluster.state_partitions, cluster.replication_factor, compact},
        kafka::TopicSpec{cluster.connections_topic, 1, cluster.replication_factor, compact}}) {
    if (!cluster.create_topics) continue;
    auto created = kafka::CreateTopics(bootstrap_servers, {spec});
    if (created) {
      log::Info("cluster: topic created", {{"topic", spec.name},
                                           {"partitions", spec.partitions},
                                           {"replication_factor", spec.replication_factor}});
      continue;
    }
    if (created.error().message.find("already exists") == std::string::npos &&
        created.error().message.find("ALREADY_EXISTS") == std::string::npos)
      return created.error();
  }
  return Ok();
}

}  // namespace ats::runtime
