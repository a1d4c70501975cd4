#include "kafka/topic_reader.hpp"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <set>

#include "common/log.hpp"
#include "kafka/rdkafka_util.hpp"

namespace ats::kafka {
namespace {

using std::chrono::milliseconds;

constexpr int kMetadataTimeoutMs = 10000;

std::string UniqueGroupId() {
  static std::atomic<int> counter{0};
  return "ats-topic-reader-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

int ToMs(milliseconds d) {
  return static_cast<int>(std::clamp<milliseconds::rep>(d.count(), 0, 24 * 3600 * 1000));
}

class RdKafkaTopicReader final : public TopicReader {
 public:
  ~RdKafkaTopicReader() override {
    if (rk_) rd_kafka_consumer_close(rk_.get());
  }

  Result<void> Init(const TopicReaderOptions& options);
  Result<ReadBatch> Poll(milliseconds timeout, size_t max) override;
  Result<PartitionOffsets> EndOffsets(milliseconds timeout) override;

 private:
  // offsets_for_times at `timestamp` (-1 latest, -2 earliest) for every partition.
  Result<PartitionOffsets> ListOffsets(int64_t timestamp, milliseconds timeout);

  internal::HandlePtr rk_;
  std::vector<std::pair<std::string, int32_t>> partitions_;
  PartitionOffsets positions_;  // Poll's thread only
};

Result<void> RdKafkaTopicReader::Init(const TopicReaderOptions& options) {
  internal::ConfPtr conf(rd_kafka_conf_new());
  const std::map<std::string, std::string> fixed = {
      {"bootstrap.servers", options.bootstrap_servers},
      {"client.id", options.client_id},
      {"group.id", UniqueGroupId()},  // required by the consumer API; never joined, nothing committed
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"},  // how a partition's end is known, past control records
      {"auto.offset.reset", "earliest"},
      {"isolation.level", "read_committed"},
      // A write waits for its read-back: a fetch that long-polls the broker answers a new record
      // at once, but an empty one returns only after this wait (500 ms by default).
      {"fetch.wait.max.ms", "100"},
  };
  if (auto r = internal::SetConfs(conf.get(), fixed, "kafka."); !r) return r;
  if (auto r = internal::SetConfs(conf.get(), options.rdkafka, "kafka.rdkafka."); !r) return r;
  internal::RouteLogs(conf.get());
  std::array<char, 512> errstr{};
  rk_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr.data(), errstr.size()));
  if (!rk_) {
    std::string why = errstr.data();
    for (const auto& [key, value] : options.rdkafka)
      if (internal::IsSecretKey(key)) why = internal::RedactValue(std::move(why), value);
    return Error::Permanent(ErrorCategory::kConfig, "kafka: cannot create the topic reader: " + why);
  }
  static_cast<void>(conf.release());

  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 1, nullptr, &raw, kMetadataTimeoutMs);
  internal::MetadataPtr metadata(raw);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return Error::Retryable(ErrorCategory::kKafka,
                            std::string("kafka topic reader: no metadata: ") + rd_kafka_err2str(err));
  std::set<std::string> missing(options.topics.begin(), options.topics.end());
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
    if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR || topic.partition_cnt == 0) continue;
    if (missing.erase(topic.topic) == 0) continue;
    for (int p = 0; p < topic.partition_cnt; ++p)
      partitions_.emplace_back(topic.topic, topic.partitions[p].id);
  }
  if (!missing.empty()) {
    return Error::Retryable(ErrorCategory::kKafka,
                            "kafka topic reader: topic '" + *missing.begin() +
                                "' does not exist (create it, or set cluster.create_topics)");
  }
  internal::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions_.size())));
  for (const auto& [topic, partition] : partitions_)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  if (const rd_kafka_resp_err_t aerr = rd_kafka_assign(rk_.get(), list.get());
      aerr != RD_KAFKA_RESP_ERR_NO_ERROR)
    return Error::Retryable(ErrorCategory::kKafka,
                            std::string("kafka topic reader: assign failed: ") + rd_kafka_err2str(aerr));
  return Ok();
}

Result<ReadBatch> RdKafkaTopicReader::Poll(milliseconds timeout, size_t max) {
  ReadBatch batch;
  int wait = ToMs(timeout);
  while (batch.messages.size() < max) {
    internal::MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), wait));
    if (!msg) break;
    wait = 0;  // take what is there already, then return
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (msg->rkt != nullptr) {
        int64_t& position = positions_[{rd_kafka_topic_name(msg->rkt), msg->partition}];
        position = std::max(position, msg->offset);
      }
      continue;
    }
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::Debug("kafka topic reader event", {{"error", rd_kafka_message_errstr(msg.get())}});
      continue;
    }
    ConsumedMessage m;
    m.topic = rd_kafka_topic_name(msg->rkt);
    m.partition = msg->partition;
    m.offset = msg->offset;
    if (msg->key != nullptr) m.key.assign(static_cast<const char*>(msg->key), msg->key_len);
    if (msg->payload != nullptr) m.value.assign(static_cast<const char*>(msg->payload), msg->len);
    m.null_value = msg->payload == nullptr;
    int64_t& position = positions_[{m.topic, m.partition}];
    position = std::max(position, msg->offset + 1);
    batch.messages.push_back(std::move(m));
  }
  batch.positions = positions_;
  return batch;
}

Result<PartitionOffsets> RdKafkaTopicReader::ListOffsets(int64_t timestamp, milliseconds timeout) {
  internal::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions_.size())));
  for (const auto& [topic, partition] : partitions_)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = timestamp;
  if (const rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk_.get(), list.get(), ToMs(timeout));
      err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error::Retryable(ErrorCategory::kKafka,
                            std::string("kafka topic reader: cannot list offsets: ") + rd_kafka_err2str(err));
  }
  PartitionOffsets out;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR || p.offset < 0) {
      return Error::Retryable(ErrorCategory::kKafka,
                              "kafka topic reader: no offset for " + std::string(p.topic) + "/" +
                                  std::to_string(p.partition) + ": " + rd_kafka_err2str(p.err));
    }
    out[{p.topic, p.partition}] = p.offset;
  }
  return out;
}

Result<PartitionOffsets> RdKafkaTopicReader::EndOffsets(milliseconds timeout) {
  auto ends = ListOffsets(RD_KAFKA_OFFSET_END, timeout);
  if (!ends) return ends.error();
  auto starts = ListOffsets(RD_KAFKA_OFFSET_BEGINNING, timeout);
  if (!starts) return starts.error();
  PartitionOffsets out;
  for (const auto& [tp, end] : *ends) {
    auto start = starts->find(tp);
    if (start != starts->end() && end <= start->second) continue;  // nothing to read there
    out[tp] = end;
  }
  return out;
}

}  // namespace

bool Reached(const PartitionOffsets& positions, const PartitionOffsets& targets) {
  for (const auto& [tp, target] : targets) {
    auto it = positions.find(tp);
    if (it == positions.end() || it->second < target) return false;
  }
  return true;
}

Result<std::unique_ptr<TopicReader>> TopicReader::Create(const TopicReaderOptions& options) {
  auto reader = std::make_unique<RdKafkaTopicReader>();
  if (auto r = reader->Init(options); !r) return r.error();
  return std::unique_ptr<TopicReader>(std::move(reader));
}

}  // namespace ats::kafka
