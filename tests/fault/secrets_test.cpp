// Secrets: a sync of a Workable and a Workday connection with distinctive credentials, through
// error paths that log requests (5xx, an expired access token, a paging.next that points at
// another host), at log level debug. No secret may appear in any log line (the binary's stderr),
// in /metrics, in /status, or in any event read back from Kafka. The token is never sent to
// another host: a foreign paging.next is refused and counted (see also the integration test
// PipelineTest.ForeignPagingUrlIsRefusedAndTheTokenStaysHome).
#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>

#include "fault/harness.hpp"
#include "sim/workable_tenant.hpp"
#include "sim/workday_tenant.hpp"
#include "support/test_support.hpp"

namespace ats::fault {
namespace {

TEST(SecretsTest, NoSecretInLogsMetricsStatusOrEvents) {
  testing::TempDir dir;
  sim::WorkableTenantOptions wk;
  wk.token = "wk-SECRET-token-7f3a9c41e2d8";
  wk.rate_limit_requests = 0;
  wk.jobs = 3;
  wk.candidates_per_job = 30;
  sim::WorkableTenant workable(wk);
  ASSERT_TRUE(workable.Start());
  sim::WorkdayTenantOptions wd;
  wd.client_id = "wd-client-id-c0ffee";
  wd.client_secret = "wd-SECRET-client-secret-5b1d0e77";
  wd.refresh_token = "wd-SECRET-refresh-token-92c4aa10";
  wd.isu_password = "wd-SECRET-isu-password-3e8f11";
  wd.rotate_refresh_token = true;
  wd.job_postings = 4;
  wd.applications = 40;
  sim::WorkdayTenant workday(wd);
  ASSERT_TRUE(workday.Start());
  KafkaProcess kafka(1);
  ASSERT_TRUE(kafka.ok());

  // The secrets come from files and the environment as in production, and inline once.
  testing::WriteFile(dir.File("workable-token"), wk.token + "\n");
  testing::WriteFile(dir.File("workday-secret"), wd.client_secret + "\n");
  ConnectorConfig cfg;
  cfg.base_url = workable.base_url();
  cfg.bootstrap = kafka.bootstrap();
  cfg.snapshot_path = dir.File("snapshot");
  cfg.log_level = "debug";
  cfg.page_size = 2;  // the 3 jobs take two pages: every listing follows a paging.next
  cfg.connection_id = "secret-wk";
  std::string yaml = ConnectorYaml(cfg);
  // api_token inline -> api_token_file.
  const std::string inline_token = "      api_token: " + cfg.token + "\n";
  yaml.replace(yaml.find(inline_token), inline_token.size(), "      api_token_file: " + dir.File("workable-token") + "\n");
  const std::string workday_connection =
      "  - id: secret-wd\n"
      "    source: workday\n"
      "    poll_interval_s: 1\n"
      "    workday:\n"
      "      rest_endpoint: " + workday.rest_endpoint() + "\n"
      "      client_id: " + wd.client_id + "\n"
      "      client_secret_file: " + dir.File("workday-secret") + "\n"
      "      refresh_token: ${ATS_TEST_WD_REFRESH}\n"
      "      allow_insecure_http: true\n"
      "      rate_limit: {requests: 1000, per_s: 1}\n"
      "      reports:\n"
      "        - url: " + workday.report_url() + "\n"
      "          auth: basic\n"
      "          username: " + wd.isu_username + "\n"
      "          password: " + wd.isu_password + "\n";
  yaml.insert(yaml.find("kafka:\n"), workday_connection);
  testing::WriteFile(dir.File("connector.yaml"), yaml);
  setenv("ATS_TEST_WD_REFRESH", wd.refresh_token.c_str(), 1);  // inherited by the connector

  // Error paths that log the failed request, before the first cycle even starts.
  workable.SetFault(sim::Fault::kServerError, 2);
  ConnectorProcess c(dir.File("connector.yaml"));
  ASSERT_TRUE(c.WaitStarted()) << c.child().err();
  ASSERT_TRUE(c.child().WaitForLine("\"connection\":\"secret-wk\",\"records\"", true, 60s)) << c.child().err();
  ASSERT_TRUE(c.child().WaitForLine("\"connection\":\"secret-wd\",\"records\"", true, 60s)) << c.child().err();
  workday.SetFault(sim::WorkdayFault::kExpireTokens);  // a 401, a refresh, a rotated refresh token
  workday.MutateRandom(5);
  workable.MutateRandom(5);
  workable.SetFault(sim::Fault::kForeignNextUrl);
  ASSERT_TRUE(Eventually([&] {
    return Metric(c.Get("/metrics").second, "ats_connector_errors_total",
                  {{"connection", "secret-wk"}, {"kind", "unsafe_url"}}) >= 1;
  }, 60s)) << "a foreign paging.next was not refused and counted";
  ASSERT_TRUE(Eventually([&] {
    return Metric(c.Get("/metrics").second, "ats_connector_auth_retries_total", {{"connection", "secret-wd"}}) >= 1;
  }, 60s)) << c.child().err();
  const auto cycles = [&](const std::string& id) {
    int n = 0;
    for (const auto& line : c.child().err_lines())
      n += line.find("\"msg\":\"Sync cycle complete.\",\"connection\":\"" + id + "\"") != std::string::npos;
    return n;
  };
  const int wd_cycles = cycles("secret-wd");
  ASSERT_TRUE(Eventually([&] { return cycles("secret-wd") > wd_cycles + 1; }, 60s));

  const std::string metrics = c.Get("/metrics").second;
  const auto [status_code, status] = c.Get("/status");
  ASSERT_EQ(status_code, 200);
  ASSERT_TRUE(c.child().Signal(SIGTERM));
  EXPECT_EQ(c.child().Wait(30s), 0);
  const std::string log = c.child().err() + c.child().out();
  const auto events = ConsumeAll(kafka.bootstrap(), 2s, 30s);
  ASSERT_GT(events.size(), 50u);
  std::string published;
  for (const auto& e : events) {
    published += e.key + "\n" + e.value + "\n";
    for (const auto& [name, value] : e.headers) published += name + ": " + value + "\n";
  }

  const std::string rotated = workday.current_refresh_token();
  ASSERT_NE(rotated, wd.refresh_token) << "the refresh token was never rotated";
  const std::vector<std::pair<std::string, std::string>> secrets = {
      {"Workable API token", wk.token},
      {"Workday client secret", wd.client_secret},
      {"Workday refresh token", wd.refresh_token},
      {"Workday rotated refresh token", rotated},
      {"Workday ISU password", wd.isu_password},
  };
  std::cout << "=== secrets: " << c.child().err_lines().size() << " log lines, " << metrics.size()
            << " bytes of /metrics, " << status.size() << " bytes of /status, " << events.size()
            << " events searched for " << secrets.size() << " secrets\n";
  for (const auto& [what, secret] : secrets) {
    EXPECT_EQ(log.find(secret), std::string::npos) << what << " in the log";
    EXPECT_EQ(metrics.find(secret), std::string::npos) << what << " in /metrics";
    EXPECT_EQ(status.find(secret), std::string::npos) << what << " in /status";
    EXPECT_EQ(published.find(secret), std::string::npos) << what << " in an event";
  }
  // The redaction did have something to hide: the inline ISU password was warned about.
  EXPECT_NE(log.find("inline secret"), std::string::npos);
  unsetenv("ATS_TEST_WD_REFRESH");
}

}  // namespace
}  // namespace ats::fault
