#include "telemetry/status.hpp"

#include "common/json_writer.hpp"
#include "common/log.hpp"

namespace ats::telemetry {

std::string_view ToString(ConnectionState state) {
  switch (state) {
    case ConnectionState::kStarting: return "starting";
    case ConnectionState::kSyncing: return "syncing";
    case ConnectionState::kIdle: return "idle";
    case ConnectionState::kBackingOff: return "backing_off";
    case ConnectionState::kFailed: return "failed";
    case ConnectionState::kStopped: return "stopped";
  }
  return "starting";
}

void StatusBoard::AddConnection(const std::string& id, const std::string& source) {
  std::lock_guard lock(mu_);
  auto& c = connections_[id];
  c.id = id;
  c.source = source;
  c.gates_readiness = !startup_complete_;
}

void StatusBoard::SetStartupComplete() {
  std::lock_guard lock(mu_);
  startup_complete_ = true;
}

void StatusBoard::RemoveConnection(const std::string& id) {
  std::lock_guard lock(mu_);
  connections_.erase(id);
}

void StatusBoard::SetState(const std::string& id, ConnectionState state) {
  std::lock_guard lock(mu_);
  connections_[id].state = state;
}

void StatusBoard::SetPaused(const std::string& id, bool paused) {
  std::lock_guard lock(mu_);
  auto it = connections_.find(id);
  if (it != connections_.end()) it->second.paused = paused;
}

void StatusBoard::CycleSucceeded(const std::string& id, SystemTime at, long long events, long long records,
                                 long long dead_lettered) {
  std::lock_guard lock(mu_);
  auto& c = connections_[id];
  c.tried = true;
  c.up = true;
  c.last_attempt = at;
  c.last_success = at;
  c.cycles++;
  c.events_published += events;
  c.records_fetched += records;
  c.dead_lettered += dead_lettered;
}

void StatusBoard::CycleFailed(const std::string& id, SystemTime at, const Error& error,
                              const std::string& category, const std::string& fix) {
  std::lock_guard lock(mu_);
  auto& c = connections_[id];
  c.tried = true;
  c.up = false;
  c.last_attempt = at;
  c.last_error = error;
  c.error_category = category;
  c.error_fix = fix;
  c.last_error_at = at;
  c.cycles++;
}

void StatusBoard::SetKafkaReachable(bool reachable, const std::string& detail) {
  std::lock_guard lock(mu_);
  kafka_reachable_ = reachable;
  kafka_detail_ = detail;
}

void StatusBoard::SetSnapshotWritable(bool writable, const std::string& detail) {
  std::lock_guard lock(mu_);
  snapshot_writable_ = writable;
  snapshot_detail_ = detail;
}

void StatusBoard::SetConfigLoaded(bool loaded) {
  std::lock_guard lock(mu_);
  config_loaded_ = loaded;
}

std::vector<ConnectionStatus> StatusBoard::connections() const {
  std::lock_guard lock(mu_);
  std::vector<ConnectionStatus> out;
  for (const auto& [id, c] : connections_) out.push_back(c);
  return out;
}

void StatusBoard::SetCluster(ClusterStatus cluster) {
  std::lock_guard lock(mu_);
  cluster_ = std::move(cluster);
}

namespace {
std::string JoinInts(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}
}  // namespace

bool StatusBoard::Ready(std::string* why_not) const {
  std::lock_guard lock(mu_);
  auto fail = [&](std::string reason) {
    if (why_not) *why_not = std::move(reason);
    return false;
  };
  if (!config_loaded_) return fail("configuration not loaded");
  if (!kafka_reachable_)
    return fail("Kafka not reachable" + (kafka_detail_.empty() ? "" : ": " + kafka_detail_));
  if (!snapshot_writable_)
    return fail("snapshot not writable" +
                (snapshot_detail_.empty() ? "" : ": " + log::Redact(snapshot_detail_)));
  if (cluster_.mode == "kafka") {
    if (!cluster_.joined) return fail("cluster: not a member of group " + cluster_.group_id + " yet");
    if (!cluster_.restoring.empty()) return fail("cluster: restoring partitions " + JoinInts(cluster_.restoring));
  }
  for (const auto& [id, c] : connections_)
    if (c.gates_readiness && !c.tried && !c.paused) return fail("connection " + id + " has not completed a sync attempt yet");
  return true;
}

std::string StatusBoard::ToJson(SystemTime now) const {
  std::lock_guard lock(mu_);
  JsonWriter w;
  w.BeginObject();
  w.Key("time").String(FormatRfc3339(now));
  w.Key("kafka").BeginObject().Key("reachable").Bool(kafka_reachable_);
  if (!kafka_detail_.empty()) w.Key("detail").String(log::Redact(kafka_detail_));
  w.EndObject();
  w.Key("snapshot").BeginObject().Key("writable").Bool(snapshot_writable_);
  if (!snapshot_detail_.empty()) w.Key("detail").String(log::Redact(snapshot_detail_));
  w.EndObject();
  w.Key("cluster").BeginObject().Key("mode").String(cluster_.mode);
  if (cluster_.mode == "kafka") {
    w.Key("group_id").String(cluster_.group_id);
    w.Key("member_id").String(cluster_.member_id);
    w.Key("joined").Bool(cluster_.joined);
    w.Key("rebalances").Int(cluster_.rebalances);
    for (const auto& [key, list] : {std::pair{"partitions_owned", &cluster_.owned}, {"partitions_restoring", &cluster_.restoring}}) {
      w.Key(key).BeginArray();
      for (int p : *list) w.Int(p);
      w.EndArray();
    }
    w.Key("connections_owned").Int(cluster_.connections_owned);
  }
  w.EndObject();
  w.Key("connections").BeginArray();
  for (const auto& [id, c] : connections_) {
    w.BeginObject();
    w.Key("id").String(c.id);
    w.Key("source").String(c.source);
    w.Key("state").String(ToString(c.state));
    w.Key("status").String(c.paused ? "Paused" : !c.tried ? "Pending" : (c.up ? "Active" : "Failed"));
    w.Key("up").Bool(c.up);
    w.Key("paused").Bool(c.paused);
    auto time_or_null = [&](const char* key, const std::optional<SystemTime>& t) {
      w.Key(key);
      if (t) {
        w.String(FormatRfc3339(*t));
      } else {
        w.Null();
      }
    };
    time_or_null("last_attempt", c.last_attempt);
    time_or_null("last_success", c.last_success);
    w.Key("last_error");
    if (c.last_error) {
      w.BeginObject();
      w.Key("kind").String(ToString(c.last_error->category));
      w.Key("retryable").Bool(c.last_error->retryable());
      w.Key("message").String(log::Redact(c.last_error->message));
      if (!c.error_category.empty()) w.Key("category").String(c.error_category);
      if (!c.error_fix.empty()) w.Key("fix").String(c.error_fix);
      time_or_null("at", c.last_error_at);
      w.EndObject();
    } else {
      w.Null();
    }
    w.Key("cycles").Int(c.cycles);
    w.Key("records_fetched").Int(c.records_fetched);
    w.Key("events_published").Int(c.events_published);
    w.Key("dead_lettered").Int(c.dead_lettered);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace ats::telemetry
