#include "kafka/group_member.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <atomic>

#include "common/log.hpp"
#include "kafka/rdkafka_util.hpp"

namespace ats::kafka {
namespace {

using internal::ConfPtr;
using internal::HandlePtr;
using internal::MessagePtr;
using internal::PartitionListPtr;
using std::chrono::milliseconds;

struct ErrorDeleter {
  void operator()(rd_kafka_error_t* e) const { rd_kafka_error_destroy(e); }
};
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;

std::vector<int> Partitions(const rd_kafka_topic_partition_list_t* list) {
  std::vector<int> out;
  for (int i = 0; i < list->cnt; ++i) out.push_back(list->elems[i].partition);
  std::sort(out.begin(), out.end());
  return out;
}

class RdKafkaGroupMember final : public GroupMember {
 public:
  explicit RdKafkaGroupMember(GroupListener& listener) : listener_(listener) {}
  ~RdKafkaGroupMember() override { Leave(); }

  Result<void> Setup(const GroupOptions& options) {
    topic_ = options.topic;
    ConfPtr conf(rd_kafka_conf_new());
    const int session = options.session_timeout_ms;
    const std::map<std::string, std::string> fixed = {
        {"bootstrap.servers", options.bootstrap_servers},
        {"client.id", options.client_id},
        {"group.id", options.group_id},
        {"partition.assignment.strategy", "cooperative-sticky"},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
        {"isolation.level", "read_committed"},
        {"enable.partition.eof", "true"},
        {"session.timeout.ms", std::to_string(session)},
        {"heartbeat.interval.ms", std::to_string(std::max(500, session / 3))},
        {"max.poll.interval.ms", "300000"},
    };
    if (auto r = internal::SetConfs(conf.get(), fixed, "cluster."); !r) return r;
    std::map<std::string, std::string> passthrough;
    // Only the connection settings of kafka.rdkafka apply to the consumer (security, sockets).
    for (const auto& [key, value] : options.rdkafka)
      if (key.starts_with("security.") || key.starts_with("sasl.") || key.starts_with("ssl.") ||
          key.starts_with("socket.") || key == "client.dns.lookup" || key.starts_with("broker."))
        passthrough.emplace(key, value);
    if (auto r = internal::SetConfs(conf.get(), passthrough, "kafka.rdkafka."); !r) return r;
    rd_kafka_conf_set_opaque(conf.get(), this);
    rd_kafka_conf_set_rebalance_cb(conf.get(), &OnRebalance);
    internal::RouteLogs(conf.get());
    std::array<char, 512> errstr{};
    rk_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr.data(), errstr.size()));
    if (!rk_)
      return Error::Permanent(ErrorCategory::kConfig,
                              std::string("kafka: cannot create the group member: ") + errstr.data());
    static_cast<void>(conf.release());
    rd_kafka_poll_set_consumer(rk_.get());
    PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
    if (const auto err = rd_kafka_subscribe(rk_.get(), topics.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return Error::Permanent(ErrorCategory::kKafka, std::string("kafka: cannot subscribe to ") + topic_ +
                                                         ": " + rd_kafka_err2str(err));
    return Ok();
  }

  Result<void> Poll(milliseconds timeout, size_t max_records) override {
    if (!rk_) return Error::Permanent(ErrorCategory::kInternal, "the group member has left");
    std::vector<ChangelogRecord> records;
    auto wait = timeout;
    while (records.size() < max_records) {
      MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), static_cast<int>(wait.count())));
      wait = milliseconds(0);
      if (!msg) break;
      if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        Deliver(records);
        listener_.OnEnd(msg->partition, msg->offset);
        continue;
      }
      if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        log::Warn("cluster: group member error", {{"error", rd_kafka_message_errstr(msg.get())}});
        continue;
      }
      ChangelogRecord record;
      record.partition = msg->partition;
      record.offset = msg->offset;
      if (msg->key != nullptr) record.key.assign(static_cast<const char*>(msg->key), msg->key_len);
      record.null_value = msg->payload == nullptr;
      if (msg->payload != nullptr) record.value.assign(static_cast<const char*>(msg->payload), msg->len);
      records.push_back(std::move(record));
    }
    Deliver(records);
    return Ok();
  }

  void Pause(int partition) override { Toggle(partition, true); }

  void Seek(int partition, int64_t offset) override {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset = offset;
    ErrorPtr error(rd_kafka_seek_partitions(rk_.get(), list.get(), 5000));
    Toggle(partition, false);
  }

  int64_t EndOffset(int partition) const override {
    if (!rk_) return -1;
    int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(rk_.get(), topic_.c_str(), partition, &low, &high) !=
        RD_KAFKA_RESP_ERR_NO_ERROR)
      return -1;
    return high;
  }

  int64_t QueryEndOffset(int partition, milliseconds timeout) const override {
    if (!rk_) return -1;
    int64_t low = -1, high = -1;
    if (rd_kafka_query_watermark_offsets(rk_.get(), topic_.c_str(), partition, &low, &high,
                                         static_cast<int>(timeout.count())) != RD_KAFKA_RESP_ERR_NO_ERROR)
      return -1;
    return high;
  }

  void Leave() override {
    if (!rk_) return;
    // Closing the consumer revokes the assignment through the rebalance callback.
    rd_kafka_consumer_close(rk_.get());
    rk_.reset();
  }

  std::string member_id() const override {
    if (!rk_) return "";
    char* id = rd_kafka_memberid(rk_.get());
    std::string out = id != nullptr ? id : "";
    if (id != nullptr) rd_kafka_mem_free(rk_.get(), id);
    return out;
  }

  int32_t generation() const override { return generation_.load(); }

 private:
  void Deliver(std::vector<ChangelogRecord>& records) {
    if (records.empty()) return;
    listener_.OnRecords(records);
    records.clear();
  }

  void Toggle(int partition, bool pause) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition);
    if (pause)
      rd_kafka_pause_partitions(rk_.get(), list.get());
    else
      rd_kafka_resume_partitions(rk_.get(), list.get());
  }

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque) {
    auto* self = static_cast<RdKafkaGroupMember*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      const auto starts = self->listener_.OnAssigned(Partitions(parts));
      PartitionListPtr list(rd_kafka_topic_partition_list_new(parts->cnt));
      for (const auto& [partition, offset] : starts)
        rd_kafka_topic_partition_list_add(list.get(), self->topic_.c_str(), partition)->offset = offset;
      ErrorPtr error(rd_kafka_incremental_assign(rk, list.get()));
      if (error)
        log::Error("cluster: cannot take the assigned partitions",
                   {{"error", rd_kafka_error_string(error.get())}});
      // librdkafka keeps a partition's pause across an unassign and a later assign to the same
      // member: one restored (and paused) here before would never be read again (found by the
      // cluster proof: a partition handed back stayed "restoring" for ever).
      rd_kafka_resume_partitions(rk, list.get());
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      const bool lost = rd_kafka_assignment_lost(rk) != 0;
      self->listener_.OnRevoked(Partitions(parts), lost);
      ErrorPtr error(rd_kafka_incremental_unassign(rk, parts));
      if (error) log::Warn("cluster: unassign failed", {{"error", rd_kafka_error_string(error.get())}});
    } else {
      log::Error("cluster: rebalance failed", {{"error", rd_kafka_err2str(err)}});
    }
    self->generation_.fetch_add(1);
  }

  GroupListener& listener_;
  HandlePtr rk_;
  std::string topic_;
  std::atomic<int32_t> generation_{0};
};

}  // namespace

Result<std::unique_ptr<GroupMember>> GroupMember::Join(const GroupOptions& options, GroupListener& listener) {
  auto member = std::make_unique<RdKafkaGroupMember>(listener);
  if (auto r = member->Setup(options); !r) return r.error();
  return std::unique_ptr<GroupMember>(std::move(member));
}

}  // namespace ats::kafka
