#include "common/result.hpp"

namespace ats {

std::string_view ToString(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kTransport: return "transport";
    case ErrorCategory::kServer: return "server";
    case ErrorCategory::kRateLimited: return "rate_limited";
    case ErrorCategory::kAuth: return "auth";
    case ErrorCategory::kCredentials: return "credentials";
    case ErrorCategory::kPermission: return "permission";
    case ErrorCategory::kNotFound: return "not_found";
    case ErrorCategory::kBadResponse: return "bad_response";
    case ErrorCategory::kBadRecord: return "bad_record";
    case ErrorCategory::kUnsafeUrl: return "unsafe_url";
    case ErrorCategory::kPageLimit: return "page_limit";
    case ErrorCategory::kKafka: return "kafka";
    case ErrorCategory::kSnapshot: return "snapshot";
    case ErrorCategory::kConfig: return "config";
    case ErrorCategory::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace ats
