#pragma once
// The prefix of every protected-characteristic value the simulated tenants send (Workday
// protected_columns, Workable protected_answers): nothing else in their data contains it, so a
// test can search any output (topics, logs, metrics, snapshot files) for it.
#include <string_view>

namespace ats::sim {

inline constexpr std::string_view kProtectedMarker = "PR0TECTED-";

}  // namespace ats::sim
