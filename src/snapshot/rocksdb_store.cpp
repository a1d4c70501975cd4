// RocksDB-backed SnapshotStore.
//
// Key layout (bytewise order):
//   records: 'r' '\0' connection '\0' entity-name '\0' id
//   meta:    'm' '\0' key
// The id is the tail of the key, so ids that are prefixes of each other ("ab", "abc") never mix,
// and a (connection, entity) prefix ends with '\0' so "a" never matches "ab". Connection names
// must not contain '\0' (they would make prefixes ambiguous) and are refused.
//
// Value: a format version byte followed by
//   hash (8 bytes, little-endian) | varint32 len + body | varint32 len + updated_at |
//   varint32 len + parent_id
// and, from format 2 (kRecordFormat, what this build writes), | varint64 sequence |
// varint32 count + that many (varint32 len + withheld field name). Format 1 values (written by
// earlier builds) read as sequence 0 with nothing withheld. Anything that does not decode
// exactly is a permanent kSnapshot error.
//
// The database carries the marker `m\0__format` = kFormatMarker, written when the directory is
// created. A directory that is not empty and is not a RocksDB with that marker is refused and
// never modified: the marker is checked through a read-only open before any read-write open.
//
// Disk faults: RocksDB's info log goes to the connector's log, never to a file (see
// rocksdb_logger.hpp: a full disk must not become an assertion failure). A failed write (a full
// disk, an I/O error) leaves RocksDB 7.8 refusing every later write even once space is back, so
// the store closes and reopens the database on its next Check (the service calls it every
// second) or Commit, until that succeeds; the reopen replays the WAL, so every commit that
// returned Ok is kept. A snapshot directory removed or replaced while in use (DirectoryWatch)
// fails every later call.
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <system_error>

#include "common/log.hpp"
#include "snapshot/rocksdb_logger.hpp"
#include "snapshot/snapshot_dir.hpp"
#include "snapshot/codec.hpp"
#include "snapshot/snapshot_store.hpp"

namespace ats::snapshot {
namespace {

constexpr char kFormatMarker[] = "ats-connector-snapshot/1";
constexpr std::string_view kFormatMarkerPrefix = "ats-connector-snapshot/";
constexpr std::string_view kFormatMetaKey = "__format";
constexpr unsigned char kRecordFormat = 2;
constexpr unsigned char kRecordFormatV1 = 1;  // read, never written
constexpr uint32_t kMaxWithheld = 4096;       // names per record: more is a corrupt value
// After a failed write, the database is reopened only once its disk has this much free: a reopen
// gives back the space RocksDB preallocated for its log, which a nearly full disk would use up
// again at the next commit (readiness flapping meanwhile).
constexpr uint64_t kMinFreeBytesToReopen = uint64_t{4} << 20;

// ----- keys -----

std::string RecordPrefix(std::string_view connection, Entity entity) {
  std::string key;
  const std::string_view entity_name = ToString(entity);
  key.reserve(2 + connection.size() + 1 + entity_name.size() + 1);
  key.push_back('r');
  key.push_back('\0');
  key.append(connection);
  key.push_back('\0');
  key.append(entity_name);
  key.push_back('\0');
  return key;
}

std::string RecordKey(const Key& k) {
  std::string key = RecordPrefix(k.connection, k.entity);
  key.append(k.id);
  return key;
}

std::string MetaKey(std::string_view name) {
  std::string key;
  key.reserve(2 + name.size());
  key.push_back('m');
  key.push_back('\0');
  key.append(name);
  return key;
}

// The smallest key greater than every key starting with `prefix` (which ends with '\0').
std::string PrefixUpperBound(std::string prefix) {
  prefix.back() = '\1';
  return prefix;
}

// ----- values -----

// LEB128 varints of 32 or 64 bits; a value longer than T is refused.
template <typename T>
void PutVarint(std::string& out, T v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

template <typename T>
bool GetVarint(std::string_view& in, T& v) {
  constexpr int kBits = sizeof(T) * 8;
  constexpr int kLastShift = (kBits - 1) / 7 * 7;  // 28 for 32 bits, 63 for 64
  v = 0;
  for (int shift = 0; shift <= kLastShift; shift += 7) {
    if (in.empty()) return false;
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    if (shift == kLastShift && (byte >> (kBits - kLastShift)) != 0) return false;  // more than kBits
    v |= static_cast<T>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void PutVarint32(std::string& out, uint32_t v) { PutVarint(out, v); }
bool GetVarint32(std::string_view& in, uint32_t& v) { return GetVarint(in, v); }
void PutVarint64(std::string& out, uint64_t v) { PutVarint(out, v); }
bool GetVarint64(std::string_view& in, uint64_t& v) { return GetVarint(in, v); }

void PutString(std::string& out, std::string_view s) {
  PutVarint32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

bool GetString(std::string_view& in, std::string& out) {
  uint32_t len;
  if (!GetVarint32(in, len) || len > in.size()) return false;
  out.assign(in.substr(0, len));
  in.remove_prefix(len);
  return true;
}

std::string EncodeRecord(const StoredRecord& r) {
  std::string out;
  out.reserve(1 + 8 + r.body.size() + r.updated_at.size() + r.parent_id.size() + 15);
  out.push_back(static_cast<char>(kRecordFormat));
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((r.hash >> (8 * i)) & 0xFF));
  PutString(out, r.body);
  PutString(out, r.updated_at);
  PutString(out, r.parent_id);
  PutVarint64(out, r.sequence);
  PutVarint32(out, static_cast<uint32_t>(r.withheld.size()));
  for (const auto& name : r.withheld) PutString(out, name);
  return out;
}

// Returns "" on success, else what is wrong with the value.
std::string DecodeRecord(std::string_view in, StoredRecord& r) {
  if (in.empty()) return "empty value";
  const auto version = static_cast<unsigned char>(in.front());
  if (version != kRecordFormat && version != kRecordFormatV1)
    return "unknown record format version " + std::to_string(version);
  in.remove_prefix(1);
  if (in.size() < 8) return "truncated value";
  r.hash = 0;
  for (int i = 0; i < 8; ++i) r.hash |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in.remove_prefix(8);
  if (!GetString(in, r.body) || !GetString(in, r.updated_at) || !GetString(in, r.parent_id))
    return "truncated value";
  r.sequence = 0;
  r.withheld.clear();
  if (version != kRecordFormatV1) {
    uint32_t count = 0;
    if (!GetVarint64(in, r.sequence) || !GetVarint32(in, count)) return "truncated value";
    if (count > kMaxWithheld) return "implausible withheld field count " + std::to_string(count);
    r.withheld.resize(count);
    for (auto& name : r.withheld)
      if (!GetString(in, name)) return "truncated value";
  }
  if (!in.empty()) return "trailing bytes in value";
  return "";
}

// Printable form of a key for error messages ('\0' shown as '/').
std::string Printable(std::string_view key) {
  std::string out(key);
  for (char& c : out)
    if (c == '\0') c = '/';
  return out;
}

// ----- errors -----

Error FromStatus(const std::string& path, std::string_view what, const rocksdb::Status& s) {
  std::string message = "snapshot " + path + ": " + std::string(what) + " failed: " + s.ToString();
  const bool transient = (s.IsIOError() && !s.IsCorruption()) || s.IsBusy() || s.IsTimedOut() ||
                         s.IsTryAgain() || s.IsIncomplete();
  if (transient) return Error::Retryable(ErrorCategory::kSnapshot, std::move(message));
  return Error::Permanent(ErrorCategory::kSnapshot, std::move(message));
}

Error Corrupt(const std::string& path, std::string_view key, std::string_view what) {
  return Error::Permanent(ErrorCategory::kSnapshot, "snapshot " + path + ": value of key '" + Printable(key) +
                                                        "' is corrupt (" + std::string(what) +
                                                        "); restore the snapshot from a backup");
}

Result<void> CheckConnection(std::string_view connection) {
  if (connection.find('\0') != std::string_view::npos)
    return Error::Permanent(ErrorCategory::kSnapshot,
                            "snapshot: connection name must not contain a NUL byte");
  return Ok();
}

std::string Refusal(const std::string& path, std::string_view why) {
  return path + " is not an ats-connector snapshot (" + std::string(why) +
         "); point snapshot.path at an empty directory or the right snapshot; it was not modified";
}

rocksdb::Options BaseOptions(const std::string& path) {
  rocksdb::Options options;
  options.info_log = MakeRocksDbLogger(path);
  options.create_if_missing = false;
  options.keep_log_file_num = 4;
  // A first sync looks up millions of ids that are not there yet: a Bloom filter answers most
  // of those misses without reading a block.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

// ----- the store -----

class RocksDbStore final : public SnapshotStore {
 public:
  RocksDbStore(std::string path, std::unique_ptr<rocksdb::DB> db)
      : path_(std::move(path)), db_(std::move(db)), watch_(path_) {}
  ~RocksDbStore() override {
    if (db_) (void)db_->Close();
  }
  RocksDbStore(const RocksDbStore&) = delete;
  RocksDbStore& operator=(const RocksDbStore&) = delete;

  Result<std::optional<StoredRecord>> Get(const Key& key) override {
    if (auto ok = CheckConnection(key.connection); !ok) return ok.error();
    std::shared_lock lock(db_mu_);
    if (auto usable = Usable(); !usable) return usable.error();
    const std::string k = RecordKey(key);
    std::string value;
    const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), k, &value);
    if (s.IsNotFound()) return std::optional<StoredRecord>();
    if (!s.ok()) return FromStatus(path_, "get", s);
    StoredRecord r;
    if (std::string why = DecodeRecord(value, r); !why.empty()) return Corrupt(path_, k, why);
    return std::optional<StoredRecord>(std::move(r));
  }

  Result<void> ForEach(std::string_view connection, Entity entity,
                       const std::function<bool(std::string_view id, const StoredRecord&)>& fn) override {
    return Scan(connection, entity,
                [&](std::string_view key, std::string_view id, std::string_view value, Error& error) {
                  StoredRecord r;
                  if (std::string why = DecodeRecord(value, r); !why.empty()) {
                    error = Corrupt(path_, key, why);
                    return false;
                  }
                  return fn(id, r);
                });
  }

  Result<size_t> Count(std::string_view connection, Entity entity) override {
    size_t n = 0;
    auto r = Scan(connection, entity, [&](std::string_view, std::string_view, std::string_view, Error&) {
      ++n;
      return true;
    });
    if (!r) return r.error();
    return n;
  }

  Result<void> DeleteRanges(const std::vector<std::string>& connections,
                            const std::vector<std::string>& meta_prefixes) override {
    rocksdb::WriteBatch wb;
    for (const auto& connection : connections) {
      if (auto ok = CheckConnection(connection); !ok) return ok;
      // "r\0<connection>\0" up to "r\0<connection>\1": every entity of the connection.
      std::string prefix = "r";
      prefix.push_back('\0');
      prefix.append(connection);
      prefix.push_back('\0');
      if (auto s = wb.DeleteRange(prefix, PrefixUpperBound(prefix)); !s.ok()) return FromStatus(path_, "purge", s);
    }
    for (const auto& name : meta_prefixes) {
      if (name.empty() || static_cast<unsigned char>(name.back()) == 0xff)
        return Error::Permanent(ErrorCategory::kSnapshot, "snapshot: bad metadata prefix to delete");
      const std::string prefix = MetaKey(name);
      std::string upper = prefix;
      upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
      if (auto s = wb.DeleteRange(prefix, upper); !s.ok()) return FromStatus(path_, "purge", s);
    }
    if (wb.Count() == 0) return Ok();
    if (auto healthy = Check(); !healthy) return healthy;
    std::shared_lock lock(db_mu_);
    if (auto usable = Usable(); !usable) return usable;
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto s = db_->Write(wo, &wb); !s.ok()) return FromStatus(path_, "purge", s);
    return Ok();
  }

  Result<std::optional<std::string>> GetMeta(std::string_view key) override {
    std::shared_lock lock(db_mu_);
    if (auto usable = Usable(); !usable) return usable.error();
    std::string value;
    const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), MetaKey(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromStatus(path_, "get meta", s);
    return std::optional<std::string>(std::move(value));
  }

  Result<void> ForEachMeta(std::string_view prefix,
                           const std::function<bool(std::string_view key, std::string_view value)>& fn) override {
    std::shared_lock lock(db_mu_);
    if (auto usable = Usable(); !usable) return usable.error();
    const std::string start = MetaKey(prefix);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(start); it->Valid(); it->Next()) {
      const rocksdb::Slice k = it->key();
      if (!k.starts_with(start)) break;
      const std::string_view name(k.data() + 2, k.size() - 2);
      if (name == kFormatMetaKey) continue;
      if (!fn(name, std::string_view(it->value().data(), it->value().size()))) break;
    }
    if (!it->status().ok()) return FromStatus(path_, "scan meta", it->status());
    return Ok();
  }

  Result<void> Commit(const Batch& batch) override {
    if (batch.empty()) return Ok();
    rocksdb::WriteBatch wb;
    // Puts, then deletes, then metadata (puts, then deletes): a key both put and deleted in one
    // batch ends deleted.
    for (const auto& [key, record] : batch.puts()) {
      if (auto ok = CheckConnection(key.connection); !ok) return ok;
      if (auto s = wb.Put(RecordKey(key), EncodeRecord(record)); !s.ok())
        return FromStatus(path_, "commit", s);
    }
    for (const auto& key : batch.deletes()) {
      if (auto ok = CheckConnection(key.connection); !ok) return ok;
      if (auto s = wb.Delete(RecordKey(key)); !s.ok()) return FromStatus(path_, "commit", s);
    }
    for (const auto& [key, value] : batch.meta()) {
      if (key == kFormatMetaKey)
        return Error::Permanent(ErrorCategory::kSnapshot,
                                "snapshot: meta key '" + key + "' is reserved for the format marker");
      if (auto s = wb.Put(MetaKey(key), value); !s.ok()) return FromStatus(path_, "commit", s);
    }
    for (const auto& key : batch.meta_deletes()) {
      if (key == kFormatMetaKey)
        return Error::Permanent(ErrorCategory::kSnapshot,
                                "snapshot: meta key '" + key + "' is reserved for the format marker");
      if (auto s = wb.Delete(MetaKey(key)); !s.ok()) return FromStatus(path_, "commit", s);
    }
    // The directory is checked before every commit, not only by the periodic Check.
    if (auto healthy = Check(); !healthy) return healthy;
    rocksdb::Status s;
    {
      std::shared_lock lock(db_mu_);
      if (auto usable = Usable(); !usable) return usable;
      rocksdb::WriteOptions wo;
      wo.sync = true;
      s = db_->Write(wo, &wb);
    }
    if (s.ok()) return Ok();
    Error error = FromStatus(path_, "commit", s);
    std::lock_guard health(health_mu_);
    if (!write_failure_) {
      log::Error("Snapshot commit failed; the snapshot is reopened once it can be written again.",
                 {{"snapshot", path_}, {"error", error.message}});
    }
    write_failure_ = error;
    return error;
  }

  Result<void> Check() override {
    std::lock_guard health(health_mu_);
    if (gone_flag_.load()) return *gone_;
    if (const std::string changed = watch_.Changed(); !changed.empty()) {
      gone_ = Error::Permanent(
          ErrorCategory::kSnapshot,
          "snapshot directory " + path_ + " was removed or replaced while in use (" + changed +
              "); nothing more is read or committed. Restore it from a backup and restart the connector, or "
              "restart it to begin a new snapshot (which publishes every record again)");
      gone_flag_.store(true);
      log::Error("Snapshot directory removed or replaced; the connector stops committing.",
                 {{"snapshot", path_}, {"detail", changed}});
      return *gone_;
    }
    if (!write_failure_) return Ok();
    if (const auto free = FreeBytes(path_); free && *free < kMinFreeBytesToReopen) {
      return Error::Retryable(ErrorCategory::kSnapshot,
                              write_failure_->message + "; the snapshot is reopened once its disk has " +
                                  std::to_string(kMinFreeBytesToReopen >> 20) + " MiB free (now " +
                                  std::to_string(*free) + " bytes)");
    }
    // RocksDB 7.8 keeps refusing writes after a failed WAL write, even with space back: close
    // and reopen (the WAL is replayed, so every acknowledged commit is kept).
    std::unique_lock lock(db_mu_);
    if (db_) {
      (void)db_->Close();  // reports the earlier error again; what was synced is on disk
      db_.reset();
    }
    rocksdb::DB* raw = nullptr;
    const rocksdb::Status s = rocksdb::DB::Open(BaseOptions(path_), path_, &raw);
    if (!s.ok()) {
      delete raw;
      write_failure_ = FromStatus(path_, "reopen after a failed write", s);
      closed_error_ = write_failure_;
      return *write_failure_;
    }
    db_.reset(raw);
    closed_error_.reset();
    write_failure_.reset();
    log::Info("Snapshot reopened after a failed write; commits go on.", {{"snapshot", path_}});
    return Ok();
  }

 private:
  // Whether db_ may be used; the caller holds db_mu_ (shared or unique) and not health_mu_.
  Result<void> Usable() const {
    if (gone_flag_.load()) return *gone_;  // set once, before the flag
    if (!db_) {
      if (closed_error_) return *closed_error_;
      return Error::Retryable(ErrorCategory::kSnapshot, "snapshot " + path_ + " is closed");
    }
    return Ok();
  }

  // Calls visit(key, id, value, error) for each record of (connection, entity) in key order until
  // it returns false. A visitor that fails sets `error` and returns false.
  template <typename Visit>
  Result<void> Scan(std::string_view connection, Entity entity, Visit&& visit) {
    if (auto ok = CheckConnection(connection); !ok) return ok;
    std::shared_lock lock(db_mu_);
    if (auto usable = Usable(); !usable) return usable;
    const std::string prefix = RecordPrefix(connection, entity);
    const std::string upper = PrefixUpperBound(prefix);
    const rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    std::optional<Error> failure;
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      const rocksdb::Slice key = it->key();
      const std::string_view k(key.data(), key.size());
      const rocksdb::Slice value = it->value();
      Error error;
      if (!visit(k, k.substr(prefix.size()), std::string_view(value.data(), value.size()), error)) {
        if (!error.message.empty()) return error;
        return Ok();
      }
    }
    if (!it->status().ok()) return FromStatus(path_, "scan", it->status());
    return Ok();
  }

  const std::string path_;
  // Shared by every read and write; exclusive while the database is reopened. Lock order:
  // health_mu_ before db_mu_ (Check); nothing takes health_mu_ while holding db_mu_.
  mutable std::shared_mutex db_mu_;
  std::unique_ptr<rocksdb::DB> db_;
  std::optional<Error> closed_error_;  // why db_ is null (under db_mu_)
  DirectoryWatch watch_;
  std::mutex health_mu_;
  std::optional<Error> gone_;           // the directory was removed or replaced: for good
  std::atomic<bool> gone_flag_{false};  // gone_ is set (and never changes again)
  std::optional<Error> write_failure_;  // a write failed; a reopen is due (under health_mu_)
};

// Opens an existing RocksDB read-only (which writes nothing) and checks the format marker.
Result<void> CheckMarker(const std::string& path) {
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status s = rocksdb::DB::OpenForReadOnly(BaseOptions(path), path, &raw);
  std::unique_ptr<rocksdb::DB> db(raw);
  if (!s.ok()) {
    if (s.IsIOError() && !s.IsCorruption()) return FromStatus(path, "open (read-only check)", s);
    return Error::Permanent(ErrorCategory::kSnapshot,
                            Refusal(path, "it cannot be opened as a RocksDB database: " + s.ToString()));
  }
  std::string marker;
  const rocksdb::Status g = db->Get(rocksdb::ReadOptions(), MetaKey(kFormatMetaKey), &marker);
  if (g.IsNotFound()) return Error::Permanent(ErrorCategory::kSnapshot, Refusal(path, "no format marker"));
  if (!g.ok()) return FromStatus(path, "read format marker", g);
  if (marker == kFormatMarker) return Ok();
  if (marker.starts_with(kFormatMarkerPrefix))
    return Error::Permanent(ErrorCategory::kSnapshot,
                            "snapshot " + path + " has format '" + marker + "' but this build reads '" +
                                kFormatMarker +
                                "'; run a matching ats-connector version or point snapshot.path at an empty "
                                "directory; it was not modified");
  return Error::Permanent(ErrorCategory::kSnapshot, Refusal(path, "unknown format marker '" + marker + "'"));
}

}  // namespace

Result<std::unique_ptr<SnapshotStore>> OpenRocksDbStore(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return Error::Permanent(ErrorCategory::kConfig, "snapshot.path is empty");
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    return Error::Retryable(ErrorCategory::kSnapshot, "snapshot " + path + ": cannot stat: " + ec.message());

  bool create = false;
  if (!fs::exists(st)) {
    fs::create_directories(path, ec);
    if (ec)
      return Error::Permanent(ErrorCategory::kSnapshot,
                              "snapshot " + path + ": cannot create directory: " + ec.message());
    create = true;
  } else if (!fs::is_directory(st)) {
    return Error::Permanent(ErrorCategory::kSnapshot, Refusal(path, "it is not a directory"));
  } else {
    const bool empty = fs::is_empty(path, ec);
    if (ec)
      return Error::Retryable(ErrorCategory::kSnapshot,
                              "snapshot " + path + ": cannot list: " + ec.message());
    if (empty) {
      create = true;
    } else {
      if (!fs::exists(fs::path(path) / "CURRENT", ec))
        return Error::Permanent(ErrorCategory::kSnapshot, Refusal(path, "not a RocksDB database"));
      if (auto ok = CheckMarker(path); !ok) return ok.error();
    }
  }

  rocksdb::Options options = BaseOptions(path);
  options.create_if_missing = create;
  options.error_if_exists = create;  // an empty directory must not have become a database meanwhile
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  std::unique_ptr<rocksdb::DB> db(raw);
  if (!s.ok()) return FromStatus(path, "open", s);

  if (create) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (auto w = db->Put(wo, MetaKey(kFormatMetaKey), kFormatMarker); !w.ok())
      return FromStatus(path, "write format marker", w);
  }
  return std::unique_ptr<SnapshotStore>(std::make_unique<RocksDbStore>(path, std::move(db)));
}

}  // namespace ats::snapshot

namespace ats::snapshot {

std::string EncodeRecordKey(const Key& key) { return RecordKey(key); }
std::string EncodeMetaKey(std::string_view name) { return MetaKey(name); }
std::string EncodeStoredRecord(const StoredRecord& record) { return EncodeRecord(record); }
std::string DecodeStoredRecord(std::string_view value, StoredRecord& record) { return DecodeRecord(value, record); }

std::optional<DecodedKey> DecodeKey(std::string_view key) {
  if (key.size() < 2 || key[1] != '\0') return std::nullopt;
  if (key[0] == 'm') return DecodedKey(std::string(key.substr(2)));
  if (key[0] != 'r') return std::nullopt;
  key.remove_prefix(2);
  const size_t a = key.find('\0');
  if (a == std::string_view::npos || a == 0) return std::nullopt;
  const size_t b = key.find('\0', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  const std::string_view entity = key.substr(a + 1, b - a - 1);
  Key out;
  out.connection = std::string(key.substr(0, a));
  if (entity == ToString(Entity::kJob)) {
    out.entity = Entity::kJob;
  } else if (entity == ToString(Entity::kCandidate)) {
    out.entity = Entity::kCandidate;
  } else {
    return std::nullopt;
  }
  out.id = std::string(key.substr(b + 1));
  return DecodedKey(std::move(out));
}

}  // namespace ats::snapshot
