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
};

}  // namespace ats
