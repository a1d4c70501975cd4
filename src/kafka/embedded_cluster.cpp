#include "kafka/embedded_cluster.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <array>
#include <optional>
#include <string_view>

#include "kafka/rdkafka_util.hpp"

namespace ats::kafka {
namespace {

rd_kafka_t* Handle(void* rk) {
  return static_cast<rd_kafka_t*>(rk);
}
rd_kafka_mock_cluster_t* Mock(void* mcluster) {
  return static_cast<rd_kafka_mock_cluster_t*>(mcluster);
}

// "NOT_LEADER_FOR_PARTITION" (or "RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION") -> its code.
std::optional<rd_kafka_resp_err_t> ErrorByName(std::string name) {
  constexpr std::string_view kPrefix = "RD_KAFKA_RESP_ERR_";
  if (name.rfind(kPrefix, 0) == 0) name.erase(0, kPrefix.size());
  const rd_kafka_err_desc* descs = nullptr;
  size_t count = 0;
  rd_kafka_get_err_descs(&descs, &count);
  for (size_t i = 0; i < count; ++i)
    if (descs[i].name != nullptr && name == descs[i].name) return descs[i].code;
  return std::nullopt;
}

Error MockError(const std::string& what, rd_kafka_resp_err_t err) {
  return Error::Permanent(ErrorCategory::kKafka, "embedded kafka: cannot " + what + ": " + rd_kafka_err2str(err));
}

}  // namespace

Result<std::unique_ptr<EmbeddedCluster>> EmbeddedCluster::Start(int brokers) {
  if (brokers < 1) {
    return Error::Permanent(ErrorCategory::kConfig,
                            "kafka.embedded_brokers: must be at least 1, got " + std::to_string(brokers));
  }
  internal::ConfPtr conf(rd_kafka_conf_new());
  if (auto r = internal::SetConf(conf.get(), "client.id", "ats-embedded-cluster", "kafka."); !r)
    return r.error();
  // The host handle never connects anywhere: keep its "no bootstrap.servers" notice out of the log.
  if (auto r = internal::SetConf(conf.get(), "log_level", "4", "kafka."); !r) return r.error();
  internal::RouteLogs(conf.get());
  std::array<char, 512> errstr{};
  // The mock cluster lives in (and is driven by) the threads of this otherwise idle handle.
  internal::HandlePtr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr.data(), errstr.size()));
  if (!rk) {
    return Error::Permanent(ErrorCategory::kKafka,
                            std::string("embedded kafka: cannot create the host client: ") + errstr.data());
  }
  static_cast<void>(conf.release());  // owned by rk now

  rd_kafka_mock_cluster_t* mcluster = rd_kafka_mock_cluster_new(rk.get(), brokers);
  if (mcluster == nullptr) {
    return Error::Permanent(ErrorCategory::kKafka, "embedded kafka: cannot start a mock cluster of " +
                                                       std::to_string(brokers) +
                                                       " brokers (no free loopback port?)");
  }
  std::unique_ptr<EmbeddedCluster> cluster(new EmbeddedCluster());
  cluster->bootstrap_ = rd_kafka_mock_cluster_bootstraps(mcluster);
  cluster->mcluster_ = mcluster;
  cluster->rk_ = rk.release();
  return cluster;
}

EmbeddedCluster::~EmbeddedCluster() {
  if (mcluster_ != nullptr) rd_kafka_mock_cluster_destroy(Mock(mcluster_));
  if (rk_ != nullptr) rd_kafka_destroy(Handle(rk_));
}

Result<void> EmbeddedCluster::CreateTopic(const std::string& topic, int partitions, int replication_factor) {
  // Checked here: the 2.0.2 mock aborts the process on a negative count and accepts zero.
  if (partitions < 1 || replication_factor < 1) {
    return Error::Permanent(ErrorCategory::kConfig, "embedded kafka: topic " + topic +
                                                        " needs at least 1 partition and replica, got " +
                                                        std::to_string(partitions) + " and " +
                                                        std::to_string(replication_factor));
  }
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(Mock(mcluster_), topic.c_str(), partitions, replication_factor);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error::Permanent(ErrorCategory::kKafka, "embedded kafka: cannot create topic " + topic + " (" +
                                                       std::to_string(partitions) + " partitions, rf " +
                                                       std::to_string(replication_factor) +
                                                       "): " + rd_kafka_err2str(err));
  }
  return Ok();
}

Result<void> EmbeddedCluster::SetBrokerDown(int broker_id) {
  const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(Mock(mcluster_), broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error::Permanent(ErrorCategory::kKafka, "embedded kafka: cannot take broker " +
                                                       std::to_string(broker_id) +
                                                       " down: " + rd_kafka_err2str(err));
  }
  return Ok();
}

Result<void> EmbeddedCluster::SetBrokerUp(int broker_id) {
  const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(Mock(mcluster_), broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error::Permanent(
        ErrorCategory::kKafka,
        "embedded kafka: cannot bring broker " + std::to_string(broker_id) + " up: " + rd_kafka_err2str(err));
  }
  return Ok();
}

Result<void> EmbeddedCluster::PushRequestErrors(int16_t api_key, const std::vector<std::string>& errors) {
  std::vector<rd_kafka_resp_err_t> codes;
  for (const auto& name : errors) {
    const auto code = ErrorByName(name);
    if (!code) {
      return Error::Permanent(ErrorCategory::kConfig, "embedded kafka: unknown error name '" + name + "'");
    }
    codes.push_back(*code);
  }
  if (!codes.empty())
    rd_kafka_mock_push_request_errors_array(Mock(mcluster_), api_key, codes.size(), codes.data());
  return Ok();
}

void EmbeddedCluster::ClearRequestErrors(int16_t api_key) {
  rd_kafka_mock_clear_request_errors(Mock(mcluster_), api_key);
}

Result<void> EmbeddedCluster::SetPartitionLeader(const std::string& topic, int partition, int broker_id) {
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_partition_set_leader(Mock(mcluster_), topic.c_str(), partition, broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return MockError("move the leader of " + topic + "/" + std::to_string(partition) + " to broker " +
                         std::to_string(broker_id),
                     err);
  }
  return Ok();
}

Result<void> EmbeddedCluster::SetBrokerRtt(int broker_id, int rtt_ms) {
  const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_rtt(Mock(mcluster_), broker_id, rtt_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return MockError("set the rtt of broker " + std::to_string(broker_id), err);
  return Ok();
}

}  // namespace ats::kafka
