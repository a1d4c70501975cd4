#pragma once
// Membership of the replicas' consumer group on the state (changelog) topic (cluster mode): the
// group protocol (cooperative-sticky) assigns the topic's partitions, and with them the
// connections that live there; the same consumer reads an assigned partition's changelog to
// restore it. Offsets are never committed to the group: where a replica starts reading is its
// local checkpoint (state/restore), so a replica without a local cache reads from the start.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace ats::kafka {

struct GroupOptions {
  std::string bootstrap_servers;
  std::string client_id = "ats-connector";
  std::string group_id;
  std::string topic;
  int session_timeout_ms = 10000;
  std::map<std::string, std::string> rdkafka;  // passthrough (security settings)
};

struct ChangelogRecord {
  int partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  bool null_value = false;  // a tombstone
};

// Called on the thread that calls GroupMember::Poll.
class GroupListener {
 public:
  virtual ~GroupListener() = default;
  // Partitions newly assigned to this replica. Returns where to start reading each (an offset,
  // or -2 for the beginning); a partition left out is not assigned (the call failed: it is
  // retried at the next rebalance).
  virtual std::map<int, int64_t> OnAssigned(const std::vector<int>& partitions) = 0;
  // Partitions leaving this replica; returns once nothing of theirs runs any more. `lost`: the
  // group already gave them to another member (session timed out), which may be running them.
  virtual void OnRevoked(const std::vector<int>& partitions, bool lost) = 0;
  virtual void OnRecords(std::vector<ChangelogRecord>& records) = 0;
  // A partition's reader reached the end of what the topic holds (read_committed).
  virtual void OnEnd(int partition, int64_t offset) = 0;
};

class GroupMember {
 public:
  static Result<std::unique_ptr<GroupMember>> Join(const GroupOptions& options, GroupListener& listener);
  virtual ~GroupMember() = default;
  // Drives the group protocol and delivers records (up to `max_records`), waiting up to `timeout`.
  virtual Result<void> Poll(std::chrono::milliseconds timeout, size_t max_records = 2000) = 0;
  // Stops reading a partition (restored: the owner is its only writer) / reads it again from `offset`.
  virtual void Pause(int partition) = 0;
  virtual void Seek(int partition, int64_t offset) = 0;
  // The partition's end offset as last fetched (-1 if not known yet).
  virtual int64_t EndOffset(int partition) const = 0;
  // The partition's end offset as the leader says now (-1 if it did not answer in `timeout`).
  virtual int64_t QueryEndOffset(int partition, std::chrono::milliseconds timeout) const = 0;
  // Leaves the group: revokes every partition (through the listener) first.
  virtual void Leave() = 0;
  virtual std::string member_id() const = 0;
  virtual int32_t generation() const = 0;
};

}  // namespace ats::kafka
