#pragma once
// Keeps a config problem readable whatever the file holds: a huge value or key quoted in a
// message or a key path is shortened to its beginning, an ellipsis and its length.
#include <cstddef>
#include <string>

namespace ats::config {

constexpr size_t kMaxShownValue = 80;  // bytes of a quoted value shown in a problem
constexpr size_t kMaxShownPath = 200;  // bytes of a key path shown

// Every '...'-quoted part of `message` longer than kMaxShownValue, shortened to
// "<first bytes>… (N bytes)".
std::string ElideQuoted(std::string message);
// A key path longer than kMaxShownPath, shortened the same way.
std::string ElidePath(std::string path);

}  // namespace ats::config
