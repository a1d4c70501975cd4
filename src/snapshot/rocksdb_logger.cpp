#include "snapshot/rocksdb_logger.hpp"

#include <cstdarg>
#include <cstdio>

#include "common/log.hpp"

namespace ats::snapshot {
namespace {

class JsonLogger final : public rocksdb::Logger {
 public:
  explicit JsonLogger(std::string path)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), path_(std::move(path)) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char buffer[1024];
    va_list copy;
    va_copy(copy, ap);
    std::vsnprintf(buffer, sizeof buffer, format, copy);
    va_end(copy);
    const std::string message = std::string("RocksDB: ") + buffer;
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
      log::Error(message, {{"snapshot", path_}});
    } else {
      log::Warn(message, {{"snapshot", path_}});
    }
  }

 private:
  std::string path_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> MakeRocksDbLogger(std::string path) {
  return std::make_shared<JsonLogger>(std::move(path));
}

}  // namespace ats::snapshot
