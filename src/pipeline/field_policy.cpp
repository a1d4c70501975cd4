#include "pipeline/field_policy.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>

#include "common/field_names.hpp"
#include "common/json_writer.hpp"

namespace ats::pipeline {

// A minimal reader of one JSON text: enough to walk objects and arrays and copy every other
// token as it is (numbers beyond 64 bits included), so values survive byte for byte.
class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}
  void Ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool AtEnd() const { return i_ >= s_.size(); }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  // A string token, quotes included.
  bool String(std::string_view& token) {
    const size_t start = i_;
    if (!Consume('"')) return false;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') {
        token = s_.substr(start, i_ - start);
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (i_ >= s_.size()) return false;
        const char e = s_[i_++];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k, ++i_)
            if (i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) return false;
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
    }
    return false;
  }
  // A number or literal token.
  bool Scalar(std::string_view& token) {
    const size_t start = i_;
    for (std::string_view word : {"true", "false", "null"}) {
      if (s_.substr(i_, word.size()) == word) {
        i_ += word.size();
        token = s_.substr(start, word.size());
        return true;
      }
    }
    Consume('-');
    if (!Digits()) return false;
    if (Consume('.') && !Digits()) return false;
    if (Peek() == 'e' || Peek() == 'E') {
      ++i_;
      if (!Consume('+')) Consume('-');
      if (!Digits()) return false;
    }
    token = s_.substr(start, i_ - start);
    return true;
  }

 private:
  bool Digits() {
    const size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start;
  }
  std::string_view s_;
  size_t i_ = 0;
};

namespace {

constexpr int kMaxDepth = 256;
constexpr std::string_view kHashPrefix = "hmac-sha256:";
constexpr std::string_view kAttributes = "attributes";

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xF]);
  }
  return out;
}

bool IsHashText(std::string_view s) {
  if (s.size() != kHashPrefix.size() + 64 || s.substr(0, kHashPrefix.size()) != kHashPrefix) return false;
  for (char c : s.substr(kHashPrefix.size()))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

}  // namespace

std::string FieldPolicy::Normalise(std::string_view name) {
  return NormaliseFieldName(name);
}

bool FieldPolicy::IsProtected(std::string_view name) {
  return IsProtectedFieldName(name);
}

bool FieldPolicy::IsStructural(std::string_view name) {
  return IsStructuralFieldName(name);
}

FieldPolicy::FieldPolicy(const config::FieldPolicyConfig& config)
    : key_(config.hash_key), publish_unparsed_(config.dead_letter_unparsed == "publish") {
  const auto split = [](const std::vector<std::string>& names, std::set<std::string>& top,
                        std::set<std::string>& attr) {
    for (const auto& name : names) {
      const std::string_view n = name;
      if (n.size() > kAttributes.size() + 1 && Normalise(n.substr(0, kAttributes.size())) == kAttributes &&
          n[kAttributes.size()] == '.') {
        attr.insert(Normalise(n.substr(kAttributes.size() + 1)));
      } else {
        top.insert(Normalise(n));
      }
    }
  };
  split(config.exclude, exclude_top_, exclude_attr_);
  split(config.hash, hash_top_, hash_attr_);
  split(config.include_only, only_top_, only_attr_);
  split(config.include_protected, opted_in_top_, opted_in_attr_);
  include_only_ = !config.include_only.empty();
  all_attributes_ = only_top_.contains(std::string(kAttributes));
}

FieldPolicy::Action FieldPolicy::Decide(std::string_view key, Level level) const {
  const std::string n = Normalise(key);
  switch (level) {
    case Level::kTop:
      if (IsStructural(key)) return Action::kKeep;
      if (exclude_top_.contains(n)) return Action::kWithhold;
      if (include_only_ && !only_top_.contains(n) &&
          !(n == kAttributes && (all_attributes_ || !only_attr_.empty())))
        return Action::kWithhold;
      if (hash_top_.contains(n)) return Action::kHash;  // hashing a protected field opts it in, hashed
      return IsProtected(key) && !opted_in_top_.contains(n) ? Action::kWithhold : Action::kKeep;
    case Level::kAttribute:
      if (exclude_attr_.contains(n)) return Action::kWithhold;
      if (include_only_ && !all_attributes_ && !only_attr_.contains(n)) return Action::kWithhold;
      if (hash_attr_.contains(n)) return Action::kHash;
      return IsProtected(key) && !opted_in_attr_.contains(n) ? Action::kWithhold : Action::kKeep;
    case Level::kNested:
      if (exclude_top_.contains(n) || exclude_attr_.contains(n)) return Action::kWithhold;
      if (hash_top_.contains(n) || hash_attr_.contains(n)) return Action::kHash;
      if (IsProtected(key) && !opted_in_top_.contains(n) && !opted_in_attr_.contains(n))
        return Action::kWithhold;
      return Action::kKeep;
  }
  return Action::kKeep;
}

std::string FieldPolicy::Hash(std::string_view text) const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac.data(), &len);
  return std::string(kHashPrefix) + Hex(mac.data(), len);
}

std::string FieldPolicy::HashValue(std::string_view json) const {
  if (json == "null") return "null";
  std::string text;
  if (DecodeJsonString(json, text)) {
    if (IsHashText(text)) return std::string(json);  // already hashed: idempotent
    return "\"" + Hash(text) + "\"";
  }
  return "\"" + Hash(json) + "\"";
}

// Copies one value from `in` to `out` (compact), applying the policy to the keys of the objects
// in it: `level` is the level of this value's own keys; deeper keys are kNested.
bool FieldPolicy::RewriteValue(JsonReader& in, std::string& out, const std::string& path, Level level,
                               int depth, std::set<std::string>& withheld) const {
  if (depth > kMaxDepth) return false;
  in.Ws();
  if (in.Consume('{')) {
    std::string object = "{";
    std::set<std::string> found;      // merged into `withheld` only if the object stays
    bool protected_question = false;  // a questionnaire answer whose question asks for one
    in.Ws();
    if (!in.Consume('}')) {
      bool first = true;
      do {
        in.Ws();
        std::string_view key_token;
        if (!in.String(key_token)) return false;
        std::string key;
        if (!DecodeJsonString(key_token, key)) return false;
        in.Ws();
        if (!in.Consume(':')) return false;
        const std::string child = Join(path, key);
        const Action action = Decide(key, level);
        std::string value;
        std::set<std::string> inner;  // names inside a withheld value are not listed: the value is
        if (!RewriteValue(in, value, child, Level::kNested, depth + 1, inner)) return false;
        if (Normalise(key) == "question" && IsProtected(value)) protected_question = true;
        if (action == Action::kWithhold) {
          found.insert(child);
        } else {
          found.insert(inner.begin(), inner.end());
          if (!first) object.push_back(',');
          first = false;
          object += key_token;
          object.push_back(':');
          object += action == Action::kHash ? HashValue(value) : value;
        }
        in.Ws();
      } while (in.Consume(','));
      if (!in.Consume('}')) return false;
    }
    if (protected_question) {
      // {"question": "What is your gender?", "answer": ...}: the answer is a protected
      // characteristic whatever its key, so the whole object becomes null.
      withheld.insert(Join(path, "question"));
      out += "null";
      return true;
    }
    withheld.insert(found.begin(), found.end());
    out += object;
    out.push_back('}');
    return true;
  }
  if (in.Consume('[')) {
    out.push_back('[');
    in.Ws();
    if (in.Consume(']')) return out.push_back(']'), true;
    bool first = true;
    do {
      if (!first) out.push_back(',');
      first = false;
      if (!RewriteValue(in, out, path, level, depth + 1, withheld)) return false;
      in.Ws();
    } while (in.Consume(','));
    if (!in.Consume(']')) return false;
    out.push_back(']');
    return true;
  }
  std::string_view token;
  if (in.Peek() == '"' ? !in.String(token) : !in.Scalar(token)) return false;
  out += token;
  return true;
}

std::optional<std::string> FieldPolicy::RewriteText(std::string_view json, const std::string& path,
                                                    Level level, std::set<std::string>& withheld) const {
  JsonReader in(json);
  std::string out;
  std::set<std::string> found;
  if (!RewriteValue(in, out, path, level, 0, found)) return std::nullopt;
  in.Ws();
  if (!in.AtEnd()) return std::nullopt;
  withheld.insert(found.begin(), found.end());
  return out;
}

std::vector<std::string> FieldPolicy::Apply(std::map<std::string, std::string>& fields) const {
  std::set<std::string> withheld;
  for (auto it = fields.begin(); it != fields.end();) {
    const std::string& name = it->first;
    const Action action = Decide(name, Level::kTop);
    if (action == Action::kWithhold) {
      withheld.insert(name);
      it = fields.erase(it);
      continue;
    }
    if (it->second.empty() || (it->second.front() != '{' && it->second.front() != '[')) {
      // A scalar has no keys inside: nothing to rewrite (most fields; keeps the cost per record low).
      if (action == Action::kHash) it->second = HashValue(it->second);
      ++it;
      continue;
    }
    // Keys inside the value: attributes' own keys are kAttribute, any other object's kNested.
    const Level inner = Normalise(name) == kAttributes ? Level::kAttribute : Level::kNested;
    auto rewritten = RewriteText(it->second, name, inner, withheld);
    if (!rewritten) {  // not JSON (cannot happen for a normalised record): nothing can be checked
      withheld.insert(name);
      it = fields.erase(it);
      continue;
    }
    it->second = action == Action::kHash ? HashValue(*rewritten) : std::move(*rewritten);
    ++it;
  }
  return {withheld.begin(), withheld.end()};
}

FieldPolicy::Raw FieldPolicy::ApplyRaw(std::string_view raw) const {
  Raw result;
  std::set<std::string> withheld;
  std::optional<std::string> rewritten;
  if (!include_only_) rewritten = RewriteText(raw, "", Level::kNested, withheld);
  if (rewritten) {
    // Nothing withheld or hashable: the bytes exactly as received (raw_base64 promises them).
    const bool untouched = withheld.empty() && hash_top_.empty() && hash_attr_.empty();
    result.raw = untouched ? std::string(raw) : std::move(*rewritten);
  } else if (publish_unparsed_ && !include_only_) {
    result.raw = std::string(raw);
  } else {
    withheld = {"raw"};
  }
  result.withheld.assign(withheld.begin(), withheld.end());
  return result;
}

}  // namespace ats::pipeline
