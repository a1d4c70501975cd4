// ats-sim: serves the simulated Workable and Workday tenants as a separate process, so that
// end-to-end runs and benchmarks measure the connector alone (its RSS, its CPU). Prints the
// endpoints and writes a ready-to-run connector config.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "common/json_writer.hpp"
#include "sim/workable_fleet.hpp"
#include "sim/workable_tenant.hpp"
#include "sim/workday_tenant.hpp"

namespace {

constexpr const char* kHelp = R"HELP(Usage: ats-sim [options]

Serves simulated ATS tenants on 127.0.0.1 until SIGINT/SIGTERM and writes a connector config
that points at them (embedded Kafka), for end-to-end runs:
  ats-sim --workday-applications 2000000 --config-out /tmp/sim.yaml &
  ats-connector run --config /tmp/sim.yaml

Options:
  --workable-tenants N         serve N Workable tenants on one port instead of one (a fleet; see below) [0]
  --workable-jobs N            jobs of the Workable tenant (0 = no Workable tenant)  [5]
  --workable-candidates N      candidates per Workable job                            [20]
  --workable-rate-limit N      requests per 10 s (0 = off)                            [10]
  --workday-postings N         job postings of the Workday tenant (0 = no Workday)    [8]
  --workday-applications N     rows of the Workday candidates report                  [100]
  --workable-seed N            data set and mutation seed of the Workable tenant       [42]
  --workable-huge-page N       a server that ignores `limit`: /candidates answers one page of N
                               tiny candidates (~40 bytes each) of the first published job [0]
  --mutate-every-ms N          apply random changes to the Workable tenant every N ms (0 = never) [0]
  --mutations N                changes applied each time (and on SIGUSR2)             [1]
  --mutation-log FILE          append a line per change: "<wall ms> <tenant updated_at> <what>"
  --truth-out FILE             ground truth of the Workable tenant, written as JSON on SIGUSR1
                               (which also stops the changes) and at exit; see below
  --kafka-bootstrap ADDR       kafka.bootstrap_servers written into the config        [embedded]
  --snapshot PATH              snapshot.path written into the config        [./ats-sim-snapshot]
  --http-listen HOST:PORT      http.listen written into the config          [127.0.0.1:8080]
  --config-out FILE            where to write the config                    [./ats-sim.yaml]

A fleet (--workable-tenants N) serves tenant i (1-based) at
http://127.0.0.1:PORT/t/tenant-<i, 5 digits>/spi/v3 with token "token-<i, 5 digits>-<seed>", each
with its own data (--workable-jobs x --workable-candidates, seed + i), rate limit and counters;
a path naming no tenant gets 404. Fleet options:
  --workable-port N            the fleet's port (0 = any free port)                   [0]
  --sim-threads N              HTTP worker threads of the fleet's server              [64]
  --sim-keep-alive-s N         how long an idle kept-alive connection holds a worker  [2]
  --poll-interval-s N          poll_interval_s of each connection in the config       [60]
  --config-tenants N           how many tenants (the first N) the config lists        [all]
  --mutate-tenants N           changes go only to the first N tenants (0 = any)       [0]
The config lists one connection per tenant (id tenant-00001..., incremental: true). Changes
(--mutate-every-ms, --mutations, SIGUSR2) go to random tenants: a candidate of a published job
moves to another stage, or a new candidate joins a published job; the mutation log line is
"<wall ms> <tenant updated_at> <tenant subdomain> <what>". --workable-huge-page is single-tenant
only. A fleet's --truth-out holds every tenant (see below).

Ground truth (--truth-out), for checking what reached Kafka against the tenant:
  {"jobs":[{"shortcode","state","updated_at"}...],
   "candidates":[{"id","job_shortcode","stage","stage_kind","disqualified","updated_at","deleted"}...]}
Deleted candidates are listed with "deleted": true. SIGUSR1 freezes the tenant (no more
changes) and then writes the file (whole, by rename), so a connector that syncs after it sees
exactly that state; the line "Ground truth written: FILE" follows on stdout. A fleet's file is
  {"tenants":[{"subdomain","changes","jobs":[...],"candidates":[{...,"changes"}...]}...]}
one entry per tenant, where "changes" counts the changes applied to the tenant and to each
candidate (an added candidate's creation is its first change; 0 = as generated).

SIGUSR2 applies --mutations N changes at once (unless frozen), with or without the timer, and
prints "Applied N changes (SIGUSR2)." on stdout: e.g. an incremental cycle after 1 % changed.

The tenant clock is simulated (it starts at 2026-01-01T00:00:00Z and each change advances it
by one second), so an event's updated_at says which change it carries, not when it happened;
--mutation-log pairs each change's updated_at with the wall time (Unix ms) it was applied.

At exit the Workable tenant's counters are printed: "Workable requests: N, 429s: M, changes: K";
SIGHUP prints the same line and goes on serving (e.g. requests per phase of a benchmark).
)HELP";

long Arg(int argc, char** argv, const std::string& name, long def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return std::strtol(argv[i + 1], nullptr, 10);
  return def;
}
std::string Arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return def;
}

// `changes` < 0: not written (a single tenant's truth).
void WriteCandidate(ats::JsonWriter& w, const ats::sim::SimCandidate& c, bool deleted, int changes = -1) {
  w.BeginObject()
      .Key("id").String(c.id)
      .Key("job_shortcode").String(c.job_shortcode)
      .Key("stage").String(c.stage)
      .Key("stage_kind").String(c.stage_kind)
      .Key("disqualified").Bool(c.disqualified)
      .Key("updated_at").String(c.updated_at)
      .Key("deleted").Bool(deleted);
  if (changes >= 0) w.Key("changes").Int(changes);
  w.EndObject();
}

void WriteJobs(ats::JsonWriter& w, const ats::sim::WorkableTenant& tenant) {
  w.Key("jobs").BeginArray();
  for (const auto& j : tenant.jobs())
    w.BeginObject().Key("shortcode").String(j.shortcode).Key("state").String(j.state).Key("updated_at")
        .String(j.updated_at).EndObject();
  w.EndArray();
}

// Writes `text` to `path` whole: via a temporary file and a rename.
bool WriteWhole(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// Writes the tenant's ground truth to `path` (whole).
bool WriteTruth(const ats::sim::WorkableTenant& tenant, const std::string& path) {
  ats::JsonWriter w;
  w.BeginObject();
  WriteJobs(w, tenant);
  w.Key("candidates").BeginArray();
  for (const auto& c : tenant.candidates()) WriteCandidate(w, c, false);
  for (const auto& c : tenant.deleted_candidates()) WriteCandidate(w, c, true);
  w.EndArray().EndObject();
  return WriteWhole(path, w.Take());
}

// Every fleet tenant's ground truth, with the changes applied to each candidate (whole).
bool WriteFleetTruth(const ats::sim::WorkableFleet& fleet, const std::string& path) {
  ats::JsonWriter w;
  w.BeginObject().Key("tenants").BeginArray();
  for (size_t i = 0; i < fleet.size(); ++i) {
    const auto& tenant = fleet.tenant(i);
    const auto changes = fleet.changes_applied(i);
    int total = 0;
    for (const auto& [id, n] : changes) total += n;
    const auto count = [&](const std::string& id) {
      const auto it = changes.find(id);
      return it == changes.end() ? 0 : it->second;
    };
    w.BeginObject().Key("subdomain").String(ats::sim::WorkableFleet::Subdomain(i)).Key("changes").Int(total);
    WriteJobs(w, tenant);
    w.Key("candidates").BeginArray();
    for (const auto& c : tenant.candidates()) WriteCandidate(w, c, false, count(c.id));
    for (const auto& c : tenant.deleted_candidates()) WriteCandidate(w, c, true, count(c.id));
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return WriteWhole(path, w.Take());
}

// One connection per fleet tenant (the first `count`), as YAML list items.
std::string FleetConnections(const ats::sim::WorkableFleet& fleet, size_t count, long poll_interval_s) {
  std::string out;
  for (size_t i = 0; i < std::min(count, fleet.size()); ++i)
    out += "  - id: " + ats::sim::WorkableFleet::Subdomain(i) + "\n    source: workable\n    poll_interval_s: " +
           std::to_string(poll_interval_s) + "\n    incremental: true\n    workable:\n      subdomain: " +
           ats::sim::WorkableFleet::Subdomain(i) + "\n      api_token: " + fleet.token(i) +
           "\n      base_url: " + fleet.base_url(i) + "\n      allow_insecure_http: true\n";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--help") return std::cout << kHelp, 0;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGUSR2);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the simulator

  std::string config = "log_level: info\nconnections:\n";
  std::unique_ptr<ats::sim::WorkableTenant> workable;
  std::unique_ptr<ats::sim::WorkableFleet> fleet;
  std::unique_ptr<ats::sim::WorkdayTenant> workday;
  if (const long tenants = Arg(argc, argv, "workable-tenants", 0L); tenants > 0) {
    ats::sim::WorkableFleetOptions o;
    o.tenants = static_cast<int>(tenants);
    o.jobs = static_cast<int>(Arg(argc, argv, "workable-jobs", 2L));
    o.candidates_per_job = static_cast<int>(Arg(argc, argv, "workable-candidates", 10L));
    o.rate_limit_requests = static_cast<int>(Arg(argc, argv, "workable-rate-limit", 10L));
    o.seed = static_cast<uint64_t>(Arg(argc, argv, "workable-seed", 42L));
    o.port = static_cast<int>(Arg(argc, argv, "workable-port", 0L));
    o.threads = static_cast<int>(Arg(argc, argv, "sim-threads", 64L));
    o.keep_alive_s = static_cast<int>(Arg(argc, argv, "sim-keep-alive-s", 2L));
    o.mutate_tenants = static_cast<int>(Arg(argc, argv, "mutate-tenants", 0L));
    fleet = std::make_unique<ats::sim::WorkableFleet>(o);
    if (!fleet->Start()) return std::cerr << "ats-sim: cannot start the Workable fleet\n", 1;
    std::cout << "Workable fleet: " << fleet->size() << " tenants at http://127.0.0.1:" << fleet->port()
              << "/t/<subdomain>/spi/v3 (tenant-00001..., token-<n>-" << o.seed << ")\n";
    config += FleetConnections(*fleet, static_cast<size_t>(Arg(argc, argv, "config-tenants", tenants)),
                               Arg(argc, argv, "poll-interval-s", 60L));
  } else if (const long jobs = Arg(argc, argv, "workable-jobs", 5L); jobs > 0) {
    ats::sim::WorkableTenantOptions o;
    o.jobs = static_cast<int>(jobs);
    o.candidates_per_job = static_cast<int>(Arg(argc, argv, "workable-candidates", 20L));
    o.rate_limit_requests = static_cast<int>(Arg(argc, argv, "workable-rate-limit", 10L));
    o.seed = static_cast<uint64_t>(Arg(argc, argv, "workable-seed", 42L));
    o.huge_page_candidates = static_cast<int>(Arg(argc, argv, "workable-huge-page", 0L));
    workable = std::make_unique<ats::sim::WorkableTenant>(o);
    if (!workable->Start()) return std::cerr << "ats-sim: cannot start the Workable tenant\n", 1;
    std::cout << "Workable tenant: " << workable->base_url() << "\n";
    config += "  - id: sim-workable\n    source: workable\n    poll_interval_s: 10\n    workable:\n"
              "      subdomain: " + o.subdomain + "\n      api_token: " + o.token + "\n      base_url: " +
              workable->base_url() + "\n      allow_insecure_http: true\n";
    if (o.rate_limit_requests == 0) config += "      rate_limit: {requests: 100000, per_s: 1}\n";
  }
  if (const long postings = Arg(argc, argv, "workday-postings", 8L); postings > 0) {
    ats::sim::WorkdayTenantOptions o;
    o.job_postings = static_cast<int>(postings);
    o.applications = static_cast<int>(Arg(argc, argv, "workday-applications", 100L));
    workday = std::make_unique<ats::sim::WorkdayTenant>(o);
    if (!workday->Start()) return std::cerr << "ats-sim: cannot start the Workday tenant\n", 1;
    std::cout << "Workday tenant:  " << workday->rest_endpoint() << "\n  report: " << workday->report_url() << "\n";
    config += "  - id: sim-workday\n    source: workday\n    poll_interval_s: 60\n    workday:\n"
              "      rest_endpoint: " + workday->rest_endpoint() + "\n      client_id: " + o.client_id +
              "\n      client_secret: " + o.client_secret + "\n      refresh_token: " + o.refresh_token +
              "\n      allow_insecure_http: true\n      rate_limit: {requests: 1000, per_s: 1}\n"
              "      reports:\n        - url: " + workday->report_url() + "\n";
  }
  config += "kafka:\n  bootstrap_servers: " + Arg(argc, argv, "kafka-bootstrap", std::string("embedded")) +
            "\nsnapshot:\n  path: " +
            Arg(argc, argv, "snapshot", std::string("./ats-sim-snapshot")) + "\nhttp:\n  listen: " +
            Arg(argc, argv, "http-listen", std::string("127.0.0.1:8080")) + "\n";
  const std::string out = Arg(argc, argv, "config-out", std::string("./ats-sim.yaml"));
  std::ofstream(out) << config;
  std::cout << "Connector config: " << out << "\n" << std::flush;

  // Changes to the Workable tenant on a timer, until SIGUSR1 freezes it.
  const long mutate_every_ms = Arg(argc, argv, "mutate-every-ms", 0L);
  const int mutations = static_cast<int>(std::max(1L, Arg(argc, argv, "mutations", 1L)));
  const std::string truth_out = Arg(argc, argv, "truth-out", std::string());
  bool frozen = false;
  long long applied = 0;
  std::ofstream mutation_log;
  if (const std::string path = Arg(argc, argv, "mutation-log", std::string()); !path.empty()) {
    mutation_log.open(path, std::ios::app);
    if (!mutation_log) return std::cerr << "ats-sim: cannot open " << path << "\n", 1;
  }
  // Applies `n` changes one at a time, so that each gets its own line in the mutation log.
  auto mutate = [&](int n) {
    for (int i = 0; fleet && i < n; ++i) {
      const auto change = fleet->MutateRandom();
      if (!change) continue;
      ++applied;
      if (mutation_log.is_open()) {
        const auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
        mutation_log << wall_ms << ' ' << change->clock << ' ' << change->subdomain << ' ' << change->what << '\n';
      }
    }
    for (int i = 0; workable && i < n; ++i) {
      const auto lines = workable->MutateRandom(1);
      applied += static_cast<long long>(lines.size());
      if (mutation_log.is_open() && !lines.empty()) {
        const auto wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
        mutation_log << wall_ms << ' ' << workable->clock() << ' ' << lines.front() << '\n';
      }
    }
    if (mutation_log.is_open()) mutation_log.flush();
  };
  auto print_counters = [&] {
    if (fleet) {
      std::cout << "Workable requests: " << fleet->requests() << ", 429s: " << fleet->rate_limited()
                << ", changes: " << applied << ", unknown tenant: " << fleet->unknown_tenant() << "\n" << std::flush;
      return;
    }
    const auto stats = workable->stats();
    std::cout << "Workable requests: " << stats.requests << ", 429s: " << stats.rate_limited << ", changes: " << applied
              << "\n" << std::flush;
  };
  auto write_truth = [&] { return fleet ? WriteFleetTruth(*fleet, truth_out) : WriteTruth(*workable, truth_out); };
  auto next_mutation = std::chrono::steady_clock::now() + std::chrono::milliseconds(mutate_every_ms);
  while (true) {
    int sig = 0;
    if ((workable || fleet) && mutate_every_ms > 0 && !frozen) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_mutation) {
        mutate(mutations);
        next_mutation = now + std::chrono::milliseconds(mutate_every_ms);
      }
      const auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(next_mutation - now);
      timespec ts{static_cast<time_t>(wait.count() / 1000000000), static_cast<long>(wait.count() % 1000000000)};
      sig = sigtimedwait(&set, nullptr, &ts);
      if (sig < 0) continue;  // timer (EAGAIN) or EINTR
    } else {
      sigwait(&set, &sig);
    }
    if (sig == SIGUSR2) {
      if ((workable || fleet) && !frozen) {
        mutate(mutations);
        std::cout << "Applied " << mutations << " changes (SIGUSR2).\n" << std::flush;
      }
      continue;
    }
    if (sig == SIGHUP) {
      if (workable || fleet) print_counters();
      continue;
    }
    if (sig == SIGUSR1) {
      frozen = true;
      if ((workable || fleet) && !truth_out.empty()) {
        if (!write_truth()) return std::cerr << "ats-sim: cannot write " << truth_out << "\n", 1;
        std::cout << "Ground truth written: " << truth_out << " (" << applied << " changes applied)\n" << std::flush;
      }
      continue;
    }
    break;  // SIGINT / SIGTERM
  }
  if (workable || fleet) print_counters();  // the tenant's side of the count, for the rate-limited benchmark
  if ((workable || fleet) && !truth_out.empty() && !write_truth())
    return std::cerr << "ats-sim: cannot write " << truth_out << "\n", 1;
  return 0;
}
