// ats-sim: serves the simulated Workable and Workday tenants as a separate process, so that
// end-to-end runs and benchmarks measure the connector alone (its RSS, its CPU). Prints the
// endpoints and writes a ready-to-run connector config.
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "sim/workable_tenant.hpp"
#include "sim/workday_tenant.hpp"

namespace {

constexpr const char* kHelp = R"HELP(Usage: ats-sim [options]

Serves simulated ATS tenants on 127.0.0.1 until SIGINT/SIGTERM and writes a connector config
that points at them (embedded Kafka), for end-to-end runs:
  ats-sim --workday-applications 2000000 --config-out /tmp/sim.yaml &
  ats-connector run --config /tmp/sim.yaml

Options:
  --workable-jobs N            jobs of the Workable tenant (0 = no Workable tenant)  [5]
  --workable-candidates N      candidates per Workable job                            [20]
  --workable-rate-limit N      requests per 10 s (0 = off)                            [10]
  --workday-postings N         job postings of the Workday tenant (0 = no Workday)    [8]
  --workday-applications N     rows of the Workday candidates report                  [100]
  --snapshot PATH              snapshot.path written into the config        [./ats-sim-snapshot]
  --http-listen HOST:PORT      http.listen written into the config          [127.0.0.1:8080]
  --config-out FILE            where to write the config                    [./ats-sim.yaml]
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

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--help") return std::cout << kHelp, 0;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  std::string config = "log_level: info\nconnections:\n";
  std::unique_ptr<ats::sim::WorkableTenant> workable;
  std::unique_ptr<ats::sim::WorkdayTenant> workday;
  if (const long jobs = Arg(argc, argv, "workable-jobs", 5L); jobs > 0) {
    ats::sim::WorkableTenantOptions o;
    o.jobs = static_cast<int>(jobs);
    o.candidates_per_job = static_cast<int>(Arg(argc, argv, "workable-candidates", 20L));
    o.rate_limit_requests = static_cast<int>(Arg(argc, argv, "workable-rate-limit", 10L));
    workable = std::make_unique<ats::sim::WorkableTenant>(o);
    if (!workable->Start()) return std::cerr << "ats-sim: cannot start the Workable tenant\n", 1;
    std::cout << "Workable tenant: " << workable->base_url() << "\n";
    config += "  - id: sim-workable\n    source: workable\n    poll_interval_s: 10\n    workable:\n"
              "      subdomain: " + o.subdomain + "\n      api_token: " + o.token + "\n      base_url: " +
              workable->base_url() + "\n      allow_insecure_http: true\n";
    if (o.rate_limit_requests == 0) config += "      rate_limit: {requests: 1000, per_s: 1}\n";
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
  config += "kafka:\n  bootstrap_servers: embedded\nsnapshot:\n  path: " +
            Arg(argc, argv, "snapshot", std::string("./ats-sim-snapshot")) + "\nhttp:\n  listen: " +
            Arg(argc, argv, "http-listen", std::string("127.0.0.1:8080")) + "\n";
  const std::string out = Arg(argc, argv, "config-out", std::string("./ats-sim.yaml"));
  std::ofstream(out) << config;
  std::cout << "Connector config: " << out << "\n" << std::flush;
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}
