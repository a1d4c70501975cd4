#pragma once
// Notices when the snapshot directory a running store uses is removed or replaced (`rm -rf`, a
// volume swapped, a restore over it): the store then refuses every read and commit, so nothing is
// committed into a directory nobody will ever open again, while a second process may already be
// starting afresh at the same path.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace ats::snapshot {

class DirectoryWatch {
 public:
  // Pins the directory at `path` (an open descriptor) and remembers its identity.
  explicit DirectoryWatch(std::string path);
  ~DirectoryWatch();
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  // "" while `path` is still the directory it was, with its RocksDB files; else what changed.
  std::string Changed() const;

 private:
  std::string path_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::string open_error_;
};

// Bytes available to this process on the file system holding `path`; nullopt when unknown.
std::optional<uint64_t> FreeBytes(const std::string& path);

}  // namespace ats::snapshot
