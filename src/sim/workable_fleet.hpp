#pragma once
// Many simulated Workable accounts on ONE port (`ats-sim --workable-tenants N`): tenant i
// (1-based) answers under /t/tenant-<i, 5 digits>/spi/v3 with token "token-<i>-<seed>", its own
// generated data, its own rate limit (per token, as Workable does) and its own counters. Each is
// a WorkableTenant mounted on the shared server, so it behaves exactly like a tenant on its own
// port. Lookup is by the number in the path (O(1)); an unknown tenant gets 404.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "sim/sim_util.hpp"
#include "sim/workable_tenant.hpp"

namespace ats::sim {

struct WorkableFleetOptions {
  int tenants = 1;
  int jobs = 2;  // per tenant
  int candidates_per_job = 10;
  int rate_limit_requests = 10;  // per tenant and token; 0 = no limit
  int rate_limit_window_s = 10;
  uint64_t seed = 42;  // tenant i's data set is generated from seed + i
  std::string listen_host = "127.0.0.1";
  int port = 0;          // 0 = any free port
  int threads = 64;      // httplib worker pool of the shared server
  int keep_alive_s = 2;  // an idle kept-alive connection holds a worker this long
  // MutateRandom() changes only the first `mutate_tenants` tenants (0 = any): e.g. those a
  // benchmark's connector is configured for.
  int mutate_tenants = 0;
};

// One change made by WorkableFleet::MutateRandom.
struct FleetChange {
  size_t tenant = 0;      // 0-based index
  std::string subdomain;  // "tenant-00001"
  std::string clock;      // the tenant's updated_at for the change (its simulated clock)
  std::string what;       // "moved <id> to <stage kind>" | "added candidate <id> to job <shortcode>"
  std::string candidate_id;  // the candidate moved or added
};

class WorkableFleet {
 public:
  explicit WorkableFleet(WorkableFleetOptions options);
  ~WorkableFleet();
  WorkableFleet(const WorkableFleet&) = delete;
  WorkableFleet& operator=(const WorkableFleet&) = delete;

  // Binds the port, generates every tenant's data and serves (requests that arrive while the
  // data is being generated get 503). False if the port cannot be bound.
  bool Start();
  void Stop();
  int port() const;

  static std::string Subdomain(size_t index);      // 0 -> "tenant-00001"
  size_t size() const { return tenants_.size(); }  // 0 before Start()
  // After Start(): tenant `index` (0-based), its base_url and its token.
  WorkableTenant& tenant(size_t index) { return *tenants_.at(index); }
  const WorkableTenant& tenant(size_t index) const { return *tenants_.at(index); }
  std::string base_url(size_t index) const;
  std::string token(size_t index) const;

  // One change to a random tenant (deterministic from the seed): a candidate of a published job
  // moves to another stage, or a new candidate joins a published job — each gives the connector,
  // with its default job selection, one candidate event to publish. nullopt when no tenant tried
  // has a published job.
  std::optional<FleetChange> MutateRandom();

  // Counters summed over the tenants; `unknown_tenant` counts the 404s for paths that name none.
  int64_t requests() const;
  int64_t rate_limited() const;
  int64_t unknown_tenant() const { return unknown_tenant_.load(); }
  // Ground truth for a proof: how many changes MutateRandom applied to each candidate of tenant
  // `index` (candidate id -> count; an added candidate's creation counts as its first change).
  std::map<std::string, int> changes_applied(size_t index) const;

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);

  WorkableFleetOptions options_;
  std::vector<std::unique_ptr<WorkableTenant>> tenants_;
  std::atomic<bool> ready_{false};
  std::atomic<int64_t> unknown_tenant_{0};
  mutable std::mutex mutate_mu_;
  std::vector<std::map<std::string, int>> changes_;  // per tenant, under mutate_mu_
  std::mt19937_64 rng_;
  detail::LoopbackServer server_;
};

}  // namespace ats::sim
