#include "config/problem_text.hpp"

namespace ats::config {
namespace {

// The first `max` bytes of `s` without cutting a UTF-8 sequence, "…" and the length.
std::string Shorten(std::string_view s, size_t max) {
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "… (" + std::to_string(s.size()) + " bytes)";
}

}  // namespace

std::string ElideQuoted(std::string message) {
  if (message.size() <= kMaxShownValue) return message;
  std::string out;
  size_t i = 0;
  while (i < message.size()) {
    const size_t open = message.find('\'', i);
    if (open == std::string::npos) {
      out.append(message, i, std::string::npos);
      break;
    }
    size_t close = message.find('\'', open + 1);
    const bool closed = close != std::string::npos;
    if (!closed) close = message.size();
    out.append(message, i, open + 1 - i);
    const std::string_view quoted = std::string_view(message).substr(open + 1, close - open - 1);
    out += quoted.size() > kMaxShownValue ? Shorten(quoted, kMaxShownValue) : std::string(quoted);
    if (!closed) break;
    out.push_back('\'');
    i = close + 1;
  }
  return out;
}

std::string ElidePath(std::string path) {
  if (path.size() <= kMaxShownPath) return path;
  return Shorten(path, kMaxShownPath);
}

}  // namespace ats::config
