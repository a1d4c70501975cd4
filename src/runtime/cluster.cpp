#include "runtime/cluster.hpp"

#include <charconv>
#include <set>

#include "common/log.hpp"
#include "kafka/transactional_producer.hpp"
#include "runtime/connection_task.hpp"
#include "state/changelog.hpp"
#include "state/partitioning.hpp"

namespace ats::runtime {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Cluster::Cluster(const config::Config& config, std::string bootstrap_servers, snapshot::SnapshotStore& local,
                 pipeline::Outbox& publisher, telemetry::Metrics& metrics, telemetry::StatusBoard& status,
                 ClusterHooks hooks)
    : config_(config.cluster),
      kafka_(config.kafka),
      bootstrap_(std::move(bootstrap_servers)),
      local_(local),
      publisher_(publisher),
      metrics_(metrics),
      status_(status),
      hooks_(std::move(hooks)) {}

Cluster::~Cluster() {
  Stop();
}

Result<void> Cluster::Start() {
  kafka::GroupOptions options;
  options.bootstrap_servers = bootstrap_;
  options.client_id = kafka_.client_id;
  options.group_id = config_.group_id;
  options.topic = config_.state_topic;
  options.session_timeout_ms = config_.session_timeout_s * 1000;
  options.rdkafka = kafka_.rdkafka;
  auto member = kafka::GroupMember::Join(options, *this);
  if (!member) return member.error();
  member_ = std::move(member).value();
  metrics_.ClusterStatePartitions().Set(config_.state_partitions);
  PublishStatus();
  thread_ = std::thread([this] { Run(); });
  log::Info(
      "Cluster mode: joining the replicas' group.",
      {{"group_id", config_.group_id}, {"state_topic", config_.state_topic}, {"delivery", config_.delivery}});
  return Ok();
}

void Cluster::Stop() {
  if (stopping_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  // Leaving revokes every partition through OnRevoked (their connections stop first).
  if (member_) member_->Leave();
  member_.reset();
}

void Cluster::Run() {
  while (!stopping_.load()) {
    if (auto polled = member_->Poll(milliseconds(200)); !polled) {
      log::Error("cluster: polling the group failed", {{"error", polled.error().message}});
      std::this_thread::sleep_for(milliseconds(500));
    }
    std::vector<int> stale;
    {
      std::lock_guard lock(mu_);
      for (const auto& [p, partition] : partitions_)
        if (!partition.restoring && partition.committer && partition.committer->stale()) stale.push_back(p);
    }
    for (int p : stale) Restart(p);
    PublishStatus();
  }
}

int Cluster::PartitionOf(const std::string& connection) const {
  return state::PartitionOf(connection, config_.state_partitions);
}

std::shared_ptr<state::PartitionCommitter> Cluster::Committer(const std::string& connection) const {
  std::lock_guard lock(mu_);
  auto it = partitions_.find(PartitionOf(connection));
  if (it == partitions_.end() || it->second.restoring || it->second.leaving) return nullptr;
  return it->second.committer;
}

void Cluster::SetConnectionsOwned(long long count) {
  {
    std::lock_guard lock(mu_);
    connections_owned_ = count;
  }
  metrics_.ClusterConnectionsOwned().Set(static_cast<double>(count));
}

Result<std::shared_ptr<state::PartitionCommitter>> Cluster::MakeCommitter(int partition) {
  state::CommitterOptions options;
  options.partition = partition;
  options.commit_interval = milliseconds(config_.commit_interval_ms);
  options.transaction_timeout = milliseconds(60000);
  if (!config_.exactly_once())
    return std::make_shared<state::PartitionCommitter>(publisher_, options, metrics_);
  kafka::TransactionalOptions txn;
  txn.producer.bootstrap_servers = bootstrap_;
  txn.producer.client_id = kafka_.client_id + "-state-" + std::to_string(partition);
  txn.producer.delivery_timeout_ms = kafka_.delivery_timeout_s * 1000;
  txn.producer.rdkafka = kafka_.rdkafka;
  txn.transactional_id = config_.group_id + "-state-" + std::to_string(partition);
  txn.transaction_timeout_ms = 60000;
  auto producer = kafka::TransactionalProducer::Create(txn);
  if (!producer) return producer.error();
  // Fences every older producer of this id (a previous owner, alive or not) and aborts its open
  // transaction, so nothing it had in flight ever becomes visible and the restore below reads
  // a settled partition.
  if (auto init = (*producer)->Init(milliseconds(30000)); !init) return init.error;
  return std::make_shared<state::PartitionCommitter>(std::move(producer).value(), options, metrics_);
}

std::map<int, int64_t> Cluster::OnAssigned(const std::vector<int>& partitions) {
  std::map<int, int64_t> starts;
  for (int p : partitions) {
    std::shared_ptr<state::PartitionCommitter> committer;
    for (int attempt = 0; !stopping_.load(); ++attempt) {
      auto made = MakeCommitter(p);
      if (made) {
        committer = std::move(made).value();
        break;
      }
      log::Warn("cluster: cannot take partition yet; retrying",
                {{"partition", p}, {"attempt", attempt + 1}, {"error", made.error().message}});
      std::this_thread::sleep_for(std::chrono::seconds(2));
    }
    if (!committer) continue;  // stopping
    const int64_t start = RestoreStart(p);
    Partition partition;
    partition.committer = std::move(committer);
    partition.assigned = Clock::now();
    partition.next_offset = start;
    {
      std::lock_guard lock(mu_);
      partitions_[p] = std::move(partition);
    }
    starts[p] = start;
    log::Info("cluster: partition assigned; restoring its state",
              {{"partition", p}, {"from_offset", static_cast<long long>(start)}});
  }
  metrics_.ClusterRebalances("assigned").Increment(static_cast<double>(starts.size()));
  {
    std::lock_guard lock(mu_);
    joined_ = true;
    ++rebalances_;
  }
  PublishStatus();
  return starts;
}

void Cluster::OnRevoked(const std::vector<int>& partitions, bool lost) {
  for (int p : partitions) {
    std::shared_ptr<state::PartitionCommitter> committer;
    bool running = false;
    {
      std::lock_guard lock(mu_);
      auto it = partitions_.find(p);
      if (it == partitions_.end()) continue;
      committer = it->second.committer;
      running = !it->second.restoring;
      // From here on nothing starts in it (Runs() is false): a definition applied meanwhile
      // must not add a connection after its partition's connections were stopped.
      it->second.leaving = true;
    }
    if (running) hooks_.request_stop(p);
    // The transaction in flight finishes (or fails: fenced when lost); the stages waiting fail
    // and their workers, told to stop, give up.
    if (committer) committer->Close();
    if (running) hooks_.stop(p);
    // Handed over cleanly: the cache holds every record up to the end (this replica was the
    // partition's only writer), so a later assignment restores only what others write after.
    if (running && !lost && committer && !committer->stale() && !committer->fenced())
      if (const int64_t end = member_->QueryEndOffset(p, milliseconds(5000)); end >= 0) {
        SaveCheckpoint(p, end);
      }
    {
      std::lock_guard lock(mu_);
      partitions_.erase(p);
    }
    log::Info(
        lost ? "cluster: partition lost (another replica may own it already)" : "cluster: partition revoked",
        {{"partition", p}});
  }
  metrics_.ClusterRebalances(lost ? "lost" : "revoked").Increment(static_cast<double>(partitions.size()));
  {
    std::lock_guard lock(mu_);
    ++rebalances_;
  }
  PublishStatus();
}

void Cluster::OnRecords(std::vector<kafka::ChangelogRecord>& records) {
  std::map<int, std::vector<kafka::ChangelogRecord>> by_partition;
  for (auto& record : records) by_partition[record.partition].push_back(std::move(record));
  for (auto& [p, list] : by_partition) {
    {
      std::lock_guard lock(mu_);
      auto it = partitions_.find(p);
      // An owner that restored its partition is its only writer: what it reads back is older
      // than its cache (the reader is paused; a fetch already under way may still arrive).
      if (it == partitions_.end() || !it->second.restoring) continue;
    }
    size_t skipped = 0;
    snapshot::Batch batch = state::RestoreBatch(list, skipped);
    const int64_t next = list.back().offset + 1;
    batch.PutMeta(state::CheckpointKey(config_.state_topic, p), std::to_string(next));
    if (skipped > 0)
      log::Warn("cluster: changelog records skipped (undecodable)", {{"partition", p}, {"records", skipped}});
    if (auto applied = local_.Commit(batch); !applied) {
      int64_t from = -2;
      {
        std::lock_guard lock(mu_);
        from = partitions_[p].next_offset;
      }
      log::Error("cluster: cannot apply restored records; reading them again",
                 {{"partition", p}, {"error", applied.error().message}});
      std::this_thread::sleep_for(std::chrono::seconds(1));
      member_->Seek(p, from);
      continue;
    }
    std::lock_guard lock(mu_);
    partitions_[p].next_offset = next;
  }
  long long lag = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& [p, partition] : partitions_) {
      if (!partition.restoring) continue;
      const int64_t end = member_->EndOffset(p);
      if (end >= 0) lag += std::max<int64_t>(0, end - std::max<int64_t>(0, partition.next_offset));
    }
  }
  metrics_.ClusterRestoreLag().Set(static_cast<double>(lag));
}

void Cluster::OnEnd(int p, int64_t offset) {
  std::chrono::duration<double> took{};
  {
    std::lock_guard lock(mu_);
    auto it = partitions_.find(p);
    if (it == partitions_.end() || !it->second.restoring) return;
    took = Clock::now() - it->second.assigned;
  }
  SaveCheckpoint(p, offset);
  member_->Pause(p);
  {
    std::lock_guard lock(mu_);
    auto& partition = partitions_[p];
    partition.restoring = false;
    partition.next_offset = offset;
  }
  metrics_.ClusterRestoreDuration().Observe(took.count());
  log::Info("cluster: partition restored; its connections start",
            {{"partition", p}, {"offset", static_cast<long long>(offset)}, {"seconds", took.count()}});
  PublishStatus();
  hooks_.start(p);
}

// Where restoring partition `p` starts: its checkpoint, unless the cache's copy of it may be too
// old to catch up safely (compaction drops a tombstone after the topic's delete.retention.ms,
// 24 h by default; a cache older than that could keep a record the changelog deleted): then the
// partition's connections are dropped from the cache and it is restored from the beginning.
int64_t Cluster::RestoreStart(int p) {
  const std::string key = state::CheckpointKey(config_.state_topic, p);
  const auto read = [&](const std::string& name) -> int64_t {
    auto stored = local_.GetMeta(name);
    int64_t value = -1;
    if (!stored || !stored->has_value()) return -1;
    const auto& text = **stored;
    if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc()) return -1;
    return value;
  };
  const int64_t offset = read(key), at = read(key + "/at");
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  if (offset >= 0 && at > 0 && now - at <= kCheckpointMaxAgeS) return offset;
  // No checkpoint, or too old: whatever the cache holds of p's connections goes.
  std::set<std::string> ids;
  for (const auto root : kConnectionMetaRoots) {
    (void)local_.ForEachMeta(root, [&](std::string_view meta, std::string_view) {
      meta.remove_prefix(root.size());
      const auto id = std::string(meta.substr(0, meta.find('/')));
      if (!id.empty() && PartitionOf(id) == p) ids.insert(id);
      return true;
    });
  }
  if (!ids.empty()) {
    const auto ranges = RangesOf({ids.begin(), ids.end()});
    if (auto wiped = local_.DeleteRanges(ranges.connections, ranges.meta_prefixes); !wiped)
      log::Warn("cluster: cannot drop a partition's old cache",
                {{"partition", p}, {"error", wiped.error().message}});
    else
      log::Info("cluster: no recent checkpoint of the partition; its cache is dropped and restored whole",
                {{"partition", p}, {"connections", ids.size()}});
  }
  return -2;  // RD_KAFKA_OFFSET_BEGINNING
}

// The checkpoint of `p` at `offset`, stamped with the time (RestoreStart).
void Cluster::SaveCheckpoint(int p, int64_t offset) {
  const std::string key = state::CheckpointKey(config_.state_topic, p);
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  snapshot::Batch batch;
  batch.PutMeta(key, std::to_string(offset));
  batch.PutMeta(key + "/at", std::to_string(now));
  if (auto saved = local_.Commit(batch); !saved)
    log::Warn("cluster: cannot save the restore checkpoint",
              {{"partition", p}, {"error", saved.error().message}});
}

void Cluster::Restart(int p) {
  log::Warn("cluster: restoring a partition again", {{"partition", p}});
  OnRevoked({p}, false);
  auto starts = OnAssigned({p});
  if (auto it = starts.find(p); it != starts.end()) member_->Seek(p, it->second);
}

void Cluster::PublishStatus() {
  telemetry::ClusterStatus s;
  s.mode = "kafka";
  s.group_id = config_.group_id;
  s.member_id = member_ ? member_->member_id() : "";
  {
    std::lock_guard lock(mu_);
    s.joined = joined_;
    s.rebalances = rebalances_;
    for (const auto& [p, partition] : partitions_) {
      s.owned.push_back(p);
      if (partition.restoring) s.restoring.push_back(p);
    }
    s.connections_owned = connections_owned_;
  }
  metrics_.ClusterPartitionsOwned().Set(static_cast<double>(s.owned.size()));
  metrics_.ClusterPartitionsRestoring().Set(static_cast<double>(s.restoring.size()));
  if (s.restoring.empty()) metrics_.ClusterRestoreLag().Set(0);
  status_.SetCluster(std::move(s));
}

}  // namespace ats::runtime
