// TEMPORARY (api branch): the smallest stand-in for the conn branch's keyring so that the control
// API links; the merge replaces this file with the real AES-256-GCM keyring. Not tested.
#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include "connections/keyring.hpp"

namespace ats::connections {
namespace {
std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}
}  // namespace

Result<Keyring> Keyring::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::Permanent(ErrorCategory::kConfig, "cannot read keyring file '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str());
}
Result<Keyring> Keyring::Parse(const std::string& text) {
  if (text.find("primary:") == std::string::npos)
    return Error::Permanent(ErrorCategory::kConfig, "not a keyring: run `ats-connector keygen --out FILE`");
  return Keyring{};
}
std::string Keyring::Generate(const std::string&) {
  return "keys: [{id: k1, key: stub}]\nprimary: k1\n";
}
Result<std::string> Keyring::AddKey(const std::string& existing, const std::string&) {
  return existing;
}
const std::string& Keyring::primary_id() const {
  return primary_;
}
std::vector<std::string> Keyring::key_ids() const {
  return {primary_};
}
std::string Keyring::Seal(std::string_view plaintext, std::string_view) const {
  return "v1:" + primary_ + ":stub:" + Hex(plaintext);
}
Result<std::string> Keyring::Open(std::string_view sealed, std::string_view) const {
  const std::string prefix = "v1:" + primary_ + ":stub:";
  if (sealed.substr(0, prefix.size()) != prefix || (sealed.size() - prefix.size()) % 2 != 0)
    return Error::Permanent(ErrorCategory::kConfig, "not a seal");
  std::string out;
  for (size_t i = prefix.size(); i + 1 < sealed.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(sealed.substr(i, 2)), nullptr, 16));
  return out;
}
std::string Fingerprint(std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(secret.data(), secret.size(), digest, &n, EVP_sha256(), nullptr);
  return Hex(std::string_view(reinterpret_cast<const char*>(digest), 4));
}
}  // namespace ats::connections
