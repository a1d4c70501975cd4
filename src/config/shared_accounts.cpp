#include "config/shared_accounts.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <map>
#include <optional>

namespace ats::config {
namespace {

std::string RateLimitText(const RateLimitConfig& r) {
  return std::to_string(r.requests) + " requests per " + std::to_string(r.per_s) + " s";
}

// The Workday tenant and refresh token a connection holds, as a key; nullopt for other
// sources and for endpoints the loader already reported.
std::optional<std::string> WorkdayGrantKey(const ConnectionConfig& c) {
  if (c.source != "workday" || c.workday.refresh_token.empty()) return std::nullopt;
  const auto endpoint = ParseWorkdayEndpoint(c.workday.rest_endpoint);
  if (!endpoint) return std::nullopt;
  return endpoint->host + "/" + endpoint->tenant + "\n" + SecretFingerprint(c.workday.refresh_token);
}

std::string WorkdayTenant(const ConnectionConfig& c) {
  const auto endpoint = ParseWorkdayEndpoint(c.workday.rest_endpoint);
  return endpoint ? endpoint->tenant + " on " + endpoint->host : c.workday.rest_endpoint;
}

std::string PathOf(const std::vector<std::string>& paths, size_t i) {
  return i < paths.size() ? paths[i] : "connections[" + std::to_string(i) + "]";
}

}  // namespace

std::string SecretFingerprint(std::string_view secret) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(secret.data(), secret.size(), digest.data(), &len, EVP_sha256(), nullptr);
  std::string out;
  char hex[3];
  for (unsigned int i = 0; i < 8 && i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    out += hex;
  }
  return out;
}

std::string WorkableAccountKey(const ConnectionConfig& c) {
  if (c.source != "workable") return "";
  return c.workable.subdomain + "\n" + WorkableBaseUrl(c.workable) + "\n" +
         SecretFingerprint(c.workable.api_token);
}

std::vector<Problem> SharedAccountProblems(const std::vector<ConnectionConfig>& connections,
                                           const std::vector<std::string>& paths) {
  std::vector<Problem> problems;
  std::map<std::string, size_t> grants;    // Workday tenant + refresh token -> first connection
  std::map<std::string, size_t> accounts;  // Workable account -> first connection
  for (size_t i = 0; i < connections.size(); ++i) {
    const ConnectionConfig& c = connections[i];
    if (auto grant = WorkdayGrantKey(c)) {
      auto [it, inserted] = grants.emplace(*grant, i);
      if (!inserted) {
        const ConnectionConfig& first = connections[it->second];
        problems.push_back(
            {PathOf(paths, i) + ".workday",
             "connections '" + first.id + "' (" + PathOf(paths, it->second) + ") and '" + c.id +
                 "' use the same Workday tenant (" + WorkdayTenant(c) +
                 ") and the same refresh token: Workday rotates a refresh token when it is used, so "
                 "each connection would void the token of the other and both would fail with Token Errors; "
                 "give "
                 "each connection a refresh token of its own (another API client or integration system "
                 "user), or "
                 "put both reports in one connection"});
      }
    }
    if (c.source == "workable") {
      auto [it, inserted] = accounts.emplace(WorkableAccountKey(c), i);
      const ConnectionConfig& first = connections[it->second];
      if (!inserted && (first.workable.rate_limit.requests != c.workable.rate_limit.requests ||
                        first.workable.rate_limit.per_s != c.workable.rate_limit.per_s)) {
        problems.push_back(
            {PathOf(paths, i) + ".workable.rate_limit",
             "connection '" + c.id + "' reads the same Workable account (subdomain '" + c.workable.subdomain +
                 "', same API token) as '" + first.id + "' (" + PathOf(paths, it->second) +
                 "), so they share one rate limiter, but it asks for " +
                 RateLimitText(c.workable.rate_limit) + " and '" + first.id + "' for " +
                 RateLimitText(first.workable.rate_limit) +
                 "; give both the same rate_limit (Workable allows 10 requests per 10 s per token)"});
      }
    }
  }
  return problems;
}

std::vector<Problem> SharedAccountWarnings(const std::vector<ConnectionConfig>& connections) {
  std::vector<Problem> warnings;
  std::map<std::string, size_t> accounts;
  for (size_t i = 0; i < connections.size(); ++i) {
    const ConnectionConfig& c = connections[i];
    if (c.source != "workable") continue;
    auto [it, inserted] = accounts.emplace(WorkableAccountKey(c), i);
    if (inserted) continue;
    const ConnectionConfig& first = connections[it->second];
    warnings.push_back(
        {"connections[" + std::to_string(i) + "]",
         "connection '" + c.id + "' reads the same Workable account (subdomain '" + c.workable.subdomain +
             "', same API token) as '" + first.id +
             "': a record both select is published once per connection, under keys of their own ('" +
             first.id + "/<id>' and '" + c.id + "/<id>'), and the two share one limit of " +
             RateLimitText(c.workable.rate_limit) +
             "; if that is not intended, select the jobs of both in one connection"});
  }
  return warnings;
}

}  // namespace ats::config
