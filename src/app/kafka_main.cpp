// ats-kafka: the embedded Kafka (librdkafka's mock cluster) as a process of its own, so that a
// connector can be killed (SIGKILL) and restarted while what it published stays readable, and so
// that a test can take brokers down, inject request errors and move partition leaders while a
// connector runs. In memory only: for tests and trials, never for production.
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kafka/embedded_cluster.hpp"

namespace {

constexpr const char* kHelp = R"HELP(Usage: ats-kafka [options]

Starts librdkafka's mock Kafka cluster on 127.0.0.1, creates the connector's topics, prints
"Kafka bootstrap: HOST:PORT,..." and runs until SIGINT/SIGTERM. Point a connector at it with
kafka.bootstrap_servers. Everything lives in this process's memory.

Options:
  --brokers N            brokers in the cluster                            [1]
  --partitions N         partitions per topic                              [4]
  --topics A,B,...       topics to create   [ats.candidate-changed.v1,ats.job-imported.v1,ats.job-changed.v1,
                                              ats.dead-letter.v1,ats.candidates.state.v1,ats.jobs.state.v1]
  --bootstrap-out FILE   also write the bootstrap address to FILE

Faults, one command per line on standard input; each is answered "ok" or "error: ..." on
standard output:
  down BROKER                     take a broker down (connections closed, none accepted)
  up BROKER                       bring it back
  rtt BROKER MS                   add MS of latency to the broker's answers
  leader TOPIC PARTITION BROKER   move a partition's leadership
  errors API_KEY NAME [NAME...]   fail the next requests of a Kafka API (0 = Produce) with these
                                  errors, e.g. errors 0 NOT_LEADER_FOR_PARTITION _TRANSPORT
  clear-errors API_KEY            drop the errors of that API no request has taken yet
  ping                            answers ok
)HELP";

std::string Arg(int argc, char** argv, const std::string& name, const std::string& def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return def;
}

int IntArg(int argc, char** argv, const std::string& name, int def, int min, int max) {
  const std::string v = Arg(argc, argv, name, std::to_string(def));
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0' || n < min || n > max) {
    std::cerr << "ats-kafka: --" << name << " must be a whole number from " << min << " to " << max
              << ", got '" << v << "'\n";
    std::exit(2);
  }
  return static_cast<int>(n);
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

// Runs one control command; returns "ok" or "error: ...".
std::string Execute(ats::kafka::EmbeddedCluster& cluster, const std::string& line) {
  const std::vector<std::string> w = Split(line, ' ');
  if (w.empty()) return "error: empty command";
  const auto number = [](const std::string& s, int& out) {
    char* end = nullptr;
    const long n = std::strtol(s.c_str(), &end, 10);
    if (end == s.c_str() || *end != '\0') return false;
    out = static_cast<int>(n);
    return true;
  };
  ats::Result<void> r = ats::Ok();
  int a = 0, b = 0;
  if (w[0] == "ping" && w.size() == 1) {
    return "ok";
  } else if (w[0] == "down" && w.size() == 2 && number(w[1], a)) {
    r = cluster.SetBrokerDown(a);
  } else if (w[0] == "up" && w.size() == 2 && number(w[1], a)) {
    r = cluster.SetBrokerUp(a);
  } else if (w[0] == "rtt" && w.size() == 3 && number(w[1], a) && number(w[2], b)) {
    r = cluster.SetBrokerRtt(a, b);
  } else if (w[0] == "leader" && w.size() == 4 && number(w[2], a) && number(w[3], b)) {
    r = cluster.SetPartitionLeader(w[1], a, b);
  } else if (w[0] == "clear-errors" && w.size() == 2 && number(w[1], a)) {
    cluster.ClearRequestErrors(static_cast<int16_t>(a));
  } else if (w[0] == "errors" && w.size() >= 3 && number(w[1], a)) {
    r = cluster.PushRequestErrors(static_cast<int16_t>(a), std::vector<std::string>(w.begin() + 2, w.end()));
  } else {
    return "error: unknown command '" + line + "' (see ats-kafka --help)";
  }
  return r ? "ok" : "error: " + r.error().message;
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

  const int brokers = IntArg(argc, argv, "brokers", 1, 1, 16);
  const int partitions = IntArg(argc, argv, "partitions", 4, 1, 1000);
  const auto topics =
      Split(Arg(argc, argv, "topics",
                "ats.candidate-changed.v1,ats.job-imported.v1,ats.job-changed.v1,ats.dead-letter.v1,"
                "ats.candidates.state.v1,ats.jobs.state.v1"),
            ',');

  auto started = ats::kafka::EmbeddedCluster::Start(brokers);
  if (!started) return std::cerr << "ats-kafka: " << started.error().message << "\n", 1;
  std::unique_ptr<ats::kafka::EmbeddedCluster> cluster = std::move(started).value();
  for (const auto& topic : topics) {
    if (auto created = cluster->CreateTopic(topic, partitions, std::min(3, brokers)); !created)
      return std::cerr << "ats-kafka: " << created.error().message << "\n", 1;
  }
  if (const std::string out = Arg(argc, argv, "bootstrap-out", ""); !out.empty()) {
    // Written whole, then renamed: a reader never sees half an address.
    std::ofstream(out + ".tmp") << cluster->bootstrap_servers() << "\n";
    std::rename((out + ".tmp").c_str(), out.c_str());
  }
  std::cout << "Kafka bootstrap: " << cluster->bootstrap_servers() << "\n" << std::flush;

  // Control commands from stdin. The reader is detached: at a stop signal it may be blocked in
  // a read; the mutex keeps it off the cluster once that is being destroyed.
  std::mutex mu;
  bool stopping = false;
  std::thread([&] {
    std::string line;
    while (std::getline(std::cin, line)) {
      std::lock_guard lock(mu);
      if (stopping) return;
      std::cout << Execute(*cluster, line) << "\n" << std::flush;
    }
  }).detach();

  int sig = 0;
  sigwait(&set, &sig);
  std::lock_guard lock(mu);
  stopping = true;
  cluster.reset();
  std::_Exit(0);  // the reader thread may still be blocked on stdin
}
