#pragma once
// Private to src/kafka: RAII handles for librdkafka objects and the shared configuration helpers.
#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/message.hpp"
#include "common/result.hpp"

namespace ats::kafka::internal {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* headers) const { rd_kafka_headers_destroy(headers); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const { rd_kafka_metadata_destroy(metadata); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// True for configuration keys whose values are credentials (sasl.password, ssl.key.password,
// sasl.oauthbearer.client.secret, ssl.key.pem, ...): their values never reach an error or a log.
bool IsSecretKey(std::string_view key);

// Sets one property. On failure returns a permanent kConfig error "<path_prefix><key>: <why>",
// with the value of a secret key replaced by [REDACTED].
Result<void> SetConf(rd_kafka_conf_t* conf, const std::string& key, const std::string& value,
                     std::string_view path_prefix);

// Applies `settings` in order (see SetConf).
Result<void> SetConfs(rd_kafka_conf_t* conf, const std::map<std::string, std::string>& settings,
                      std::string_view path_prefix);

// Routes librdkafka's own log lines to ats::log (instead of raw stderr).
void RouteLogs(rd_kafka_conf_t* conf);

// Enqueues a copy of `message` (headers, explicit partition or -1, null value for a tombstone)
// with `opaque` for its delivery report; librdkafka's error code (the message is not queued
// unless NO_ERROR).
rd_kafka_resp_err_t EnqueueCopy(rd_kafka_t* rk, const Message& message, void* opaque);

// Replaces every occurrence of a non-empty `secret` in `text` with [REDACTED].
std::string RedactValue(std::string text, std::string_view secret);

}  // namespace ats::kafka::internal
