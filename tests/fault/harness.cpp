#include "fault/harness.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>

#include "kafka/admin.hpp"
#include "kafka/consumer.hpp"
#include "sim/workable_tenant.hpp"

namespace ats::fault {
namespace {

using Clock = std::chrono::steady_clock;

// Ignore SIGPIPE in the test process: a child that exits while we write to its stdin, or a
// client that hangs up on the in-process simulator, must not end the test.
[[maybe_unused]] const bool kSigpipeIgnored = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::string StringField(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return "";
}

}  // namespace

// ---------------------------------------------------------------- Child

Child::Child(std::vector<std::string> argv, LineHook on_line) : on_line_(std::move(on_line)) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return;
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(in[1]);
    close(out[0]);
    close(err[0]);
    return;
  }
  pid_ = pid;
  stdin_fd_ = in[1];
  out_reader_ = std::thread([this, fd = out[0]] { Read(fd, false); });
  err_reader_ = std::thread([this, fd = err[0]] { Read(fd, true); });
}

Child::~Child() {
  if (running()) {
    Signal(SIGKILL);
    Wait(10s);
  }
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (out_reader_.joinable()) out_reader_.join();
  if (err_reader_.joinable()) err_reader_.join();
}

void Child::Read(int fd, bool is_stderr) {
  char buf[65536];
  std::string partial;
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    partial.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = partial.substr(start, nl - start);
      if (on_line_) on_line_(line, is_stderr);
      std::lock_guard lock(mu_);
      (is_stderr ? err_ : out_).append(line).push_back('\n');
      (is_stderr ? err_lines_ : out_lines_).push_back(std::move(line));
    }
    partial.erase(0, start);
    cv_.notify_all();
  }
  close(fd);
  std::lock_guard lock(mu_);
  if (!partial.empty()) (is_stderr ? err_ : out_).append(partial);
  ++closed_streams_;
  cv_.notify_all();
}

bool Child::WaitForEof(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return closed_streams_ == 2; });
}

bool Child::Signal(int sig) const {
  return pid_ > 0 && ::kill(pid_, sig) == 0;
}

std::optional<int> Child::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (r < 0 || Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

bool Child::running() {
  if (pid_ <= 0 || exit_code_) return false;
  return !Wait(0ms).has_value();
}

bool Child::WriteStdin(const std::string& line) {
  const std::string data = line + "\n";
  return stdin_fd_ >= 0 && write(stdin_fd_, data.data(), data.size()) == static_cast<ssize_t>(data.size());
}

std::string Child::out() const {
  std::lock_guard lock(mu_);
  return out_;
}

std::string Child::err() const {
  std::lock_guard lock(mu_);
  return err_;
}

std::vector<std::string> Child::err_lines() const {
  std::lock_guard lock(mu_);
  return err_lines_;
}

std::optional<std::string> Child::WaitForLine(const std::string& needle, bool in_stderr,
                                              std::chrono::milliseconds timeout, int skip) {
  std::unique_lock lock(mu_);
  std::optional<std::string> found;
  cv_.wait_for(lock, timeout, [&] {
    int seen = 0;
    for (const auto& line : in_stderr ? err_lines_ : out_lines_) {
      if (line.find(needle) == std::string::npos) continue;
      if (seen++ == skip) {
        found = line;
        return true;
      }
    }
    return false;
  });
  return found;
}

namespace {
// A "Name:   123 kB" line of /proc/<pid>/status, in KiB; 0 when unknown.
long StatusKib(pid_t pid, const std::string& name) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(name, 0) == 0) return std::strtol(line.c_str() + name.size(), nullptr, 10);
  return 0;
}
}  // namespace

long Child::RssKib() const {
  return StatusKib(pid_, "VmRSS:");
}

long Child::PeakRssKib() const {
  return StatusKib(pid_, "VmHWM:");
}

std::string ConnectorBin() {
  return ATS_CONNECTOR_BIN_PATH;
}
std::string SimBin() {
  return ATS_SIM_BIN_PATH;
}
std::string KafkaBin() {
  return ATS_KAFKA_BIN_PATH;
}

// ---------------------------------------------------------------- processes

bool RealKafka() {
  const char* v = std::getenv("ATS_TEST_KAFKA_REAL");
  return v != nullptr && std::string(v) == "1";
}

namespace {
const std::vector<std::string> kTopics = {"ats.candidate-changed.v1", "ats.job-imported.v1",
                                          "ats.job-changed.v1", "ats.dead-letter.v1"};

std::string ClusterScript() {
  return std::string(ATS_SOURCE_DIR) + "/scripts/kafka-cluster.sh";
}
}  // namespace

KafkaProcess::KafkaProcess(int brokers) : real_(RealKafka()) {
  if (!real_) {
    child_ =
        std::make_unique<Child>(std::vector<std::string>{KafkaBin(), "--brokers", std::to_string(brokers)});
    if (auto line = child_->WaitForLine("Kafka bootstrap: ", false, 30s))
      bootstrap_ = line->substr(line->find(": ") + 2);
    return;
  }
  char tmpl[] = "/tmp/ats-kafka-real-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return;
  dir_ = tmpl;
  child_ = std::make_unique<Child>(std::vector<std::string>{"/bin/bash", ClusterScript(), "start",
                                                            "--brokers", std::to_string(brokers), "--dir",
                                                            dir_, "--owner-pid", std::to_string(::getpid())});
  const auto code = child_->Wait(240s);
  child_->WaitForEof(10s);
  // "kafka-cluster: Apache Kafka X, N node(s) ready in S s": in the test's output, for the CI log.
  for (const auto& line : child_->err_lines())
    if (line.find("ready in") != std::string::npos) std::cout << line << "\n";
  if (code != 0) return;
  std::string out = child_->out();
  while (!out.empty() && out.back() == '\n') out.pop_back();
  const std::string bootstrap = out.substr(out.rfind('\n') + 1);
  if (bootstrap.rfind("127.0.0.1:", 0) != 0) {
    std::cerr << "kafka-cluster.sh printed no bootstrap address: '" << out << "'\n" << child_->err();
    return;
  }
  std::vector<kafka::TopicSpec> topics;
  for (const auto& t : kTopics) {
    kafka::TopicSpec spec{t, 4, brokers >= 3 ? 3 : 1, {}};
    if (brokers >= 3) spec.configs["min.insync.replicas"] = "2";
    topics.push_back(spec);
  }
  // The current-state topics, compacted as the connector's start-up check expects.
  for (const char* t : {"ats.candidates.state.v1", "ats.jobs.state.v1"}) {
    kafka::TopicSpec spec{t, 4, brokers >= 3 ? 3 : 1, {{"cleanup.policy", "compact"}}};
    if (brokers >= 3) spec.configs["min.insync.replicas"] = "2";
    topics.push_back(spec);
  }
  auto created = kafka::CreateTopics(bootstrap, topics, 60s);
  if (!created) {
    std::cerr << "creating the topics failed: " << created.error().message << "\n";
    return;
  }
  bootstrap_ = bootstrap;
}

KafkaProcess::~KafkaProcess() {
  if (!real_ || dir_.empty()) return;
  // The data is thrown away: no controlled shutdown needed.
  Script({"stop", "--signal", "KILL"}, 60s);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool KafkaProcess::Script(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{"/bin/bash", ClusterScript()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--dir", dir_});
  Child script(argv);
  const auto code = script.Wait(timeout);
  script.WaitForEof(10s);
  if (code != 0) std::cerr << "kafka-cluster.sh failed: " << script.err() << "\n";
  return code == 0;
}

bool KafkaProcess::Down(const std::vector<int>& brokers) {
  if (!real_) {
    for (int b : brokers)
      if (!Command("down " + std::to_string(b))) return false;
    return true;
  }
  std::vector<std::string> args{"kill-node"};
  for (int b : brokers) args.push_back(std::to_string(b));
  args.insert(args.end(), {"--signal", "KILL"});
  return Script(args, 60s);
}

bool KafkaProcess::Up(const std::vector<int>& brokers) {
  if (!real_) {
    for (int b : brokers)
      if (!Command("up " + std::to_string(b))) return false;
    return true;
  }
  std::vector<std::string> args{"start-node"};
  for (int b : brokers) args.push_back(std::to_string(b));
  return Script(args, 240s);
}

int KafkaProcess::Leader(const std::string& topic, int partition) {
  auto leaders = kafka::PartitionLeaders(bootstrap_, topic);
  if (!leaders || partition >= static_cast<int>(leaders->size())) return -1;
  return (*leaders)[static_cast<size_t>(partition)];
}

bool KafkaProcess::Command(const std::string& command) {
  if (real_) return false;  // the mock's controls have no real counterpart
  std::lock_guard lock(command_mu_);
  if (!child_->WriteStdin(command)) return false;
  // Answers are "ok" or "error: ..." lines, one per command, after the bootstrap line.
  const int index = answers_++;
  std::string out;
  const bool answered = Eventually(
      [&] {
        out = child_->out();
        return static_cast<int>(std::count(out.begin(), out.end(), '\n')) >= index + 2;
      },
      10s);
  if (!answered) return false;
  std::istringstream lines(out);
  std::string line;
  for (int i = 0; i < index + 2; ++i) std::getline(lines, line);
  return line == "ok";
}

ConnectorProcess::ConnectorProcess(const std::string& config_path, Child::LineHook on_line)
    : child_(std::make_unique<Child>(std::vector<std::string>{ConnectorBin(), "run", "--config", config_path},
                                     std::move(on_line))) {}

bool ConnectorProcess::WaitStarted(std::chrono::milliseconds timeout) {
  auto line = child_->WaitForLine("\"msg\":\"ats-connector started.\"", true, timeout);
  if (!line) return false;
  static const std::regex port("\"admin_port\":([0-9]+)");
  std::smatch m;
  if (!std::regex_search(*line, m, port)) return false;
  admin_port_ = std::stoi(m[1]);
  return admin_port_ > 0;
}

int ConnectorProcess::CompletedCycles() {
  int n = 0;
  for (const auto& line : child_->err_lines())
    if (line.find("\"msg\":\"Sync cycle complete.\"") != std::string::npos) ++n;
  return n;
}

bool ConnectorProcess::WaitForFreshCycle(std::chrono::milliseconds timeout) {
  return child_->WaitForLine("\"msg\":\"Sync cycle complete.\"", true, timeout, CompletedCycles() + 1).has_value();
}

std::string ConnectorProcess::ErrTail(size_t lines) {
  const auto all = child_->err_lines();
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

std::pair<int, std::string> ConnectorProcess::Get(const std::string& path) const {
  httplib::Client http("127.0.0.1", admin_port_);
  http.set_connection_timeout(2);
  http.set_read_timeout(5);
  auto r = http.Get(path.c_str());
  if (!r) return {0, ""};
  return {r->status, r->body};
}

double Metric(const std::string& metrics, const std::string& name, const std::map<std::string, std::string>& labels) {
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind(name, 0) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    bool all = true;
    for (const auto& [k, v] : labels)
      if (line.find(k + "=\"" + v + "\"") == std::string::npos) all = false;
    if (!all) continue;
    return std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
  }
  return 0;
}

std::string ConnectorYaml(const ConnectorConfig& c) {
  std::ostringstream y;
  y << "log_level: " << c.log_level << "\n"
    << "shutdown_grace_s: " << c.shutdown_grace_s << "\n"
    << "connections:\n"
    << "  - id: " << c.connection_id << "\n"
    << "    source: workable\n"
    << "    poll_interval_s: " << c.poll_interval_s << "\n"
    << "    request_timeout_s: " << c.request_timeout_s << "\n"
    << c.extra_connection << "    workable:\n"
    << "      subdomain: sandbox\n"
    << "      api_token: " << c.token << "\n"
    << "      base_url: " << c.base_url << "\n"
    << "      allow_insecure_http: true\n"
    << "      page_size: " << c.page_size << "\n"
    << "      rate_limit: {requests: " << c.requests_per_s << ", per_s: 1}\n"
    << c.extra_workable << "kafka:\n"
    << "  bootstrap_servers: " << c.bootstrap << "\n"
    << "  delivery_timeout_s: " << c.delivery_timeout_s << "\n"
    << c.extra_kafka << "snapshot:\n"
    << "  path: " << c.snapshot_path << "\n"
    << "http:\n"
    << "  listen: 127.0.0.1:0\n";
  return y.str();
}

// ---------------------------------------------------------------- Kafka read-back

namespace {

Event Parse(kafka::ConsumedMessage m) {
  Event e;
  e.topic = std::move(m.topic);
  e.partition = m.partition;
  e.offset = m.offset;
  e.key = std::move(m.key);
  e.value = std::move(m.value);
  e.headers = std::move(m.headers);
  e.ce_id = e.headers["ce_id"];
  e.ce_type = e.headers["ce_type"];
  static const std::regex detected("\"detected_at\":\"[^\"]*\"");
  e.fingerprint = std::regex_replace(e.value, detected, "");
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(e.value).get(doc) != simdjson::SUCCESS) return e;
  e.change = StringField(doc, "change");
  e.candidate_id = StringField(doc, "candidate_id");
  e.job_id = StringField(doc, "job_id");
  e.source_updated_at = StringField(doc, "source_updated_at");
  e.reason = StringField(doc, "reason");
  e.entity = StringField(doc, "entity");
  simdjson::dom::element candidate;
  if (doc["candidate"].get(candidate) == simdjson::SUCCESS) {
    e.stage_kind = StringField(candidate, "stage_kind");
    e.updated_at = StringField(candidate, "updated_at");
    bool dq = false;
    if (candidate["disqualified"].get_bool().get(dq) == simdjson::SUCCESS) e.disqualified = dq;
  }
  simdjson::dom::element job;
  if (doc["job"].get(job) == simdjson::SUCCESS) e.job_shortcode = StringField(job, "shortcode");
  if (e.job_shortcode.empty()) e.job_shortcode = StringField(doc, "job_id");
  return e;
}

void SortByPartition(std::vector<Event>& events) {
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.topic, a.partition, a.offset) < std::tie(b.topic, b.partition, b.offset);
  });
}

}  // namespace

std::vector<Event> ConsumeAll(const std::string& bootstrap, std::chrono::milliseconds idle,
                              std::chrono::milliseconds max_wait) {
  std::vector<Event> events;
  auto consumer = kafka::Consumer::Create(bootstrap, kTopics);
  if (!consumer) return events;
  auto drained = (*consumer)->Drain(idle, max_wait);
  if (!drained) return events;
  for (auto& m : *drained) events.push_back(Parse(std::move(m)));
  SortByPartition(events);
  return events;
}

std::vector<Event> ConsumeUntil(const std::string& bootstrap,
                                const std::function<bool(const std::vector<Event>&)>& done,
                                std::chrono::milliseconds max_wait) {
  std::vector<Event> events;
  auto consumer = kafka::Consumer::Create(bootstrap, kTopics);
  if (!consumer) return events;
  const auto deadline = Clock::now() + max_wait;
  while (Clock::now() < deadline) {
    auto drained = (*consumer)->Drain(1500ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::max<Clock::duration>(deadline - Clock::now(), 1ms)));
    if (drained)
      for (auto& m : *drained) events.push_back(Parse(std::move(m)));
    SortByPartition(events);
    if (done(events)) break;
  }
  return events;
}

bool Eventually(const std::function<bool()>& fn, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return fn();
}

// ---------------------------------------------------------------- ground truth

std::optional<Truth> LoadTruth(const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(path).get(doc) != simdjson::SUCCESS) return std::nullopt;
  Truth truth;
  simdjson::dom::array jobs, candidates;
  if (doc["jobs"].get_array().get(jobs) != simdjson::SUCCESS ||
      doc["candidates"].get_array().get(candidates) != simdjson::SUCCESS)
    return std::nullopt;
  for (auto j : jobs) truth.job_states[StringField(j, "shortcode")] = StringField(j, "state");
  for (auto c : candidates) {
    TruthCandidate t;
    t.id = StringField(c, "id");
    t.job_shortcode = StringField(c, "job_shortcode");
    t.stage = StringField(c, "stage");
    t.stage_kind = StringField(c, "stage_kind");
    t.updated_at = StringField(c, "updated_at");
    bool b = false;
    if (c["disqualified"].get_bool().get(b) == simdjson::SUCCESS) t.disqualified = b;
    if (c["deleted"].get_bool().get(b) == simdjson::SUCCESS) t.deleted = b;
    truth.candidates.push_back(std::move(t));
  }
  return truth;
}

Truth TruthOf(const sim::WorkableTenant& tenant) {
  Truth truth;
  for (const auto& j : tenant.jobs()) truth.job_states[j.shortcode] = j.state;
  const auto add = [&](const sim::SimCandidate& c, bool deleted) {
    truth.candidates.push_back({c.id, c.job_shortcode, c.stage, c.stage_kind, c.updated_at, c.disqualified, deleted});
  };
  for (const auto& c : tenant.candidates()) add(c, false);
  for (const auto& c : tenant.deleted_candidates()) add(c, true);
  return truth;
}

Mutator::Mutator(sim::WorkableTenant& tenant, std::chrono::milliseconds every) : tenant_(tenant) {
  thread_ = std::thread([this, every] {
    while (!stop_) {
      applied_ += static_cast<long>(tenant_.MutateRandom(1).size());
      std::this_thread::sleep_for(every);
    }
  });
}

void Mutator::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Verdict Compare(const Truth& truth, const std::vector<Event>& events) {
  Verdict v;
  const auto problem = [&](std::string text) {
    if (v.problems.size() < 20) v.problems.push_back(std::move(text));
  };
  std::map<std::string, std::string> fingerprint_by_id;   // ce_id -> fingerprint
  std::map<std::string, std::set<std::string>> ids_by_fp;  // fingerprint -> ce_ids
  std::map<std::string, const Event*> latest;              // candidate id -> its last event
  std::map<std::string, std::string> history;              // candidate id -> "created@t updated@t ..."
  std::map<std::string, std::string> last_time;            // key -> last source_updated_at seen
  std::set<std::string> imported_jobs;
  for (const auto& e : events) {
    if (e.topic == "ats.dead-letter.v1") continue;
    ++v.events;
    auto [it, fresh] = fingerprint_by_id.emplace(e.ce_id, e.fingerprint);
    if (!fresh) {
      ++v.duplicates;
      if (it->second != e.fingerprint) {
        ++v.id_collisions;
        problem("ce_id " + e.ce_id + " names two different events");
      }
    }
    auto& ids = ids_by_fp[e.fingerprint];
    ids.insert(e.ce_id);
    if (ids.size() == 2) {
      ++v.replays_with_new_id;
      problem("the same change was published under two ce_ids: " + *ids.begin() + ", " + *ids.rbegin());
    }
    if (e.topic == "ats.job-imported.v1") {
      imported_jobs.insert(e.job_shortcode);
      continue;
    }
    if (e.topic == "ats.job-changed.v1") continue;  // a job's lifecycle, not a candidate's
    // Events arrive sorted by (topic, partition, offset): one key lives in one partition.
    latest[e.candidate_id] = &e;
    history[e.candidate_id] += " " + e.change + "@" + e.updated_at + "#" + e.ce_id.substr(0, 6);
    if (!e.source_updated_at.empty()) {
      std::string& last = last_time[e.key];
      if (e.source_updated_at < last) {  // RFC 3339 UTC with the same precision sorts as text
        ++v.order_violations;
        problem("key " + e.key + ": source_updated_at went back from " + last + " to " + e.source_updated_at +
                " (" + e.change + ", offset " + std::to_string(e.offset) + ")");
      } else {
        last = e.source_updated_at;
      }
    }
  }
  for (const auto& [shortcode, state] : truth.job_states) {
    if (state == "published" && imported_jobs.count(shortcode) == 0) {
      ++v.lost;
      problem("published job " + shortcode + " has no job-imported event");
    }
  }
  for (const auto& c : truth.candidates) {
    const auto job = truth.job_states.find(c.job_shortcode);
    if (job == truth.job_states.end() || job->second != "published") continue;
    ++v.checked_candidates;
    const auto it = latest.find(c.id);
    const Event* last = it == latest.end() ? nullptr : it->second;
    if (c.deleted) {
      if (last != nullptr && last->change != "deleted") {
        ++v.lost;
        problem("candidate " + c.id + " was deleted, but its latest event is '" + last->change +
                "'; its events:" + history[c.id]);
      }
      continue;
    }
    if (last == nullptr) {
      ++v.lost;
      problem("candidate " + c.id + " (" + c.stage_kind + ", " + c.updated_at + ") has no event at all");
    } else if (last->change == "deleted" || last->stage_kind != c.stage_kind ||
               last->disqualified != c.disqualified || last->updated_at != c.updated_at) {
      ++v.lost;
      problem("candidate " + c.id + ": final state " + c.stage_kind + (c.disqualified ? " (disqualified)" : "") +
              " at " + c.updated_at + ", latest event '" + last->change + "' says " + last->stage_kind +
              (last->disqualified ? " (disqualified)" : "") + " at " + last->updated_at + "; its events:" +
              history[c.id]);
    }
  }
  return v;
}

}  // namespace ats::fault
