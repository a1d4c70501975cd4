#pragma once
// What an error means to the person who set the connection up: the category their ATS's setup
// screen would show and the fix. Shared by `ats-connector check` and /status.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace ats::connectors {

struct Diagnosis {
  std::string category;  // "Invalid API Endpoint", "Token Errors", "Insufficient Permissions", "Failed", ...
  std::string fix;
};

// `source` is the connection's source name ("workable", "workday").
Diagnosis Diagnose(const Error& error, std::string_view source);

}  // namespace ats::connectors
