#pragma once
// A Kafka record as the event layer builds it and the Kafka layer sends it; keeps librdkafka
// types out of everything but src/kafka.
#include <string>
#include <utility>
#include <vector>

namespace ats {

struct Message {
  std::string topic;
  std::string key;
  std::string value;  // the event data (JSON)
  std::vector<std::pair<std::string, std::string>> headers;
  // A null value (a tombstone on a compacted topic: the key is deleted); `value` is then unused.
  // (Last, so that aggregate initialisers of the fields above keep working.)
  bool null_value = false;
  // The partition to write to; -1 = the partitioner's choice (murmur2 of the key). Set for the
  // cluster changelog, whose records belong to their connection's partition whatever their key.
  int partition = -1;
};

}  // namespace ats
