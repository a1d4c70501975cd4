// Config loading is bounded whatever the file holds: a secret path that is a FIFO or a device
// fails fast with its key path, duplicate checks on long lists are not quadratic, a huge bad
// value is not echoed whole, an admin token too short to resist guessing is refused, and a
// secret file others can read is warned about (by key path, never by content).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.hpp"
#include "config/config.hpp"
#include "connections/keyring.hpp"
#include "support/test_support.hpp"

namespace ats::config {
namespace {

using ats::testing::TempDir;
using ats::testing::WriteFile;

std::string Workable(const std::string& credential_line) {
  return "connections:\n"
         "  - id: acme\n"
         "    source: workable\n"
         "    workable:\n"
         "      subdomain: acme\n" +
         credential_line;
}

std::vector<Problem> ProblemsOf(const std::string& yaml) {
  try {
    LoadConfigString(yaml);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

std::string Dump(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.path + ": " + p.message.substr(0, 300) + "\n";
  return out;
}

bool HasProblem(const std::vector<Problem>& problems, const std::string& path, const std::string& substring) {
  for (const auto& p : problems)
    if (p.path == path && p.message.find(substring) != std::string::npos) return true;
  return false;
}

class LogLines {
 public:
  LogLines() {
    log::SetSinkForTest([this](std::string_view line) {
      std::lock_guard lock(mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogLines() { log::SetSinkForTest(nullptr); }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// A FIFO nobody writes to would block a plain open()/read() forever. The test keeps a writer
// open (so the loader's open cannot block) and, should the loader still be reading after 20 s,
// closes it so the test ends (and fails) instead of hanging.
TEST(HostileConfigTest, ASecretFileThatIsAFifoFailsFastWithItsKeyPath) {
  TempDir dir;
  const std::string fifo = dir.File("token-fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int writer = open(fifo.c_str(), O_RDWR | O_NONBLOCK);  // Linux: never blocks on a FIFO
  ASSERT_GE(writer, 0);
  const std::string token = "fifo-token-0123456789\n";
  ASSERT_EQ(write(writer, token.data(), token.size()), static_cast<ssize_t>(token.size()));

  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return done; })) close(writer);
  });
  const auto problems = ProblemsOf(Workable("      api_token_file: " + fifo + "\n"));
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  watchdog.join();
  close(writer);  // EBADF when the watchdog closed it already: harmless
  EXPECT_TRUE(HasProblem(problems, "connections[0].workable.api_token_file", "not a regular file"))
      << Dump(problems);
}

TEST(HostileConfigTest, ASecretFileThatIsADeviceFailsWithItsKeyPath) {
  const auto problems = ProblemsOf(Workable("      api_token_file: /dev/zero\n"));
  EXPECT_TRUE(HasProblem(problems, "connections[0].workable.api_token_file", "not a regular file"))
      << Dump(problems);
}

// 200 000 `jobs:` entries took 66 s of CPU with a linear search per entry. The load runs in a
// child process whose CPU time is capped (RLIMIT_CPU) far above what a linear-time check needs:
// a quadratic check is killed by SIGXCPU. (A resource bound, not a wall-clock one.)
TEST(HostileConfigTest, DuplicateChecksOnLongListsAreNotQuadratic) {
  constexpr int kJobs = 200000;
  std::string yaml = Workable("      api_token: token-0123456789abcdef\n") + "    jobs:\n";
  yaml.reserve(yaml.size() + kJobs * 20);
  for (int i = 0; i < kJobs; ++i) yaml += "      - JOB" + std::to_string(i) + "\n";
  yaml += "      - JOB7\n";  // one duplicate, reported
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const rlimit cpu{20, 25};  // SIGXCPU at 20 s, SIGKILL at 25 s
    setrlimit(RLIMIT_CPU, &cpu);
    const auto problems = ProblemsOf(yaml);
    const bool found = HasProblem(problems, "connections[0].jobs[200000]", "'JOB7' is listed twice");
    _exit(found && problems.size() == 1 ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status)) {
    FAIL() << "the load was killed by signal " << WTERMSIG(status)
           << (WTERMSIG(status) == SIGXCPU ? " (more than 20 s of CPU for " + std::to_string(kJobs) + " jobs)"
                                            : std::string());
  }
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the duplicate was not reported (alone) at its key path";
}

TEST(HostileConfigTest, AHugeBadValueIsNotEchoedWhole) {
  const std::string huge(1 << 20, '7');
  const auto problems = ProblemsOf(Workable("      api_token: token-0123456789abcdef\n") +
                                   "    poll_interval_s: " + huge + "x\n");
  ASSERT_EQ(problems.size(), 1u) << Dump(problems);
  EXPECT_EQ(problems[0].path, "connections[0].poll_interval_s");
  EXPECT_LT(problems[0].message.size(), 400u) << problems[0].message.substr(0, 400);
  EXPECT_NE(problems[0].message.find("…"), std::string::npos) << problems[0].message.substr(0, 400);
  EXPECT_NE(problems[0].message.find("1048577 bytes"), std::string::npos)
      << problems[0].message.substr(0, 400);
}

TEST(HostileConfigTest, AnAdminTokenShorterThan16CharactersIsRefused) {
  TempDir dir;
  WriteFile(dir.File("admin"), "short-admin\n");
  chmod(dir.File("admin").c_str(), 0600);
  const auto problems = ProblemsOf(Workable("      api_token: token-0123456789abcdef\n") +
                                   "http:\n  admin_token_file: " + dir.File("admin") + "\n");
  EXPECT_TRUE(HasProblem(problems, "http.admin_token_file", "at least 16 characters")) << Dump(problems);
  for (const auto& p : problems) EXPECT_EQ(p.message.find("short-admin"), std::string::npos) << p.message;

  WriteFile(dir.File("admin"), "admin-token-0123456789\n");
  WriteFile(dir.File("keyring.yaml"), connections::Keyring::Generate());
  chmod(dir.File("keyring.yaml").c_str(), 0600);
  const std::string good = Workable("      api_token: token-0123456789abcdef\n") +
                           "http:\n  admin_token_file: " + dir.File("admin") + "\n" +
                           "secrets:\n  keyring_file: " + dir.File("keyring.yaml") + "\n";
  EXPECT_TRUE(ProblemsOf(good).empty()) << Dump(ProblemsOf(good));
}

TEST(HostileConfigTest, ASecretFileReadableByOthersIsWarnedAboutByKeyPath) {
  TempDir dir;
  const std::string token = "perm-token-5e1f0a9b7c";
  WriteFile(dir.File("token"), token + "\n");
  ASSERT_EQ(chmod(dir.File("token").c_str(), 0644), 0);
  {
    LogLines log;
    EXPECT_TRUE(ProblemsOf(Workable("      api_token_file: " + dir.File("token") + "\n")).empty());
    bool warned = false;
    for (const auto& line : log.lines()) {
      EXPECT_EQ(line.find(token), std::string::npos) << line;
      if (line.find("readable by group or others") != std::string::npos &&
          line.find("connections[0].workable.api_token_file") != std::string::npos)
        warned = true;
    }
    EXPECT_TRUE(warned) << "no warning naming the key path";
  }
  // 0600, or 0440 owned by someone else and read through the group (a Kubernetes Secret volume
  // with fsGroup): nothing to warn about.
  for (const auto& [mode, owner] : {std::pair<mode_t, uid_t>{0600, geteuid()}, {0440, geteuid() + 4242}}) {
    ASSERT_EQ(chmod(dir.File("token").c_str(), mode), 0);
    ASSERT_EQ(chown(dir.File("token").c_str(), owner, static_cast<gid_t>(-1)), 0) << "needs root";
    LogLines log;
    EXPECT_TRUE(ProblemsOf(Workable("      api_token_file: " + dir.File("token") + "\n")).empty());
    for (const auto& line : log.lines())
      EXPECT_EQ(line.find("readable by group or others"), std::string::npos) << std::oct << mode << ": " << line;
  }
}

}  // namespace
}  // namespace ats::config
