#pragma once
// RocksDB's info log, sent to the connector's log instead of a LOG file in the snapshot
// directory. Besides keeping the JSON log the only log, this matters on a full disk: Debian's
// RocksDB is built with assertions on, and its file logger asserts (SIGABRT) on the write after
// a failed one, turning "No space left on device" into a crash at every start.
#include <rocksdb/env.h>

#include <memory>
#include <string>

namespace ats::snapshot {

// Warnings and errors only (RocksDB's info level is chatty).
std::shared_ptr<rocksdb::Logger> MakeRocksDbLogger(std::string path);

}  // namespace ats::snapshot
