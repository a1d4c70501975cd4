#pragma once
// The fault suite's harness: real processes (ats-connector, ats-kafka, ats-sim) started with
// their output captured line by line, the connector's admin endpoints read over loopback HTTP,
// and what reached Kafka read back and parsed. Everything talks to 127.0.0.1 only.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ats::fault {

using namespace std::chrono_literals;

// One child process. stdout and stderr are read by threads into memory (and seen line by line
// by `on_line`, which may act at once, e.g. SIGKILL the process right after a given log line).
// stdin is a pipe. The destructor SIGKILLs a child that still runs.
class Child {
 public:
  using LineHook = std::function<void(const std::string& line, bool is_stderr)>;
  Child(std::vector<std::string> argv, LineHook on_line = nullptr);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool Signal(int sig) const;
  // Waits for the exit; returns the exit code (128 + signal when killed), nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool running();
  bool WriteStdin(const std::string& line);
  // Waits until stdout and stderr are both closed (after an exit, everything the child wrote
  // has then been read: Wait alone may return before the readers took the last lines).
  bool WaitForEof(std::chrono::milliseconds timeout);

  std::string out() const;
  std::string err() const;
  std::vector<std::string> err_lines() const;
  // Waits until stdout (or stderr) has a line containing `needle` after the first `skip` such
  // lines; returns that line.
  std::optional<std::string> WaitForLine(const std::string& needle, bool in_stderr,
                                         std::chrono::milliseconds timeout, int skip = 0);
  // Resident memory of the process in KiB (VmRSS), 0 when unknown.
  long RssKib() const;
  // Peak resident memory of the process so far in KiB (VmHWM), 0 when unknown.
  long PeakRssKib() const;

 private:
  void Read(int fd, bool is_stderr);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> exit_code_;
  LineHook on_line_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string out_, err_;
  std::vector<std::string> err_lines_, out_lines_;
  int closed_streams_ = 0;
  std::thread out_reader_, err_reader_;
};

std::string ConnectorBin();
std::string SimBin();
std::string KafkaBin();

// True when the fault suite runs against real Apache Kafka (ATS_TEST_KAFKA_REAL=1, set by the
// ctest entries labelled `kafka-real`): KafkaProcess then starts a real cluster.
bool RealKafka();

// The Kafka of a test, with `brokers` brokers; bootstrap() once it is ready. Two kinds:
// - mock (default): ats-kafka, librdkafka's mock cluster as a process, driven through stdin.
// - real (RealKafka()): a KRaft cluster of Apache Kafka started by scripts/kafka-cluster.sh in
//   a directory of its own, with the connector's five topics created (4 partitions, the state
//   topics compacted; with 3 brokers replication factor 3 and min.insync.replicas=2). Stopped
//   by the destructor, and by the script's watchdog if this process dies first.
class KafkaProcess {
 public:
  explicit KafkaProcess(int brokers = 1);
  ~KafkaProcess();
  bool ok() const { return !bootstrap_.empty(); }
  bool real() const { return real_; }
  const std::string& bootstrap() const { return bootstrap_; }
  // Mock only: a control command (see ats-kafka --help); true when answered "ok".
  bool Command(const std::string& command);
  // Brokers (numbered from 1) down and up again. Mock: "down"/"up" commands. Real: the broker
  // processes are killed with SIGKILL, and started again together (Up returns once they serve).
  bool Down(const std::vector<int>& brokers);
  bool Up(const std::vector<int>& brokers);
  // Real only: the broker leading `partition` of `topic`, -1 when unknown.
  int Leader(const std::string& topic, int partition);
  Child& child() { return *child_; }

 private:
  bool Script(const std::vector<std::string>& args, std::chrono::milliseconds timeout);

  bool real_ = false;
  std::string dir_;  // real: the cluster's directory
  std::unique_ptr<Child> child_;
  std::string bootstrap_;
  std::mutex command_mu_;
  int answers_ = 0;
};

// The connector (`ats-connector run --config FILE`); admin_port() once it logged its start.
class ConnectorProcess {
 public:
  explicit ConnectorProcess(const std::string& config_path, Child::LineHook on_line = nullptr);
  // Waits for "ats-connector started." and reads the admin port from it.
  bool WaitStarted(std::chrono::milliseconds timeout = 30s);
  int admin_port() const { return admin_port_; }
  Child& child() { return *child_; }
  // GET on the admin port: status code and body (status 0 when nothing answered).
  std::pair<int, std::string> Get(const std::string& path) const;
  // "Sync cycle complete." lines logged so far.
  int CompletedCycles();
  // Waits for a cycle that started after this call: the second completion from now (the next
  // one may belong to a cycle already running).
  bool WaitForFreshCycle(std::chrono::milliseconds timeout);
  // The last `lines` lines of its log, for a failure message.
  std::string ErrTail(size_t lines = 40);

 private:
  std::unique_ptr<Child> child_;
  int admin_port_ = 0;
};

// The value of one sample of the Prometheus text `metrics`, e.g.
// Metric(m, "ats_connector_errors_total", {{"connection","c"},{"kind","kafka"}}); 0 if absent.
double Metric(const std::string& metrics, const std::string& name,
              const std::map<std::string, std::string>& labels = {});

// The connector's YAML config for one Workable connection at `base_url` (token given inline).
struct ConnectorConfig {
  std::string connection_id = "fault";
  std::string base_url;
  std::string token = "sandbox-token-0123456789";
  std::string bootstrap;
  std::string snapshot_path;
  std::string log_level = "info";
  int poll_interval_s = 1;
  int request_timeout_s = 5;
  int page_size = 100;
  int requests_per_s = 1000;  // workable.rate_limit, the connector's own pace
  int delivery_timeout_s = 10;
  int shutdown_grace_s = 25;
  std::string extra_connection;  // more YAML lines of the connection, indented by 4
  std::string extra_workable;  // more YAML lines under `workable:`, indented by 6
  std::string extra_kafka;     // more YAML lines under `kafka:`, indented by 2
};
std::string ConnectorYaml(const ConnectorConfig& c);

// One event read back from Kafka, with what the checks need parsed out of its value.
struct Event {
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
  std::string key, ce_id, ce_type, value;
  std::map<std::string, std::string> headers;
  // candidate-changed
  std::string change, candidate_id, job_id, source_updated_at;
  std::string stage_kind, updated_at;
  bool disqualified = false;
  // job-imported
  std::string job_shortcode;
  // dead-letter
  std::string reason, entity;
  // The value without detected_at: two events with equal fingerprints describe the same change.
  std::string fingerprint;
};

// Everything on the connector's topics, read until `idle` passes without a new message (at
// most `max_wait`), in partition order.
std::vector<Event> ConsumeAll(const std::string& bootstrap, std::chrono::milliseconds idle = 3s,
                              std::chrono::milliseconds max_wait = 60s);
// Reads again until `done(events)` holds or `max_wait` passes (a consumer that reconnects after
// an outage may need a few rounds). Returns everything read.
std::vector<Event> ConsumeUntil(const std::string& bootstrap,
                                const std::function<bool(const std::vector<Event>&)>& done,
                                std::chrono::milliseconds max_wait = 90s);

// Polls `fn` every 100 ms until true or `limit` passes.
bool Eventually(const std::function<bool()>& fn, std::chrono::milliseconds limit);

// Ground truth written by ats-sim --truth-out.
struct TruthCandidate {
  std::string id, job_shortcode, stage, stage_kind, updated_at;
  bool disqualified = false;
  bool deleted = false;
};
struct Truth {
  std::map<std::string, std::string> job_states;  // shortcode -> state
  std::vector<TruthCandidate> candidates;
};
std::optional<Truth> LoadTruth(const std::string& path);
}  // namespace ats::fault
namespace ats::sim {
class WorkableTenant;
}
namespace ats::fault {
// The ground truth of a simulated tenant running in this process.
Truth TruthOf(const sim::WorkableTenant& tenant);

// Applies random changes to a tenant every `every` until stopped (or destroyed).
class Mutator {
 public:
  Mutator(sim::WorkableTenant& tenant, std::chrono::milliseconds every);
  ~Mutator() { Stop(); }
  void Stop();
  long applied() const { return applied_; }

 private:
  sim::WorkableTenant& tenant_;
  std::atomic<bool> stop_{false};
  std::atomic<long> applied_{0};
  std::thread thread_;
};

// The comparison of what Kafka has with the tenant's final state (see docs/guarantees.md).
struct Verdict {
  long events = 0;                 // candidate-changed and job-imported events read
  long duplicates = 0;             // events whose ce_id was seen before (replays)
  long replays_with_new_id = 0;    // the same change published under two ce_ids (must be 0)
  long id_collisions = 0;          // one ce_id for two different changes (must be 0)
  long lost = 0;                   // final states no latest event reflects (must be 0)
  long order_violations = 0;       // source_updated_at going back within a key (must be 0)
  long checked_candidates = 0;     // candidates of selected jobs in the final state
  std::vector<std::string> problems;  // the first few, for the failure message
};
Verdict Compare(const Truth& truth, const std::vector<Event>& events);

}  // namespace ats::fault
