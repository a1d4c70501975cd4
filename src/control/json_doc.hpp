#pragma once
// A connection document as the control API keeps it: the JSON body parsed as a YAML node (JSON is
// YAML), written back as canonical JSON, merged with a JSON merge patch (RFC 7396), and shown
// with every secret replaced by {"configured": true, "fingerprint": "<8 hex>"}.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ats::control {

// Whether `s` is valid UTF-8 (JSON text must be).
bool ValidUtf8(std::string_view s);
// `s` with every byte that does not belong to a valid UTF-8 sequence replaced by U+FFFD: what a
// reply echoes (an id from the path, a key from a body) stays valid JSON.
std::string Utf8Safe(std::string_view s);
// nullopt when `json` is not one JSON object (or not UTF-8).
std::optional<YAML::Node> ParseObject(const std::string& json);
// Compact JSON; quoted scalars stay strings, plain ones that read as numbers, booleans or null
// are written bare.
std::string ToJson(const YAML::Node& node);
// RFC 7396: objects merge key by key, null removes a key, anything else replaces.
YAML::Node MergePatch(const YAML::Node& target, const YAML::Node& patch);
// Whether `key` holds a secret (api_token, client_secret, refresh_token, password, hash_key).
bool IsSecretKey(const std::string& key);
// A copy of `node` with every secret value replaced by {"configured":true,"fingerprint":...}.
YAML::Node MaskSecrets(const YAML::Node& node);
// The keys of a JSON object not in `allowed`.
std::vector<std::string> UnknownKeys(const YAML::Node& object, const std::vector<std::string>& allowed);

}  // namespace ats::control
