// Connections scheduled, not threaded (issue 14): a bounded pool runs every connection's cycles,
// and adding, removing or reloading one connection leaves the others running. Real HTTP against
// simulated Workable tenants, the embedded (mock) Kafka, RocksDB on disk.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/service.hpp"
#include "sim/workable_tenant.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;

size_t Threads() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

long RssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

sim::WorkableTenantOptions SmallTenant(const std::string& token = "sandbox-token-0123456789") {
  sim::WorkableTenantOptions options;
  options.token = token;
  options.rate_limit_requests = 0;
  options.jobs = 1;
  options.candidates_per_job = 2;
  return options;
}

config::Config ServiceConfig(const testing::TempDir& dir, int worker_threads = 4) {
  config::Config config;
  config.snapshot.path = dir.File("snapshot");
  config.http.listen = "127.0.0.1:0";
  config.runtime.worker_threads = worker_threads;
  return config;
}

config::ConnectionConfig Connection(const std::string& id, const sim::WorkableTenant& tenant, int poll_s,
                                    const std::string& token = "sandbox-token-0123456789") {
  auto c = testing::WorkableConnection(id, tenant.base_url(), token);
  c.poll_interval_s = poll_s;
  return c;
}

long long Cycles(const runtime::Service& service, const std::string& id) {
  auto summary = service.Summary(id);
  return summary ? summary->cycles : -1;
}

bool AllTried(const runtime::Service& service) {
  for (const auto& s : service.Summaries())
    if (s.status == "Pending") return false;
  return true;
}

// Threads of a running service with `n` connections, once every connection finished a cycle.
size_t ThreadsWith(int n, sim::WorkableTenant& tenant) {
  testing::TempDir dir;
  auto config = ServiceConfig(dir);
  for (int i = 0; i < n; ++i) config.connections.push_back(Connection("c" + std::to_string(i), tenant, 3600));
  runtime::Service service(config);
  auto started = service.Start();
  EXPECT_TRUE(started.ok()) << started.error().message;
  EXPECT_TRUE(Eventually([&] { return AllTried(service); }, 300s)) << n << " connections never all tried";
  for (const auto& s : service.Summaries()) EXPECT_EQ(s.status, "Active") << s.id << ": " << s.reason;
  const size_t threads = Threads();
  std::cout << "[ measure  ] " << n << " connections: " << threads << " threads, RSS " << RssKib() / 1024
            << " MiB after every first cycle, /metrics " << service.metrics().Serialize().size() / 1024
            << " KiB" << std::endl;
  service.Stop();
  return threads;
}

// The thread count does not grow with the connections: 300 (or ATS_SCHED_CONNECTIONS) take
// the threads 3 take. Also prints the RSS (a figure for docs, not an assertion).
TEST(SchedulerTest, ThreadsStayBoundedWhateverTheNumberOfConnections) {
  sim::WorkableTenant tenant(SmallTenant());
  ASSERT_TRUE(tenant.Start());
  const char* env = std::getenv("ATS_SCHED_CONNECTIONS");
  const int many = env != nullptr ? std::atoi(env) : 320;
  ASSERT_GE(many, 300);
  const size_t few_threads = ThreadsWith(3, tenant);
  const size_t many_threads = ThreadsWith(many, tenant);
  // A few threads of slack for the simulator's and librdkafka's own, which come and go.
  EXPECT_LE(many_threads, few_threads + 4)
      << "3 connections: " << few_threads << " threads, " << many << " connections: " << many_threads;
}

// Adding a connection neither restarts nor stalls another: its cycle counter keeps counting up.
TEST(SchedulerTest, AddingAConnectionLeavesTheOthersRunning) {
  sim::WorkableTenant tenant(SmallTenant());
  ASSERT_TRUE(tenant.Start());
  testing::TempDir dir;
  auto config = ServiceConfig(dir);
  config.connections.push_back(Connection("a", tenant, 1));
  runtime::Service service(config);
  ASSERT_TRUE(service.Start().ok());
  ASSERT_TRUE(Eventually([&] { return Cycles(service, "a") >= 2; }));

  std::vector<long long> seen{Cycles(service, "a")};
  ASSERT_TRUE(service.AddConnection(Connection("b", tenant, 1), runtime::Origin::kApi).ok());
  EXPECT_FALSE(service.AddConnection(Connection("b", tenant, 1), runtime::Origin::kApi).ok())
      << "a duplicate id";
  ASSERT_TRUE(Eventually([&] {
    seen.push_back(Cycles(service, "a"));
    return Cycles(service, "b") >= 2 && seen.back() >= seen.front() + 3;
  }));
  for (size_t i = 1; i < seen.size(); ++i)
    EXPECT_GE(seen[i], seen[i - 1]) << "a's counter went back: restarted";
  EXPECT_EQ(service.Summary("b")->origin, runtime::Origin::kApi);
  EXPECT_EQ(service.Summary("a")->origin, runtime::Origin::kYaml);
  service.Stop();
}

// Removing one connection stops its requests and leaves the other running; purge removes its
// snapshot records and metadata, and only its.
TEST(SchedulerTest, RemovingAConnectionStopsOnlyThatOne) {
  sim::WorkableTenant tenant_a(SmallTenant());
  sim::WorkableTenant tenant_b(SmallTenant());
  ASSERT_TRUE(tenant_a.Start());
  ASSERT_TRUE(tenant_b.Start());
  testing::TempDir dir;
  auto config = ServiceConfig(dir);
  config.connections.push_back(Connection("a", tenant_a, 1));
  config.connections.push_back(Connection("b", tenant_b, 1));
  runtime::Service service(config);
  ASSERT_TRUE(service.Start().ok());
  ASSERT_TRUE(Eventually([&] { return Cycles(service, "a") >= 2 && Cycles(service, "b") >= 2; }));

  ASSERT_TRUE(service.RemoveConnection("b", /*purge=*/true).ok());
  EXPECT_FALSE(service.Summary("b").has_value());
  EXPECT_FALSE(service.Connection("b").has_value());
  EXPECT_FALSE(service.RemoveConnection("b", false).ok()) << "removed twice";
  const auto b_requests = tenant_b.stats().requests;
  const auto a_cycles = Cycles(service, "a");
  ASSERT_TRUE(Eventually([&] { return Cycles(service, "a") >= a_cycles + 3; })) << "a stopped too";
  EXPECT_EQ(tenant_b.stats().requests, b_requests) << "b still polls its tenant";
  service.Stop();

  auto store = snapshot::OpenRocksDbStore(config.snapshot.path);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Count("b", Entity::kCandidate).value(), 0u);
  EXPECT_EQ((*store)->Count("b", Entity::kJob).value(), 0u);
  EXPECT_FALSE((*store)->GetMeta("sync/b/candidate/cursor").value().has_value());
  EXPECT_GT((*store)->Count("a", Entity::kCandidate).value(), 0u);
  EXPECT_TRUE((*store)->GetMeta("sync/a/candidate/cursor").value().has_value());
}

// A reload applies the difference: the connection whose poll interval changed restarts (its
// counter starts again), the unchanged one keeps counting; an id taken by an API connection
// refuses the reload whole.
TEST(SchedulerTest, AReloadRestartsOnlyTheChangedConnection) {
  sim::WorkableTenant tenant(SmallTenant());
  ASSERT_TRUE(tenant.Start());
  testing::TempDir dir;
  auto config = ServiceConfig(dir);
  config.connections.push_back(Connection("a", tenant, 1));
  config.connections.push_back(Connection("b", tenant, 1));
  runtime::Service service(config);
  ASSERT_TRUE(service.Start().ok());
  ASSERT_TRUE(Eventually([&] { return Cycles(service, "a") >= 3 && Cycles(service, "b") >= 3; }));

  auto next = config;
  next.connections[1].poll_interval_s = 2;
  const long long a_before = Cycles(service, "a");
  const long long b_before = Cycles(service, "b");
  ASSERT_TRUE(service.Reload(next).ok());
  EXPECT_LT(Cycles(service, "b"), b_before) << "b kept its counter: not restarted";
  EXPECT_EQ(service.Connection("b")->poll_interval_s, 2);
  std::vector<long long> seen{a_before};
  ASSERT_TRUE(Eventually([&] {
    seen.push_back(Cycles(service, "a"));
    return seen.back() >= a_before + 2 && Cycles(service, "b") >= 1;
  }));
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i], seen[i - 1]) << "a restarted on the reload";

  ASSERT_TRUE(service.AddConnection(Connection("api-1", tenant, 1), runtime::Origin::kApi).ok());
  auto clash = next;
  clash.connections.push_back(Connection("api-1", tenant, 5));
  clash.connections[0].poll_interval_s = 7;
  auto refused = service.Reload(clash);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("api-1"), std::string::npos) << refused.error().message;
  EXPECT_EQ(service.Connection("a")->poll_interval_s, 1) << "a refused reload changed a";
  EXPECT_EQ(service.Connection("api-1")->poll_interval_s, 1);

  // Dropped from the file: removed. The API connection stays.
  auto fewer = next;
  fewer.connections.erase(fewer.connections.begin());
  ASSERT_TRUE(service.Reload(fewer).ok());
  EXPECT_FALSE(service.Summary("a").has_value());
  EXPECT_TRUE(service.Summary("api-1").has_value());
  service.Stop();
}

}  // namespace
}  // namespace ats
