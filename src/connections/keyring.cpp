#include "connections/keyring.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <stdexcept>

#include "common/log.hpp"
#include "common/time.hpp"

namespace ats::connections {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kMaxFileBytes = 1 << 20;
constexpr std::string_view kPrefix = "v1:";

Error ConfigError(std::string message) {
  return Error::Permanent(ErrorCategory::kConfig, std::move(message));
}
Error SealError(std::string message) {
  return Error::Permanent(ErrorCategory::kConfig, std::move(message));
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Strict: only the canonical encoding (what Base64 writes) is accepted. EVP_DecodeBlock counts
// the bytes the padding stands for, so they are taken off again.
bool Unbase64(std::string_view text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  std::string bytes(text.size() / 4 * 3, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  bytes.resize(static_cast<size_t>(n) - padding);
  if (Base64(bytes) != text) return false;
  out = std::move(bytes);
  return true;
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("OpenSSL RAND_bytes failed: no randomness for a key or nonce");
  return out;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Keyring::~Keyring() {
  for (auto& key : keys_)
    if (!key.bytes.empty()) OPENSSL_cleanse(key.bytes.data(), key.bytes.size());
}

Result<Keyring> Keyring::Parse(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return ConfigError("not a keyring: YAML syntax error at line " + std::to_string(e.mark.line + 1) +
                       "; write a new one with `ats-connector keygen --out FILE`");
  }
  if (!root.IsMap())
    return ConfigError(
        "not a keyring: expected the keys `keys:` and `primary:`; write one with "
        "`ats-connector keygen --out FILE`");
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
    if (name != "keys" && name != "primary")
      return ConfigError("unknown key '" + name + "' in the keyring; it holds only `keys:` and `primary:`");
  }
  const YAML::Node keys = root["keys"];
  if (!keys || !keys.IsSequence() || keys.size() == 0)
    return ConfigError(
        "the keyring has no keys (`keys:` must list at least one); add one with "
        "`ats-connector keygen --add --out FILE`");
  Keyring ring;
  std::set<std::string> ids;
  for (size_t i = 0; i < keys.size(); ++i) {
    const YAML::Node k = keys[i];
    const std::string where = "keys[" + std::to_string(i) + "]";
    if (!k.IsMap()) return ConfigError(where + ": expected {id, key, created}");
    for (auto it = k.begin(); it != k.end(); ++it) {
      const std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
      if (name != "id" && name != "key" && name != "created")
        return ConfigError(where + ": unknown key '" + name + "'; a key has id, key and created");
    }
    Key key;
    if (!k["id"] || !k["id"].IsScalar() || !ValidId(k["id"].Scalar()))
      return ConfigError(where + ".id: expected a key id of letters, digits, '.', '_' or '-' (e.g. k1)");
    key.id = k["id"].Scalar();
    if (!ids.insert(key.id).second)
      return ConfigError(where + ".id: duplicate key id '" + key.id + "'; every key needs its own id");
    if (!k["key"] || !k["key"].IsScalar())
      return ConfigError(where + ".key: missing; expected the base64 of 32 random bytes (keygen writes it)");
    log::RegisterSecret(k["key"].Scalar());
    if (!Unbase64(k["key"].Scalar(), key.bytes) || key.bytes.size() != kKeyBytes) {
      const size_t got = key.bytes.size();
      if (!key.bytes.empty()) OPENSSL_cleanse(key.bytes.data(), key.bytes.size());
      return ConfigError(
          where + ".key (id " + key.id + "): expected the base64 of exactly 32 bytes (AES-256), got " +
          (got == 0 ? std::string("something that is not base64") : std::to_string(got) + " bytes") +
          "; add a fresh key with `ats-connector keygen --add --out FILE`");
    }
    if (k["created"] && k["created"].IsScalar()) key.created = k["created"].Scalar();
    ring.keys_.push_back(std::move(key));
  }
  const YAML::Node primary = root["primary"];
  if (!primary || !primary.IsScalar() || primary.Scalar().empty())
    return ConfigError("the keyring names no primary key; set `primary:` to one of its key ids");
  ring.primary_ = primary.Scalar();
  if (ring.Find(ring.primary_) == nullptr)
    return ConfigError("primary key '" + ring.primary_ +
                       "' is not among the keyring's keys; set `primary:` to one "
                       "of its key ids");
  return ring;
}

Result<Keyring> Keyring::Load(const std::string& path) {
  const std::string named = "keyring file '" + path + "'";
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT)
      return ConfigError(named + " does not exist; create one with `ats-connector keygen --out " + path +
                         "`");
    return ConfigError("cannot read " + named + ": " + std::strerror(err));
  }
  struct stat st {};
  std::string text;
  std::string problem;
  if (fstat(fd, &st) != 0) {
    problem = std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    problem = "it is not a regular file";
  } else {
    char buf[4096];
    for (;;) {
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        problem = std::strerror(errno);
        break;
      }
      if (n == 0) break;
      text.append(buf, static_cast<size_t>(n));
      if (text.size() > kMaxFileBytes) {
        problem = "larger than " + std::to_string(kMaxFileBytes) + " bytes";
        break;
      }
    }
  }
  close(fd);
  if (!problem.empty()) return ConfigError("cannot read " + named + ": " + problem);
  if ((st.st_mode & S_IROTH) != 0 || ((st.st_mode & S_IRGRP) != 0 && st.st_uid == geteuid()))
    log::Warn(
        "keyring file is readable by group or others; make it readable only by the connector (chmod 600)",
        {{"file", path}});
  auto ring = Parse(text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!ring) return ConfigError(named + ": " + ring.error().message);
  return ring;
}

std::string Keyring::Generate(const std::string& id) {
  Keyring ring;
  ring.keys_.push_back(
      {id.empty() ? "k1" : id, RandomBytes(kKeyBytes), FormatRfc3339(std::chrono::system_clock::now())});
  ring.primary_ = ring.keys_.back().id;
  return ring.Text();
}

Result<std::string> Keyring::AddKey(const std::string& existing, const std::string& id) {
  auto ring = Parse(existing);
  if (!ring) return ring.error();
  std::string new_id = id;
  if (new_id.empty()) {
    for (size_t n = ring->keys_.size() + 1; new_id.empty() || ring->Find(new_id) != nullptr; ++n)
      new_id = "k" + std::to_string(n);
  } else if (!ValidId(new_id)) {
    return ConfigError("key id '" + new_id + "': use letters, digits, '.', '_' or '-'");
  } else if (ring->Find(new_id) != nullptr) {
    return ConfigError("the keyring already has a key '" + new_id + "'");
  }
  ring->keys_.push_back({new_id, RandomBytes(kKeyBytes), FormatRfc3339(std::chrono::system_clock::now())});
  ring->primary_ = new_id;
  return ring->Text();
}

std::string Keyring::Text() const {
  std::string out =
      "# ats-connector keyring: the keys that seal secrets at rest (AES-256-GCM). Keep it secret\n"
      "# (mode 0600) and keep every key that sealed something still stored; rotate with\n"
      "# `ats-connector keygen --add --out FILE`.\n"
      "keys:\n";
  for (const auto& k : keys_) {
    out += "  - id: " + k.id + "\n    key: " + Base64(k.bytes) + "\n";
    if (!k.created.empty()) out += "    created: \"" + k.created + "\"\n";
  }
  out += "primary: " + primary_ + "\n";
  return out;
}

const Keyring::Key* Keyring::Find(std::string_view id) const {
  for (const auto& k : keys_)
    if (k.id == id) return &k;
  return nullptr;
}

const std::string& Keyring::primary_id() const {
  return primary_;
}

std::vector<std::string> Keyring::key_ids() const {
  std::vector<std::string> out;
  for (const auto& k : keys_) out.push_back(k.id);
  return out;
}

bool Keyring::IsSealed(std::string_view text) {
  return text.substr(0, kPrefix.size()) == kPrefix;
}

std::string Keyring::Seal(std::string_view plaintext, std::string_view aad) const {
  const Key& key = *Find(primary_);
  const std::string nonce = RandomBytes(kNonceBytes);
  std::string out(plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0, total = 0;
  bool ok = ctx != nullptr &&
            EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, U(key.bytes), U(nonce)) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), o, &len, U(plaintext), static_cast<int>(plaintext.size())) == 1;
  total = len;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), o + total, &len) == 1;
  total += len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, o + total) == 1;
  // Only an OpenSSL without AES-GCM could fail here: nothing can be sealed, which is no state to run in.
  if (!ok) throw std::runtime_error("OpenSSL AES-256-GCM encryption failed");
  out.resize(static_cast<size_t>(total) + kTagBytes);
  return std::string(kPrefix) + key.id + ":" + Base64(nonce) + ":" + Base64(out);
}

Result<std::string> Keyring::Open(std::string_view sealed, std::string_view aad) const {
  if (!IsSealed(sealed)) return SealError("not a sealed value (expected v1:<key id>:<nonce>:<ciphertext>)");
  const std::string_view rest = sealed.substr(kPrefix.size());
  const size_t a = rest.find(':');
  const size_t b = a == std::string_view::npos ? a : rest.find(':', a + 1);
  if (b == std::string_view::npos || rest.find(':', b + 1) != std::string_view::npos)
    return SealError("not a sealed value (expected v1:<key id>:<nonce>:<ciphertext>)");
  const std::string_view id = rest.substr(0, a);
  const Key* key = Find(id);
  if (key == nullptr)
    return SealError("sealed with key '" + std::string(id) +
                     "', which the keyring does not hold; restore that key to secrets.keyring_file");
  std::string nonce, data;
  if (!Unbase64(rest.substr(a + 1, b - a - 1), nonce) || nonce.size() != kNonceBytes ||
      !Unbase64(rest.substr(b + 1), data) || data.size() < kTagBytes)
    return SealError("not a sealed value: its nonce or ciphertext is malformed");
  const size_t text_size = data.size() - kTagBytes;
  std::string plain(text_size, '\0');
  auto* p = reinterpret_cast<unsigned char*>(plain.data());
  std::string tag = data.substr(text_size);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0, total = 0;
  bool ok = ctx != nullptr &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, U(key->bytes), U(nonce)) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), p, &len, U(data), static_cast<int>(text_size)) == 1;
  total = len;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
       EVP_DecryptFinal_ex(ctx.get(), p + total, &len) == 1;
  if (!ok) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return SealError("a sealed value failed authentication under key '" + std::string(id) +
                     "': it was altered, or sealed for another record");
  }
  plain.resize(static_cast<size_t>(total + len));
  return plain;
}

std::string Fingerprint(std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(secret.data(), secret.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace ats::connections
