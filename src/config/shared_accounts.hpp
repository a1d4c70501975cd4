#pragma once
// Connections that read the same source account. Workable limits requests per account token
// (10 per 10 s), so connections on one account share one rate limiter and must agree on its
// rate_limit; Workday rotates a refresh token on use, so two connections holding the same one
// void each other's. Secrets are only ever compared by fingerprint.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace ats::config {

// 16 hex digits of the SHA-256 of `secret`: tells two secrets apart without revealing either.
std::string SecretFingerprint(std::string_view secret);

// The Workable account a connection reads, as a key: subdomain, API base URL and the token's
// fingerprint (never the token). Empty for a connection of another source.
std::string WorkableAccountKey(const ConnectionConfig& c);

// Configuration errors: two Workday connections on one tenant with one refresh token, and
// Workable connections on one account with different rate_limit values. `paths[i]` is the key
// path of `connections[i]` (e.g. "connections[2]").
std::vector<Problem> SharedAccountProblems(const std::vector<ConnectionConfig>& connections,
                                           const std::vector<std::string>& paths);

// Warnings: Workable connections that read one account publish its records once per
// connection, under keys of their own. One per connection that shares an earlier one's account.
std::vector<Problem> SharedAccountWarnings(const std::vector<ConnectionConfig>& connections);

}  // namespace ats::config
