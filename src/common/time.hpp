#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ats {

using SystemTime = std::chrono::system_clock::time_point;

std::string FormatRfc3339(SystemTime t);        // 2026-07-23T18:58:18Z
std::string FormatRfc3339Millis(SystemTime t);  // 2026-07-23T18:58:18.123Z
// Accepts YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM); nullopt for anything else.
std::optional<SystemTime> ParseRfc3339(std::string_view text);

}  // namespace ats
