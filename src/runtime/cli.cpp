#include "runtime/cli.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/log.hpp"
#include "config/config.hpp"
#include "config/shared_accounts.hpp"
#include "runtime/check.hpp"
#include "runtime/keygen.hpp"
#include "runtime/service.hpp"
#include "runtime/source_state.hpp"
#include "sim/workable_tenant.hpp"

namespace ats::runtime {
namespace {

constexpr const char* kVersion = "0.1.0";

constexpr const char* kMainHelp =
    R"HELP(ats-connector — streams recruiting data from applicant tracking systems into Kafka.

Usage:
  ats-connector run --config FILE        sync the configured connections until stopped
  ats-connector sandbox [options]        run against a simulated Workable tenant and an
                                         embedded Kafka, to see events flow
  ats-connector validate --config FILE   check a configuration file and exit
  ats-connector check --config FILE [--connection ID]
                                         try each connection (endpoint, token exchange, one
                                         read of each API) and say Active or Failed, and why
  ats-connector keygen --out FILE [--add]
                                         write a keyring for secrets at rest (secrets.keyring_file),
                                         or add a key to one (rotation)
  ats-connector <command> --help         options of a command
  ats-connector --version

Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
)HELP";

constexpr const char* kRunHelp = R"HELP(Usage: ats-connector run --config FILE

Loads FILE (see examples/connector.yaml and docs/configuration.md), then polls every
connection, publishes candidate-changed and job-imported events and serves /metrics,
/healthz, /readyz and /status on http.listen. SIGINT or SIGTERM stops it cleanly: the
page in hand is finished, Kafka is flushed and the snapshot stays consistent.

FILE must name the Kafka brokers (kafka.bootstrap_servers): without them the events would
vanish on restart while the snapshot remembers them. `ats-connector sandbox` tries the
connector without any.
)HELP";

constexpr const char* kValidateHelp = R"HELP(Usage: ats-connector validate --config FILE

Checks FILE: unknown keys, types, ranges, credentials (files readable, ${ENV} set),
subdomains, URLs and topic names. Prints every problem with its key path and exits 2,
or prints a summary and exits 0. Contacts nothing.
)HELP";

constexpr const char* kCheckHelp = R"HELP(Usage: ats-connector check --config FILE [--connection ID]

For each connection (or only ID): checks the endpoint format, exchanges the credentials for a
token where the source uses OAuth (Workday), and makes one minimal read of each API the
connection uses (a report is cut off after its first bytes). Prints, per connection,
"Status: Active" or "Status: Failed" with the category, the reason and the fix:
  Invalid API Endpoint       confirm the URL format / the subdomain
  Token Errors               regenerate the token and paste it again
  Insufficient Permissions   include the Recruiting (and Candidate) scopes / r_jobs, r_candidates
  Failed                     double-check that Client ID, Secret and Refresh Token match exactly
Exit code: 0 when every checked connection is Active, 1 otherwise, 2 for bad usage or config.
A rotated Workday refresh token is saved in the snapshot, as the running connector would.
)HELP";

constexpr const char* kSandboxHelp = R"HELP(Usage: ats-connector sandbox [options]

Starts a simulated Workable tenant (real HTTP on 127.0.0.1), an embedded Kafka (librdkafka's
mock cluster, in memory) and a fresh local snapshot, then syncs and keeps changing the tenant
so that events flow. The Kafka bootstrap address is printed and written to
<dir>/kafka-bootstrap.txt, e.g. for: kcat -C -b "$(cat ats-sandbox/kafka-bootstrap.txt)" -t ats.candidate-changed.v1

Options:
  --dir DIR                 working directory (snapshot, bootstrap file)   [./ats-sandbox]
  --http-listen HOST:PORT   metrics/health/status port                     [127.0.0.1:8080]
  --poll-interval-s N       seconds between sync cycles                    [5]
  --mutate-every-s N        seconds between tenant changes (0 = never)     [3]
  --mutations N             changes applied each time                      [2]
  --jobs N                  jobs in the simulated tenant                   [5]
  --candidates-per-job N    candidates per job                             [20]
  --seed N                  data set seed                                  [42]
  --exit-after-s N          stop by itself after N seconds (0 = run until Ctrl-C) [0]
)HELP";

struct Args {
  std::string command;
  std::map<std::string, std::string> options;
  bool help = false;
  std::vector<std::string> unknown;
};

Args Parse(int argc, char** argv, const std::vector<std::string>& value_options) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      args.help = true;
    } else if (args.command.empty() && a.rfind("--", 0) != 0) {
      args.command = a;
    } else if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (i + 1 < argc &&
                 (std::find(value_options.begin(), value_options.end(), name) != value_options.end() ||
                  std::string_view(argv[i + 1]).rfind("--", 0) != 0)) {
        // Known value options take the next word; so does an unknown one, so that a typo such
        // as `--confg x.yaml` is reported as an unknown option rather than a stray argument.
        value = argv[++i];
      }
      args.options[name] = value;
    } else {
      args.unknown.push_back(a);
    }
  }
  return args;
}

int Usage(const std::string& message, const char* help) {
  std::cerr << "ats-connector: " << message << "\n\n" << help;
  return 2;
}

std::optional<int> IntOption(const Args& args, const std::string& name, int def, int min, int max,
                             std::string& error) {
  auto it = args.options.find(name);
  if (it == args.options.end()) return def;
  try {
    size_t used = 0;
    const int v = std::stoi(it->second, &used);
    if (used == it->second.size() && v >= min && v <= max) return v;
  } catch (...) {
  }
  error = "--" + name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
          ", got '" + it->second + "'";
  return std::nullopt;
}

// Blocks SIGINT/SIGTERM in every thread (threads inherit the mask) so that the main thread
// receives them synchronously with sigtimedwait.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Waits for SIGINT/SIGTERM or `exit_after` (zero = forever), calling `tick` every 200 ms.
template <typename Tick>
void WaitForStop(const sigset_t& set, std::chrono::seconds exit_after, Tick tick,
                 const std::function<void()>& on_hangup = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + exit_after;
  timespec ts{0, 200 * 1000 * 1000};
  while (true) {
    const int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig == SIGHUP) {
      if (on_hangup) on_hangup();
      continue;
    }
    if (sig == SIGINT || sig == SIGTERM) {
      log::Info("Stop signal received; finishing the page in hand and flushing Kafka.",
                {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
      return;
    }
    if (exit_after.count() > 0 && std::chrono::steady_clock::now() >= deadline) {
      log::Info("Exit time reached (--exit-after-s); stopping.");
      return;
    }
    tick();
  }
}

// Identity of the config file's current content: a replaced file (new inode) or an edited one
// (new mtime or size) reads as changed.
struct FileStamp {
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  off_t size = -1;
  bool operator!=(const FileStamp& o) const {
    return inode != o.inode || mtime_ns != o.mtime_ns || size != o.size;
  }
};
FileStamp Stamp(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return {};
  return {st.st_ino, static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec, st.st_size};
}

std::optional<config::Config> Load(const std::string& path, int& exit_code,
                                   config::Purpose purpose = config::Purpose::kRun) {
  try {
    return config::LoadConfigFile(path, nullptr, purpose);
  } catch (const config::ConfigError& e) {
    std::cerr << "ats-connector: invalid configuration in " << path << " (" << e.problems().size()
              << (e.problems().size() == 1 ? " problem" : " problems") << "):\n";
    for (const auto& p : e.problems()) std::cerr << "  " << p.path << ": " << p.message << "\n";
    exit_code = 2;
    return std::nullopt;
  }
}

// Rejects options a command does not take, so a typo is not silently ignored.
std::optional<int> RejectUnknown(const Args& args, const std::vector<std::string>& known, const char* help) {
  for (const auto& [name, value] : args.options)
    if (std::find(known.begin(), known.end(), name) == known.end())
      return Usage("unknown option --" + name, help);
  return std::nullopt;
}

int Validate(const Args& args) {
  if (args.help) return std::cout << kValidateHelp, 0;
  if (auto bad = RejectUnknown(args, {"config"}, kValidateHelp)) return *bad;
  auto it = args.options.find("config");
  if (it == args.options.end() || it->second.empty())
    return Usage("validate needs --config FILE", kValidateHelp);
  int code = 0;
  auto config = Load(it->second, code);
  if (!config) return code;
  std::cout << "Configuration OK: " << it->second << "\n";
  for (const auto& c : config->connections)
    std::cout << "  connection " << c.id << " (" << c.source << "), poll every " << c.poll_interval_s
              << " s\n";
  std::cout << "  kafka: " << config->kafka.bootstrap_servers << "; snapshot: " << config->snapshot.path
            << "; http: " << config->http.listen << "\n";
  for (const auto& w : config::SharedAccountWarnings(config->connections))
    std::cout << "warning: " << w.path << ": " << w.message << "\n";
  if (config->kafka.embedded())
    std::cout << "warning: kafka.bootstrap_servers: 'embedded' keeps events in the connector's memory "
                 "only: they are lost when it stops, while the snapshot remembers them as published; "
                 "for trials only\n";
  return 0;
}

int Check(const Args& args) {
  if (args.help) return std::cout << kCheckHelp, 0;
  if (auto bad = RejectUnknown(args, {"config", "connection"}, kCheckHelp)) return *bad;
  auto it = args.options.find("config");
  if (it == args.options.end() || it->second.empty()) return Usage("check needs --config FILE", kCheckHelp);
  std::optional<config::Config> config;
  try {
    config = config::LoadConfigFile(it->second);
  } catch (const config::ConfigError& e) {
    // An endpoint in the wrong format is what the setup screens call an Invalid API Endpoint:
    // report it as a failed check. Any other problem is a configuration error (exit 2).
    const bool only_endpoints = std::all_of(e.problems().begin(), e.problems().end(), [](const auto& p) {
      return p.message.rfind("Invalid API Endpoint", 0) == 0;
    });
    if (!only_endpoints) {
      int code = 0;
      Load(it->second, code, config::Purpose::kAny);  // prints the problems
      return code;
    }
    for (const auto& p : e.problems()) {
      CheckResult r;
      r.connection = p.path;
      r.source = "config";
      r.category = "Invalid API Endpoint";
      r.reason = p.message;
      r.fix = "Confirm the URL format: https://{domain}/ccx/api/v1/{tenant}.";
      std::cout << FormatCheckResult(r);
    }
    return 1;
  }
  std::vector<config::ConnectionConfig> selected;
  const auto only = args.options.find("connection");
  for (const auto& c : config->connections)
    if (only == args.options.end() || c.id == only->second) selected.push_back(c);
  if (selected.empty())
    return Usage("no connection with id '" + only->second + "' in " + it->second, kCheckHelp);

  // The snapshot keeps a rotated Workday refresh token. If a running connector holds it, a
  // check must not rotate the token behind its back.
  std::unique_ptr<snapshot::SnapshotStore> store;
  std::string store_error;
  const bool needs_state =
      std::any_of(selected.begin(), selected.end(), [](const auto& c) { return c.source == "workday"; });
  if (needs_state) {
    auto opened = snapshot::OpenRocksDbStore(config->snapshot.path);
    if (opened) {
      store = std::move(opened).value();
    } else {
      store_error = opened.error().message;
    }
  }
  // A token saved sealed opens only with the keyring (validated by the loader already).
  std::optional<connections::Keyring> keyring;
  if (needs_state && !config->secrets.keyring_file.empty()) {
    auto loaded = connections::Keyring::Load(config->secrets.keyring_file);
    if (!loaded) {
      std::cerr << "ats-connector: secrets.keyring_file: " << loaded.error().message << "\n";
      return 2;
    }
    keyring = std::move(loaded).value();
  }
  bool all_active = true;
  for (const auto& c : selected) {
    CheckResult result;
    if (c.source == "workday" && !store) {
      result.connection = c.id;
      result.source = c.source;
      result.category = "Snapshot unavailable";
      result.reason = store_error;
      result.fix =
          "If the connector is running, its /status shows this connection's live state; otherwise "
          "fix snapshot.path.";
    } else {
      std::unique_ptr<SnapshotStateStore> state;
      if (store) state = std::make_unique<SnapshotStateStore>(*store, c.id, keyring ? &*keyring : nullptr);
      result = CheckConnection(c, state.get());
    }
    all_active = all_active && result.active;
    std::cout << FormatCheckResult(result) << std::flush;
  }
  return all_active ? 0 : 1;
}

int KeygenCommand(const Args& args) {
  if (args.help) return std::cout << kKeygenHelp, 0;
  if (auto bad = RejectUnknown(args, {"out", "add"}, kKeygenHelp)) return *bad;
  const auto add = args.options.find("add");
  if (add != args.options.end() && !add->second.empty())
    return Usage("--add takes no value; write keygen --add --out FILE", kKeygenHelp);
  const auto out = args.options.find("out");
  if (out == args.options.end() || out->second.empty()) return Usage("keygen needs --out FILE", kKeygenHelp);
  return Keygen(out->second, add != args.options.end());
}

int RunService(config::Config config, ServiceOptions options, const sigset_t& signals,
               std::chrono::seconds exit_after, const std::function<void(Service&)>& on_started,
               const std::function<void()>& tick, const std::string& config_path = "") {
  const auto grace = std::chrono::seconds(config.shutdown_grace_s);
  Service service(std::move(config), options);
  if (auto started = service.Start(); !started) {
    log::Error("Start-up failed.",
               {{"kind", ToString(started.error().category)}, {"error", started.error().message}});
    std::cerr << "ats-connector: " << log::Redact(started.error().message) << "\n";
    return started.error().category == ErrorCategory::kConfig ? 2 : 1;
  }
  if (on_started) on_started(service);
  // Reload on SIGHUP and when the file changes (a Kubernetes ConfigMap update swaps the file
  // behind a symlink): an invalid new file is logged and the running configuration is kept.
  auto reload = [&](const char* why) {
    if (config_path.empty()) return;
    try {
      auto next = config::LoadConfigFile(config_path, nullptr, config::Purpose::kRun);
      if (auto applied = service.Reload(std::move(next)); !applied)
        log::Error("Configuration reload refused; the running configuration is kept.",
                   {{"reason", why}, {"error", applied.error().message}});
    } catch (const config::ConfigError& e) {
      log::Error("Configuration reload refused: the new file is invalid; the running configuration is kept.",
                 {{"reason", why}, {"problems", e.what()}});
    }
  };
  FileStamp stamp = Stamp(config_path);
  auto last_check = std::chrono::steady_clock::now();
  auto watch = [&] {
    tick();
    if (config_path.empty() || std::chrono::steady_clock::now() - last_check < std::chrono::seconds(2))
      return;
    last_check = std::chrono::steady_clock::now();
    if (const FileStamp now = Stamp(config_path); now != stamp) {
      stamp = now;
      reload("the configuration file changed");
    }
  };
  WaitForStop(signals, exit_after, watch, [&] { reload("SIGHUP"); });
  // Stop within the grace period (Kubernetes sends SIGKILL 30 s after SIGTERM). Past it, exit
  // anyway: every snapshot commit is atomic and follows Kafka's acknowledgement, so whatever
  // was not committed is simply re-derived and re-published (same ce_id) on the next start.
  std::promise<void> stopped;
  auto done = stopped.get_future();
  std::thread stopper([&] {
    service.Stop();
    stopped.set_value();
  });
  if (done.wait_for(grace) != std::future_status::ready) {
    log::Error(
        "Did not stop within shutdown_grace_s; exiting now. The snapshot is consistent; "
        "unacknowledged events will be published again on the next start.",
        {{"shutdown_grace_s", static_cast<long long>(grace.count())}});
    std::_Exit(1);
  }
  stopper.join();
  return 0;
}

int Run(const Args& args) {
  if (args.help) return std::cout << kRunHelp, 0;
  if (auto bad = RejectUnknown(args, {"config"}, kRunHelp)) return *bad;
  auto it = args.options.find("config");
  if (it == args.options.end() || it->second.empty()) return Usage("run needs --config FILE", kRunHelp);
  const sigset_t signals = BlockStopSignals();
  int code = 0;
  auto config = Load(it->second, code);
  if (!config) return code;
  if (config->kafka.embedded())
    log::Warn(
        "kafka.bootstrap_servers is 'embedded': events live in this process's memory only and are "
        "lost when it stops, while the snapshot on disk remembers them. Use it for trials, not production.");
  for (const auto& w : config::SharedAccountWarnings(config->connections))
    log::Warn("Two connections read one Workable account.", {{"connection", w.path}, {"detail", w.message}});
  return RunService(
      std::move(*config), ServiceOptions{}, signals, std::chrono::seconds(0), nullptr, [] {}, it->second);
}

int Sandbox(const Args& args) {
  if (args.help) return std::cout << kSandboxHelp, 0;
  if (auto bad = RejectUnknown(args,
                               {"dir", "http-listen", "poll-interval-s", "mutate-every-s", "mutations",
                                "jobs", "candidates-per-job", "seed", "exit-after-s"},
                               kSandboxHelp))
    return *bad;
  std::string error;
  const auto poll = IntOption(args, "poll-interval-s", 5, 1, 3600, error);
  const auto mutate_every = IntOption(args, "mutate-every-s", 3, 0, 3600, error);
  const auto mutations = IntOption(args, "mutations", 2, 1, 1000, error);
  const auto jobs = IntOption(args, "jobs", 5, 1, 100000, error);
  const auto per_job = IntOption(args, "candidates-per-job", 20, 0, 100000, error);
  const auto seed = IntOption(args, "seed", 42, 0, 1 << 30, error);
  const auto exit_after = IntOption(args, "exit-after-s", 0, 0, 86400, error);
  if (!error.empty()) return Usage(error, kSandboxHelp);
  const std::string dir = args.options.count("dir") ? args.options.at("dir") : "./ats-sandbox";
  const std::string listen =
      args.options.count("http-listen") ? args.options.at("http-listen") : "127.0.0.1:8080";

  const sigset_t signals = BlockStopSignals();

  sim::WorkableTenantOptions tenant_options;
  tenant_options.seed = static_cast<uint64_t>(*seed);
  tenant_options.jobs = *jobs;
  tenant_options.candidates_per_job = *per_job;
  sim::WorkableTenant tenant(tenant_options);
  if (!tenant.Start()) {
    std::cerr << "ats-connector: cannot start the simulated Workable tenant on 127.0.0.1\n";
    return 1;
  }

  // The embedded Kafka starts empty every time, so the snapshot (which records what Kafka
  // has) starts empty too; otherwise the first sync would publish nothing.
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::filesystem::remove_all(std::filesystem::path(dir) / "snapshot", ec);

  config::Config config;
  config::ConnectionConfig connection;
  connection.id = "sandbox-workable";
  connection.source = "workable";
  connection.poll_interval_s = *poll;
  connection.workable.subdomain = tenant_options.subdomain;
  connection.workable.api_token = tenant_options.token;
  connection.workable.base_url = tenant.base_url();
  connection.workable.allow_insecure_http = true;
  connection.trigger_stages = {"phone-screen", "assessment", "offer"};
  config.connections.push_back(connection);
  config.snapshot.path = (std::filesystem::path(dir) / "snapshot").string();
  config.http.listen = listen;

  Service* running = nullptr;
  auto on_started = [&](Service& service) {
    running = &service;
    const std::string bootstrap_file = (std::filesystem::path(dir) / "kafka-bootstrap.txt").string();
    std::ofstream(bootstrap_file) << service.bootstrap_servers() << "\n";
    std::cout << "\nats-connector sandbox is running.\n"
              << "  Simulated Workable tenant: " << tenant.base_url() << " (" << tenant.jobs().size()
              << " jobs, " << tenant.candidates().size() << " candidates)\n"
              << "  Embedded Kafka bootstrap:  " << service.bootstrap_servers() << "  (also in "
              << bootstrap_file << ")\n"
              << "  Read the events from another shell:\n"
              << "    kcat -C -b " << service.bootstrap_servers()
              << " -t ats.candidate-changed.v1 -f '%k %h\\n%s\\n\\n'\n"
              << "    kcat -C -b " << service.bootstrap_servers() << " -t ats.job-imported.v1\n"
              << "  Metrics, health and status: http://" << listen.substr(0, listen.rfind(':')) << ":"
              << service.admin_port() << "/metrics  /healthz  /readyz  /status\n"
              << "  Ctrl-C stops it.\n\n"
              << std::flush;
  };
  auto last_mutation = std::chrono::steady_clock::now();
  auto tick = [&] {
    if (*mutate_every == 0 || running == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_mutation < std::chrono::seconds(*mutate_every)) return;
    last_mutation = now;
    for (const auto& line : tenant.MutateRandom(*mutations))
      log::Info("Simulated tenant changed.", {{"change", line}});
  };
  const int code = RunService(std::move(config), ServiceOptions{.log_events = true}, signals,
                              std::chrono::seconds(*exit_after), on_started, tick);
  tenant.Stop();
  return code;
}

}  // namespace

int RunCli(int argc, char** argv) {
  Args args = Parse(argc, argv,
                    {"config", "out", "dir", "http-listen", "poll-interval-s", "mutate-every-s", "mutations", "jobs",
                     "candidates-per-job", "seed", "exit-after-s"});
  if (args.options.count("version")) return std::cout << "ats-connector " << kVersion << "\n", 0;
  if (args.command.empty()) {
    if (args.help) return std::cout << kMainHelp, 0;
    return Usage("no command given", kMainHelp);
  }
  if (!args.unknown.empty()) return Usage("unexpected argument '" + args.unknown.front() + "'", kMainHelp);
  if (args.command == "run") return Run(args);
  if (args.command == "sandbox") return Sandbox(args);
  if (args.command == "validate") return Validate(args);
  if (args.command == "check") return Check(args);
  if (args.command == "keygen") return KeygenCommand(args);
  return Usage("unknown command '" + args.command + "'", kMainHelp);
}

}  // namespace ats::runtime
