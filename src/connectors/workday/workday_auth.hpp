#pragma once
// OAuth 2.0 for a Workday API client (Register API Client for Integrations): the refresh_token
// grant against https://{host}/ccx/oauth2/{tenant}/token, with the client credentials in the
// form body (the default, as Workday's own libraries do) or as HTTP Basic (then never in the
// body). The access token is cached until 60 s before it expires (3600 s when the response does
// not say). Thread-safe: token calls are serialised by a mutex.
//
// Refresh-token rotation: when a response carries a new refresh_token, it is saved through the
// StateStore (key kRefreshTokenKey) before the new access token is used; if saving fails, the
// call fails (retryable) and the new refresh token is kept in memory and saved on the next
// success. At creation a saved token wins over the configured one (which is stale after a
// rotation); should Workday reject the saved one (invalid_grant) while the configured one
// differs (an admin pasted a new one), the configured one is tried once.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "connectors/source.hpp"
#include "http/http_client.hpp"

namespace ats::connectors {

struct WorkdayOAuthSettings {
  std::string token_url;
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;       // as configured
  bool basic_client_auth = false;  // workday.client_auth: basic
  std::chrono::milliseconds timeout{30000};
  bool insecure_skip_tls_verify = false;  // workday.insecure_skip_tls_verify
};

class WorkdayAuth {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  static constexpr std::string_view kRefreshTokenKey{"workday.refresh_token"};
  static constexpr std::chrono::seconds kExpiryMargin{60};
  static constexpr std::chrono::seconds kDefaultLifetime{3600};

  // `state` may be null (no rotation is kept then); `clock` defaults to steady_clock::now. Fails
  // only when the saved refresh token cannot be read.
  static Result<std::unique_ptr<WorkdayAuth>> Create(WorkdayOAuthSettings settings, StateStore* state,
                                                     Clock clock = nullptr);

  // A valid access token: the cached one, or a new one from the token endpoint (via `client`).
  // Errors: see ClassifyTokenError in the .cpp; none contains a secret.
  Result<std::string> AccessToken(http::Client& client);
  // Drops the cached access token (an API call answered 401).
  void Invalidate();
  // Client secret, every refresh token held, the current access token.
  std::vector<std::string> secrets() const;
  std::string refresh_token() const;  // the one the next refresh sends
  ~WorkdayAuth();  // its access token leaves the log redaction with it

 private:
  WorkdayAuth(WorkdayOAuthSettings settings, StateStore* state, Clock clock);
  Result<void> RefreshLocked(http::Client& client);
  // One refresh_token grant with `refresh_token`: fills the new access token, its lifetime and
  // a rotated refresh token ("" when none).
  Result<void> Exchange(http::Client& client, const std::string& refresh_token, std::string& access_token,
                        std::chrono::seconds& lifetime, std::string& rotated);
  Error ClassifyTokenError(const http::Response& response, bool& invalid_grant) const;
  std::string Redact(std::string text) const;

  const WorkdayOAuthSettings settings_;
  StateStore* const state_;
  const Clock clock_;

  mutable std::mutex mu_;
  std::string refresh_token_;        // current
  bool refresh_token_saved_ = true;  // false: rotated (or fallen back) but not yet in the state store
  bool tried_configured_ = false;
  bool last_invalid_grant_ = false;              // the last Exchange failed with invalid_grant
  std::vector<std::string> old_refresh_tokens_;  // still redacted
  std::string access_token_;
  std::chrono::steady_clock::time_point expires_at_{};
};

// "Basic " + base64(user ":" password), for an Authorization header.
std::string BasicAuthorization(std::string_view user, std::string_view password);

}  // namespace ats::connectors
