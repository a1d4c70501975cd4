#include "connectors/diagnosis.hpp"

namespace ats::connectors {

Diagnosis Diagnose(const Error& error, std::string_view source) {
  const bool workday = source == "workday";
  switch (error.category) {
    case ErrorCategory::kNotFound:
      return {"Invalid API Endpoint",
              workday
                  ? "Confirm the URL format: https://{domain}/ccx/api/v1/{tenant} (REST endpoint and "
                    "token endpoint from View API Clients; custom report URL from the report's Web Service "
                    "URL)."
                  : "Enter just the Workable subdomain (acme for acme.workable.com)."};
    case ErrorCategory::kConfig:
      if (error.message.find("Invalid API Endpoint") != std::string::npos)
        return {"Invalid API Endpoint", "Confirm the URL format: https://{domain}/ccx/api/v1/{tenant}."};
      return {"Failed", "Fix the configuration value named in the reason."};
    case ErrorCategory::kAuth:
      return {"Token Errors", workday
                                  ? "Regenerate the refresh token (Manage Refresh Tokens for Integrations) "
                                    "and paste it again."
                                  : "Generate a new API access token (Settings > Integrations > Apps) and "
                                    "paste it again."};
    case ErrorCategory::kPermission:
      return {"Insufficient Permissions",
              workday ? "Include the Recruiting (and Candidate) scopes on the API client and the recruiting "
                        "security domains (Job Requisition Data, Candidate Data) for the integration user."
                      : "Generate a token with the r_jobs and r_candidates scopes."};
    case ErrorCategory::kCredentials:
      return {"Failed", "Double-check that Client ID, Client Secret and Refresh Token match exactly."};
    case ErrorCategory::kTransport:
    case ErrorCategory::kServer:
      return {"Unreachable",
              "Check the network path (proxy, firewall, DNS) to the API host; the error is "
              "retried automatically."};
    case ErrorCategory::kRateLimited:
      return {"Rate Limited",
              "Another client shares this token's request budget; lower rate_limit or use a "
              "dedicated token."};
    case ErrorCategory::kUnsafeUrl:
      return {"Failed",
              "The API sent a paging link to another host; nothing was sent there. Check base_url and "
              "any proxy that rewrites responses."};
    case ErrorCategory::kPageLimit:
      return {"Failed",
              "The API answered with a page or listing larger than this connection allows; the reason "
              "names the key to raise (max_page_mib, max_page_records, max_listing_pages, "
              "max_next_url_bytes) if the tenant really is that large."};
    default: return {"Failed", "See the reason; the error is retried automatically when it is transient."};
  }
}

}  // namespace ats::connectors
