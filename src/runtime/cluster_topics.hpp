#pragma once
// The cluster topics at start-up (real Kafka): the state changelog (cluster.state_partitions
// partitions, compacted, min.insync.replicas) and the connections topic (one partition,
// compacted), created when missing (cluster.create_topics) and checked when present; a
// mismatch that breaks the guarantees stops start-up with the command that fixes it.
#include <map>
#include <string>

#include "common/result.hpp"
#include "config/config.hpp"

namespace ats::runtime {

Result<void> EnsureClusterTopics(const config::ClusterConfig& cluster, const std::string& bootstrap_servers,
                                 const std::map<std::string, std::string>& rdkafka);

}  // namespace ats::runtime
