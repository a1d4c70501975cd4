// WorkdayAuth against a token endpoint on 127.0.0.1 (httplib), with a fake StateStore and a fake
// clock.
#include "common/log.hpp"
#include "connectors/workday/workday_auth.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"

namespace ats::connectors {
namespace {

using namespace std::chrono_literals;

constexpr char kClientId[] = "wd-client-id-1234";
constexpr char kSecret[] = "wd-client-secret-9f8e7d6c5b";
constexpr char kRefresh[] = "wd-refresh-token-configured-a1b2c3";

// Splits an application/x-www-form-urlencoded body.
std::map<std::string, std::string> ParseForm(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < body.size()) {
    const size_t amp = body.find('&', start);
    const std::string item = body.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    const size_t eq = item.find('=');
    out[httplib::detail::decode_url(item.substr(0, eq), true)] =
        eq == std::string::npos ? "" : httplib::detail::decode_url(item.substr(eq + 1), true);
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return out;
}

// One token request as the server saw it.
struct Seen {
  std::string body;
  std::map<std::string, std::string> form;
  std::string authorization;
  std::string content_type;
};

// A token endpoint at /ccx/oauth2/acme/token whose answer each test scripts.
class TokenServer {
 public:
  using Handler = std::function<void(const Seen&, httplib::Response&)>;

  explicit TokenServer(Handler handler) : handler_(std::move(handler)) {
    server_.Post("/ccx/oauth2/acme/token", [this](const httplib::Request& req, httplib::Response& res) {
      Seen seen{req.body, ParseForm(req.body), req.get_header_value("Authorization"),
                req.get_header_value("Content-Type")};
      {
        std::lock_guard lock(mu_);
        seen_.push_back(seen);
      }
      handler_(seen, res);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost, and the destructor would wait forever.
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~TokenServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/ccx/oauth2/acme/token"; }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }
  size_t calls() const { return seen().size(); }

 private:
  Handler handler_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::vector<Seen> seen_;
};

// Issues access-1, access-2, ... with the given expires_in (0: omitted).
TokenServer::Handler Issue(int expires_in = 3600, std::atomic<int>* counter = nullptr) {
  auto n = std::make_shared<std::atomic<int>>(0);
  return [expires_in, n, counter](const Seen&, httplib::Response& res) {
    const int i = ++*n;
    if (counter != nullptr) ++*counter;
    std::string body = R"({"access_token":"access-token-)" + std::to_string(i) + R"(","token_type":"Bearer")";
    if (expires_in > 0) body += ",\"expires_in\":" + std::to_string(expires_in);
    body += "}";
    res.set_content(body, "application/json");
  };
}

class FakeState : public StateStore {
 public:
  Result<std::optional<std::string>> Get(const std::string& key) override {
    std::lock_guard lock(mu);
    if (fail_get) return Error::Retryable(ErrorCategory::kSnapshot, "snapshot store unavailable");
    auto it = values.find(key);
    if (it == values.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Result<void> Put(const std::string& key, const std::string& value) override {
    std::lock_guard lock(mu);
    if (on_put) on_put(value);
    if (fail_put) return Error::Retryable(ErrorCategory::kSnapshot, "disk full");
    values[key] = value;
    return Ok();
  }
  std::mutex mu;
  std::map<std::string, std::string> values;
  bool fail_get = false;
  bool fail_put = false;
  std::function<void(const std::string&)> on_put;
};

struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  WorkdayAuth::Clock fn() {
    return [this] { return now; };
  }
};

WorkdayOAuthSettings Settings(const TokenServer& server, bool basic = false) {
  WorkdayOAuthSettings s;
  s.token_url = server.url();
  s.client_id = kClientId;
  s.client_secret = kSecret;
  s.refresh_token = kRefresh;
  s.basic_client_auth = basic;
  s.timeout = 5s;
  return s;
}

std::unique_ptr<WorkdayAuth> MakeAuth(const TokenServer& server, StateStore* state = nullptr,
                                      WorkdayAuth::Clock clock = nullptr, bool basic = false) {
  auto auth = WorkdayAuth::Create(Settings(server, basic), state, std::move(clock));
  EXPECT_TRUE(auth.ok()) << auth.error().message;
  return std::move(auth).value();
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- the request -----------------------------------------------------------------------------

TEST(WorkdayAuthTest, BodyClientAuthSendsTheRefreshGrantAsAForm) {
  TokenServer server(Issue());
  auto auth = MakeAuth(server);
  http::Client client;
  auto token = auth->AccessToken(client);
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(*token, "access-token-1");

  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(seen[0].authorization, "");
  EXPECT_EQ(seen[0].form, (std::map<std::string, std::string>{{"grant_type", "refresh_token"},
                                                              {"refresh_token", kRefresh},
                                                              {"client_id", kClientId},
                                                              {"client_secret", kSecret}}));
}

TEST(WorkdayAuthTest, BasicClientAuthKeepsTheClientCredentialsOutOfTheBody) {
  TokenServer server(Issue());
  auto auth = MakeAuth(server, nullptr, nullptr, /*basic=*/true);
  http::Client client;
  ASSERT_TRUE(auth->AccessToken(client).ok());

  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].authorization, httplib::make_basic_authentication_header(kClientId, kSecret).second);
  EXPECT_EQ(seen[0].form, (std::map<std::string, std::string>{{"grant_type", "refresh_token"},
                                                              {"refresh_token", kRefresh}}));
  EXPECT_FALSE(Contains(seen[0].body, kSecret)) << seen[0].body;
  EXPECT_FALSE(Contains(seen[0].body, kClientId)) << seen[0].body;
}

TEST(WorkdayAuthTest, SpecialCharactersInTheRefreshTokenSurviveFormEncoding) {
  TokenServer server(Issue());
  auto settings = Settings(server);
  settings.refresh_token = "a+b/c=d&e%f g";
  auto auth = WorkdayAuth::Create(settings, nullptr);
  ASSERT_TRUE(auth.ok());
  http::Client client;
  ASSERT_TRUE((*auth)->AccessToken(client).ok());
  EXPECT_EQ(server.seen()[0].form.at("refresh_token"), "a+b/c=d&e%f g");
}

TEST(WorkdayAuthTest, BasicAuthorizationIsStandardBase64) {
  // httplib's own encoder is the reference.
  for (const std::string secret : {"", "s", "se", "sec", "secret-with-üñí"}) {
    EXPECT_EQ(BasicAuthorization("user", secret),
              httplib::make_basic_authentication_header("user", secret).second)
        << secret;
  }
}

// ---- caching ---------------------------------------------------------------------------------

TEST(WorkdayAuthTest, TheTokenIsCachedUntilSixtySecondsBeforeItExpires) {
  TokenServer server(Issue(3600));
  FakeClock clock;
  auto auth = MakeAuth(server, nullptr, clock.fn());
  http::Client client;
  ASSERT_EQ(*auth->AccessToken(client), "access-token-1");
  clock.now += 3539s;
  EXPECT_EQ(*auth->AccessToken(client), "access-token-1");
  EXPECT_EQ(server.calls(), 1u);
  clock.now += 2s;  // 3541 s: within the last minute
  EXPECT_EQ(*auth->AccessToken(client), "access-token-2");
  EXPECT_EQ(server.calls(), 2u);
}

TEST(WorkdayAuthTest, AMissingExpiresInMeansAnHour) {
  TokenServer server(Issue(/*expires_in=*/0));
  FakeClock clock;
  auto auth = MakeAuth(server, nullptr, clock.fn());
  http::Client client;
  ASSERT_EQ(*auth->AccessToken(client), "access-token-1");
  clock.now += 3539s;
  EXPECT_EQ(*auth->AccessToken(client), "access-token-1");
  clock.now += 2s;
  EXPECT_EQ(*auth->AccessToken(client), "access-token-2");
}

TEST(WorkdayAuthTest, AShortLivedTokenIsTrustedForHalfItsLife) {
  TokenServer server(Issue(100));
  FakeClock clock;
  auto auth = MakeAuth(server, nullptr, clock.fn());
  http::Client client;
  ASSERT_EQ(*auth->AccessToken(client), "access-token-1");
  clock.now += 49s;
  EXPECT_EQ(*auth->AccessToken(client), "access-token-1");
  clock.now += 2s;
  EXPECT_EQ(*auth->AccessToken(client), "access-token-2");
}

TEST(WorkdayAuthTest, ExpiresInAsAStringIsHonoured) {
  TokenServer server([](const Seen&, httplib::Response& res) {
    res.set_content(R"({"access_token":"string-expiry-token","expires_in":"600"})", "application/json");
  });
  FakeClock clock;
  auto auth = MakeAuth(server, nullptr, clock.fn());
  http::Client client;
  ASSERT_TRUE(auth->AccessToken(client).ok());
  clock.now += 539s;
  ASSERT_TRUE(auth->AccessToken(client).ok());
  EXPECT_EQ(server.calls(), 1u);
  clock.now += 2s;
  ASSERT_TRUE(auth->AccessToken(client).ok());
  EXPECT_EQ(server.calls(), 2u);
}

TEST(WorkdayAuthTest, InvalidateDropsTheCachedToken) {
  TokenServer server(Issue());
  FakeClock clock;
  auto auth = MakeAuth(server, nullptr, clock.fn());
  http::Client client;
  ASSERT_EQ(*auth->AccessToken(client), "access-token-1");
  auth->Invalidate();
  EXPECT_EQ(*auth->AccessToken(client), "access-token-2");
  EXPECT_EQ(server.calls(), 2u);
}

// An access token lives an hour: the one a refresh replaces, and the last one when the auth goes,
// leave the log redaction list, which would otherwise grow by one token per connection per hour.
TEST(WorkdayAuthTest, ReplacedAccessTokensLeaveTheRedactionList) {
  TokenServer server(Issue());
  FakeClock clock;
  {
    auto auth = MakeAuth(server, nullptr, clock.fn());
    http::Client client;
    ASSERT_EQ(*auth->AccessToken(client), "access-token-1");
    EXPECT_EQ(log::Redact("access-token-1"), "[REDACTED]");
    auth->Invalidate();
    ASSERT_EQ(*auth->AccessToken(client), "access-token-2");
    EXPECT_EQ(log::Redact("access-token-1 access-token-2"), "access-token-1 [REDACTED]");
    clock.now += 2h;  // expired: the refresh replaces it
    ASSERT_EQ(*auth->AccessToken(client), "access-token-3");
    EXPECT_EQ(log::Redact("access-token-2 access-token-3"), "access-token-2 [REDACTED]");
  }
  EXPECT_EQ(log::Redact("access-token-3"), "access-token-3");
}

TEST(WorkdayAuthTest, ConcurrentCallersShareOneTokenCall) {
  TokenServer server([](const Seen& seen, httplib::Response& res) {
    std::this_thread::sleep_for(100ms);  // keeps the other callers waiting on the first refresh
    Issue()(seen, res);
  });
  auto auth = MakeAuth(server);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      http::Client client;
      if (auto token = auth->AccessToken(client); token.ok() && *token == "access-token-1") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
  EXPECT_EQ(server.calls(), 1u);
}

// ---- rotation and the state store -----------------------------------------------------------

TEST(WorkdayAuthTest, ARotatedRefreshTokenIsSavedBeforeTheAccessTokenIsReturnedAndUsedNextTime) {
  auto n = std::make_shared<int>(0);
  TokenServer server([n](const Seen&, httplib::Response& res) {
    ++*n;
    res.set_content(R"({"access_token":"access-)" + std::to_string(*n) +
                        R"(","refresh_token":"rotated-refresh-)" + std::to_string(*n) +
                        R"(","expires_in":3600})",
                    "application/json");
  });
  FakeState state;
  std::vector<std::string> events;
  state.on_put = [&](const std::string& value) { events.push_back("put " + value); };
  auto auth = MakeAuth(server, &state);
  http::Client client;
  auto token = auth->AccessToken(client);
  ASSERT_TRUE(token.ok()) << token.error().message;
  events.push_back("got " + *token);
  EXPECT_EQ(events, (std::vector<std::string>{"put rotated-refresh-1", "got access-1"}));
  EXPECT_EQ(state.values.at(std::string(WorkdayAuth::kRefreshTokenKey)), "rotated-refresh-1");
  EXPECT_EQ(auth->refresh_token(), "rotated-refresh-1");

  auth->Invalidate();
  ASSERT_TRUE(auth->AccessToken(client).ok());
  EXPECT_EQ(server.seen()[1].form.at("refresh_token"), "rotated-refresh-1");
  EXPECT_EQ(state.values.at(std::string(WorkdayAuth::kRefreshTokenKey)), "rotated-refresh-2");

  // Every refresh token ever held stays a secret.
  const auto secrets = auth->secrets();
  for (const std::string& s : {std::string(kSecret), std::string(kRefresh), std::string("rotated-refresh-1"),
                               std::string("rotated-refresh-2"), std::string("access-2")}) {
    EXPECT_NE(std::find(secrets.begin(), secrets.end(), s), secrets.end()) << s;
  }
}

TEST(WorkdayAuthTest, WhenTheRotatedTokenCannotBeSavedItsAccessTokenIsNotUsed) {
  auto n = std::make_shared<int>(0);
  TokenServer server([n](const Seen&, httplib::Response& res) {
    ++*n;
    res.set_content(R"({"access_token":"access-)" + std::to_string(*n) +
                        R"(","refresh_token":"rotated-refresh-)" + std::to_string(*n) + R"("})",
                    "application/json");
  });
  FakeState state;
  state.fail_put = true;
  auto auth = MakeAuth(server, &state);
  http::Client client;
  auto failed = auth->AccessToken(client);
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.error().retryable());
  EXPECT_EQ(failed.error().category, ErrorCategory::kSnapshot);
  EXPECT_TRUE(Contains(failed.error().message, "could not be saved")) << failed.error().message;
  EXPECT_FALSE(Contains(failed.error().message, "rotated-refresh-1")) << failed.error().message;
  EXPECT_FALSE(Contains(failed.error().message, "access-1")) << failed.error().message;

  // The new refresh token is what Workday now accepts: it is the one sent next, and saved then.
  state.fail_put = false;
  auto token = auth->AccessToken(client);
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(*token, "access-2");
  EXPECT_EQ(server.seen()[1].form.at("refresh_token"), "rotated-refresh-1");
  EXPECT_EQ(state.values.at(std::string(WorkdayAuth::kRefreshTokenKey)), "rotated-refresh-2");
}

TEST(WorkdayAuthTest, AnUnsavedTokenIsSavedOnTheNextSuccessEvenWithoutAnotherRotation) {
  auto n = std::make_shared<int>(0);
  TokenServer server([n](const Seen&, httplib::Response& res) {
    // Rotates once, then keeps the token.
    ++*n;
    res.set_content(*n == 1 ? R"({"access_token":"access-1","refresh_token":"rotated-once"})"
                            : R"({"access_token":"access-2"})",
                    "application/json");
  });
  FakeState state;
  state.fail_put = true;
  auto auth = MakeAuth(server, &state);
  http::Client client;
  ASSERT_FALSE(auth->AccessToken(client).ok());
  state.fail_put = false;
  ASSERT_TRUE(auth->AccessToken(client).ok());
  EXPECT_EQ(state.values.at(std::string(WorkdayAuth::kRefreshTokenKey)), "rotated-once");
}

TEST(WorkdayAuthTest, ASavedTokenWinsOverTheConfiguredOne) {
  TokenServer server(Issue());
  FakeState state;
  state.values[std::string(WorkdayAuth::kRefreshTokenKey)] = "saved-refresh-token-77";
  auto auth = MakeAuth(server, &state);
  EXPECT_EQ(auth->refresh_token(), "saved-refresh-token-77");
  http::Client client;
  ASSERT_TRUE(auth->AccessToken(client).ok());
  EXPECT_EQ(server.seen()[0].form.at("refresh_token"), "saved-refresh-token-77");
  const auto secrets = auth->secrets();
  EXPECT_NE(std::find(secrets.begin(), secrets.end(), "saved-refresh-token-77"), secrets.end());
}

TEST(WorkdayAuthTest, ARejectedSavedTokenFallsBackOnceToTheConfiguredOneAndSavesIt) {
  TokenServer server([](const Seen& seen, httplib::Response& res) {
    if (seen.form.at("refresh_token") == kRefresh) {
      res.set_content(R"({"access_token":"fresh-access","expires_in":3600})", "application/json");
    } else {
      res.status = 400;
      res.set_content(R"({"error":"invalid_grant"})", "application/json");
    }
  });
  FakeState state;
  state.values[std::string(WorkdayAuth::kRefreshTokenKey)] = "stale-saved-token";
  auto auth = MakeAuth(server, &state);
  http::Client client;
  auto token = auth->AccessToken(client);
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(*token, "fresh-access");
  EXPECT_EQ(server.calls(), 2u);
  EXPECT_EQ(state.values.at(std::string(WorkdayAuth::kRefreshTokenKey)), kRefresh);
}

TEST(WorkdayAuthTest, AnUnreadableStateStoreFailsCreation) {
  TokenServer server(Issue());
  FakeState state;
  state.fail_get = true;
  auto auth = WorkdayAuth::Create(Settings(server), &state);
  ASSERT_FALSE(auth.ok());
  EXPECT_EQ(auth.error().category, ErrorCategory::kSnapshot);
  EXPECT_TRUE(auth.error().retryable());
}

// ---- errors ------------------------------------------------------------------------------------

struct TokenErrorCase {
  std::string name;
  int status;
  std::string body;
  ErrorKind kind;
  ErrorCategory category;
  std::string message;
};

TEST(WorkdayAuthTest, TokenErrorsAreClassifiedAndNeverShowASecret) {
  // Each body also echoes every secret, as a careless server might.
  const std::string echo = std::string(kSecret) + " " + kRefresh;
  const std::vector<TokenErrorCase> cases = {
      {"invalid_grant", 400, R"({"error":"invalid_grant","error_description":"bad )" + echo + R"("})",
       ErrorKind::kPermanent, ErrorCategory::kAuth,
       "Token Errors — the refresh token was rejected (invalid_grant): regenerate it (Manage Refresh Tokens "
       "for "
       "Integrations) and paste it again"},
      {"invalid_grant_401", 401, R"({"error":"invalid_grant"})", ErrorKind::kPermanent, ErrorCategory::kAuth,
       "(invalid_grant)"},
      {"invalid_client", 401, R"({"error":"invalid_client","error_description":")" + echo + R"("})",
       ErrorKind::kPermanent, ErrorCategory::kCredentials,
       "double-check that Client ID, Client Secret and Refresh Token match exactly"},
      {"invalid_client_400", 400, R"({"error":"invalid_client"})", ErrorKind::kPermanent,
       ErrorCategory::kCredentials, "(invalid_client)"},
      {"bare_401", 401, "", ErrorKind::kPermanent, ErrorCategory::kCredentials,
       "double-check that Client ID, Client Secret and Refresh Token match exactly"},
      {"unauthorized_client", 400, R"({"error":"unauthorized_client"})", ErrorKind::kPermanent,
       ErrorCategory::kPermission, "Register API Client for Integrations"},
      {"not_found", 404, "<html>Not Found " + echo + "</html>", ErrorKind::kPermanent,
       ErrorCategory::kNotFound, "token endpoint not found: check token_endpoint / the tenant"},
      {"unavailable", 503, "", ErrorKind::kRetryable, ErrorCategory::kServer, "check the tenant name"},
      {"server_error", 500, R"({"error":"server_error","error_description":")" + echo + R"("})",
       ErrorKind::kRetryable, ErrorCategory::kServer, "HTTP 500"},
      {"rate_limited", 429, "", ErrorKind::kRetryable, ErrorCategory::kRateLimited, "HTTP 429"},
      {"no_access_token", 200, R"({"token_type":"Bearer"})", ErrorKind::kRetryable,
       ErrorCategory::kBadResponse, "without an access_token"},
      {"not_json", 200, "<html>login</html>", ErrorKind::kRetryable, ErrorCategory::kBadResponse,
       "not a JSON object"},
      {"other_400", 400, R"({"error":"invalid_request"})", ErrorKind::kPermanent, ErrorCategory::kAuth,
       "invalid_request"},
  };
  for (const auto& c : cases) {
    TokenServer server([&c](const Seen&, httplib::Response& res) {
      res.status = c.status;
      res.set_content(c.body, "application/json");
    });
    auto auth = MakeAuth(server);
    http::Client client;
    auto token = auth->AccessToken(client);
    ASSERT_FALSE(token.ok()) << c.name;
    const Error& e = token.error();
    EXPECT_EQ(e.kind, c.kind) << c.name << ": " << e.message;
    EXPECT_EQ(e.category, c.category) << c.name << ": " << e.message;
    EXPECT_TRUE(Contains(e.message, c.message)) << c.name << ": " << e.message;
    EXPECT_FALSE(Contains(e.message, kSecret)) << c.name << ": " << e.message;
    EXPECT_FALSE(Contains(e.message, kRefresh)) << c.name << ": " << e.message;
  }
}

TEST(WorkdayAuthTest, TheFixtureBodiesAreUnderstood) {
  const auto fixture = [](const std::string& name) {
    return testing::ReadFile(testing::SourceDir() + "/tests/fixtures/workday/" + name);
  };
  const struct {
    std::string file;
    int status;
    std::optional<ErrorCategory> category;  // nullopt: a token is issued
  } cases[] = {{"oauth_token_response.json", 200, std::nullopt},
               {"oauth_error_invalid_grant.json", 400, ErrorCategory::kAuth},
               {"oauth_error_invalid_client.json", 401, ErrorCategory::kCredentials}};
  for (const auto& c : cases) {
    const std::string body = fixture(c.file);
    ASSERT_FALSE(body.empty()) << c.file;
    TokenServer server([&](const Seen&, httplib::Response& res) {
      res.status = c.status;
      res.set_content(body, "application/json");
    });
    auto auth = MakeAuth(server);
    http::Client client;
    auto token = auth->AccessToken(client);
    if (!c.category) {
      ASSERT_TRUE(token.ok()) << c.file << ": " << token.error().message;
      EXPECT_EQ(*token, "fixture-access-token-3f9a1c77d2e8");
    } else {
      ASSERT_FALSE(token.ok()) << c.file;
      EXPECT_EQ(token.error().category, *c.category) << c.file << ": " << token.error().message;
      EXPECT_FALSE(token.error().retryable()) << c.file;
    }
  }
}

TEST(WorkdayAuthTest, AnUnreachableTokenEndpointIsRetryableAndShowsNoSecret) {
  std::string url;
  {
    TokenServer gone(Issue());
    url = gone.url();
  }  // stopped: the port refuses connections now
  WorkdayOAuthSettings settings;
  settings.token_url = url;
  settings.client_id = kClientId;
  settings.client_secret = kSecret;
  settings.refresh_token = kRefresh;
  settings.timeout = 2s;
  auto auth = WorkdayAuth::Create(settings, nullptr);
  ASSERT_TRUE(auth.ok());
  http::Client client;
  auto token = (*auth)->AccessToken(client);
  ASSERT_FALSE(token.ok());
  EXPECT_TRUE(token.error().retryable());
  EXPECT_EQ(token.error().category, ErrorCategory::kTransport);
  EXPECT_TRUE(Contains(token.error().message, "token endpoint")) << token.error().message;
  EXPECT_FALSE(Contains(token.error().message, kSecret));
  EXPECT_FALSE(Contains(token.error().message, kRefresh));
}

TEST(WorkdayAuthTest, ANonBearerTokenTypeIsRefused) {
  TokenServer server([](const Seen&, httplib::Response& res) {
    res.set_content(R"({"access_token":"mac-token-123","token_type":"mac"})", "application/json");
  });
  auto auth = MakeAuth(server);
  http::Client client;
  auto token = auth->AccessToken(client);
  ASSERT_FALSE(token.ok());
  EXPECT_FALSE(token.error().retryable());
  EXPECT_TRUE(Contains(token.error().message, "not a Bearer token")) << token.error().message;
}

TEST(WorkdayAuthTest, SecretsHoldTheClientSecretRefreshTokenAndCurrentAccessToken) {
  TokenServer server(Issue());
  auto auth = MakeAuth(server);
  EXPECT_EQ(auth->secrets(), (std::vector<std::string>{kSecret, kRefresh}));
  http::Client client;
  ASSERT_TRUE(auth->AccessToken(client).ok());
  EXPECT_EQ(auth->secrets(), (std::vector<std::string>{kSecret, kRefresh, "access-token-1"}));
}

}  // namespace
}  // namespace ats::connectors
