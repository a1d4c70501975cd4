#include "config/rdkafka_guard.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

namespace ats::config {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string Trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::optional<long long> Integer(const std::string& value) {
  long long out = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, out);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return out;
}

// librdkafka reads a boolean as true/t/1 or false/f/0 (case-insensitive).
bool IsTrue(const std::string& v) {
  return v == "true" || v == "t" || v == "1";
}

constexpr std::string_view kGuarantee = " (docs/guarantees.md); remove this entry";

}  // namespace

std::optional<std::string> RefusedRdkafkaProperty(const std::string& key, const std::string& raw) {
  const std::string value = Lower(Trimmed(raw));
  if (key == "bootstrap.servers" || key == "metadata.broker.list")
    return "set by the connector from kafka.bootstrap_servers; write the brokers there instead";
  if (key == "client.id") return "set by the connector from kafka.client_id; write it there instead";
  if (key == "message.timeout.ms" || key == "delivery.timeout.ms")
    return "set by the connector from kafka.delivery_timeout_s; write the timeout there (in seconds) instead";
  if (key == "transactional.id")
    return "reserved: the producer of the connector is idempotent, not transactional, and never begins a "
           "transaction, so every send would fail (and a second producer with the same id would fence "
           "this one); remove this entry";
  if (key == "enable.idempotence") {
    if (IsTrue(value)) return std::nullopt;
    return "'" + value +
           "' would turn off the idempotent producer: a retried send could write an event twice and "
           "reorder the events of one key" +
           std::string(kGuarantee) + " (the connector always sets true)";
  }
  if (key == "acks" || key == "request.required.acks") {
    if (value == "all" || value == "-1") return std::nullopt;
    return "'" + value +
           "' lets the broker acknowledge an event before every in-sync replica has it, and the "
           "snapshot advances on that acknowledgement: a broker failure would lose the event for good; "
           "only all (or -1) keeps the guarantee" +
           std::string(kGuarantee);
  }
  if (key == "max.in.flight" || key == "max.in.flight.requests.per.connection") {
    const auto n = Integer(value);
    if (n && *n >= 1 && *n <= 5) return std::nullopt;
    return "'" + value +
           "': the idempotent producer keeps the events of one key in order only with 1 to 5 requests in "
           "flight per broker; use a whole number from 1 to 5 or remove this entry";
  }
  if (key == "message.send.max.retries" || key == "retries") {
    const auto n = Integer(value);
    if (!n || *n > 0) return std::nullopt;  // anything else librdkafka itself rejects
    return "'" + value +
           "' would fail an event on the first transient broker error (leader change, timeout) "
           "instead of retrying it; remove this entry (the idempotent producer retries without "
           "duplicates)";
  }
  if (key == "queuing.strategy") {
    if (value == "fifo") return std::nullopt;
    return "'" + value +
           "' sends the newest message first, so the events of one key would arrive out of order" +
           std::string(kGuarantee);
  }
  if (key == "partitioner") {
    if (value == "murmur2_random" || value == "murmur2") return std::nullopt;
    if (value == "random")
      return "'random' spreads the events of one key over all partitions, so consumers lose their order; "
             "use murmur2_random (the default of the connector) or remove this entry";
    return "'" + value +
           "' puts a key in another partition than Java clients (Kafka Streams, ksqlDB, Flink) "
           "compute with murmur2, which breaks joins and co-partitioning; use murmur2_random (the "
           "default of the connector) or murmur2, or remove this entry";
  }
  if (key == "partitioner_cb")
    return "a custom partitioner cannot be set from the config; remove this entry (the connector uses "
           "murmur2_random)";
  if (key == "enable.gapless.guarantee") {
    if (!IsTrue(value)) return std::nullopt;
    return "true turns any failed delivery (a Kafka outage longer than kafka.delivery_timeout_s) into a "
           "fatal producer error that only a restart clears; the connector already publishes again, "
           "from its snapshot, whatever Kafka did not acknowledge, so nothing is lost without it; "
           "remove this entry";
  }
  return std::nullopt;
}

}  // namespace ats::config
