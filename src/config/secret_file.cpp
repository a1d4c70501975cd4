#include "config/secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ats::config {
namespace {

const char* Kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

}  // namespace

SecretFile ReadSecretFile(const std::string& path, size_t max_bytes) {
  SecretFile out;
  // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    out.reason = std::strerror(errno);
    return out;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    out.reason = std::strerror(errno);
    close(fd);
    return out;
  }
  if (!S_ISREG(st.st_mode)) {
    out.reason = std::string("it is ") + Kind(st.st_mode) + ", not a regular file";
    close(fd);
    return out;
  }
  out.readable_by_others =
      (st.st_mode & S_IROTH) != 0 || ((st.st_mode & S_IRGRP) != 0 && st.st_uid == geteuid());
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      out.reason = std::strerror(errno);
      close(fd);
      return out;
    }
    if (n == 0) break;
    out.content.append(buf, static_cast<size_t>(n));
    if (out.content.size() > max_bytes) {
      out.content.clear();
      out.reason = "larger than " + std::to_string(max_bytes) + " bytes";
      close(fd);
      return out;
    }
  }
  close(fd);
  out.ok = true;
  return out;
}

}  // namespace ats::config
