#include <gtest/gtest.h>

#include <cstdlib>
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

// The environment the tests see through the `env` callback.
std::optional<std::string> TestEnv(const std::string& name) {
  static const std::map<std::string, std::string> kVars = {
      {"WORKABLE_TOKEN", "env-token-4f1c9a77"},
      {"KAFKA_PASSWORD", "kafka-pass-8d2e61b0"},
      {"EMPTY", ""},
      {"BROKERS", "b1.internal:9092, b2.internal:9093"},
      {"POLL", "120"},
  };
  auto it = kVars.find(name);
  if (it == kVars.end()) return std::nullopt;
  return it->second;
}

// A valid connection; the tests below change one thing at a time.
const std::string kConnHead = R"(connections:
  - id: acme
    source: workable
)";
const std::string kWorkable = R"(    workable:
      subdomain: acme
      api_token: ${WORKABLE_TOKEN}
)";
const std::string kValid = kConnHead + kWorkable;

std::string Dump(const ConfigError& e) {
  return std::string("problems:\n") + e.what();
}

std::vector<Problem> ProblemsOf(const std::string& yaml) {
  try {
    LoadConfigString(yaml, &TestEnv);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

bool HasProblem(const std::vector<Problem>& problems, const std::string& path, const std::string& substring) {
  for (const auto& p : problems)
    if (p.path == path && p.message.find(substring) != std::string::npos) return true;
  return false;
}

std::string Format(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += "  " + p.path + ": " + p.message + "\n";
  return out;
}

// Captures log lines for the lifetime of the object.
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
// Bad configs: each row is a YAML text, the key path of the expected problem and a distinctive
// part of its message.

struct BadCase {
  std::string name;
  std::string yaml;
  std::string path;
  std::string message;
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name;
}

class BadConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfigTest, ReportsTheProblemAtItsPath) {
  const BadCase& c = GetParam();
  const std::vector<Problem> problems = ProblemsOf(c.yaml);
  ASSERT_FALSE(problems.empty()) << "the config loaded without error:\n" << c.yaml;
  EXPECT_TRUE(HasProblem(problems, c.path, c.message))
      << "expected '" << c.path << ": ..." << c.message << "...' among\n"
      << Format(problems);
}

const BadCase kBadCases[] = {
    {"UnknownKeyWithSuggestion", kValid + "    poll_interval: 60\n", "connections[0].poll_interval",
     "unknown key 'poll_interval'; did you mean 'poll_interval_s'?"},
    {"UnknownTopLevelKeyWithSuggestion", kValid + "kafak: {}\n", "kafak", "did you mean 'kafka'?"},
    {"UnknownWorkableKeyWithSuggestion", kValid + "      api_key: x\n", "connections[0].workable.api_key",
     "did you mean 'api_token'?"},
    {"UnknownKeyFarFromAllListsKnownKeys", kValid + "snapshot: {directory: /x}\n", "snapshot.directory",
     "unknown key 'directory'; known keys here: path"},
    {"DuplicateKey", kValid + "log_level: info\nlog_level: debug\n", "log_level",
     "duplicate key 'log_level'"},
    {"MissingCredential", kConnHead + "    workable:\n      subdomain: acme\n", "connections[0].workable",
     "missing credential: set api_token_file (a path) or api_token: ${ENV_VAR}"},
    {"BothCredentials", kValid + "      api_token_file: /tmp/x\n", "connections[0].workable.api_token",
     "set only one of api_token_file and api_token"},
    {"MissingWorkableSection", kConnHead, "connections[0].workable", "required for source 'workable'"},
    {"SubdomainIsFullHost", kConnHead + "    workable: {subdomain: acme.workable.com, api_token_file: /t}\n",
     "connections[0].workable.subdomain", "enter just the subdomain, e.g. 'acme' for acme.workable.com"},
    {"SubdomainIsUrl",
     kConnHead + "    workable: {subdomain: 'https://globex.workable.com/', api_token_file: /t}\n",
     "connections[0].workable.subdomain", "enter just the subdomain, e.g. 'globex' for globex.workable.com"},
    {"SubdomainUppercase", kConnHead + "    workable: {subdomain: Acme, api_token_file: /t}\n",
     "connections[0].workable.subdomain", "invalid subdomain 'Acme'"},
    {"MissingSubdomain", kConnHead + "    workable: {api_token: \"${WORKABLE_TOKEN}\"}\n",
     "connections[0].workable.subdomain", "required"},
    {"HttpBaseUrlWithoutAllowInsecure", kValid + "      base_url: http://localhost:8081/spi/v3\n",
     "connections[0].workable.base_url",
     "plain http would send the API token unencrypted; use https or set "
     "allow_insecure_http: true"},
    {"BaseUrlWithoutScheme", kValid + "      base_url: proxy.internal/spi/v3\n",
     "connections[0].workable.base_url", "expected an http(s)://host[:port]/path URL"},
    {"BaseUrlWithQuery", kValid + "      base_url: https://proxy.internal/spi/v3?token=x\n",
     "connections[0].workable.base_url", "expected an http(s)://host[:port]/path URL"},
    {"BaseUrlBadPort", kValid + "      base_url: https://proxy.internal:99999/spi/v3\n",
     "connections[0].workable.base_url", "expected an http(s)://host[:port]/path URL"},
    {"NonBooleanAllowInsecure", kValid + "      allow_insecure_http: yes\n",
     "connections[0].workable.allow_insecure_http", "expected true or false, got 'yes'"},
    {"PageSizeTooLarge", kValid + "      page_size: 500\n", "connections[0].workable.page_size",
     "must be between 1 and 100, got 500"},
    {"RateLimitZero", kValid + "      rate_limit: {requests: 0, per_s: 10}\n",
     "connections[0].workable.rate_limit.requests", "must be > 0, got 0"},
    {"RateLimitUnknownKey", kValid + "      rate_limit: {request: 5}\n",
     "connections[0].workable.rate_limit.request", "did you mean 'requests'?"},
    {"BadTopicName", kValid + "kafka:\n  topics: {candidate_changed: bad topic!}\n",
     "kafka.topics.candidate_changed", "invalid topic name 'bad topic!'"},
    {"TopicDotDot", kValid + "kafka:\n  topics: {job_imported: '..'}\n", "kafka.topics.job_imported",
     "invalid topic name '..'"},
    {"TopicTooLong", kValid + "kafka:\n  topics: {dead_letter: " + std::string(250, 'a') + "}\n",
     "kafka.topics.dead_letter", "1-249 characters"},
    {"DuplicateTopics",
     kValid + "kafka:\n  topics: {candidate_changed: ats.events, dead_letter: ats.events}\n",
     "kafka.topics.dead_letter", "same topic as kafka.topics.candidate_changed ('ats.events')"},
    {"DuplicateTopicWithDefault", kValid + "kafka:\n  topics: {job_imported: ats.candidate-changed.v1}\n",
     "kafka.topics.job_imported", "same topic as kafka.topics.candidate_changed"},
    {"StateTopicSameAsAnother", kValid + "kafka:\n  topics: {jobs_state: ats.candidates.state.v1}\n",
     "kafka.topics.jobs_state", "same topic as kafka.topics.candidates_state"},
    {"StateTopicInvalid", kValid + "kafka:\n  topics: {candidates_state: 'a b'}\n", "kafka.topics.candidates_state",
     "invalid topic name 'a b'"},
    {"NegativeInterval", kValid + "    poll_interval_s: -5\n", "connections[0].poll_interval_s",
     "must be > 0 (seconds), got -5"},
    {"ZeroInterval", kValid + "    request_timeout_s: 0\n", "connections[0].request_timeout_s",
     "must be > 0 (seconds), got 0"},
    {"NonNumberInterval", kValid + "    poll_interval_s: abc\n", "connections[0].poll_interval_s",
     "expected a whole number of seconds, got 'abc'"},
    {"FractionalInterval", kValid + "    poll_interval_s: 1.5\n", "connections[0].poll_interval_s",
     "expected a whole number of seconds, got '1.5'"},
    {"IntervalWithUnit", kValid + "    poll_interval_s: 60s\n", "connections[0].poll_interval_s",
     "(write just the number: 60)"},
    {"IntervalTooLarge", kValid + "    poll_interval_s: 100000\n", "connections[0].poll_interval_s",
     "must be between 1 and 86400 seconds, got 100000"},
    {"IntervalAsList", kValid + "    poll_interval_s: [60]\n", "connections[0].poll_interval_s",
     "expected a whole number of seconds, got a list"},
    {"IntervalWithoutValue", kValid + "    poll_interval_s:\n", "connections[0].poll_interval_s",
     "has no value"},
    {"UnknownSource", "connections:\n  - {id: acme, source: greenhouse}\n", "connections[0].source",
     "unknown source 'greenhouse'; supported sources: workable"},
    {"WorkdayWithoutItsBlock", "connections:\n  - {id: acme, source: workday}\n", "connections[0].workday",
     "required for source 'workday'"},
    {"WorkdayBlockOnAWorkableConnection", kValid + "    workday: {tenant: acme}\n", "connections[0].workday",
     "a 'workday' block belongs to source: workday, but this connection has source: workable"},
    {"UnknownKeyContainingAKnownOne", kValid + "      token: x\n", "connections[0].workable.token",
     "did you mean 'api_token'?"},
    {"MissingSource", kValid.substr(0, kValid.find("    source")) + kWorkable, "connections[0].source",
     "required"},
    {"DuplicateIds", kValid + "  - id: acme\n    source: workable\n" + kWorkable, "connections[1].id",
     "duplicate id 'acme' (also used by connections[0].id)"},
    {"BadId", "connections:\n  - id: Acme Prod\n    source: workable\n" + kWorkable, "connections[0].id",
     "invalid id 'Acme Prod'"},
    {"IdTooLong", "connections:\n  - id: " + std::string(64, 'a') + "\n    source: workable\n" + kWorkable,
     "connections[0].id", "1-63 characters"},
    {"MissingId", "connections:\n  - source: workable\n" + kWorkable, "connections[0].id", "required"},
    {"MissingConnections", "log_level: info\n", "connections", "required"},
    {"EmptyConnections", "connections: []\n", "connections", "list at least one connection"},
    {"ConnectionsNotAList", "connections: {id: acme}\n", "connections", "expected a list of connections"},
    {"UnsetVariable", kConnHead + "    workable:\n      subdomain: acme\n      api_token: ${NOPE_UNSET}\n",
     "connections[0].workable.api_token", "environment variable NOPE_UNSET is not set"},
    {"UnsetVariableInOtherString", kValid + "snapshot: {path: '${DATA_DIR_UNSET}/snap'}\n", "snapshot.path",
     "environment variable DATA_DIR_UNSET is not set"},
    {"EmptyVariableToken", kConnHead + "    workable:\n      subdomain: acme\n      api_token: ${EMPTY}\n",
     "connections[0].workable.api_token", "empty token"},
    {"UnterminatedVariable",
     kConnHead + "    workable:\n      subdomain: acme\n      api_token: ${WORKABLE\n",
     "connections[0].workable.api_token", "unterminated '${'"},
    {"UnreadableTokenFile",
     kConnHead + "    workable: {subdomain: acme, api_token_file: /nonexistent/ats-connector-test/token}\n",
     "connections[0].workable.api_token_file",
     "cannot read token file '/nonexistent/ats-connector-test/token': No such file or directory"},
    {"EmptyFile", "", "", "the config is empty; see examples/connector.yaml"},
    {"CommentsOnly", "# nothing here yet\n", "", "the config is empty"},
    {"YamlSyntaxError", kValid + "log_level: info: debug\n", "",
     "YAML syntax error at line 7, column 16: illegal map value"},
    {"TopLevelNotAMapping", "- a\n- b\n", "", "expected a mapping of settings"},
    {"TwoDocuments", kValid + "---\nlog_level: info\n", "", "2 YAML documents"},
    {"BadLogLevel", kValid + "log_level: verbose\n", "log_level",
     "unknown log level 'verbose'; use debug, info, warn or error"},
    {"ShutdownGraceTooLong", kValid + "shutdown_grace_s: 301\n", "shutdown_grace_s",
     "must be between 1 and 300 seconds, got 301"},
    {"ListenWithoutPort", kValid + "http: {listen: 0.0.0.0}\n", "http.listen", "expected host:port"},
    {"ListenPortOutOfRange", kValid + "http: {listen: '0.0.0.0:70000'}\n", "http.listen",
     "with a port 0-65535"},
    {"HealthListenWithoutPort", kValid + "http: {health_listen: 0.0.0.0}\n", "http.health_listen",
     "expected host:port"},
    {"ZeroConnectionsPerClient", kValid + "http: {max_connections_per_client: 0}\n",
     "http.max_connections_per_client", "must be > 0"},
    {"TinyHeaderLimit", kValid + "http: {max_header_bytes: 100}\n", "http.max_header_bytes",
     "must be between 4096 and 1048576"},
    {"EmptySnapshotPath", kValid + "snapshot: {path: ''}\n", "snapshot.path", "must not be empty"},
    {"BadBootstrapServers", kValid + "kafka: {bootstrap_servers: 'broker1:9092,broker2'}\n",
     "kafka.bootstrap_servers", "'broker2' is not host:port"},
    {"EmptyClientId", kValid + "kafka: {client_id: ''}\n", "kafka.client_id", "must not be empty"},
    {"TooManyEmbeddedBrokers", kValid + "kafka: {embedded_brokers: 6}\n", "kafka.embedded_brokers",
     "must be between 1 and 5, got 6"},
    {"ZeroDeliveryTimeout", kValid + "kafka: {delivery_timeout_s: 0}\n", "kafka.delivery_timeout_s",
     "must be > 0 (seconds)"},
    {"RdkafkaValueNotScalar", kValid + "kafka:\n  rdkafka: {sasl.password: [a, b]}\n",
     "kafka.rdkafka.sasl.password", "expected a single value"},
    {"RdkafkaUnsetVariable", kValid + "kafka:\n  rdkafka: {sasl.password: \"${KAFKA_PASSWORD_UNSET}\"}\n",
     "kafka.rdkafka.sasl.password", "environment variable KAFKA_PASSWORD_UNSET is not set"},
    {"JobsNeitherAllNorList", kValid + "    jobs: some\n", "connections[0].jobs",
     "expected 'all' or a list of job shortcodes"},
    {"JobsEmptyList", kValid + "    jobs: []\n", "connections[0].jobs", "lists no jobs"},
    {"JobsEmptyShortcode", kValid + "    jobs: [GROOV005, '']\n", "connections[0].jobs[1]",
     "must not be empty"},
    {"UnknownJobState", kValid + "    job_states: [published, open]\n", "connections[0].job_states[1]",
     "unknown job state 'open'; use draft, published, closed or archived"},
    {"JobStatesNotAList", kValid + "    job_states: published\n", "connections[0].job_states",
     "expected a list, e.g. [published]"},
    {"EmptyTriggerStage", kValid + "    trigger_stages: [phone-screen, '']\n",
     "connections[0].trigger_stages[1]", "must not be empty"},
};

INSTANTIATE_TEST_SUITE_P(Table, BadConfigTest, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase>& row) { return row.param.name; });

// Guards the table: the base every row changes is itself valid.
TEST(ConfigLoaderTest, TheTableBaseIsValid) {
  const std::vector<Problem> problems = ProblemsOf(kValid);
  EXPECT_TRUE(problems.empty()) << Format(problems);
}

TEST(ConfigLoaderTest, ReportsEveryProblemAtOnce) {
  const std::string yaml = R"(log_level: loud
connections:
  - id: acme
    source: workable
    poll_interval: 60
    workable:
      subdomain: acme.workable.com
  - id: acme
    source: workable
    request_timeout_s: -1
    workable: {subdomain: beta, api_token: "${NOT_SET_ANYWHERE}"}
kafka:
  topics: {candidate_changed: 'bad topic!'}
http: {listen: nowhere}
)";
  try {
    LoadConfigString(yaml, &TestEnv);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    const auto& p = e.problems();
    EXPECT_TRUE(HasProblem(p, "log_level", "unknown log level 'loud'")) << Dump(e);
    EXPECT_TRUE(HasProblem(p, "connections[0].poll_interval", "did you mean 'poll_interval_s'?")) << Dump(e);
    EXPECT_TRUE(HasProblem(p, "connections[0].workable.subdomain", "enter just the subdomain")) << Dump(e);
    EXPECT_TRUE(HasProblem(p, "connections[0].workable", "missing credential")) << Dump(e);
    EXPECT_TRUE(HasProblem(p, "connections[1].id", "duplicate id 'acme'")) << Dump(e);
    EXPECT_TRUE(HasProblem(p, "connections[1].request_timeout_s", "must be > 0")) << Dump(e);
    EXPECT_TRUE(HasProblem(p, "connections[1].workable.api_token", "NOT_SET_ANYWHERE is not set")) << Dump(e);
    EXPECT_TRUE(HasProblem(p, "kafka.topics.candidate_changed", "invalid topic name")) << Dump(e);
    EXPECT_TRUE(HasProblem(p, "http.listen", "expected host:port")) << Dump(e);
    EXPECT_EQ(p.size(), 9u) << Dump(e);

    // what(): one "path: message" line per problem, in order.
    std::string expected;
    for (const auto& problem : p)
      expected += (expected.empty() ? "" : "\n") + problem.path + ": " + problem.message;
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

TEST(ConfigLoaderTest, WholeFileProblemsHaveNoPathPrefixInWhat) {
  try {
    LoadConfigString("", &TestEnv);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "the config is empty; see examples/connector.yaml");
  }
}

// ---------------------------------------------------------------------------------------------
// Good configs

TEST(ConfigLoaderTest, MinimalConfigGetsTheDefaults) {
  const Config cfg = LoadConfigString(kValid, &TestEnv);
  EXPECT_EQ(cfg.log_level, "info");
  EXPECT_EQ(cfg.shutdown_grace_s, 25);
  ASSERT_EQ(cfg.connections.size(), 1u);
  const ConnectionConfig& c = cfg.connections[0];
  EXPECT_EQ(c.id, "acme");
  EXPECT_EQ(c.source, "workable");
  EXPECT_EQ(c.poll_interval_s, 60);
  EXPECT_EQ(c.request_timeout_s, 30);
  EXPECT_TRUE(c.all_jobs);
  EXPECT_TRUE(c.jobs.empty());
  EXPECT_EQ(c.job_states, std::vector<std::string>{"published"});
  EXPECT_TRUE(c.trigger_stages.empty());
  EXPECT_EQ(c.workable.subdomain, "acme");
  EXPECT_EQ(c.workable.api_token, "env-token-4f1c9a77");
  EXPECT_EQ(c.workable.base_url, "");
  EXPECT_FALSE(c.workable.allow_insecure_http);
  EXPECT_EQ(c.workable.page_size, 100);
  EXPECT_EQ(c.workable.rate_limit.requests, 10);
  EXPECT_EQ(c.workable.rate_limit.per_s, 10);
  EXPECT_EQ(WorkableBaseUrl(c.workable), "https://acme.workable.com/spi/v3");
  EXPECT_EQ(cfg.kafka.bootstrap_servers, "embedded");
  EXPECT_TRUE(cfg.kafka.embedded());
  EXPECT_EQ(cfg.kafka.client_id, "ats-connector");
  EXPECT_EQ(cfg.kafka.embedded_brokers, 1);
  EXPECT_EQ(cfg.kafka.delivery_timeout_s, 60);
  EXPECT_EQ(cfg.kafka.topics.candidate_changed, "ats.candidate-changed.v1");
  EXPECT_EQ(cfg.kafka.topics.job_imported, "ats.job-imported.v1");
  EXPECT_EQ(cfg.kafka.topics.dead_letter, "ats.dead-letter.v1");
  EXPECT_EQ(cfg.kafka.topics.candidates_state, "ats.candidates.state.v1");
  EXPECT_EQ(cfg.kafka.topics.jobs_state, "ats.jobs.state.v1");
  EXPECT_TRUE(cfg.kafka.rdkafka.empty());
  EXPECT_EQ(cfg.snapshot.path, "./data/snapshot");
  EXPECT_EQ(cfg.http.listen, "0.0.0.0:8080");
}

TEST(ConfigLoaderTest, EveryKeyIsRead) {
  const std::string yaml = R"(log_level: debug
shutdown_grace_s: 10
connections:
  - id: acme-prod.eu_1
    source: workable
    poll_interval_s: ${POLL}
    request_timeout_s: "15"
    jobs: [GROOV005, 4BC3F1C9E0]
    job_states: [published, closed]
    trigger_stages: [phone-screen, assessment]
    workable:
      subdomain: acme-eu
      api_token: ${WORKABLE_TOKEN}
      base_url: http://127.0.0.1:18080/spi/v3/
      allow_insecure_http: true
      page_size: 50
      rate_limit: {requests: 5, per_s: 2}
kafka:
  bootstrap_servers: ${BROKERS}
  client_id: ats-test
  embedded_brokers: 3
  delivery_timeout_s: 30
  topics: {candidate_changed: a.b, job_imported: a_c, dead_letter: a-d}
  rdkafka: {linger.ms: 5, enable.idempotence: true, security.protocol: SASL_SSL}
snapshot: {path: /var/lib/ats/snapshot}
http: {listen: '[::1]:0'}
)";
  const Config cfg = LoadConfigString(yaml, &TestEnv);
  EXPECT_EQ(cfg.log_level, "debug");
  EXPECT_EQ(cfg.shutdown_grace_s, 10);
  ASSERT_EQ(cfg.connections.size(), 1u);
  const ConnectionConfig& c = cfg.connections[0];
  EXPECT_EQ(c.id, "acme-prod.eu_1");
  EXPECT_EQ(c.poll_interval_s, 120);
  EXPECT_EQ(c.request_timeout_s, 15);
  EXPECT_FALSE(c.all_jobs);
  EXPECT_EQ(c.jobs, (std::vector<std::string>{"GROOV005", "4BC3F1C9E0"}));
  EXPECT_EQ(c.job_states, (std::vector<std::string>{"published", "closed"}));
  EXPECT_EQ(c.trigger_stages, (std::vector<std::string>{"phone-screen", "assessment"}));
  EXPECT_EQ(c.workable.subdomain, "acme-eu");
  EXPECT_EQ(c.workable.base_url, "http://127.0.0.1:18080/spi/v3");
  EXPECT_EQ(WorkableBaseUrl(c.workable), "http://127.0.0.1:18080/spi/v3");
  EXPECT_TRUE(c.workable.allow_insecure_http);
  EXPECT_EQ(c.workable.page_size, 50);
  EXPECT_EQ(c.workable.rate_limit.requests, 5);
  EXPECT_EQ(c.workable.rate_limit.per_s, 2);
  EXPECT_EQ(cfg.kafka.bootstrap_servers, "b1.internal:9092, b2.internal:9093");
  EXPECT_FALSE(cfg.kafka.embedded());
  EXPECT_EQ(cfg.kafka.client_id, "ats-test");
  EXPECT_EQ(cfg.kafka.embedded_brokers, 3);
  EXPECT_EQ(cfg.kafka.delivery_timeout_s, 30);
  EXPECT_EQ(cfg.kafka.topics.candidate_changed, "a.b");
  EXPECT_EQ(cfg.kafka.topics.job_imported, "a_c");
  EXPECT_EQ(cfg.kafka.topics.dead_letter, "a-d");
  const std::map<std::string, std::string> rdkafka = {
      {"linger.ms", "5"}, {"enable.idempotence", "true"}, {"security.protocol", "SASL_SSL"}};
  EXPECT_EQ(cfg.kafka.rdkafka, rdkafka);
  EXPECT_EQ(cfg.snapshot.path, "/var/lib/ats/snapshot");
  EXPECT_EQ(cfg.http.listen, "[::1]:0");
}

TEST(ConfigLoaderTest, HttpsBaseUrlNeedsNoOptIn) {
  const Config cfg =
      LoadConfigString(kValid + "      base_url: https://proxy.internal:8443/spi/v3\n", &TestEnv);
  EXPECT_EQ(WorkableBaseUrl(cfg.connections[0].workable), "https://proxy.internal:8443/spi/v3");
}

TEST(ConfigLoaderTest, DoubleDollarIsALiteral) {
  const Config cfg = LoadConfigString(kValid + "snapshot: {path: '/data/$${HOME}/$x'}\n", &TestEnv);
  EXPECT_EQ(cfg.snapshot.path, "/data/${HOME}/$x");
}

TEST(ConfigLoaderTest, TokenFileIsReadWithTrailingNewlineTrimmedAndRegisteredAsSecret) {
  TempDir dir;
  const std::string token = "file-token-7c0ffee-91ab";
  WriteFile(dir.File("token"), token + " \r\n\n");
  const Config cfg = LoadConfigString(
      kConnHead + "    workable:\n      subdomain: acme\n      api_token_file: " + dir.File("token") + "\n",
      &TestEnv);
  EXPECT_EQ(cfg.connections[0].workable.api_token, token);
  const std::string redacted = log::Redact("x" + token);
  EXPECT_EQ(redacted.find(token), std::string::npos) << redacted;
  EXPECT_EQ(redacted, "x[REDACTED]");
}

TEST(ConfigLoaderTest, TokenFileProblemsNameThePath) {
  TempDir dir;
  WriteFile(dir.File("empty"), "\n");
  WriteFile(dir.File("two-lines"), "first-line-token\nsecond-line\n");
  const auto conn = [&](const std::string& file) {
    return kConnHead + "    workable:\n      subdomain: acme\n      api_token_file: " + file + "\n";
  };
  const std::string path = "connections[0].workable.api_token_file";
  EXPECT_TRUE(HasProblem(ProblemsOf(conn(dir.File("empty"))), path,
                         "token file '" + dir.File("empty") + "' is empty"));
  EXPECT_TRUE(HasProblem(ProblemsOf(conn(dir.path())), path,
                         "cannot read token file '" + dir.path() + "': it is a directory"));
  const auto problems = ProblemsOf(conn(dir.File("two-lines")));
  EXPECT_TRUE(
      HasProblem(problems, path, "token file '" + dir.File("two-lines") + "' holds spaces or control"))
      << Format(problems);
  // The message never shows the file's content.
  EXPECT_EQ(Format(problems).find("first-line-token"), std::string::npos) << Format(problems);
}

TEST(ConfigLoaderTest, EnvTokenAndRdkafkaSecretsAreRegisteredWithoutWarning) {
  LogCapture capture;
  const Config cfg = LoadConfigString(
      kValid + "kafka:\n  rdkafka:\n    sasl.password: ${KAFKA_PASSWORD}\n    sasl.username: ats-user-name\n",
      &TestEnv);
  EXPECT_EQ(cfg.connections[0].workable.api_token, "env-token-4f1c9a77");
  EXPECT_EQ(cfg.kafka.rdkafka.at("sasl.password"), "kafka-pass-8d2e61b0");
  EXPECT_EQ(log::Redact("a env-token-4f1c9a77 b"), "a [REDACTED] b");
  EXPECT_EQ(log::Redact("pw=kafka-pass-8d2e61b0"), "pw=[REDACTED]");
  EXPECT_EQ(log::Redact("user=ats-user-name"), "user=ats-user-name");  // not a secret key
  EXPECT_TRUE(capture.lines().empty()) << capture.lines().front();
}

TEST(ConfigLoaderTest, InlineTokenIsAcceptedWithOneWarningThatHidesIt) {
  LogCapture capture;
  const std::string token = "inline-token-5e9d3b21";
  const Config cfg = LoadConfigString(
      kConnHead + "    workable:\n      subdomain: acme\n      api_token: " + token + "\n", &TestEnv);
  EXPECT_EQ(cfg.connections[0].workable.api_token, token);
  ASSERT_EQ(capture.lines().size(), 1u);
  const std::string& line = capture.lines()[0];
  EXPECT_NE(line.find("inline secret; prefer api_token_file or ${ENV}"), std::string::npos) << line;
  EXPECT_NE(line.find("connections[0].workable.api_token"), std::string::npos) << line;
  EXPECT_EQ(line.find(token), std::string::npos) << line;
  EXPECT_EQ(log::Redact(token), "[REDACTED]");
}

TEST(ConfigLoaderTest, NullEnvUsesTheProcessEnvironment) {
  ASSERT_EQ(setenv("ATS_CONFIG_TEST_TOKEN", "process-env-token-31d7", 1), 0);
  const Config cfg = LoadConfigString(
      kConnHead + "    workable:\n      subdomain: acme\n      api_token: ${ATS_CONFIG_TEST_TOKEN}\n");
  unsetenv("ATS_CONFIG_TEST_TOKEN");
  EXPECT_EQ(cfg.connections[0].workable.api_token, "process-env-token-31d7");
}

TEST(ConfigLoaderTest, WorkableBaseUrlDefaultAndOverride) {
  WorkableConfig w;
  w.subdomain = "globex";
  EXPECT_EQ(WorkableBaseUrl(w), "https://globex.workable.com/spi/v3");
  w.base_url = "https://proxy.internal/spi/v3//";
  EXPECT_EQ(WorkableBaseUrl(w), "https://proxy.internal/spi/v3");
}

TEST(ConfigLoaderTest, MissingConfigFileIsAProblem) {
  TempDir dir;
  try {
    LoadConfigFile(dir.File("absent.yaml"), &TestEnv);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_NE(e.problems()[0].message.find("cannot read config file '" + dir.File("absent.yaml") + "'"),
              std::string::npos)
        << Dump(e);
  }
}

TEST(ConfigLoaderTest, ExampleConnectorYamlLoads) {
  const std::string example = ats::testing::ReadFile(ats::testing::SourceDir() + "/examples/connector.yaml");
  const std::string token_path = "/var/run/secrets/workable/token";
  const size_t at = example.find("api_token_file: " + token_path);
  ASSERT_NE(at, std::string::npos) << "the example must use api_token_file";

  TempDir dir;
  const std::string token = "example-token-a61f0d";
  WriteFile(dir.File("token"), token + "\n");
  std::string text = example;
  text.replace(text.find(token_path, at), token_path.size(), dir.File("token"));
  WriteFile(dir.File("connector.yaml"), text);

  const Config cfg = LoadConfigFile(dir.File("connector.yaml"), &TestEnv);
  ASSERT_EQ(cfg.connections.size(), 1u);
  const ConnectionConfig& c = cfg.connections[0];
  EXPECT_EQ(c.id, "acme-workable");
  EXPECT_EQ(c.source, "workable");
  EXPECT_EQ(c.workable.subdomain, "acme");
  EXPECT_EQ(c.workable.api_token, token);
  EXPECT_EQ(WorkableBaseUrl(c.workable), "https://acme.workable.com/spi/v3");
  EXPECT_EQ(c.trigger_stages, (std::vector<std::string>{"phone-screen", "assessment"}));
  EXPECT_TRUE(cfg.kafka.embedded());
  EXPECT_EQ(cfg.http.listen, "0.0.0.0:8080");
}

}  // namespace
}  // namespace ats::config
