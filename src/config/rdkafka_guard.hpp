#pragma once
// kafka.rdkafka passes librdkafka properties through as given. A few of them would quietly
// void what docs/guarantees.md promises (every change delivered, in key order, to the partition
// a Java client picks, without duplicates from producer retries) or fight a first-class key.
// This is the list of those, checked by the config loader before anything is started.
#include <optional>
#include <string>

namespace ats::config {

// Why `key: value` may not be given under kafka.rdkafka, with what to do instead; nullopt when
// it may. Property names are compared as librdkafka does (exactly; they are lower case).
std::optional<std::string> RefusedRdkafkaProperty(const std::string& key, const std::string& value);

}  // namespace ats::config
