#pragma once
// librdkafka's mock cluster, in process: a real Kafka-protocol broker on loopback for sandbox
// mode and tests (any Kafka client, kcat included, can connect to bootstrap_servers()).
#include <memory>
#include <string>

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

 private:
  EmbeddedCluster() = default;
  void* rk_ = nullptr;        // rd_kafka_t* hosting the cluster
  void* mcluster_ = nullptr;  // rd_kafka_mock_cluster_t*
  std::string bootstrap_;
};

}  // namespace ats::kafka
