#pragma once
#include <string>
#include <string_view>
#include <vector>
#include "common/result.hpp"
namespace ats::connections {
// A keyring file (YAML, mode 0600): keys: [{id: k1, key: <base64 of 32 random bytes>, created: <RFC3339>}],
// primary: k1 (the key new seals use; the others still open what they sealed, for rotation).
class Keyring {
 public:
  // Permanent kConfig errors name the file and say the fix (e.g. "run `ats-connector keygen --out FILE`").
  static Result<Keyring> Load(const std::string& path);
  static Result<Keyring> Parse(const std::string& text);
  // The text of a new keyring file with one fresh key (id "k1" unless given), primary.
  static std::string Generate(const std::string& id = "");
  // `existing` text with one more fresh key appended and made primary (id k<N+1> unless given).
  static Result<std::string> AddKey(const std::string& existing, const std::string& id = "");
  const std::string& primary_id() const;
  std::vector<std::string> key_ids() const;
  // AES-256-GCM under the primary key, random 12-byte nonce, `aad` authenticated (not stored):
  // "v1:<key id>:<base64 nonce>:<base64 ciphertext||tag>".
  std::string Seal(std::string_view plaintext, std::string_view aad) const;
  // Permanent error when the key id is unknown, the text is not a seal or authentication fails.
  Result<std::string> Open(std::string_view sealed, std::string_view aad) const;

 private:
  std::string primary_ = "k1";
};
// "<first 8 hex of SHA-256(secret)>": how a secret is shown by the API ({"configured":true,"fingerprint":...}).
std::string Fingerprint(std::string_view secret);
}
