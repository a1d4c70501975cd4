#pragma once
// This replica's part of the cluster (cluster.mode: kafka): a member of the consumer group on
// the state topic, whose partitions (and the connections in them) the group protocol assigns.
// On assignment: a transactional producer per partition (init_transactions fences a zombie
// owner and aborts its open transaction), the local cache restored from the changelog from its
// checkpoint to the end, then the partition's connections start. On revocation: its
// connections stop, the transaction in flight finishes, then the partition goes.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "config/config.hpp"
#include "kafka/group_member.hpp"
#include "pipeline/stager.hpp"
#include "snapshot/snapshot_store.hpp"
#include "state/partition_committer.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/status.hpp"

namespace ats::runtime {

struct ClusterHooks {
  std::function<void(int partition)> start;         // run the partition's connections
  std::function<void(int partition)> request_stop;  // tell them to stop (does not wait)
  std::function<void(int partition)> stop;          // stop them and wait until none runs
};

class Cluster final : public kafka::GroupListener {
 public:
  Cluster(const config::Config& config, std::string bootstrap_servers, snapshot::SnapshotStore& local,
          pipeline::Outbox& publisher, telemetry::Metrics& metrics, telemetry::StatusBoard& status,
          ClusterHooks hooks);
  ~Cluster() override;

  Result<void> Start();  // joins the group; a thread polls it until Stop
  void Stop();           // leaves the group: every partition is revoked (its connections stop)

  int PartitionOf(const std::string& connection) const;
  // The committer of the connection's partition while this replica owns it and has restored it.
  std::shared_ptr<state::PartitionCommitter> Committer(const std::string& connection) const;
  bool Runs(const std::string& connection) const { return Committer(connection) != nullptr; }
  const std::string& state_topic() const { return config_.state_topic; }
  void SetConnectionsOwned(long long count);

  // kafka::GroupListener (the poll thread)
  std::map<int, int64_t> OnAssigned(const std::vector<int>& partitions) override;
  void OnRevoked(const std::vector<int>& partitions, bool lost) override;
  void OnRecords(std::vector<kafka::ChangelogRecord>& records) override;
  void OnEnd(int partition, int64_t offset) override;

 private:
  struct Partition {
    bool restoring = true;
    bool leaving = false;  // being revoked: nothing new starts in it
    std::shared_ptr<state::PartitionCommitter> committer;
    std::chrono::steady_clock::time_point assigned;
    int64_t next_offset = -2;  // where restoring goes on (-2: the beginning)
  };
  void Run();
  Result<std::shared_ptr<state::PartitionCommitter>> MakeCommitter(int partition);
  void Restart(int partition);
  int64_t RestoreStart(int partition);
  void SaveCheckpoint(int partition, int64_t offset);
  // A cache checkpointed longer ago than this restores whole (below Kafka's default
  // delete.retention.ms of 24 h, after which compaction may drop a tombstone).
  static constexpr int64_t kCheckpointMaxAgeS =
      20 * 3600;  // its cache fell behind: stop, restore again, start
  void PublishStatus();

  config::ClusterConfig config_;
  config::KafkaConfig kafka_;
  std::string bootstrap_;
  snapshot::SnapshotStore& local_;
  pipeline::Outbox& publisher_;
  telemetry::Metrics& metrics_;
  telemetry::StatusBoard& status_;
  ClusterHooks hooks_;
  std::unique_ptr<kafka::GroupMember> member_;
  mutable std::mutex mu_;
  std::map<int, Partition> partitions_;
  bool joined_ = false;
  long long rebalances_ = 0;
  long long connections_owned_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace ats::runtime
