#include "kafka/consumer.hpp"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <set>
#include <utility>

#include "common/log.hpp"
#include "kafka/rdkafka_util.hpp"

namespace ats::kafka {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPollSlice{50};
constexpr int kMetadataTimeoutMs = 5000;
constexpr milliseconds kWatermarkTimeout{2000};

std::string UniqueGroupId() {
  static std::atomic<int> counter{0};
  return "ats-reader-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

class RdKafkaConsumer final : public Consumer {
 public:
  explicit RdKafkaConsumer(std::vector<std::string> topics) : pending_topics_(topics.begin(), topics.end()) {}
  ~RdKafkaConsumer() override {
    if (rk_) rd_kafka_consumer_close(rk_.get());
  }
  RdKafkaConsumer(const RdKafkaConsumer&) = delete;
  RdKafkaConsumer& operator=(const RdKafkaConsumer&) = delete;

  Result<void> Init(const std::string& bootstrap_servers);
  Result<std::vector<ConsumedMessage>> Drain(milliseconds idle, milliseconds max_wait) override;

 private:
  // Assigns every partition of the topics that exist by now. Topics the cluster does not know
  // yet stay pending and are looked up again by the next Drain.
  Result<void> AssignPending();

  internal::HandlePtr rk_;
  std::set<std::string> pending_topics_;
  // Next offset to read per (topic, partition): the assignment and the "not returned before"
  // filter (a re-fetch after a reconnect never yields a message twice).
  std::map<std::pair<std::string, int32_t>, int64_t> next_offset_;
};

Result<void> RdKafkaConsumer::Init(const std::string& bootstrap_servers) {
  internal::ConfPtr conf(rd_kafka_conf_new());
  const std::map<std::string, std::string> settings = {
      {"bootstrap.servers", bootstrap_servers},
      {"client.id", "ats-reader"},
      {"group.id", UniqueGroupId()},  // required by the consumer API; never joined
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "false"},
      {"auto.offset.reset", "earliest"},
  };
  if (auto r = internal::SetConfs(conf.get(), settings, "consumer."); !r) return r;
  internal::RouteLogs(conf.get());
  std::array<char, 512> errstr{};
  rk_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr.data(), errstr.size()));
  if (!rk_) {
    return Error::Permanent(ErrorCategory::kConfig,
                            std::string("kafka: cannot create the consumer: ") + errstr.data());
  }
  static_cast<void>(conf.release());
  return AssignPending();
}

Result<void> RdKafkaConsumer::AssignPending() {
  if (pending_topics_.empty()) return Ok();
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 1, nullptr, &raw, kMetadataTimeoutMs);
  internal::MetadataPtr metadata(raw);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error::Retryable(ErrorCategory::kKafka,
                            std::string("kafka consumer: no metadata: ") + rd_kafka_err2str(err));
  }
  bool added = false;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
    if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR || topic.partition_cnt == 0) continue;
    if (pending_topics_.erase(topic.topic) == 0) continue;
    for (int p = 0; p < topic.partition_cnt; ++p)
      next_offset_.emplace(std::make_pair(std::string(topic.topic), topic.partitions[p].id),
                           RD_KAFKA_OFFSET_BEGINNING);
    added = true;
  }
  if (!added) return Ok();
  // assign() replaces the whole assignment: partitions already read resume where they were.
  internal::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(next_offset_.size())));
  for (const auto& [tp, offset] : next_offset_)
    rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = offset;
  if (const rd_kafka_resp_err_t aerr = rd_kafka_assign(rk_.get(), list.get());
      aerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error::Retryable(ErrorCategory::kKafka,
                            std::string("kafka consumer: assign failed: ") + rd_kafka_err2str(aerr));
  }
  return Ok();
}

Result<std::vector<ConsumedMessage>> RdKafkaConsumer::Drain(milliseconds idle, milliseconds max_wait) {
  if (auto r = AssignPending(); !r) return r.error();
  std::vector<ConsumedMessage> out;
  const auto start = Clock::now();
  const auto hard_deadline = start + max_wait;

  // High watermarks now: whatever was acknowledged before this call is returned (within
  // max_wait) however slow the first fetch is; only after that does `idle` end the wait.
  // One ListOffsets round trip for every partition (per broker), not one per partition: the
  // end offset is the offset "at" timestamp -1 (latest).
  std::map<std::pair<std::string, int32_t>, int64_t> targets;
  if (!next_offset_.empty()) {
    internal::PartitionListPtr ends(rd_kafka_topic_partition_list_new(static_cast<int>(next_offset_.size())));
    for (const auto& [tp, next] : next_offset_)
      rd_kafka_topic_partition_list_add(ends.get(), tp.first.c_str(), tp.second)->offset = RD_KAFKA_OFFSET_END;
    const auto left = std::chrono::duration_cast<milliseconds>(hard_deadline - Clock::now());
    if (left > milliseconds::zero() &&
        rd_kafka_offsets_for_times(rk_.get(), ends.get(), static_cast<int>(std::min(left, kWatermarkTimeout).count())) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < ends->cnt; ++i) {
        const rd_kafka_topic_partition_t& end = ends->elems[i];
        if (end.err != RD_KAFKA_RESP_ERR_NO_ERROR || end.offset < 0) continue;  // unknown: the idle rule
        const std::pair<std::string, int32_t> tp{end.topic, end.partition};
        const int64_t next = next_offset_[tp];
        if ((next >= 0 ? next : 0) < end.offset) targets.emplace(tp, end.offset);
      }
    }
  }

  auto idle_deadline = start + idle;
  while (true) {
    const auto now = Clock::now();
    const auto deadline = targets.empty() ? std::min(hard_deadline, idle_deadline) : hard_deadline;
    if (now >= deadline) break;
    const auto wait = std::min(std::chrono::duration_cast<milliseconds>(deadline - now), kPollSlice);
    internal::MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), static_cast<int>(wait.count())));
    if (!msg) continue;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::Debug("kafka consumer event", {{"error", rd_kafka_message_errstr(msg.get())}});
      continue;
    }
    const std::string topic = rd_kafka_topic_name(msg->rkt);
    const std::pair<std::string, int32_t> tp{topic, msg->partition};
    int64_t& next = next_offset_[tp];
    if (next >= 0 && msg->offset < next) continue;  // already returned
    next = msg->offset + 1;
    if (auto it = targets.find(tp); it != targets.end() && next >= it->second) targets.erase(it);
    idle_deadline = Clock::now() + idle;

    ConsumedMessage m;
    m.topic = topic;
    m.partition = msg->partition;
    m.offset = msg->offset;
    if (msg->key != nullptr) m.key.assign(static_cast<const char*>(msg->key), msg->key_len);
    if (msg->payload != nullptr) m.value.assign(static_cast<const char*>(msg->payload), msg->len);
    m.null_value = msg->payload == nullptr;
    rd_kafka_headers_t* headers = nullptr;  // owned by the message
    if (rd_kafka_message_headers(msg.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      for (size_t i = 0;
           rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        m.headers[name] = value != nullptr ? std::string(static_cast<const char*>(value), size) : "";
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Consumer>> Consumer::Create(const std::string& bootstrap_servers,
                                                   const std::vector<std::string>& topics) {
  auto consumer = std::make_unique<RdKafkaConsumer>(topics);
  if (auto r = consumer->Init(bootstrap_servers); !r) return r.error();
  return std::unique_ptr<Consumer>(std::move(consumer));
}

}  // namespace ats::kafka
