#pragma once
// A ConnectionRuntime that runs nothing and records every call, for the control API's tests
// (the real runtime is the Service; its scheduling is tested on its own).
#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/connection_runtime.hpp"

namespace ats::testing {

class FakeRuntime final : public runtime::ConnectionRuntime {
 public:
  Result<void> AddConnection(const config::ConnectionConfig& c, runtime::Origin origin) override {
    std::lock_guard lock(mu_);
    calls_.push_back("add " + c.id);
    if (connections_.count(c.id))
      return Error::Permanent(ErrorCategory::kConfig, "connection '" + c.id + "' exists");
    connections_[c.id] = {c, origin, false};
    return Ok();
  }
  Result<void> ReplaceConnection(const config::ConnectionConfig& c) override {
    std::lock_guard lock(mu_);
    calls_.push_back("replace " + c.id);
    if (!connections_.count(c.id)) return NoSuch(c.id);
    connections_[c.id].config = c;
    return Ok();
  }
  Result<void> RemoveConnection(const std::string& id, bool purge) override {
    std::lock_guard lock(mu_);
    calls_.push_back(std::string(purge ? "remove+purge " : "remove ") + id);
    if (!connections_.erase(id)) return NoSuch(id);
    return Ok();
  }
  Result<void> SetPaused(const std::string& id, bool paused) override {
    std::lock_guard lock(mu_);
    calls_.push_back(std::string(paused ? "pause " : "resume ") + id);
    if (!connections_.count(id)) return NoSuch(id);
    connections_[id].paused = paused;
    return Ok();
  }
  Result<void> Resync(const std::string& id, const runtime::ResyncScope& scope) override {
    std::lock_guard lock(mu_);
    calls_.push_back("resync " + id + " entity=" + scope.entity + " job=" + scope.job_id +
                     " candidate=" + scope.candidate_id);
    if (!connections_.count(id)) return NoSuch(id);
    return Ok();
  }
  std::vector<runtime::ConnectionSummary> Summaries() const override {
    std::lock_guard lock(mu_);
    std::vector<runtime::ConnectionSummary> out;
    for (const auto& [id, e] : connections_) out.push_back(SummaryOf(e));
    return out;
  }
  std::optional<runtime::ConnectionSummary> Summary(const std::string& id) const override {
    std::lock_guard lock(mu_);
    auto it = connections_.find(id);
    if (it == connections_.end()) return std::nullopt;
    return SummaryOf(it->second);
  }
  std::optional<config::ConnectionConfig> Connection(const std::string& id) const override {
    std::lock_guard lock(mu_);
    auto it = connections_.find(id);
    if (it == connections_.end()) return std::nullopt;
    return it->second.config;
  }
  void SetStatusListener(runtime::StatusListener listener) override { listener_ = std::move(listener); }

  std::vector<std::string> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  bool Called(const std::string& call) const {
    const auto all = calls();
    return std::find(all.begin(), all.end(), call) != all.end();
  }

 private:
  struct Entry {
    config::ConnectionConfig config;
    runtime::Origin origin = runtime::Origin::kYaml;
    bool paused = false;
  };
  static Error NoSuch(const std::string& id) {
    return Error::Permanent(ErrorCategory::kConfig, "no connection '" + id + "'");
  }
  static runtime::ConnectionSummary SummaryOf(const Entry& e) {
    runtime::ConnectionSummary s;
    s.id = e.config.id;
    s.source = e.config.source;
    s.origin = e.origin;
    s.paused = e.paused;
    s.status = e.paused ? "Paused" : "Pending";
    s.state = "starting";
    return s;
  }

  mutable std::mutex mu_;
  std::map<std::string, Entry> connections_;
  std::vector<std::string> calls_;
  runtime::StatusListener listener_;
};

}  // namespace ats::testing
