#include "support/tmpfs_mount.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace ats::testing {

TmpfsMount::TmpfsMount(size_t bytes) {
  std::string templ = "/tmp/ats-tmpfs-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    error_ = std::string("mkdtemp: ") + std::strerror(errno);
    return;
  }
  path_ = templ;
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
  if (mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    error_ = "cannot mount a " + std::to_string(bytes) + "-byte tmpfs at " + path_ + ": " +
             std::strerror(errno) + " (this test needs root with CAP_SYS_ADMIN, as in CI)";
    return;
  }
  mounted_ = true;
}

TmpfsMount::~TmpfsMount() {
  if (mounted_ && umount2(path_.c_str(), MNT_DETACH) != 0) return;  // never remove what is mounted
  if (!path_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

size_t FillDisk(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  const std::vector<char> zeros(64 * 1024, 0);
  size_t total = 0;
  size_t chunk = zeros.size();
  while (chunk > 0) {
    const ssize_t n = write(fd, zeros.data(), chunk);
    if (n > 0) {
      total += static_cast<size_t>(n);
    } else {
      chunk /= 2;  // the last few bytes
    }
  }
  close(fd);
  return total;
}

}  // namespace ats::testing
