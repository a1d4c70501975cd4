#pragma once
// Reading a secret file (token, client secret, password) without trusting what the path names:
// only a regular file is read (a FIFO or a device would block the start-up or never end), at
// most `max_bytes`, and whether group or others may read it needlessly is reported for a
// warning.
#include <cstddef>
#include <string>

namespace ats::config {

struct SecretFile {
  bool ok = false;
  std::string content;            // when ok
  std::string reason;             // when not ok: why, without the content
  // Others may read it, or its group may although the connector owns it (0640 where 0600 would
  // do). Read through the group bit by a non-owner, as Kubernetes mounts a Secret (root-owned,
  // 0440, group = the pod's fsGroup), it is not reported: that bit is how the connector reads it.
  bool readable_by_others = false;
};

SecretFile ReadSecretFile(const std::string& path, size_t max_bytes);

}  // namespace ats::config
