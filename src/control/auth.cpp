// Who may call the control API: the write token (http.admin_token) everything, the read-only
// token (http.read_token) the GET routes only. Decided on the request head, before any body.
#include "control/control_api.hpp"

namespace ats::control {
namespace {

// Constant-time: the time taken does not tell how much of a guess was right.
bool SameToken(const std::string& authorization, const std::string& token) {
  if (token.empty()) return false;
  const std::string expected = "Bearer " + token;
  unsigned char diff = expected.size() == authorization.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size() && i < authorization.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ authorization[i]);
  return diff == 0;
}

}  // namespace

std::optional<telemetry::AdminReply> ControlApi::Authorize(const Request& request) const {
  const Tokens tokens = deps_.tokens ? deps_.tokens() : Tokens{};
  if (tokens.write.empty())
    return ErrorReply(403, "the admin API is off: set http.admin_token_file to enable it");
  if (SameToken(request.authorization, tokens.write)) return std::nullopt;
  if (SameToken(request.authorization, tokens.read)) {
    if (request.method == "GET") return std::nullopt;
    return ErrorReply(
        403, "the read-only token (http.read_token_file) cannot change anything; use the write token");
  }
  return ErrorReply(401, "missing or wrong bearer token (Authorization: Bearer <http.admin_token_file>)");
}

std::string ControlApi::Actor(const Request& request) const {
  const Tokens tokens = deps_.tokens ? deps_.tokens() : Tokens{};
  return SameToken(request.authorization, tokens.write) ? "admin" : "read";
}

}  // namespace ats::control
