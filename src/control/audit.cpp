// One audit line per change made through the control API: who (the token's name, never the
// token), what, which connection. Bodies are never logged: they hold credentials.
#include "common/log.hpp"
#include "control/control_api.hpp"

namespace ats::control {

void ControlApi::Audit(const Request& request, const std::string& action,
                       const std::string& connection) const {
  log::Info("audit", {{"actor", Actor(request)}, {"action", action}, {"connection", connection}});
}

void ControlApi::Publish(const std::string& change, const std::string& id, const std::string& source) const {
  if (!deps_.publish_status) return;
  runtime::ConnectionStatusChange c;
  c.connection = id;
  c.source = source;
  c.change = change;
  c.at = std::chrono::system_clock::now();
  deps_.publish_status(c);
}

}  // namespace ats::control
