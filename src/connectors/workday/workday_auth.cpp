#include "connectors/workday/workday_auth.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "common/log.hpp"

namespace ats::connectors {
namespace {

namespace ondemand = simdjson::ondemand;

constexpr std::string_view kUserAgent = "ats-connector/0.1";
constexpr size_t kMaxSaidBytes = 200;

// The members of a token response or an OAuth error body we read. Absent members stay empty.
struct TokenBody {
  bool is_object = false;
  std::string access_token;
  std::string refresh_token;
  std::string token_type;
  std::string error;
  std::string error_description;
  std::optional<double> expires_in;  // a number, or a string holding one
};

TokenBody ParseTokenBody(const std::string& body) {
  TokenBody out;
  simdjson::padded_string padded(body);
  ondemand::parser parser;
  ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return out;
  ondemand::object root;
  if (doc.get_object().get(root)) return out;
  out.is_object = true;
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return TokenBody{};
    const std::string name(key);
    ondemand::value value;
    if (field.value().get(value)) return TokenBody{};
    ondemand::json_type type;
    if (value.type().get(type)) return TokenBody{};
    if (type == ondemand::json_type::string) {
      std::string_view s;
      if (value.get_string().get(s)) return TokenBody{};
      if (name == "access_token") out.access_token = s;
      if (name == "refresh_token") out.refresh_token = s;
      if (name == "token_type") out.token_type = s;
      if (name == "error") out.error = s;
      if (name == "error_description") out.error_description = s;
      if (name == "expires_in") {
        double seconds = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
        if (ec == std::errc() && end == s.data() + s.size()) out.expires_in = seconds;
      }
    } else if (type == ondemand::json_type::number && name == "expires_in") {
      double seconds = 0;
      if (value.get_double().get(seconds)) return TokenBody{};
      out.expires_in = seconds;
    }
  }
  return out;
}

// How long to trust a token that lives `expires_in` seconds: until kExpiryMargin before the end,
// or half its life when it is too short for that.
std::chrono::seconds Lifetime(const std::optional<double>& expires_in) {
  const double raw = expires_in.value_or(0);
  if (!(raw >= 1) || !std::isfinite(raw) || raw > 1e9)
    return WorkdayAuth::kDefaultLifetime - WorkdayAuth::kExpiryMargin;
  const auto seconds = std::chrono::seconds(static_cast<long long>(raw));
  if (seconds > 2 * WorkdayAuth::kExpiryMargin) return seconds - WorkdayAuth::kExpiryMargin;
  return seconds / 2;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// At most kMaxSaidBytes of `text`, not ending inside a UTF-8 sequence.
std::string Shorten(std::string_view text) {
  if (text.size() <= kMaxSaidBytes) return std::string(text);
  std::string out(text.substr(0, kMaxSaidBytes));
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80) != 0) out.pop_back();
  return out + "...";
}

}  // namespace

std::string BasicAuthorization(std::string_view user, std::string_view password) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in(user);
  in.push_back(':');
  in.append(password);
  std::string out = "Basic ";
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                       static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const size_t rest = in.size() - i; rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::unique_ptr<WorkdayAuth>> WorkdayAuth::Create(WorkdayOAuthSettings settings, StateStore* state,
                                                         Clock clock) {
  if (!clock) clock = [] { return std::chrono::steady_clock::now(); };
  auto auth = std::unique_ptr<WorkdayAuth>(new WorkdayAuth(std::move(settings), state, std::move(clock)));
  if (state != nullptr) {
    auto saved = state->Get(std::string(kRefreshTokenKey));
    if (!saved) {
      return Error{saved.error().kind, saved.error().category,
                   "cannot read the saved Workday refresh token: " + auth->Redact(saved.error().message)};
    }
    if (saved->has_value() && !(*saved)->empty()) {
      log::RegisterSecret(**saved);
      auth->refresh_token_ = **saved;
    }
  }
  return auth;
}

WorkdayAuth::WorkdayAuth(WorkdayOAuthSettings settings, StateStore* state, Clock clock)
    : settings_(std::move(settings)),
      state_(state),
      clock_(std::move(clock)),
      refresh_token_(settings_.refresh_token) {}

std::string WorkdayAuth::refresh_token() const {
  std::lock_guard lock(mu_);
  return refresh_token_;
}

std::vector<std::string> WorkdayAuth::secrets() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const std::string* s :
       {&settings_.client_secret, &settings_.refresh_token, &refresh_token_, &access_token_}) {
    if (!s->empty() && std::find(out.begin(), out.end(), *s) == out.end()) out.push_back(*s);
  }
  for (const auto& old : old_refresh_tokens_) {
    if (std::find(out.begin(), out.end(), old) == out.end()) out.push_back(old);
  }
  return out;
}

std::string WorkdayAuth::Redact(std::string text) const {
  // Called with mu_ held or during construction; reads members directly.
  for (const std::string* secret :
       {&settings_.client_secret, &settings_.refresh_token, &refresh_token_, &access_token_}) {
    if (secret->size() < 4) continue;
    for (size_t pos = text.find(*secret); pos != std::string::npos; pos = text.find(*secret, pos)) {
      text.replace(pos, secret->size(), "[REDACTED]");
    }
  }
  return text;
}

void WorkdayAuth::Invalidate() {
  std::lock_guard lock(mu_);
  if (!access_token_.empty()) log::UnregisterSecret(access_token_);  // rejected: never sent again
  access_token_.clear();
  expires_at_ = {};
}

Result<std::string> WorkdayAuth::AccessToken(http::Client& client) {
  std::lock_guard lock(mu_);
  if (!access_token_.empty() && clock_() < expires_at_) return access_token_;
  if (auto refreshed = RefreshLocked(client); !refreshed) return refreshed.error();
  return access_token_;
}

Result<void> WorkdayAuth::RefreshLocked(http::Client& client) {
  // The token this refresh replaces is never sent again: it leaves the redaction list (an hourly
  // token per connection would otherwise pile up there for as long as the process runs).
  if (!access_token_.empty()) log::UnregisterSecret(access_token_);
  access_token_.clear();
  std::string access_token;
  std::string rotated;
  std::chrono::seconds lifetime{0};
  auto exchanged = Exchange(client, refresh_token_, access_token, lifetime, rotated);
  if (!exchanged && last_invalid_grant_ && !tried_configured_ && refresh_token_ != settings_.refresh_token) {
    // The saved token is dead; the configured one differs, so an admin may have pasted a new one.
    tried_configured_ = true;
    log::Warn("The saved Workday refresh token was rejected; trying the one in the configuration.");
    old_refresh_tokens_.push_back(refresh_token_);
    refresh_token_ = settings_.refresh_token;
    refresh_token_saved_ = false;  // it must replace the saved one, or the dead one wins at restart
    exchanged = Exchange(client, refresh_token_, access_token, lifetime, rotated);
  }
  if (!exchanged) return exchanged.error();

  if (!rotated.empty() && rotated != refresh_token_) {
    // The old token may be void already: from here on only the new one is used.
    log::RegisterSecret(rotated);
    old_refresh_tokens_.push_back(refresh_token_);
    refresh_token_ = std::move(rotated);
    refresh_token_saved_ = false;
  }
  if (!refresh_token_saved_) {
    if (state_ == nullptr) {
      log::Warn(
          "Workday issued a new refresh token but this connection has no state store to keep it; after a "
          "restart the configured refresh token is used.");
      refresh_token_saved_ = true;  // warn once per rotation
    } else if (auto put = state_->Put(std::string(kRefreshTokenKey), refresh_token_); !put) {
      // Saved before use: a token that is used but not saved would be lost with the process.
      return Error{put.error().kind, put.error().category,
                   "Workday issued a new refresh token that could not be saved (" +
                       Redact(put.error().message) + "); its access token is not used until it is"};
    } else {
      refresh_token_saved_ = true;
      log::Info("Saved the refresh token Workday issued.");
    }
  }
  log::RegisterSecret(access_token);
  access_token_ = std::move(access_token);
  expires_at_ = clock_() + lifetime;
  return Ok();
}

WorkdayAuth::~WorkdayAuth() {
  if (!access_token_.empty()) log::UnregisterSecret(access_token_);
}

Result<void> WorkdayAuth::Exchange(http::Client& client, const std::string& refresh_token,
                                   std::string& access_token, std::chrono::seconds& lifetime,
                                   std::string& rotated) {
  http::Request request;
  request.method = "POST";
  request.url = settings_.token_url;
  request.timeout = settings_.timeout;
  request.insecure_skip_tls_verify = settings_.insecure_skip_tls_verify;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"},
                     {"User-Agent", std::string(kUserAgent)}};
  request.body = "grant_type=refresh_token&refresh_token=" + http::UrlEncode(refresh_token);
  if (settings_.basic_client_auth) {
    request.headers.emplace_back("Authorization",
                                 BasicAuthorization(settings_.client_id, settings_.client_secret));
  } else {
    request.body += "&client_id=" + http::UrlEncode(settings_.client_id) +
                    "&client_secret=" + http::UrlEncode(settings_.client_secret);
  }

  last_invalid_grant_ = false;
  auto response = client.Execute(request);
  if (!response) {
    const Error& e = response.error();
    return Error{e.kind, e.category, "Workday token endpoint: " + Redact(e.message)};
  }
  if (response->status < 200 || response->status > 299) {
    return ClassifyTokenError(*response, last_invalid_grant_);
  }
  const TokenBody body = ParseTokenBody(response->body);
  if (body.access_token.empty()) {
    return Error::Retryable(ErrorCategory::kBadResponse,
                            "unexpected response from the Workday token endpoint: HTTP " +
                                std::to_string(response->status) +
                                (body.is_object ? " without an access_token" : " that is not a JSON object"));
  }
  if (!body.token_type.empty() && !EqualsIgnoreCase(body.token_type, "bearer")) {
    return Error::Permanent(ErrorCategory::kBadResponse,
                            "the Workday token endpoint issued a '" + Shorten(body.token_type) +
                                "' token, not a Bearer token: check token_endpoint");
  }
  access_token = body.access_token;
  rotated = body.refresh_token;
  lifetime = Lifetime(body.expires_in);
  return Ok();
}

// Maps a non-2xx token response. OAuth error codes (RFC 6749 §5.2) decide; the status is the
// fallback when the body has none.
Error WorkdayAuth::ClassifyTokenError(const http::Response& response, bool& invalid_grant) const {
  const long status = response.status;
  const TokenBody body = ParseTokenBody(response.body);
  const std::string& code = body.error;
  invalid_grant = code == "invalid_grant";
  std::string said;
  if (!body.error_description.empty())
    said = " (Workday said: " + Redact(Shorten(body.error_description)) + ")";
  const std::string http = "HTTP " + std::to_string(status);

  if (code == "invalid_grant") {
    return Error::Permanent(ErrorCategory::kAuth,
                            "Token Errors — the refresh token was rejected (invalid_grant): regenerate it "
                            "(Manage Refresh Tokens for Integrations) and paste it again" +
                                said);
  }
  if (code == "invalid_client") {
    return Error::Permanent(ErrorCategory::kCredentials,
                            "Token Errors — the API client was not accepted (invalid_client): double-check "
                            "that Client ID, Client Secret and Refresh Token match exactly" +
                                said);
  }
  if (code == "unauthorized_client" || code == "invalid_scope") {
    return Error::Permanent(ErrorCategory::kPermission,
                            "Token Errors — the API client may not use this grant or scope (" + code +
                                "): register it with Register API Client for Integrations, tick Non-Expiring "
                                "Refresh Tokens and include the Recruiting scope" +
                                said);
  }
  if (status == 404) {
    return Error::Permanent(ErrorCategory::kNotFound,
                            "token endpoint not found: check token_endpoint / the tenant (" + http + ")");
  }
  if (status == 429) {
    return Error::Retryable(ErrorCategory::kRateLimited,
                            "the Workday token endpoint is rate limiting (" + http + ")");
  }
  if (status >= 500 && status <= 599) {
    std::string message = "Workday token endpoint error (" + http + ")";
    if (status == 503) message += "; if it persists, check the tenant name in rest_endpoint / token_endpoint";
    return Error::Retryable(ErrorCategory::kServer, message + said);
  }
  if (status == 401) {
    return Error::Permanent(
        ErrorCategory::kCredentials,
        "Token Errors — the token endpoint refused the credentials (" + http +
            (code.empty() ? "" : ", " + Shorten(code)) +
            "): double-check that Client ID, Client Secret and Refresh Token match exactly" + said);
  }
  if (status >= 300 && status <= 399) {
    return Error::Permanent(
        ErrorCategory::kBadResponse,
        "the Workday token endpoint answered with a redirect (" + http +
            "), which is not followed so the credentials never leave the configured host: "
            "check token_endpoint");
  }
  return Error::Permanent(ErrorCategory::kAuth, "Token Errors — the token endpoint refused the request (" +
                                                    http + (code.empty() ? "" : ", " + Shorten(code)) +
                                                    "): check token_endpoint and client_auth" + said);
}

}  // namespace ats::connectors
