// Two connections on one Workable account (same subdomain and token) against one simulated
// tenant that answers 429 past its per-token budget, as Workable does: run by the Service, they
// pace their requests with one shared limiter, so together they stay within the budget.
#include <gtest/gtest.h>
#include <httplib.h>

#include <iostream>
#include <string>
#include <thread>

#include "runtime/service.hpp"
#include "sim/workable_tenant.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

using namespace std::chrono_literals;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

TEST(SharedLimiterTest, ConnectionsOnOneWorkableAccountStayWithinItsBudgetTogether) {
  // The tenant allows 3 requests per 2 s window per token; each connection asks for 2 per 3 s.
  // Two limiters of their own would send 4 at once at the start (both list jobs, then
  // candidates) and get a 429; one shared limiter never lets more than 2 out in any 3 s, so a
  // tenant window sees at most 2 even when requests arrive up to a second late (a loaded
  // machine): pacing at exactly the tenant's window would make the test depend on that jitter.
  sim::WorkableTenantOptions options;
  options.jobs = 2;
  options.candidates_per_job = 3;
  options.rate_limit_requests = 3;
  options.rate_limit_window_s = 2;
  sim::WorkableTenant tenant(options);
  ASSERT_TRUE(tenant.Start());
  testing::TempDir dir;

  config::Config config;
  for (const char* id : {"team-a", "team-b"}) {
    config::ConnectionConfig c = testing::WorkableConnection(id, tenant.base_url(), options.token);
    c.poll_interval_s = 3600;  // one cycle each
    c.workable.rate_limit = {2, 3};
    config.connections.push_back(c);
  }
  config.snapshot.path = dir.File("snapshot");
  config.http.listen = "127.0.0.1:0";
  runtime::Service service(config);
  auto started = service.Start();
  ASSERT_TRUE(started.ok()) << started.error().message;

  httplib::Client http("127.0.0.1", service.admin_port());
  std::string status;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = http.Get("/status");
    if (r && Count(r->body, "\"status\":\"Active\"") == 2) {
      status = r->body;
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  service.Stop();
  ASSERT_FALSE(status.empty()) << "the two first cycles did not complete";

  const sim::Stats stats = tenant.stats();
  EXPECT_GT(stats.requests, options.rate_limit_requests) << "the budget was never at stake";
  std::cout << "tenant saw " << stats.requests << " requests, " << stats.rate_limited << " answered 429\n";
  EXPECT_EQ(stats.rate_limited, 0) << stats.requests << " requests, " << stats.rate_limited
                                   << " answered 429";
}

}  // namespace
}  // namespace ats
