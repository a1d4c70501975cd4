#include "snapshot/snapshot_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ats::snapshot {

DirectoryWatch::DirectoryWatch(std::string path) : path_(std::move(path)) {
  fd_ = open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st {};
  if (fd_ < 0 || fstat(fd_, &st) != 0) {
    open_error_ = std::string("cannot open the directory: ") + std::strerror(errno);
    return;
  }
  dev_ = st.st_dev;
  ino_ = st.st_ino;
}

DirectoryWatch::~DirectoryWatch() {
  if (fd_ >= 0) close(fd_);
}

std::string DirectoryWatch::Changed() const {
  if (!open_error_.empty()) return open_error_;
  struct stat pinned {};
  if (fstat(fd_, &pinned) == 0 && pinned.st_nlink == 0) return "the directory was deleted";
  struct stat now {};
  if (stat(path_.c_str(), &now) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return "the path no longer exists";
    return "";  // EACCES, EIO...: not proof that it changed; the next commit will tell
  }
  if (now.st_dev != dev_ || now.st_ino != ino_) return "another directory is now at the path";
  // The contents removed (rm -rf path/*): RocksDB's CURRENT file names the live MANIFEST.
  if (faccessat(fd_, "CURRENT", F_OK, 0) != 0 && errno == ENOENT) return "its files were deleted";
  return "";
}

std::optional<uint64_t> FreeBytes(const std::string& path) {
  struct statvfs vfs {};
  if (statvfs(path.c_str(), &vfs) != 0) return std::nullopt;
  return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

}  // namespace ats::snapshot
