#pragma once
// A small, allocation-friendly JSON writer for events, logs, /status and the simulators.
// (simdjson 3.0 parses but does not build documents.) Commas are placed automatically.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ats {

// Appends `s` to `out` as a JSON string literal, with quotes and escapes (UTF-8 passes through).
void AppendJsonString(std::string& out, std::string_view s);
std::string JsonString(std::string_view s);

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  JsonWriter& Raw(std::string_view json);  // an already-encoded JSON value

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace ats

namespace ats {
// Decodes a JSON string literal (with its quotes) such as a Record field value. Returns false
// when `json` is not a string literal (e.g. null, a number) or has a bad escape.
bool DecodeJsonString(std::string_view json, std::string& out);
}  // namespace ats
