#include "sim/workable_fleet.hpp"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string_view>

#include "sim/workable_data.hpp"

namespace ats::sim {
namespace {

constexpr std::string_view kTenantsPrefix = "/t/";
constexpr std::string_view kSubdomainPrefix = "tenant-";
constexpr const char* kJsonContentType = "application/json; charset=utf-8";

std::string Padded(size_t index) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%05zu", index + 1);
  return buf;
}

// The 0-based index of "tenant-00042" (exactly as Subdomain() spells it), or -1.
long IndexOf(std::string_view subdomain, size_t count) {
  if (!subdomain.starts_with(kSubdomainPrefix)) return -1;
  const std::string_view digits = subdomain.substr(kSubdomainPrefix.size());
  size_t number = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || number < 1 || number > count) return -1;
  if (digits != Padded(number - 1)) return -1;  // "tenant-1", "tenant-000001": not a tenant
  return static_cast<long>(number - 1);
}

}  // namespace

WorkableFleet::WorkableFleet(WorkableFleetOptions options)
    : options_(std::move(options)), rng_(options_.seed) {}

WorkableFleet::~WorkableFleet() {
  Stop();
}

std::string WorkableFleet::Subdomain(size_t index) {
  return std::string(kSubdomainPrefix) + Padded(index);
}

bool WorkableFleet::Start() {
  if (!server_.Start(
          options_.listen_host, options_.port,
          [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); }, options_.threads,
          options_.keep_alive_s))
    return false;
  if (ready_.load()) return true;
  const std::string origin = "http://" + detail::UrlHost(options_.listen_host) + ":" + std::to_string(port());
  tenants_.reserve(static_cast<size_t>(std::max(0, options_.tenants)));
  for (size_t i = 0; i < static_cast<size_t>(std::max(0, options_.tenants)); ++i) {
    WorkableTenantOptions o;
    o.subdomain = Subdomain(i);
    o.token = "token-" + Padded(i) + "-" + std::to_string(options_.seed);
    o.seed = options_.seed + i;
    o.jobs = options_.jobs;
    o.candidates_per_job = options_.candidates_per_job;
    o.rate_limit_requests = options_.rate_limit_requests;
    o.rate_limit_window_s = options_.rate_limit_window_s;
    tenants_.push_back(std::make_unique<WorkableTenant>(
        std::move(o), WorkableTenant::Mount{origin, std::string(kTenantsPrefix) + Subdomain(i)}));
  }
  {
    std::lock_guard lock(mutate_mu_);
    changes_.resize(tenants_.size());
  }
  ready_.store(true);  // publishes tenants_ to the server's workers
  return true;
}

void WorkableFleet::Stop() {
  for (auto& t : tenants_) t->Stop();  // ends answers a fault holds back
  server_.Stop();
}

int WorkableFleet::port() const {
  return server_.port();
}

std::string WorkableFleet::base_url(size_t index) const {
  return tenants_.at(index)->base_url();
}

std::string WorkableFleet::token(size_t index) const {
  return "token-" + Padded(index) + "-" + std::to_string(options_.seed);
}

void WorkableFleet::Handle(const httplib::Request& req, httplib::Response& res) {
  if (!ready_.load()) {
    res.status = 503;
    res.set_content(R"({"error":"Starting"})", kJsonContentType);
    return;
  }
  const std::string_view path = req.path;
  long index = -1;
  size_t rest = std::string_view::npos;
  if (path.starts_with(kTenantsPrefix)) {
    rest = path.find('/', kTenantsPrefix.size());
    const std::string_view subdomain = path.substr(kTenantsPrefix.size(), rest - kTenantsPrefix.size());
    index = IndexOf(subdomain, tenants_.size());
  }
  if (index < 0 || rest == std::string_view::npos) {
    ++unknown_tenant_;
    res.status = 404;
    res.set_content(R"({"error":"Not found"})", kJsonContentType);
    return;
  }
  tenants_[static_cast<size_t>(index)]->Serve(req, path.substr(rest), res);
}

std::optional<FleetChange> WorkableFleet::MutateRandom() {
  std::lock_guard lock(mutate_mu_);
  constexpr int kAttempts = 16;  // tenants without a published job are passed over
  for (int attempt = 0; attempt < kAttempts && !tenants_.empty(); ++attempt) {
    FleetChange change;
    const size_t pool = options_.mutate_tenants > 0
                            ? std::min(tenants_.size(), static_cast<size_t>(options_.mutate_tenants))
                            : tenants_.size();
    change.tenant = static_cast<size_t>(rng_() % pool);
    change.subdomain = Subdomain(change.tenant);
    WorkableTenant& tenant = *tenants_[change.tenant];
    std::vector<std::string> published;
    for (const auto& job : tenant.jobs())
      if (job.state == "published") published.push_back(job.shortcode);
    if (published.empty()) continue;
    std::vector<SimCandidate> movable;
    for (auto& c : tenant.candidates())
      if (std::find(published.begin(), published.end(), c.job_shortcode) != published.end())
        movable.push_back(std::move(c));
    if (!movable.empty() && rng_() % 10 < 7) {
      const SimCandidate& c = movable[rng_() % movable.size()];
      const auto current = static_cast<uint64_t>(std::max(detail::StageIndex(c.stage_kind), 0));
      const auto stage =
          static_cast<int>((current + 1 + rng_() % (detail::kStageCount - 1)) % detail::kStageCount);
      const std::string kind(detail::StageKind(stage));
      if (tenant.MoveCandidate(c.id, kind)) {
        change.what = "moved " + c.id + " to " + kind;
        change.clock = tenant.clock();
        change.candidate_id = c.id;
        ++changes_[change.tenant][c.id];
        return change;
      }
    }
    const std::string& job = published[rng_() % published.size()];
    const std::string id = tenant.AddCandidate(job);
    if (id.empty()) continue;
    change.what = "added candidate " + id + " to job " + job;
    change.clock = tenant.clock();
    change.candidate_id = id;
    ++changes_[change.tenant][id];
    return change;
  }
  return std::nullopt;
}

std::map<std::string, int> WorkableFleet::changes_applied(size_t index) const {
  std::lock_guard lock(mutate_mu_);
  return index < changes_.size() ? changes_[index] : std::map<std::string, int>{};
}

int64_t WorkableFleet::requests() const {
  int64_t n = 0;
  for (const auto& t : tenants_) n += t->stats().requests;
  return n;
}

int64_t WorkableFleet::rate_limited() const {
  int64_t n = 0;
  for (const auto& t : tenants_) n += t->stats().rate_limited;
  return n;
}

}  // namespace ats::sim
