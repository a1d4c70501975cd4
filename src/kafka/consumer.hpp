#pragma once
// A plain consumer (no group): reads every partition of the given topics from the beginning.
// Used by tests and the end-to-end benchmarks to read back what the connector published.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace ats::kafka {

struct ConsumedMessage {
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
  bool null_value = false;  // a tombstone (no value at all, not an empty one)
};

class Consumer {
 public:
  static Result<std::unique_ptr<Consumer>> Create(const std::string& bootstrap_servers,
                                                  const std::vector<std::string>& topics);
  virtual ~Consumer() = default;
  // Returns the messages not returned before, waiting until no new message arrived for
  // `idle`, or `max_wait` passed.
  virtual Result<std::vector<ConsumedMessage>> Drain(std::chrono::milliseconds idle,
                                                     std::chrono::milliseconds max_wait) = 0;
};

}  // namespace ats::kafka
