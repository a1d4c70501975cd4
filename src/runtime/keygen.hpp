#pragma once
// `ats-connector keygen`: writes the keyring that seals secrets at rest (secrets.keyring_file),
// or adds a key to one (rotation). Key material is never printed.
#include <string>

namespace ats::runtime {

extern const char* const kKeygenHelp;

// Writes a new keyring to `path` (mode 0600; refuses an existing file), or with `add` appends a
// fresh key to the keyring there and makes it primary (temporary file + rename, mode 0600).
// Returns the exit code: 0 done, 1 the file could not be written, 2 bad usage (the file exists,
// or with `add` is missing or not a keyring).
int Keygen(const std::string& path, bool add);

}  // namespace ats::runtime
