#pragma once
// The start-up check of the current-state topics on a real cluster: they must be compacted
// (cleanup.policy containing "compact"), or retention deletes the state of records that did not
// change for retention.ms and a table built from the topic loses them. The connector does not
// create or alter topics; it warns, naming the topic and the command that fixes it.
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ats::runtime {

// What is wrong with state topic `topic` whose cleanup.policy is `policy` (nullopt: the topic
// does not exist), with the fix; nullopt when it is compacted.
std::optional<std::string> StateTopicProblem(const std::string& topic,
                                             const std::optional<std::string>& policy,
                                             const std::string& bootstrap_servers);

// Describes the state topics of `kafka` (DescribeConfigs) and logs one warning per problem,
// or one saying why they could not be checked. Returns the warnings' texts. Runs beside the
// service (a cluster that does not answer DescribeConfigs takes its timeout); `cancel` ends it.
std::vector<std::string> CheckStateTopics(const config::KafkaConfig& kafka,
                                          const std::atomic<bool>* cancel = nullptr);

}  // namespace ats::runtime
