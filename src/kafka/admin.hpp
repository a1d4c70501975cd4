#pragma once
// Administration of a real cluster: for tests and tools that run against one (the kafka-real
// tier, scripts/kafka-cluster.sh), creating topics and reading who leads each partition; for the
// connector's start-up checks, reading a topic's cleanup.policy and, in cluster mode, creating
// the cluster topics or checking their settings (EnsureTopics). In single mode the connector
// never creates topics.
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace ats::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 4;
  int replication_factor = 1;
  std::map<std::string, std::string> configs;  // e.g. {"min.insync.replicas", "2"}
};

// Creates the topics (CreateTopics, validated by the controller) and waits until the cluster's
// metadata shows every partition of each with a leader. A topic that exists already is an error.
Result<void> CreateTopics(const std::string& bootstrap_servers, const std::vector<TopicSpec>& topics,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

// The broker id leading each partition of `topic` (index = partition; -1 = no leader now).
Result<std::vector<int>> PartitionLeaders(const std::string& bootstrap_servers, const std::string& topic,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A topic's cleanup.policy as the cluster reports it (DescribeConfigs), e.g. "compact",
// "compact,delete" or "delete"; nullopt when the topic does not exist. `rdkafka`: the client
// settings to connect with (security.protocol, sasl.*, ssl.*: kafka.rdkafka). `cancel`, when
// given, ends the wait early (an error) once it is set.
Result<std::optional<std::string>> TopicCleanupPolicy(const std::string& bootstrap_servers, const std::string& topic,
                                                      const std::map<std::string, std::string>& rdkafka = {},
                                                      std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                                      const std::atomic<bool>* cancel = nullptr);

// Creates every missing topic of `specs` (when create) and checks the existing ones: partition
// count (== spec when exact_partitions, else >=), replication factor >= spec, cleanup.policy
// containing "compact" when the spec's configs say compact, min.insync.replicas >= spec.
// Returns one problem text per mismatch (topic, found, wanted, and the kafka-topics.sh /
// kafka-configs.sh command that fixes it); an error only if the cluster could not be asked.
// A topic another client creates at the same moment (a replica starting beside this one) counts
// as existing and is checked like any other. Needs a real cluster: librdkafka's mock cluster
// cannot answer DescribeConfigs.
struct TopicRequirement {
  TopicSpec spec;
  bool exact_partitions = false;
};
Result<std::vector<std::string>> EnsureTopics(const std::string& bootstrap_servers,
                                              const std::vector<TopicRequirement>& topics,
                                              const std::map<std::string, std::string>& rdkafka, bool create,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace ats::kafka
