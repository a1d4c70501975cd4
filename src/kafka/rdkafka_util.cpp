#include "kafka/rdkafka_util.hpp"

#include <array>

#include "common/log.hpp"

namespace ats::kafka::internal {

bool IsSecretKey(std::string_view key) {
  static constexpr std::array<std::string_view, 4> kSecretParts = {"password", "secret", "token", "jaas"};
  for (std::string_view part : kSecretParts)
    if (key.find(part) != std::string_view::npos) return true;
  return key == "ssl.key.pem" || key == "sasl.oauthbearer.config";
}

std::string RedactValue(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  static constexpr std::string_view kRedacted = "[REDACTED]";
  for (size_t pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos + kRedacted.size())) {
    text.replace(pos, secret.size(), kRedacted);
  }
  return text;
}

Result<void> SetConf(rd_kafka_conf_t* conf, const std::string& key, const std::string& value,
                     std::string_view path_prefix) {
  if (IsSecretKey(key)) log::RegisterSecret(value);
  std::array<char, 512> errstr{};
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr.data(), errstr.size()) == RD_KAFKA_CONF_OK) {
    return Ok();
  }
  std::string why = errstr.data();
  if (IsSecretKey(key)) why = RedactValue(std::move(why), value);
  return Error::Permanent(ErrorCategory::kConfig, std::string(path_prefix) + key + ": " + why);
}

Result<void> SetConfs(rd_kafka_conf_t* conf, const std::map<std::string, std::string>& settings,
                      std::string_view path_prefix) {
  for (const auto& [key, value] : settings) {
    if (auto r = SetConf(conf, key, value, path_prefix); !r) return r;
  }
  return Ok();
}

namespace {

void LogCallback(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  const char* name = rk != nullptr ? rd_kafka_name(rk) : "";
  // syslog levels: 0-4 error/warning, 5-6 notice/info, 7 debug. Errors are capped at warn: the
  // same events reach the error callback, where this program decides what is an error.
  const log::Level mapped = level <= 4   ? log::Level::kWarn
                            : level <= 6 ? log::Level::kInfo
                                         : log::Level::kDebug;
  log::Write(mapped, "librdkafka", {{"client", name}, {"facility", fac}, {"detail", buf}});
}

}  // namespace

void RouteLogs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, &LogCallback);
}

rd_kafka_resp_err_t EnqueueCopy(rd_kafka_t* rk, const Message& message, void* opaque) {
  HeadersPtr headers(rd_kafka_headers_new(message.headers.size()));
  for (const auto& [name, value] : message.headers) {
    rd_kafka_header_add(headers.get(), name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  // The RD_KAFKA_V_* macros cast C-style (also away from const: with RD_KAFKA_MSG_F_COPY
  // librdkafka copies key and value and never writes through these pointers).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
  const rd_kafka_resp_err_t err = rd_kafka_producev(
      rk, RD_KAFKA_V_TOPIC(message.topic.c_str()), RD_KAFKA_V_PARTITION(message.partition),
      RD_KAFKA_V_KEY(message.key.data(), message.key.size()),
      RD_KAFKA_V_VALUE(message.null_value ? nullptr : const_cast<char*>(message.value.data()),
                       message.null_value ? 0 : message.value.size()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers.get()), RD_KAFKA_V_OPAQUE(opaque),
      RD_KAFKA_V_END);
#pragma GCC diagnostic pop
  // On success librdkafka owns the headers; on failure they are still ours.
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) static_cast<void>(headers.release());
  return err;
}

}  // namespace ats::kafka::internal
