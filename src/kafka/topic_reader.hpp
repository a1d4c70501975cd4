#pragma once
// A reader of whole topics without a consumer group: every partition of the given topics from the
// beginning, read_committed, for state that every replica keeps in memory (the connections topic,
// the connection-status topic). One thread polls; any thread may ask for the end offsets, to know
// when the reader has caught up with what the topics held at that moment.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "kafka/consumer.hpp"

namespace ats::kafka {

struct TopicReaderOptions {
  std::string bootstrap_servers;
  std::string client_id = "ats-connector";
  std::vector<std::string> topics;             // each must exist (its partitions are read)
  std::map<std::string, std::string> rdkafka;  // kafka.rdkafka passthrough (security settings)
};

// (topic, partition) -> offset
using PartitionOffsets = std::map<std::pair<std::string, int32_t>, int64_t>;

// What one Poll returned: the messages in the order read, and for every partition the next
// offset to read once they are applied (past control records and compacted gaps too).
struct ReadBatch {
  std::vector<ConsumedMessage> messages;
  PartitionOffsets positions;
};

class TopicReader {
 public:
  // A topic that does not exist is a retryable kKafka error naming it.
  static Result<std::unique_ptr<TopicReader>> Create(const TopicReaderOptions& options);
  virtual ~TopicReader() = default;
  // One thread only: what arrived within `timeout` (at most `max` messages).
  virtual Result<ReadBatch> Poll(std::chrono::milliseconds timeout, size_t max) = 0;
  // Any thread: for every partition holding records now, the offset a reader has to reach to have
  // read them all (the last stable offset: read_committed). Empty partitions are left out.
  virtual Result<PartitionOffsets> EndOffsets(std::chrono::milliseconds timeout) = 0;
};

// Whether `positions` reached every offset of `targets`.
bool Reached(const PartitionOffsets& positions, const PartitionOffsets& targets);

}  // namespace ats::kafka
