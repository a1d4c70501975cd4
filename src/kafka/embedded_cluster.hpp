#pragma once
// librdkafka's mock cluster, in process: a real Kafka-protocol broker on loopback for sandbox
// mode and tests (any Kafka client, kcat included, can connect to bootstrap_servers()).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace ats::kafka {

class EmbeddedCluster {
 public:
  static Result<std::unique_ptr<EmbeddedCluster>> Start(int brokers = 1);
  ~EmbeddedCluster();
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  const std::string& bootstrap_servers() const { return bootstrap_; }
  Result<void> CreateTopic(const std::string& topic, int partitions = 4, int replication_factor = 1);
  // Fault injection for the reliability suite.
  Result<void> SetBrokerDown(int broker_id);
  Result<void> SetBrokerUp(int broker_id);
  // The next requests of Kafka API `api_key` (0 = Produce, 1 = Fetch, 3 = Metadata, ...) each
  // fail with the next error of `errors`, named as librdkafka names them without the
  // RD_KAFKA_RESP_ERR_ prefix ("NOT_LEADER_FOR_PARTITION", "OUT_OF_ORDER_SEQUENCE_NUMBER",
  // "_TRANSPORT" = disconnect). An unknown name is a permanent kConfig error.
  Result<void> PushRequestErrors(int16_t api_key, const std::vector<std::string>& errors);
  // Drops the errors pushed for `api_key` that no request has taken yet.
  void ClearRequestErrors(int16_t api_key);
  // Moves the leadership of one partition to `broker_id` (brokers are numbered from 1).
  Result<void> SetPartitionLeader(const std::string& topic, int partition, int broker_id);
  // Adds `rtt_ms` of latency to every answer of `broker_id` (0 = none).
  Result<void> SetBrokerRtt(int broker_id, int rtt_ms);

 private:
  EmbeddedCluster() = default;
  void* rk_ = nullptr;        // rd_kafka_t* hosting the cluster
  void* mcluster_ = nullptr;  // rd_kafka_mock_cluster_t*
  std::string bootstrap_;
};

}  // namespace ats::kafka
