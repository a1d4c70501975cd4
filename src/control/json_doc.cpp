#include "control/json_doc.hpp"

#include <algorithm>
#include <regex>

#include <simdjson.h>

#include "common/json_writer.hpp"
#include "common/utf8.hpp"
#include "connections/keyring.hpp"

namespace ats::control {
namespace {

bool Bare(const YAML::Node& scalar) {
  if (scalar.Tag() == "!") return false;  // quoted in the source
  static const std::regex number(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
  const std::string& s = scalar.Scalar();
  return s == "true" || s == "false" || std::regex_match(s, number);
}

void Write(JsonWriter& w, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      w.BeginObject();
      for (const auto& kv : node) {
        w.Key(kv.first.Scalar());
        Write(w, kv.second);
      }
      w.EndObject();
      break;
    case YAML::NodeType::Sequence:
      w.BeginArray();
      for (const auto& item : node) Write(w, item);
      w.EndArray();
      break;
    case YAML::NodeType::Scalar:
      if (Bare(node)) {
        w.Raw(node.Scalar());
      } else {
        w.String(node.Scalar());
      }
      break;
    default: w.Null();
  }
}

}  // namespace

bool ValidUtf8(std::string_view s) {
  return simdjson::validate_utf8(s.data(), s.size());
}

std::string Utf8Safe(std::string_view s) {
  if (ValidUtf8(s)) return std::string(s);
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceAt(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::optional<YAML::Node> ParseObject(const std::string& json) {
  if (!ValidUtf8(json)) return std::nullopt;
  try {
    YAML::Node node = YAML::Load(json);
    if (!node.IsMap()) return std::nullopt;
    return node;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

std::string ToJson(const YAML::Node& node) {
  JsonWriter w;
  Write(w, node);
  return w.Take();
}

YAML::Node MergePatch(const YAML::Node& target, const YAML::Node& patch) {
  if (!patch.IsMap()) return YAML::Clone(patch);
  YAML::Node out = target.IsMap() ? YAML::Clone(target) : YAML::Node(YAML::NodeType::Map);
  for (const auto& kv : patch) {
    const std::string key = kv.first.Scalar();
    if (kv.second.IsNull()) {
      out.remove(key);
    } else {
      const YAML::Node current = out[key];
      out[key] = MergePatch(current, kv.second);
    }
  }
  return out;
}

bool IsSecretKey(const std::string& key) {
  return key == "api_token" || key == "client_secret" || key == "refresh_token" || key == "password" ||
         key == "hash_key";
}

YAML::Node MaskSecrets(const YAML::Node& node) {
  if (node.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& item : node) out.push_back(MaskSecrets(item));
    return out;
  }
  if (!node.IsMap()) return YAML::Clone(node);
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (IsSecretKey(key) && kv.second.IsScalar()) {
      YAML::Node masked(YAML::NodeType::Map);
      masked["configured"] = true;
      masked["fingerprint"] = connections::Fingerprint(kv.second.Scalar());
      masked["fingerprint"].SetTag("!");
      out[key] = masked;
    } else {
      out[key] = MaskSecrets(kv.second);
    }
  }
  return out;
}

std::vector<std::string> UnknownKeys(const YAML::Node& object, const std::vector<std::string>& allowed) {
  std::vector<std::string> unknown;
  if (!object.IsMap()) return unknown;
  for (const auto& kv : object) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) unknown.push_back(key);
  }
  return unknown;
}

}  // namespace ats::control
