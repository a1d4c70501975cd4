// The control API over real HTTP (127.0.0.1) against the simulated tenants: every route with good
// and bad input, the check run for real (a wrong Workable token, a revoked Workday refresh token),
// secrets never in a response or a log line, one audit line per write, API connections stored
// in the snapshot (RocksDB on disk) and ats.connection-status.v1 events read back from the mock
// Kafka and validated against schemas/. The runtime behind the API is a recording fake.
#include "control/control_api.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "common/log.hpp"
#include "control/connection_store.hpp"
#include "events/events.hpp"
#include "runtime/check.hpp"
#include "sim/workable_tenant.hpp"
#include "sim/workday_tenant.hpp"
#include "support/fake_runtime.hpp"
#include "support/pipeline_harness.hpp"
#include "support/test_support.hpp"

namespace ats {
namespace {

constexpr const char* kWrite = "write-token-0123456789abcdef";
constexpr const char* kRead = "read-token-0123456789abcdef";
constexpr const char* kStatusTopic = "ats.connection-status.v1";

class ControlApiTest : public testing::PipelineHarness {
 protected:
  void SetUp() override {
    sim::WorkableTenantOptions o;
    o.jobs = 2;
    o.candidates_per_job = 2;
    o.rate_limit_requests = 0;
    token_ = o.token;
    tenant_ = std::make_unique<sim::WorkableTenant>(o);
    ASSERT_TRUE(tenant_->Start());
    topics_.dead_letter = kStatusTopic;  // the harness creates and consumes it
    ASSERT_NO_FATAL_FAILURE(StartKafka({kStatusTopic}));
    auto store = snapshot::OpenRocksDbStore(dir_.File("snapshot"));
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    kafka::ProducerOptions po;
    po.bootstrap_servers = bootstrap();
    publisher_ = std::make_unique<runtime::Publisher>(po, metrics_);
    ASSERT_TRUE(publisher_->Start().ok());
    log::SetSinkForTest([this](std::string_view line) {
      std::lock_guard lock(log_mu_);
      log_.append(line).push_back('\n');
    });
    config::ConnectionConfig yaml = testing::WorkableConnection("from-yaml", tenant_->base_url(), token_);
    ASSERT_TRUE(runtime_.AddConnection(yaml, runtime::Origin::kYaml).ok());
  }
  void TearDown() override {
    if (admin_) admin_->Stop();
    log::SetSinkForTest(nullptr);
    PipelineHarness::TearDown();
  }

  void StartApi(bool with_keyring = true) {
    connection_store_ = std::make_unique<control::MetaConnectionStore>(*store_, with_keyring ? &keyring_ : nullptr);
    control::ControlDeps deps{
        runtime_,
        *store_,
        *connection_store_,
        with_keyring ? &keyring_ : nullptr,
        [](const config::ConnectionConfig& c) {
          return runtime::CheckConnection(c, nullptr, /*register_secrets=*/false);  // as the Service does
        },
        [this](const runtime::ConnectionStatusChange& c) {
          ASSERT_TRUE(publisher_
                          ->PublishAndAwait({events::ConnectionStatus({c.connection, c.source, c.at},
                                                                      runtime::StatusInfo(c), kStatusTopic)})
                          .ok());
        },
        [] {
          return control::Tokens{kWrite, kRead};
        }};
    api_ = std::make_unique<control::ControlApi>(std::move(deps));
    admin_ = std::make_unique<telemetry::AdminServer>(metrics_, status_);
    api_->Register(*admin_);
    ASSERT_TRUE(admin_->Start("127.0.0.1:0").ok());
    http_ = std::make_unique<httplib::Client>("127.0.0.1", admin_->port());
  }

  std::string Workable(const std::string& id, const std::string& token, const std::string& extra = "") {
    return R"({"id":")" + id +
           R"(","source":"workable","poll_interval_s":60,"workable":{"subdomain":"acme",)" +
           R"("api_token":")" + token + R"(","base_url":")" + tenant_->base_url() +
           R"(","allow_insecure_http":true})" + extra + "}";
  }

  httplib::Result Post(const std::string& path, const std::string& body, const char* token = kWrite) {
    return http_->Post(path, Auth(token), body, "application/json");
  }
  httplib::Result Get(const std::string& path, const char* token = kWrite) {
    return http_->Get(path, Auth(token));
  }
  static httplib::Headers Auth(const char* token) {
    return {{"Authorization", std::string("Bearer ") + token}};
  }

  std::string Log() {
    std::lock_guard lock(log_mu_);
    return log_;
  }
  bool Stored(const std::string& id) {
    auto v = store_->GetMeta(control::MetaConnectionStore::Key(id));
    return v.ok() && v->has_value();
  }

  std::unique_ptr<sim::WorkableTenant> tenant_;
  std::string token_;
  connections::Keyring keyring_ = connections::Keyring::Parse(connections::Keyring::Generate()).value();
  testing::FakeRuntime runtime_;
  std::unique_ptr<control::ConnectionStore> connection_store_;
  std::unique_ptr<control::ControlApi> api_;
  std::unique_ptr<telemetry::AdminServer> admin_;
  std::unique_ptr<httplib::Client> http_;
  std::mutex log_mu_;
  std::string log_;
};

TEST_F(ControlApiTest, CreateValidatesStoresAndShowsSecretsOnlyAsFingerprints) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  auto r = Post("/v1/connections", Workable("acme", token_));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(testing::JsonField(r->body, "status"), "Active");
  EXPECT_TRUE(runtime_.Called("add acme"));
  EXPECT_TRUE(Stored("acme"));
  auto sealed = store_->GetMeta(control::MetaConnectionStore::Key("acme"));
  ASSERT_TRUE(sealed.ok() && sealed->has_value());
  EXPECT_EQ((*sealed)->find(token_), std::string::npos) << "stored in plain text";

  auto got = Get("/v1/connections/acme");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(got->body.find(token_), std::string::npos) << got->body;
  EXPECT_NE(
      got->body.find(R"("api_token":{"configured":true,"fingerprint":")" + connections::Fingerprint(token_)),
      std::string::npos)
      << got->body;
  EXPECT_NE(got->body.find(R"("origin":"api")"), std::string::npos);
  EXPECT_NE(got->body.find(R"("paused":false)"), std::string::npos);
  // The read token reads too.
  auto read = Get("/v1/connections/acme", kRead);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  EXPECT_EQ(read->body.find(token_), std::string::npos);

  auto again = Post("/v1/connections", Workable("acme", token_));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;

  // What StoredConnections gives the Service at start-up: the document, opened and parsed.
  auto stored = api_->StoredConnections();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].workable.api_token, token_);
  EXPECT_EQ((*stored)[0].poll_interval_s, 60);
}

TEST_F(ControlApiTest, BadConnectionsAre422WithTheirPathsAndStoreNothing) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  struct Case {
    std::string body, path, message;
  };
  const std::vector<Case> cases = {
      {Workable("a1", token_, R"(,"bogus":1)"), "bogus", "bogus"},
      {R"({"id":"a2","source":"workable","workable":{"subdomain":"acme"}})", "workable.api_token",
       "missing credential"},
      {R"({"id":"a3","source":"workable","workable":{"subdomain":"acme.workable.com","api_token":"t0123456789"}})",
       "workable.subdomain", "acme"},
      {R"({"id":"a4","source":"workable","workable":{"subdomain":"acme","api_token_file":"/etc/passwd"}})",
       "workable.api_token_file", "the API takes the credential itself"},
      {R"({"id":"a5","source":"workable","workable":{"subdomain":"acme","api_token":"${HOME}"}})",
       "workable.api_token", "not expanded"},
      {R"([1,2])", "", "JSON object"},
      {R"({"id":"a7","source":"workable",)", "", ""},
  };
  for (const auto& c : cases) {
    for (const char* route : {"/v1/connections", "/v1/connections/validate"}) {
      auto r = Post(route, c.body);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 422) << route << " " << c.body << " -> " << r->body;
      EXPECT_EQ(testing::JsonField(r->body, "status"), "Failed") << r->body;
      EXPECT_EQ(testing::JsonField(r->body, "category"), "Invalid Configuration") << r->body;
      if (!c.path.empty()) {
        EXPECT_NE(r->body.find(R"({"path":")" + c.path + "\""), std::string::npos) << r->body;
      }
      EXPECT_NE(r->body.find(c.message), std::string::npos) << r->body;
    }
  }
  EXPECT_EQ(runtime_.calls().size(), 1u) << "only the YAML connection was added";
  auto none = store_->GetMeta(control::MetaConnectionStore::Key("a1"));
  EXPECT_FALSE(none.ok() && none->has_value());
}

TEST_F(ControlApiTest, AWrongWorkableTokenIs422TokenErrorsAndNothingStored) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  const std::string wrong = "wrong-token-0123456789";
  for (const char* route : {"/v1/connections", "/v1/connections/validate"}) {
    auto r = Post(route, Workable("acme", wrong));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422) << r->body;
    EXPECT_EQ(testing::JsonField(r->body, "status"), "Failed");
    EXPECT_EQ(testing::JsonField(r->body, "category"), "Token Errors") << r->body;
    EXPECT_FALSE(testing::JsonField(r->body, "fix").empty());
    EXPECT_EQ(r->body.find(wrong), std::string::npos) << r->body;
  }
  EXPECT_FALSE(Stored("acme"));
  EXPECT_FALSE(runtime_.Called("add acme"));
  auto ok = Post("/v1/connections/validate", Workable("acme", token_));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_FALSE(Stored("acme")) << "validate stores nothing";
}

// A refused document's token does not join the log redaction (any caller could grow it without
// bound); an accepted connection's does.
TEST_F(ControlApiTest, OnlyAcceptedConnectionsRegisterTheirSecretsForRedaction) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  const std::string refused = "refused-token-" + std::to_string(::getpid()) + "-7f3a9c";
  ASSERT_EQ(Post("/v1/connections", Workable("acme", refused))->status, 422);
  EXPECT_EQ(log::Redact(refused), refused) << "a refused token was registered";
  ASSERT_EQ(Post("/v1/connections", Workable("acme", token_))->status, 201);
  EXPECT_EQ(log::Redact("x " + token_ + " y"), "x [REDACTED] y");
}

TEST_F(ControlApiTest, ARevokedWorkdayRefreshTokenIs422) {
  sim::WorkdayTenantOptions o;
  o.job_postings = 1;
  o.applications = 2;
  sim::WorkdayTenant workday(o);
  ASSERT_TRUE(workday.Start());
  ASSERT_NO_FATAL_FAILURE(StartApi());
  const std::string body =
      R"({"id":"wd","source":"workday","workday":{"rest_endpoint":")" + workday.rest_endpoint() +
      R"(","token_endpoint":")" + workday.token_endpoint() + R"(","client_id":")" + o.client_id +
      R"(","client_secret":")" + o.client_secret + R"(","refresh_token":")" + o.refresh_token +
      R"(","allow_insecure_http":true,"reports":[{"url":")" + workday.report_url() + R"("}]}})";
  workday.SetFault(sim::WorkdayFault::kInvalidGrant);
  auto r = Post("/v1/connections", body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  EXPECT_EQ(testing::JsonField(r->body, "status"), "Failed");
  EXPECT_EQ(r->body.find(o.refresh_token), std::string::npos);
  EXPECT_FALSE(Stored("wd"));
  workday.SetFault(sim::WorkdayFault::kNone);
  auto good = Post("/v1/connections", body);
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 201) << good->body;
  auto got = Get("/v1/connections/wd");
  ASSERT_TRUE(got);
  for (const auto& secret : {o.client_secret, o.refresh_token})
    EXPECT_EQ(got->body.find(secret), std::string::npos);
}

TEST_F(ControlApiTest, UnknownIdsAre404AndYamlConnectionsAre409) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  EXPECT_EQ(Get("/v1/connections/nope")->status, 404);
  EXPECT_EQ(http_->Patch("/v1/connections/nope", Auth(kWrite), "{}", "application/json")->status, 404);
  EXPECT_EQ(http_->Delete("/v1/connections/nope", Auth(kWrite))->status, 404);
  for (const char* action : {"pause", "resume", "resync", "check"})
    EXPECT_EQ(Post(std::string("/v1/connections/nope/") + action, "{}")->status, 404) << action;
  EXPECT_EQ(Get("/v1/connections/nope/jobs")->status, 404);

  auto patch = http_->Patch("/v1/connections/from-yaml", Auth(kWrite), R"({"poll_interval_s":120})",
                            "application/json");
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->status, 409);
  EXPECT_NE(patch->body.find("config file"), std::string::npos) << patch->body;
  EXPECT_EQ(http_->Delete("/v1/connections/from-yaml", Auth(kWrite))->status, 409);
  EXPECT_TRUE(runtime_.Connection("from-yaml").has_value());
  // Read, paused and checked like any other.
  auto got = Get("/v1/connections/from-yaml");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200) << got->body;
  EXPECT_NE(got->body.find(R"("origin":"yaml")"), std::string::npos);
  EXPECT_EQ(got->body.find(token_), std::string::npos) << got->body;
  auto check = Post("/v1/connections/from-yaml/check", "");
  ASSERT_TRUE(check);
  EXPECT_EQ(check->status, 200);
  EXPECT_EQ(testing::JsonField(check->body, "status"), "Active") << check->body;
}

TEST_F(ControlApiTest, TokensDecideWhoMayDoWhat) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  EXPECT_EQ(Get("/v1/connections", kRead)->status, 200);
  EXPECT_EQ(Get("/v1/openapi.yaml", kRead)->status, 200);
  EXPECT_EQ(Post("/v1/connections", Workable("acme", token_), kRead)->status, 403);
  EXPECT_EQ(Post("/v1/connections/from-yaml/pause", "", kRead)->status, 403);
  EXPECT_EQ(http_->Delete("/v1/connections/from-yaml", Auth(kRead))->status, 403);
  EXPECT_EQ(Get("/v1/connections", "not-a-token-0123456789")->status, 401);
  EXPECT_EQ(http_->Get("/v1/connections")->status, 401);
  EXPECT_FALSE(runtime_.Called("pause from-yaml"));
}

TEST_F(ControlApiTest, WithoutAKeyringWritesOfApiConnectionsAre503WithTheFix) {
  ASSERT_NO_FATAL_FAILURE(StartApi(/*with_keyring=*/false));
  auto r = Post("/v1/connections", Workable("acme", token_));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("secrets.keyring_file"), std::string::npos) << r->body;
  EXPECT_FALSE(Stored("acme"));
  EXPECT_EQ(Post("/v1/connections/validate", Workable("acme", token_))->status, 200);
}

TEST_F(ControlApiTest, PatchMergesRevalidatesCredentialsAndKeepsIdAndSource) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  ASSERT_EQ(Post("/v1/connections", Workable("acme", token_))->status, 201);
  auto patch = [&](const std::string& body) {
    return http_->Patch("/v1/connections/acme", Auth(kWrite), body, "application/merge-patch+json");
  };
  auto r = patch(R"({"poll_interval_s":120,"trigger_stages":["interview"],"jobs":null})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(runtime_.Called("replace acme"));
  EXPECT_EQ(runtime_.Connection("acme")->poll_interval_s, 120);
  EXPECT_EQ(runtime_.Connection("acme")->trigger_stages, std::vector<std::string>{"interview"});
  EXPECT_EQ(r->body.find(token_), std::string::npos);

  EXPECT_EQ(patch(R"({"id":"other"})")->status, 422);
  EXPECT_EQ(patch(R"({"source":"workday"})")->status, 422);
  EXPECT_EQ(patch(R"({"nonsense":true})")->status, 422);
  EXPECT_EQ(patch(R"({"poll_interval_s":"often"})")->status, 422);
  auto bad = patch(R"({"workable":{"api_token":"wrong-token-0123456789"}})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422) << bad->body;
  EXPECT_EQ(testing::JsonField(bad->body, "category"), "Token Errors") << bad->body;
  EXPECT_EQ(runtime_.Connection("acme")->workable.api_token, token_) << "the old credential stays";
  auto stored = api_->StoredConnections();
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ((*stored)[0].workable.api_token, token_);
  EXPECT_EQ((*stored)[0].poll_interval_s, 120);
}

TEST_F(ControlApiTest, PauseResumeResyncDeleteAndTheirBodies) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  ASSERT_EQ(Post("/v1/connections", Workable("acme", token_))->status, 201);
  auto paused = Post("/v1/connections/acme/pause", "{}");
  ASSERT_TRUE(paused);
  EXPECT_EQ(paused->status, 200);
  EXPECT_NE(paused->body.find(R"("paused":true)"), std::string::npos) << paused->body;
  EXPECT_NE(Get("/v1/connections")->body.find(R"("paused":true)"), std::string::npos);
  EXPECT_EQ(Post("/v1/connections/acme/resume", "")->status, 200);
  EXPECT_TRUE(runtime_.Called("pause acme"));
  EXPECT_TRUE(runtime_.Called("resume acme"));
  EXPECT_EQ(Post("/v1/connections/acme/pause", R"({"now":true})")->status, 422);

  EXPECT_EQ(Post("/v1/connections/acme/resync", "{}")->status, 202);
  EXPECT_EQ(Post("/v1/connections/acme/resync", R"({"entity":"jobs"})")->status, 202);
  EXPECT_EQ(Post("/v1/connections/acme/resync", R"({"job_id":"J1"})")->status, 202);
  EXPECT_EQ(Post("/v1/connections/acme/resync", R"({"candidate_id":"C1"})")->status, 202);
  EXPECT_TRUE(runtime_.Called("resync acme entity= job= candidate="));
  EXPECT_TRUE(runtime_.Called("resync acme entity=jobs job= candidate="));
  EXPECT_TRUE(runtime_.Called("resync acme entity= job=J1 candidate="));
  EXPECT_TRUE(runtime_.Called("resync acme entity= job= candidate=C1"));
  for (const char* bad : {R"({"entity":"offers"})", R"({"what":1})", R"({"job_id":"J1","candidate_id":"C1"})",
                          R"({"job_id":7})", "[]"}) {
    auto r = Post("/v1/connections/acme/resync", bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 422) << bad << " -> " << r->body;
  }
  auto unknown = Post("/v1/connections/acme/resync", R"({"what":1})");
  EXPECT_NE(unknown->body.find("unknown field 'what'"), std::string::npos) << unknown->body;

  EXPECT_EQ(http_->Delete("/v1/connections/acme?purge=maybe", Auth(kWrite))->status, 422);
  auto deleted = http_->Delete("/v1/connections/acme?purge=true", Auth(kWrite));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200) << deleted->body;
  EXPECT_TRUE(runtime_.Called("remove+purge acme"));
  EXPECT_FALSE(Stored("acme"));
  EXPECT_EQ(Get("/v1/connections/acme")->status, 404);
}

TEST_F(ControlApiTest, ListIsPagedAndBounded) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  for (const char* id : {"b", "c", "d"})
    ASSERT_EQ(Post("/v1/connections", Workable(id, token_))->status, 201);
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto r = Get("/v1/connections?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    YAML::Node body = YAML::Load(r->body);
    EXPECT_LE(body["connections"].size(), 2u);
    for (const auto& c : body["connections"]) seen.push_back(c["id"].as<std::string>());
    if (body["next_cursor"].IsNull()) break;
    cursor = body["next_cursor"].as<std::string>();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"b", "c", "d", "from-yaml"}));
  EXPECT_EQ(Get("/v1/connections?limit=0")->status, 422);
  EXPECT_EQ(Get("/v1/connections?limit=100000")->status, 422);
}

TEST_F(ControlApiTest, ConcurrentCreatesOfOneIdMakeOneConnection) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      httplib::Client c("127.0.0.1", admin_->port());
      auto r = c.Post("/v1/connections", Auth(kWrite), Workable("same", token_), "application/json");
      if (r && r->status == 201) ++created;
      if (r && r->status == 409) ++conflicts;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), 3);
}

TEST_F(ControlApiTest, EveryWriteIsAuditedWithoutItsSecretAndPublishedAsAStatusEvent) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  ASSERT_EQ(Post("/v1/connections", Workable("acme", token_))->status, 201);
  ASSERT_EQ(Post("/v1/connections/acme/pause", "")->status, 200);
  ASSERT_EQ(Post("/v1/connections/acme/resume", "")->status, 200);
  ASSERT_EQ(
      http_->Patch("/v1/connections/acme", Auth(kWrite), R"({"poll_interval_s":90})", "application/json")
          ->status,
      200);
  ASSERT_EQ(http_->Delete("/v1/connections/acme", Auth(kWrite))->status, 200);

  const std::string log = Log();
  for (const char* action : {"create", "pause", "resume", "update", "delete"})
    EXPECT_NE(log.find(std::string(R"("action":")") + action + R"(")"), std::string::npos) << action << "\n"
                                                                                           << log;
  EXPECT_NE(log.find(R"("actor":"admin")"), std::string::npos) << log;
  EXPECT_EQ(log.find(token_), std::string::npos) << log;
  EXPECT_EQ(log.find(kWrite), std::string::npos) << log;

  std::vector<testing::Event> events;
  ASSERT_TRUE(testing::Eventually([&] {
    for (auto& e : Consume()) events.push_back(std::move(e));
    return events.size() >= 3;
  }));
  std::vector<std::string> changes;
  std::vector<testing::EventForValidation> to_validate;
  for (const auto& e : events) {
    EXPECT_EQ(e.key, "acme");
    EXPECT_EQ(e.value.find(token_), std::string::npos);
    changes.push_back(testing::JsonField(e.value, "change"));
    to_validate.push_back({e.ce_type, e.value});
  }
  // paused / resumed are the runtime's to report (ControlRestartTest reads them from the Service).
  EXPECT_EQ(changes, (std::vector<std::string>{"created", "updated", "deleted"}));
  EXPECT_EQ(testing::ValidateAgainstSchemas(to_validate), "");
}

// Every route registered is in schemas/openapi.yaml (and served from it), and every path and
// method of the document is a registered route.
TEST_F(ControlApiTest, TheOpenApiDocumentListsExactlyTheRoutes) {
  ASSERT_NO_FATAL_FAILURE(StartApi());
  auto r = Get("/v1/openapi.yaml");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body, testing::ReadFile(testing::SourceDir() + "/schemas/openapi.yaml"));
  const YAML::Node doc = YAML::Load(r->body);
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& path : doc["paths"])
    for (const auto& op : path.second) {
      std::string method = op.first.as<std::string>();
      if (method == "parameters") continue;
      for (auto& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      documented.insert({method, path.first.as<std::string>()});
    }
  const auto routes = control::ControlApi::Routes();
  const std::set<std::pair<std::string, std::string>> registered(routes.begin(), routes.end());
  EXPECT_EQ(documented, registered);
  // And each registered route answers (not "no such path") when called as documented.
  for (const auto& [method, path] : routes) {
    std::string concrete = path;
    for (const auto& [param, value] : {std::pair{"{id}", "from-yaml"}, std::pair{"{job_id}", "J1"}})
      if (auto at = concrete.find(param); at != std::string::npos)
        concrete.replace(at, std::string(param).size(), value);
    httplib::Request req;
    req.method = method;
    req.path = concrete;
    req.headers = Auth(kRead);  // read token: GETs answer, writes are refused by the authorizer
    auto res = http_->send(req);
    ASSERT_TRUE(res);
    EXPECT_NE(res->status, 404) << method << " " << concrete << " " << res->body;
    EXPECT_NE(res->status, 405) << method << " " << concrete;
  }
}

}  // namespace
}  // namespace ats
