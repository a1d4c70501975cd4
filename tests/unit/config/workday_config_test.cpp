// The `workday:` block of a connection: what the loader accepts, what it refuses and where it
// says so, and the Workday URL helpers of config.hpp.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "config/config.hpp"
#include "support/test_support.hpp"

namespace ats::config {
namespace {

using ats::testing::TempDir;
using ats::testing::WriteFile;

constexpr char kEnvSecret[] = "env-client-secret-6b1d4e";
constexpr char kEnvRefresh[] = "env-refresh-token-c93f21";
constexpr char kEnvPassword[] = "env isu password 55";

std::optional<std::string> TestEnv(const std::string& name) {
  static const std::map<std::string, std::string> kVars = {
      {"WD_SECRET", kEnvSecret}, {"WD_REFRESH", kEnvRefresh}, {"WD_PASSWORD", kEnvPassword}, {"EMPTY", ""}};
  auto it = kVars.find(name);
  if (it == kVars.end()) return std::nullopt;
  return it->second;
}

const std::string kHead = R"(connections:
  - id: acme-wd
    source: workday
    workday:
)";
const std::string kEndpoint = "      rest_endpoint: https://wd2-impl-services1.workday.com/ccx/api/v1/acme\n";
const std::string kCredentials = R"(      client_id: wd-client-id
      client_secret: ${WD_SECRET}
      refresh_token: ${WD_REFRESH}
)";
const std::string kReport = R"(      reports:
        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/acme/ISU_ATS/ATS_Candidates
)";
const std::string kValid = kHead + kEndpoint + kCredentials + kReport;

// kValid with the rest_endpoint line replaced.
std::string WithEndpoint(const std::string& endpoint) {
  return kHead + "      rest_endpoint: '" + endpoint + "'\n" + kCredentials + kReport;
}
// kValid with the reports block replaced.
std::string WithReports(const std::string& reports) {
  return kHead + kEndpoint + kCredentials + reports;
}

std::vector<Problem> ProblemsOf(const std::string& yaml) {
  try {
    LoadConfigString(yaml, &TestEnv);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

std::string Format(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += "  " + p.path + ": " + p.message + "\n";
  return out;
}

class LogCapture {
 public:
  LogCapture() {
    log::SetSinkForTest([this](std::string_view line) { lines_.emplace_back(line); });
  }
  ~LogCapture() { log::SetSinkForTest(nullptr); }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

// ---------------------------------------------------------------------------------------------
// Bad configs

struct BadCase {
  std::string name;
  std::string yaml;
  std::string path;
  std::string message;  // a distinctive part of the message
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

class WorkdayBadConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(WorkdayBadConfigTest, ReportsTheProblemAtItsPath) {
  const BadCase& c = GetParam();
  const std::vector<Problem> problems = ProblemsOf(c.yaml);
  ASSERT_FALSE(problems.empty()) << "the config loaded without error:\n" << c.yaml;
  bool found = false;
  for (const auto& p : problems) found |= p.path == c.path && p.message.find(c.message) != std::string::npos;
  EXPECT_TRUE(found) << "expected '" << c.path << ": ..." << c.message << "...' among\n" << Format(problems);
  // No problem ever shows a secret's value.
  for (const auto& p : problems) {
    for (const char* secret : {kEnvSecret, kEnvRefresh, kEnvPassword, "inline-s3cret-value"}) {
      EXPECT_EQ(p.message.find(secret), std::string::npos) << p.message;
    }
  }
}

const std::string kW = "connections[0].workday";
const std::string kInvalid = "Invalid API Endpoint — the URL format is https://{domain}/ccx/api/v1/{tenant}";

const BadCase kBadCases[] = {
    // rest_endpoint
    {"EndpointWithoutTenant", WithEndpoint("https://wd2-impl-services1.workday.com/ccx/api/v1"),
     kW + ".rest_endpoint", kInvalid},
    {"EndpointIsTheTokenEndpoint",
     WithEndpoint("https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token"), kW + ".rest_endpoint",
     "got the token endpoint"},
    {"EndpointWithAResourcePath",
     WithEndpoint("https://wd2-impl-services1.workday.com/ccx/api/v1/acme/workers"), kW + ".rest_endpoint",
     "did you mean 'https://wd2-impl-services1.workday.com/ccx/api/v1/acme'?"},
    {"EndpointWithoutScheme", WithEndpoint("wd2-impl-services1.workday.com/ccx/api/v1/acme"),
     kW + ".rest_endpoint", "start it with https://"},
    {"EndpointWithQuery", WithEndpoint("https://wd2-impl-services1.workday.com/ccx/api/v1/acme?x=1"),
     kW + ".rest_endpoint", kInvalid},
    {"EndpointWithCredentials",
     WithEndpoint("https://isu:inline-s3cret-value@wd2.workday.com/ccx/api/v1/acme"), kW + ".rest_endpoint",
     "remove the user name and password"},
    {"EndpointServiceWithoutVersion", WithEndpoint("https://wd2.workday.com/ccx/api/recruiting/acme"),
     kW + ".rest_endpoint", kInvalid},
    {"EndpointVersionWithoutV", WithEndpoint("https://wd2.workday.com/ccx/api/recruiting/4/acme"),
     kW + ".rest_endpoint", kInvalid},
    {"EndpointIsASoapUrl", WithEndpoint("https://wd2.workday.com/ccx/service/acme/Recruiting/v44.2"),
     kW + ".rest_endpoint", "web service (SOAP or report) URL"},
    {"EndpointWithoutCcx", WithEndpoint("https://wd2.workday.com/api/v1/acme"), kW + ".rest_endpoint",
     kInvalid},
    {"EndpointPlainHttp", WithEndpoint("http://127.0.0.1:8080/ccx/api/v1/acme"), kW + ".rest_endpoint",
     "plain http would send the OAuth credentials unencrypted"},
    {"MissingEndpoint", kHead + kCredentials + kReport, kW + ".rest_endpoint",
     "required: the Workday REST API"},
    // token_endpoint
    {"TokenEndpointNotAUrl", kValid + "      token_endpoint: wd2.workday.com/ccx/oauth2/acme/token\n",
     kW + ".token_endpoint", "expected the token endpoint shown by View API Clients"},
    {"TokenEndpointPlainHttp", kValid + "      token_endpoint: http://127.0.0.1:9/ccx/oauth2/acme/token\n",
     kW + ".token_endpoint", "plain http"},
    // credentials
    {"MissingClientId",
     kHead + kEndpoint + "      client_secret: ${WD_SECRET}\n      refresh_token: ${WD_REFRESH}\n" + kReport,
     kW + ".client_id", "required: the Client ID"},
    {"ClientIdWithSpace",
     kHead + kEndpoint +
         "      client_id: 'wd client'\n      client_secret: ${WD_SECRET}\n      refresh_token: "
         "${WD_REFRESH}\n" +
         kReport,
     kW + ".client_id", "spaces or control characters"},
    {"MissingClientSecret",
     kHead + kEndpoint + "      client_id: x\n      refresh_token: ${WD_REFRESH}\n" + kReport, kW,
     "missing credential: set client_secret_file (a path) or client_secret: ${ENV_VAR}"},
    {"BothClientSecrets", kValid + "      client_secret_file: /tmp/x\n", kW + ".client_secret",
     "set only one of client_secret_file and client_secret"},
    {"MissingRefreshToken",
     kHead + kEndpoint + "      client_id: x\n      client_secret: ${WD_SECRET}\n" + kReport, kW,
     "missing credential: set refresh_token_file (a path) or refresh_token: ${ENV_VAR}"},
    {"UnreadableRefreshTokenFile",
     kHead + kEndpoint +
         "      client_id: x\n      client_secret: ${WD_SECRET}\n      refresh_token_file: "
         "/nonexistent/wd/rt\n" +
         kReport,
     kW + ".refresh_token_file", "cannot read refresh token file '/nonexistent/wd/rt'"},
    {"EmptyEnvRefreshToken",
     kHead + kEndpoint +
         "      client_id: x\n      client_secret: ${WD_SECRET}\n      refresh_token: ${EMPTY}\n" + kReport,
     kW + ".refresh_token", "the environment variable holds an empty refresh token"},
    {"ClientSecretAsList",
     kHead + kEndpoint +
         "      client_id: x\n      client_secret: [a]\n      refresh_token: "
         "${WD_REFRESH}\n" +
         kReport,
     kW + ".client_secret",
     "expected the client secret as text, e.g. client_secret: ${WORKDAY_CLIENT_SECRET}"},
    {"BadClientAuth", kValid + "      client_auth: header\n", kW + ".client_auth",
     "expected 'body' (client_id and client_secret as form fields, the default) or 'basic'"},
    // jobs_path
    {"JobsPathIsAUrl",
     kValid + "      jobs_path: https://wd2.workday.com/ccx/api/recruiting/v4/acme/jobPostings\n",
     kW + ".jobs_path", "expected a path relative to https://{domain}/ccx/api/"},
    {"JobsPathWithQuery", kValid + "      jobs_path: 'recruiting/v4/{tenant}/jobPostings?limit=5'\n",
     kW + ".jobs_path", "expected a path relative to"},
    // reports
    {"MissingReports", kHead + kEndpoint + kCredentials, kW + ".reports",
     "required: at least one custom report"},
    {"EmptyReports", WithReports("      reports: []\n"), kW + ".reports", "is empty"},
    {"ReportsNotAList", WithReports("      reports: {url: x}\n"), kW + ".reports",
     "expected a list of custom reports"},
    {"ReportUrlIsNotACustomReport",
     WithReports("      reports:\n        - url: https://wd2-impl-services1.workday.com/ccx/api/v1/acme\n"),
     kW + ".reports[0].url", "expected a custom report URL https://{domain}/ccx/service/customreport2/"},
    {"ReportUrlIsASystemReport",
     WithReports("      reports:\n        - url: "
                 "https://wd2-impl-services1.workday.com/ccx/service/systemreport2/acme/"
                 "Candidates\n"),
     kW + ".reports[0].url", "delivered (system) report"},
    {"ReportUrlMissing", WithReports("      reports:\n        - auth: bearer\n"), kW + ".reports[0].url",
     "required"},
    {"ReportPlainHttp",
     WithReports("      reports:\n        - url: "
                 "http://wd2-impl-services1.workday.com/ccx/service/customreport2/acme/o/r\n"),
     kW + ".reports[0].url", "plain http would send the report credentials unencrypted"},
    {"ReportOfAnotherTenant",
     WithReports(
         "      reports:\n        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/"
         "globex/o/r\n"),
     kW + ".reports[0].url", "the report's tenant 'globex' is not the REST endpoint's tenant 'acme'"},
    {"BearerReportOnAnotherHost",
     WithReports("      reports:\n        - url: "
                 "https://wd5-services1.workday.com/ccx/service/customreport2/acme/o/r\n"),
     kW + ".reports[0].url", "the OAuth access token would be sent to wd5-services1.workday.com"},
    {"ReportBadAuth",
     WithReports(
         "      reports:\n        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/"
         "acme/o/r\n          auth: oauth\n"),
     kW + ".reports[0].auth", "expected 'bearer'"},
    {"BasicWithoutUsername",
     WithReports(
         "      reports:\n        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/"
         "acme/o/r\n          auth: basic\n          password: ${WD_PASSWORD}\n"),
     kW + ".reports[0].username", "required with auth: basic"},
    {"BasicWithoutPassword",
     WithReports(
         "      reports:\n        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/"
         "acme/o/r\n          auth: basic\n          username: ISU_ATS\n"),
     kW + ".reports[0]", "missing credential: set password_file (a path) or password: ${ENV_VAR}"},
    {"BearerWithPassword",
     WithReports(
         "      reports:\n        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/"
         "acme/o/r\n          password: inline-s3cret-value\n"),
     kW + ".reports[0].password", "'password' is used only with auth: basic"},
    {"UsernameWithColon",
     WithReports(
         "      reports:\n        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/"
         "acme/o/r\n          auth: basic\n          username: 'a:b'\n          password: ${WD_PASSWORD}\n"),
     kW + ".reports[0].username", "must not contain ':'"},
    {"PromptFormat",
     WithReports(
         "      reports:\n        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/"
         "acme/o/r\n          prompts: {format: csv}\n"),
     kW + ".reports[0].prompts.format", "the report is always requested with format=json"},
    {"PromptsNotAMapping",
     WithReports(
         "      reports:\n        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/"
         "acme/o/r\n          prompts: [From_Date]\n"),
     kW + ".reports[0].prompts", "expected a mapping of report prompts"},
    {"UnknownReportKey",
     WithReports(
         "      reports:\n        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/"
         "acme/o/r\n          prompt: {a: b}\n"),
     kW + ".reports[0].prompt", "did you mean 'prompts'?"},
    // columns and the rest
    {"UnknownColumn", kValid + "      columns: {candidate: Candidate_ID}\n", kW + ".columns.candidate",
     "did you mean 'candidate_id'?"},
    {"ColumnWithSpace", kValid + "      columns: {stage: 'Current Stage'}\n", kW + ".columns.stage",
     "expected a column's XML alias"},
    {"EmptyColumn", kValid + "      columns: {email: ''}\n", kW + ".columns.email", "must not be empty"},
    {"PageSizeTooLarge", kValid + "      page_size: 500\n", kW + ".page_size",
     "must be between 1 and 100, got 500"},
    {"RateLimitZero", kValid + "      rate_limit: {requests: 0, per_s: 1}\n", kW + ".rate_limit.requests",
     "must be > 0"},
    {"UnknownWorkdayKey", kValid + "      tenant: acme\n", kW + ".tenant", "unknown key 'tenant'"},
    {"AWorkableBlockOnAWorkdayConnection", kValid + "    workable: {subdomain: acme, api_token: x}\n",
     "connections[0].workable",
     "a 'workable' block belongs to source: workable, but this connection has source: workday"},
    {"WorkdayWithoutItsBlock", "connections:\n  - {id: acme, source: workday}\n", kW,
     "required for source 'workday'"},
};

INSTANTIATE_TEST_SUITE_P(Table, WorkdayBadConfigTest, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase>& row) { return row.param.name; });

TEST(WorkdayConfigTest, EveryBadEndpointMessageStartsWithTheFormat) {
  for (const std::string endpoint :
       {"https://wd2.workday.com/ccx/api/v1", "https://wd2.workday.com/ccx/oauth2/acme/token",
        "wd2.workday.com/ccx/api/v1/acme", "https://wd2.workday.com/ccx/api/v1/acme/workers",
        "ftp://x/ccx/api/v1/a", "https://wd2.workday.com/ccx/api/recruiting/v4/acme/jobPostings",
        "https://a:b@h/ccx/api/v1/acme"}) {
    const auto problems = ProblemsOf(WithEndpoint(endpoint));
    ASSERT_EQ(problems.size(), 1u) << endpoint << "\n" << Format(problems);
    EXPECT_EQ(problems[0].path, kW + ".rest_endpoint");
    EXPECT_TRUE(problems[0].message.starts_with(kInvalid)) << problems[0].message;
  }
}

// ---------------------------------------------------------------------------------------------
// Good configs

TEST(WorkdayConfigTest, TheTableBaseIsValidAndGetsTheDefaults) {
  const Config cfg = LoadConfigString(kValid, &TestEnv);
  ASSERT_EQ(cfg.connections.size(), 1u);
  const ConnectionConfig& c = cfg.connections[0];
  EXPECT_EQ(c.source, "workday");
  const WorkdayConfig& w = c.workday;
  EXPECT_EQ(w.rest_endpoint, "https://wd2-impl-services1.workday.com/ccx/api/v1/acme");
  EXPECT_EQ(w.token_endpoint, "");
  EXPECT_EQ(w.client_id, "wd-client-id");
  EXPECT_EQ(w.client_secret, kEnvSecret);
  EXPECT_EQ(w.refresh_token, kEnvRefresh);
  EXPECT_EQ(w.client_auth, "body");
  EXPECT_EQ(w.jobs_path, "recruiting/v4/{tenant}/jobPostings");
  ASSERT_EQ(w.reports.size(), 1u);
  EXPECT_EQ(w.reports[0].auth, "bearer");
  EXPECT_TRUE(w.reports[0].prompts.empty());
  EXPECT_EQ(w.columns.candidate_id, "Candidate_ID");
  EXPECT_EQ(w.columns.application_id, "Job_Application_ID");
  EXPECT_EQ(w.columns.job_id, "Job_Requisition_ID");
  EXPECT_FALSE(w.allow_insecure_http);
  EXPECT_EQ(w.page_size, 100);
  EXPECT_EQ(w.rate_limit.requests, 10);
  EXPECT_EQ(w.rate_limit.per_s, 1);
  // The Workable block keeps its defaults.
  EXPECT_EQ(c.workable.api_token, "");
}

TEST(WorkdayConfigTest, EveryWorkdayKeyIsRead) {
  TempDir dir;
  WriteFile(dir.File("secret"), "file-client-secret-0a9b\n");
  WriteFile(dir.File("refresh"), "file-refresh-token-77e1\r\n");
  WriteFile(dir.File("password"), "pass with spaces 42\n");
  const std::string yaml = kHead +
                           R"(      rest_endpoint: http://127.0.0.1:18081/ccx/api/recruiting/v4/acme_preview/
      token_endpoint: http://127.0.0.1:18081/ccx/oauth2/acme_preview/token
      client_id: wd-client-id
      client_secret_file: )" +
                           dir.File("secret") + R"(
      refresh_token_file: )" +
                           dir.File("refresh") + R"(
      client_auth: basic
      jobs_path: /recruiting/v5/{tenant}/jobPostings
      allow_insecure_http: true
      page_size: 25
      rate_limit: {requests: 3, per_s: 2}
      reports:
        - url: http://127.0.0.1:18081/ccx/service/customreport2/acme_preview/ISU_ATS/ATS_Candidates?Keep=1
          prompts: {From_Date: 2026-01-01, "Organization!WID": "${WD_SECRET}"}
        - url: http://127.0.0.1:18082/ccx/service/customreport2/acme_preview/ISU_ATS/ATS_Prospects
          auth: basic
          username: ISU_ATS
          password_file: )" +
                           dir.File("password") + R"(
      columns: {candidate_id: Applicant, application_id: Application, job_id: Req, stage: Step,
                status: Disposition, name: Full_Name, email: Mail, phone: Mobile, updated_at: Changed}
)";
  const Config cfg = LoadConfigString(yaml, &TestEnv);
  const WorkdayConfig& w = cfg.connections[0].workday;
  EXPECT_EQ(w.rest_endpoint, "http://127.0.0.1:18081/ccx/api/recruiting/v4/acme_preview");
  EXPECT_EQ(w.token_endpoint, "http://127.0.0.1:18081/ccx/oauth2/acme_preview/token");
  EXPECT_EQ(w.client_secret, "file-client-secret-0a9b");
  EXPECT_EQ(w.refresh_token, "file-refresh-token-77e1");
  EXPECT_EQ(w.client_auth, "basic");
  EXPECT_EQ(w.jobs_path, "recruiting/v5/{tenant}/jobPostings");
  EXPECT_TRUE(w.allow_insecure_http);
  EXPECT_EQ(w.page_size, 25);
  EXPECT_EQ(w.rate_limit.requests, 3);
  EXPECT_EQ(w.rate_limit.per_s, 2);
  ASSERT_EQ(w.reports.size(), 2u);
  EXPECT_EQ(w.reports[0].url,
            "http://127.0.0.1:18081/ccx/service/customreport2/acme_preview/ISU_ATS/ATS_Candidates?Keep=1");
  EXPECT_EQ(w.reports[0].auth, "bearer");
  EXPECT_EQ(w.reports[0].prompts, (std::map<std::string, std::string>{{"From_Date", "2026-01-01"},
                                                                      {"Organization!WID", kEnvSecret}}));
  EXPECT_EQ(w.reports[1].auth, "basic");
  EXPECT_EQ(w.reports[1].username, "ISU_ATS");
  EXPECT_EQ(w.reports[1].password, "pass with spaces 42");
  EXPECT_EQ(w.columns.candidate_id, "Applicant");
  EXPECT_EQ(w.columns.application_id, "Application");
  EXPECT_EQ(w.columns.job_id, "Req");
  EXPECT_EQ(w.columns.stage, "Step");
  EXPECT_EQ(w.columns.status, "Disposition");
  EXPECT_EQ(w.columns.name, "Full_Name");
  EXPECT_EQ(w.columns.email, "Mail");
  EXPECT_EQ(w.columns.phone, "Mobile");
  EXPECT_EQ(w.columns.updated_at, "Changed");

  // Every secret read is redacted from logs.
  for (const std::string& secret :
       {std::string("file-client-secret-0a9b"), std::string("file-refresh-token-77e1"),
        std::string("pass with spaces 42")}) {
    EXPECT_EQ(log::Redact("x " + secret + " y"), "x [REDACTED] y") << secret;
  }
}

TEST(WorkdayConfigTest, InlineSecretsWarnWithoutShowingThem) {
  LogCapture capture;
  const std::string yaml = kHead + kEndpoint + R"(      client_id: wd-client-id
      client_secret: inline-client-secret-31
      refresh_token: ${WD_REFRESH}
      reports:
        - url: https://wd2-impl-services1.workday.com/ccx/service/customreport2/acme/ISU_ATS/ATS_Candidates
          auth: basic
          username: ISU_ATS
          password: inline-isu-password-32
)";
  const Config cfg = LoadConfigString(yaml, &TestEnv);
  EXPECT_EQ(cfg.connections[0].workday.client_secret, "inline-client-secret-31");
  EXPECT_EQ(cfg.connections[0].workday.reports[0].password, "inline-isu-password-32");
  std::vector<std::string> warnings;
  for (const auto& line : capture.lines()) {
    EXPECT_EQ(line.find("inline-client-secret-31"), std::string::npos) << line;
    EXPECT_EQ(line.find("inline-isu-password-32"), std::string::npos) << line;
    if (line.find("inline secret") != std::string::npos) warnings.push_back(line);
  }
  ASSERT_EQ(warnings.size(), 2u);  // the refresh token came from ${ENV}: no warning
  EXPECT_NE(warnings[0].find("inline secret; prefer client_secret_file or ${ENV}"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("connections[0].workday.client_secret"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("inline secret; prefer password_file or ${ENV}"), std::string::npos)
      << warnings[1];
}

TEST(WorkdayConfigTest, AcceptedEndpointForms) {
  for (const std::string endpoint :
       {"https://wd2-impl-services1.workday.com/ccx/api/v1/acme",
        "https://WD5.myworkday.com/ccx/api/v1/acme_pt1/",
        "https://wd2-impl-services1.workday.com/ccx/api/recruiting/v4/tcbrands_preview",
        "https://wd2-impl-services1.workday.com/ccx/api/absenceManagement/v5/acme",
        "https://wd2-impl-services1.workday.com/ccx/api/v41.2/acme-eu",
        "https://h.example.com:8443/ccx/api/v4/acme"}) {
    // Only the endpoint is judged here: the table's report names another host or tenant for some.
    for (const auto& p : ProblemsOf(WithEndpoint(endpoint))) {
      EXPECT_NE(p.path, kW + ".rest_endpoint") << endpoint << ": " << p.message;
    }
  }
  EXPECT_TRUE(
      ProblemsOf(WithEndpoint("https://wd2-impl-services1.workday.com/ccx/api/recruiting/v4/acme/")).empty());
}

TEST(WorkdayConfigTest, ParseWorkdayEndpointGivesTheParts) {
  const auto v1 = ParseWorkdayEndpoint("https://WD2-Impl-Services1.workday.com/ccx/api/v1/acme_preview/");
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->scheme, "https");
  EXPECT_EQ(v1->host, "wd2-impl-services1.workday.com");
  EXPECT_EQ(v1->tenant, "acme_preview");
  EXPECT_EQ(v1->service, "");
  EXPECT_EQ(v1->version, "v1");
  EXPECT_EQ(v1->api_base, "https://wd2-impl-services1.workday.com/ccx/api");
  EXPECT_EQ(v1->token_endpoint, "https://wd2-impl-services1.workday.com/ccx/oauth2/acme_preview/token");

  const auto service = ParseWorkdayEndpoint("http://127.0.0.1:18081/ccx/api/recruiting/v4/acme");
  ASSERT_TRUE(service.has_value());
  EXPECT_EQ(service->scheme, "http");
  EXPECT_EQ(service->host, "127.0.0.1:18081");
  EXPECT_EQ(service->service, "recruiting");
  EXPECT_EQ(service->version, "v4");
  EXPECT_EQ(service->token_endpoint, "http://127.0.0.1:18081/ccx/oauth2/acme/token");

  for (const std::string bad :
       {"", "https://", "https://h/ccx/api//acme", "https://h/ccx/api/v1/ac me",
        "https://h/ccx/api/v1/acme#x", "https://h:99999/ccx/api/v1/acme", "https://h/ccx/api/v1/acme/extra",
        "https://h/ccx/api/recruiting/v4/acme/x"}) {
    EXPECT_FALSE(ParseWorkdayEndpoint(bad).has_value()) << bad;
  }
}

TEST(WorkdayConfigTest, ParseWorkdayReportUrlGivesTheParts) {
  const auto url = ParseWorkdayReportUrl(
      "https://wd2-impl-services1.workday.com/ccx/service/customreport2/acme/lmcneil/"
      "ATS_Candidates?format=csv&a=1");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->host, "wd2-impl-services1.workday.com");
  EXPECT_EQ(url->tenant, "acme");
  EXPECT_EQ(url->owner, "lmcneil");
  EXPECT_EQ(url->report, "ATS_Candidates");
  EXPECT_EQ(url->query, "format=csv&a=1");
  for (const std::string bad :
       {"https://h/ccx/service/customreport2/acme/owner", "https://h/ccx/service/systemreport2/acme/r",
        "https://h/ccx/service/customreport2/acme/o/r/x", "https://u:p@h/ccx/service/customreport2/acme/o/r",
        "h/ccx/service/customreport2/acme/o/r"}) {
    EXPECT_FALSE(ParseWorkdayReportUrl(bad).has_value()) << bad;
  }
}

TEST(WorkdayConfigTest, ExampleWorkdayYamlLoads) {
  std::string text = ats::testing::ReadFile(ats::testing::SourceDir() + "/examples/workday.yaml");
  TempDir dir;
  WriteFile(dir.File("client_secret"), "example-client-secret-1\n");
  WriteFile(dir.File("refresh_token"), "example-refresh-token-2\n");
  for (const std::string name : {"client_secret", "refresh_token"}) {
    const std::string path = "/var/run/secrets/workday/" + name;
    const size_t at = text.find(path);
    ASSERT_NE(at, std::string::npos) << "the example must use " << path;
    text.replace(at, path.size(), dir.File(name));
  }
  WriteFile(dir.File("workday.yaml"), text);
  const Config cfg = LoadConfigFile(dir.File("workday.yaml"), &TestEnv);
  ASSERT_EQ(cfg.connections.size(), 1u);
  const ConnectionConfig& c = cfg.connections[0];
  EXPECT_EQ(c.id, "acme-workday");
  EXPECT_EQ(c.source, "workday");
  EXPECT_EQ(c.workday.client_secret, "example-client-secret-1");
  EXPECT_EQ(c.workday.refresh_token, "example-refresh-token-2");
  ASSERT_EQ(c.workday.reports.size(), 1u);
  EXPECT_EQ(c.workday.reports[0].auth, "bearer");
  EXPECT_EQ(c.trigger_stages, (std::vector<std::string>{"Screen", "Assessment"}));
  const auto endpoint = ParseWorkdayEndpoint(c.workday.rest_endpoint);
  ASSERT_TRUE(endpoint.has_value());
  EXPECT_EQ(endpoint->tenant, "acme");
}

}  // namespace
}  // namespace ats::config
