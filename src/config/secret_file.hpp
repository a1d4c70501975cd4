#pragma once
// Reading a secret file (token, client secret, password) without trusting what the path names:
// only a regular file is read (a FIFO or a device would block the start-up or never end), at
// most `max_bytes`, and whether group or others may read it is reported for a warning.
#include <cstddef>
#include <string>

namespace ats::config {

struct SecretFile {
  bool ok = false;
  std::string content;            // when ok
  std::string reason;             // when not ok: why, without the content
  bool readable_by_others = false;  // group or other read permission
};

SecretFile ReadSecretFile(const std::string& path, size_t max_bytes);

}  // namespace ats::config
