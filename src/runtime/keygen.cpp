#include "runtime/keygen.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "connections/keyring.hpp"

namespace ats::runtime {

const char* const kKeygenHelp = R"HELP(Usage: ats-connector keygen --out FILE [--add]

Writes a new keyring to FILE, readable only by its owner (mode 0600): one AES-256 key (id k1)
from the system's random source. Point secrets.keyring_file at it: the connector then seals
the secrets it stores (a rotated Workday refresh token in the snapshot) with AES-256-GCM.
An existing FILE is never replaced: its keys may have sealed what is stored.

  --add   add a fresh key to the keyring in FILE and make it the primary one: new seals use
          it, the older keys keep opening what they sealed (rotation). FILE is replaced
          atomically (a temporary file beside it, then a rename), mode 0600. Restart the
          connector to seal with the new key; keep the old keys while anything they sealed
          is stored.

Key material is never printed. Exit codes: 0 written, 1 the file could not be written,
2 bad usage (FILE exists without --add, or with --add is missing or not a keyring).
)HELP";

namespace {

bool WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return fchmod(fd, 0600) == 0 && fsync(fd) == 0;
}

void SyncDirectoryOf(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)fsync(fd);
  close(fd);
}

int Fail(const std::string& message, int code) {
  std::cerr << "ats-connector: " << message << "\n";
  return code;
}

int Create(const std::string& path) {
  // O_EXCL: an existing file (or one created meanwhile) is refused, not truncated.
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return Fail(
          "'" + path +
              "' exists; a keyring is never replaced, as its keys may have sealed stored secrets: use "
              "`ats-connector keygen --add --out " +
              path + "` to add a key to it, or choose another file",
          2);
    return Fail("cannot create '" + path + "': " + std::strerror(errno), 1);
  }
  const std::string text = connections::Keyring::Generate();
  const bool ok = WriteAll(fd, text);
  const int err = errno;
  close(fd);
  if (!ok) {
    unlink(path.c_str());
    return Fail("cannot write '" + path + "': " + std::strerror(err), 1);
  }
  SyncDirectoryOf(path);
  std::cout << "Wrote a new keyring to " << path << " (key k1, primary; mode 0600).\n"
            << "Set secrets.keyring_file: " << path << " in the configuration to seal secrets at rest.\n";
  return 0;
}

int Add(const std::string& path) {
  auto current = connections::Keyring::Load(path);  // says what is wrong and how to fix it
  if (!current) return Fail(current.error().message, 2);
  std::string text;
  {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Fail("cannot read '" + path + "': " + std::strerror(errno), 1);
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        close(fd);
        return Fail("cannot read '" + path + "': " + std::strerror(errno), 1);
      }
      text.append(buf, static_cast<size_t>(n));
    }
    close(fd);
  }
  auto next = connections::Keyring::AddKey(text);
  if (!next) return Fail("keyring file '" + path + "': " + next.error().message, 2);
  const auto ring = connections::Keyring::Parse(*next);
  if (!ring) return Fail("internal error: the new keyring does not parse: " + ring.error().message, 1);

  std::string temp = path + ".tmp-XXXXXX";
  const int fd = mkstemp(temp.data());  // mode 0600
  if (fd < 0) return Fail("cannot create a temporary file beside '" + path + "': " + std::strerror(errno), 1);
  const bool ok = WriteAll(fd, *next);
  const int err = errno;
  close(fd);
  if (!ok || rename(temp.c_str(), path.c_str()) != 0) {
    const int why = ok ? errno : err;
    unlink(temp.c_str());
    return Fail("cannot write '" + path + "': " + std::strerror(why) + " (the keyring is unchanged)", 1);
  }
  SyncDirectoryOf(path);
  std::string ids;
  for (const auto& id : ring->key_ids()) ids += (ids.empty() ? "" : ", ") + id;
  std::cout << "Added key " << ring->primary_id() << " to " << path << "; it is now primary (keys: " << ids
            << ").\nRestart the connector to seal with it; the older keys still open what they sealed.\n";
  return 0;
}

}  // namespace

int Keygen(const std::string& path, bool add) {
  return add ? Add(path) : Create(path);
}

}  // namespace ats::runtime
