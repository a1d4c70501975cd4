#include "connections/keyring.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "common/log.hpp"
#include "support/test_support.hpp"

namespace ats::connections {
namespace {

using ::testing::HasSubstr;

Keyring Ring(const std::string& text) {
  auto ring = Keyring::Parse(text);
  EXPECT_TRUE(ring.ok()) << (ring.ok() ? "" : ring.error().message);
  return std::move(ring).value();
}

std::vector<std::string> Split(const std::string& sealed) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t colon; (colon = sealed.find(':', start)) != std::string::npos; start = colon + 1)
    parts.push_back(sealed.substr(start, colon - start));
  parts.push_back(sealed.substr(start));
  return parts;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ":") + p;
  return out;
}

// The base64 `text` with one bit of its decoded byte `index` (from the end when negative) flipped.
std::string FlipByte(const std::string& text, int index) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bits;
  for (char c : text) {
    if (c == '=') break;
    const size_t v = kAlphabet.find(c);
    for (int b = 5; b >= 0; --b) bits += ((v >> b) & 1) ? '1' : '0';
  }
  const size_t bytes = bits.size() / 8;
  const size_t at = index < 0 ? bytes + index : static_cast<size_t>(index);
  bits[at * 8] = bits[at * 8] == '1' ? '0' : '1';
  std::string out;
  for (size_t i = 0; i + 6 <= bits.size(); i += 6) out += kAlphabet[std::stoi(bits.substr(i, 6), nullptr, 2)];
  if (bits.size() % 6 != 0) {
    std::string rest = bits.substr(bits.size() - bits.size() % 6);
    rest.resize(6, '0');
    out += kAlphabet[std::stoi(rest, nullptr, 2)];
  }
  while (out.size() % 4 != 0) out += '=';
  return out;
}

constexpr const char* kAad = "source/acme/refresh_token";

TEST(KeyringTest, SealThenOpenGivesThePlaintextBack) {
  const Keyring ring = Ring(Keyring::Generate());
  for (const std::string& text :
       {std::string("rotated-refresh-token-123"), std::string(), std::string(5000, 'x')}) {
    const std::string sealed = ring.Seal(text, kAad);
    EXPECT_THAT(sealed, ::testing::StartsWith("v1:k1:"));
    EXPECT_EQ(Split(sealed).size(), 4u) << sealed;
    if (!text.empty()) {
      EXPECT_THAT(sealed, ::testing::Not(HasSubstr(text)));
    }
    auto opened = ring.Open(sealed, kAad);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(*opened, text);
  }
}

TEST(KeyringTest, TwoSealsOfOneTextDiffer) {
  const Keyring ring = Ring(Keyring::Generate());
  const std::string a = ring.Seal("same secret", kAad);
  const std::string b = ring.Seal("same secret", kAad);
  EXPECT_NE(a, b);
  EXPECT_NE(Split(a)[2], Split(b)[2]) << "the nonces must differ";
}

TEST(KeyringTest, EveryTamperedPartFailsToOpen) {
  const Keyring ring = Ring(*Keyring::AddKey(Keyring::Generate()));  // k1 and k2 (primary)
  const std::string sealed = ring.Seal("rotated-refresh-token-123", kAad);
  ASSERT_TRUE(ring.Open(sealed, kAad).ok());
  const auto parts = Split(sealed);  // v1, k2, nonce, ciphertext||tag
  std::vector<std::pair<std::string, std::string>> cases;
  auto with = [&](size_t i, const std::string& value) {
    auto p = parts;
    p[i] = value;
    return Join(p);
  };
  cases.push_back({"key id of the other key", with(1, "k1")});
  cases.push_back({"unknown key id", with(1, "k9")});
  cases.push_back({"nonce byte", with(2, FlipByte(parts[2], 0))});
  cases.push_back({"ciphertext byte", with(3, FlipByte(parts[3], 0))});
  cases.push_back({"tag byte", with(3, FlipByte(parts[3], -1))});
  cases.push_back({"version", with(0, "v2")});
  cases.push_back({"truncated", sealed.substr(0, sealed.size() - 4)});
  for (const auto& [what, tampered] : cases) {
    ASSERT_NE(tampered, sealed) << what;
    auto opened = ring.Open(tampered, kAad);
    EXPECT_FALSE(opened.ok()) << what;
    if (!opened.ok()) {
      EXPECT_EQ(opened.error().kind, ErrorKind::kPermanent) << what;
      EXPECT_THAT(opened.error().message, ::testing::Not(HasSubstr("rotated-refresh-token"))) << what;
    }
  }
  auto other_aad = ring.Open(sealed, "source/other/refresh_token");
  ASSERT_FALSE(other_aad.ok());
  EXPECT_THAT(other_aad.error().message, HasSubstr("failed authentication"));
  // Another keyring's k2 is another key.
  const Keyring stranger = Ring(*Keyring::AddKey(Keyring::Generate()));
  EXPECT_FALSE(stranger.Open(sealed, kAad).ok());
}

TEST(KeyringTest, AddedKeyBecomesPrimaryAndOldSealsStillOpen) {
  const std::string first = Keyring::Generate();
  const Keyring k1 = Ring(first);
  EXPECT_EQ(k1.primary_id(), "k1");
  const std::string old_seal = k1.Seal("sealed under k1", kAad);

  auto second = Keyring::AddKey(first);
  ASSERT_TRUE(second.ok()) << second.error().message;
  const Keyring k2 = Ring(*second);
  EXPECT_EQ(k2.primary_id(), "k2");
  EXPECT_EQ(k2.key_ids(), (std::vector<std::string>{"k1", "k2"}));
  auto opened = k2.Open(old_seal, kAad);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(*opened, "sealed under k1");
  const std::string new_seal = k2.Seal("sealed under k2", kAad);
  EXPECT_THAT(new_seal, ::testing::StartsWith("v1:k2:"));
  EXPECT_FALSE(k1.Open(new_seal, kAad).ok()) << "k1's ring does not hold k2";

  auto named = Keyring::AddKey(*second, "2027-q1");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(Ring(*named).primary_id(), "2027-q1");
  EXPECT_FALSE(Keyring::AddKey(*second, "k1").ok()) << "an id already there";
  EXPECT_FALSE(Keyring::AddKey("not: [a keyring").ok());
}

TEST(KeyringTest, KeyMaterialIsRegisteredAsASecret) {
  const std::string text = Keyring::Generate();
  const size_t at = text.find("key: ") + 5;
  const std::string key = text.substr(at, text.find('\n', at) - at);
  ASSERT_EQ(key.size(), 44u);  // base64 of 32 bytes
  Ring(text);
  EXPECT_EQ(log::Redact("key=" + key), "key=[REDACTED]");
}

struct BadRing {
  const char* what;
  std::string text;
  const char* message;
};

TEST(KeyringTest, BadKeyringsSayWhatIsWrong) {
  const std::string key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";  // 32 bytes
  const std::string short_key = "MDEyMzQ1Njc4OWFiY2RlZg==";                // 16 bytes
  const std::vector<BadRing> cases = {
      {"short key", "keys:\n  - id: k1\n    key: " + short_key + "\nprimary: k1\n", "exactly 32 bytes"},
      {"not base64", "keys:\n  - id: k1\n    key: not*base64\nprimary: k1\n", "not base64"},
      {"duplicate ids",
       "keys:\n  - {id: k1, key: " + key + "}\n  - {id: k1, key: " + key + "}\nprimary: k1\n",
       "duplicate key id 'k1'"},
      {"primary not found", "keys:\n  - {id: k1, key: " + key + "}\nprimary: k2\n",
       "primary key 'k2' is not among"},
      {"no primary", "keys:\n  - {id: k1, key: " + key + "}\n", "names no primary key"},
      {"no keys", "keys: []\nprimary: k1\n", "has no keys"},
      {"bad id", "keys:\n  - {id: 'k:1', key: " + key + "}\nprimary: 'k:1'\n", "expected a key id"},
      {"unknown key", "keys:\n  - {id: k1, key: " + key + "}\nprimary: k1\nsecondary: k1\n",
       "unknown key 'secondary'"},
      {"not a map", "- k1\n", "not a keyring"},
      {"syntax", "keys: [\n", "YAML syntax error"},
  };
  for (const auto& c : cases) {
    auto ring = Keyring::Parse(c.text);
    ASSERT_FALSE(ring.ok()) << c.what;
    EXPECT_EQ(ring.error().category, ErrorCategory::kConfig) << c.what;
    EXPECT_THAT(ring.error().message, HasSubstr(c.message)) << c.what;
    EXPECT_THAT(ring.error().message, ::testing::Not(HasSubstr(key))) << c.what;
  }
  EXPECT_TRUE(Keyring::Parse("keys:\n  - {id: k1, key: " + key + "}\nprimary: k1\n").ok());
}

TEST(KeyringTest, LoadNamesTheFileAndTheFix) {
  testing::TempDir dir;
  auto missing = Keyring::Load(dir.File("keyring.yaml"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("does not exist"));
  EXPECT_THAT(missing.error().message, HasSubstr("ats-connector keygen --out " + dir.File("keyring.yaml")));

  testing::WriteFile(dir.File("bad.yaml"), "keys: []\nprimary: k1\n");
  auto bad = Keyring::Load(dir.File("bad.yaml"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("keyring file '" + dir.File("bad.yaml") + "'"));

  auto directory = Keyring::Load(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.error().message, HasSubstr("not a regular file"));
}

TEST(KeyringTest, LoadWarnsWhenOthersMayReadTheFile) {
  testing::TempDir dir;
  const std::string path = dir.File("keyring.yaml");
  testing::WriteFile(path, Keyring::Generate());
  std::vector<std::string> lines;
  log::SetSinkForTest([&](std::string_view line) { lines.emplace_back(line); });
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  EXPECT_TRUE(Keyring::Load(path).ok());
  EXPECT_TRUE(lines.empty()) << lines.front();
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  EXPECT_TRUE(Keyring::Load(path).ok());
  log::SetSinkForTest(nullptr);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("chmod 600"));
}

TEST(KeyringTest, FingerprintIsEightHexOfSha256) {
  EXPECT_EQ(Fingerprint("abc"), "ba7816bf");  // SHA-256("abc") = ba7816bf 8f01cfea...
  EXPECT_EQ(Fingerprint("abc"), Fingerprint("abc"));
  EXPECT_NE(Fingerprint("abc"), Fingerprint("abd"));
  EXPECT_THAT(Fingerprint("some-token"), ::testing::MatchesRegex("[0-9a-f]{8}"));
}

}  // namespace
}  // namespace ats::connections
