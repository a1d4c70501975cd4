#pragma once
// A small tmpfs mounted for one test (a disk that can be filled in milliseconds), unmounted and
// removed by the destructor. Needs root (CAP_SYS_ADMIN); when it cannot mount, ok() is false and
// error() says why: tests fail on it, they never skip.
#include <string>

namespace ats::testing {

class TmpfsMount {
 public:
  explicit TmpfsMount(size_t bytes);
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  bool ok() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

// Writes zeros to `path` until the disk is full; returns the bytes written.
size_t FillDisk(const std::string& path);

}  // namespace ats::testing
