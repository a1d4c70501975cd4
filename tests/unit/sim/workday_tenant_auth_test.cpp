// The simulated Workday tenant's OAuth token endpoint and how the API and the report check
// credentials, over loopback HTTP.
#include <gtest/gtest.h>

#include <string>

#include "sim/workday_tenant.hpp"
#include "workday_test_util.hpp"

namespace ats::sim {
namespace {

using namespace wdtest;

// The OAuth error of a reply: {"error": ..., "error_description": non-empty}.
std::string OAuthError(const Reply& r) {
  Json j = Parse(r.body);
  if (!j.ok) {
    ADD_FAILURE() << "not JSON: " << r.body;
    return "";
  }
  EXPECT_FALSE(Str(j.root, "error_description").empty()) << r.body;
  return Str(j.root, "error");
}

TEST(WorkdayTenantToken, GrantWithBodyCredentials) {
  const auto o = Options();
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  Reply r = PostForm(tenant, TokenPath(o), RefreshForm(o.refresh_token) + BodyCredentials(o));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  Json j = Parse(r.body);
  ASSERT_TRUE(j.ok);
  const std::string token = Str(j.root, "access_token");
  EXPECT_GE(token.size(), 20u);
  EXPECT_EQ(Str(j.root, "token_type"), "Bearer");
  EXPECT_EQ(j.root["expires_in"].get_int64().value(), 3600);
  EXPECT_FALSE(Has(j.root, "refresh_token"));  // no rotation by default
  EXPECT_EQ(tenant.current_refresh_token(), o.refresh_token);

  // The token opens the API; a second grant gives a different token and both work.
  EXPECT_EQ(Get(tenant, PostingsPath(o), Bearer(token)).status, 200);
  const std::string second = Token(tenant, o);
  EXPECT_NE(second, token);
  EXPECT_EQ(Get(tenant, PostingsPath(o), Bearer(second)).status, 200);
  EXPECT_EQ(Get(tenant, PostingsPath(o), Bearer(token)).status, 200);
  EXPECT_EQ(tenant.stats().token_requests, 2);
}

TEST(WorkdayTenantToken, GrantWithBasicCredentialsAndNoneInTheBody) {
  const auto o = Options();
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  Reply r =
      PostForm(tenant, TokenPath(o), RefreshForm(o.refresh_token), BasicAuth(o.client_id, o.client_secret));
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = Parse(r.body);
  ASSERT_TRUE(j.ok);
  EXPECT_EQ(Get(tenant, PostingsPath(o), Bearer(Str(j.root, "access_token"))).status, 200);

  // A wrong secret over Basic is invalid_client with a Basic challenge.
  Reply bad = PostForm(tenant, TokenPath(o), RefreshForm(o.refresh_token), BasicAuth(o.client_id, "nope"));
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(OAuthError(bad), "invalid_client");
  EXPECT_EQ(bad.Header("WWW-Authenticate"), "Basic realm=\"acme\"");
  // Basic wins over the body: right body credentials do not rescue a wrong Basic header.
  Reply both =
      PostForm(tenant, TokenPath(o), RefreshForm(o.refresh_token) + BodyCredentials(o), BasicAuth("x", "y"));
  EXPECT_EQ(both.status, 401);
}

TEST(WorkdayTenantToken, WrongClientIsInvalidClientAndWrongRefreshTokenIsInvalidGrant) {
  const auto o = Options();
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  const std::string path = TokenPath(o);
  Reply wrong_secret = PostForm(
      tenant, path, RefreshForm(o.refresh_token) + "&client_id=" + o.client_id + "&client_secret=wrong");
  EXPECT_EQ(wrong_secret.status, 401);
  EXPECT_EQ(OAuthError(wrong_secret), "invalid_client");
  EXPECT_FALSE(wrong_secret.Has("WWW-Authenticate"));  // no Basic was tried

  Reply wrong_id = PostForm(
      tenant, path, RefreshForm(o.refresh_token) + "&client_id=other&client_secret=" + o.client_secret);
  EXPECT_EQ(wrong_id.status, 401);
  EXPECT_EQ(OAuthError(wrong_id), "invalid_client");

  Reply none = PostForm(tenant, path, RefreshForm(o.refresh_token));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(OAuthError(none), "invalid_client");

  Reply wrong_grant = PostForm(tenant, path, RefreshForm("not-the-token") + BodyCredentials(o));
  EXPECT_EQ(wrong_grant.status, 400);
  EXPECT_EQ(OAuthError(wrong_grant), "invalid_grant");

  Reply missing = PostForm(tenant, path, "grant_type=refresh_token" + BodyCredentials(o));
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(OAuthError(missing), "invalid_request");

  Reply other_grant = PostForm(
      tenant, path, "grant_type=client_credentials&refresh_token=" + o.refresh_token + BodyCredentials(o));
  EXPECT_EQ(other_grant.status, 400);
  EXPECT_EQ(OAuthError(other_grant), "unsupported_grant_type");

  // A URL-encoded form is decoded: an encoded secret with reserved characters still matches.
  auto special = o;
  special.client_secret = "s3cr3t+/=&?";
  WorkdayTenant tenant2(special);
  ASSERT_TRUE(tenant2.Start());
  EXPECT_EQ(PostForm(tenant2, path,
                     RefreshForm(o.refresh_token) + "&client_id=" + o.client_id +
                         "&client_secret=s3cr3t%2B%2F%3D%26%3F")
                .status,
            200);
}

TEST(WorkdayTenantToken, WrongTenantMethodOrContentType) {
  const auto o = Options();
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  const std::string form = RefreshForm(o.refresh_token) + BodyCredentials(o);
  EXPECT_EQ(PostForm(tenant, "/ccx/oauth2/other/token", form).status, 404);
  EXPECT_EQ(PostForm(tenant, "/ccx/oauth2/acme/tokens", form).status, 404);
  Reply get = Get(tenant, TokenPath(o));
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.Header("Allow"), "POST");
  Reply json = PostForm(tenant, TokenPath(o), R"({"grant_type":"refresh_token"})", {}, "application/json");
  EXPECT_EQ(json.status, 400);
  EXPECT_EQ(OAuthError(json), "invalid_request");
  // RFC 6749: a parameter must not be repeated.
  Reply twice = PostForm(tenant, TokenPath(o), form + "&refresh_token=other");
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(OAuthError(twice), "invalid_request");
  // The charset parameter is fine.
  EXPECT_EQ(
      PostForm(tenant, TokenPath(o), form, {}, "application/x-www-form-urlencoded; charset=UTF-8").status,
      200);
}

TEST(WorkdayTenantToken, RotationReplacesTheRefreshToken) {
  auto o = Options();
  o.rotate_refresh_token = true;
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  Reply first = PostForm(tenant, TokenPath(o), RefreshForm(o.refresh_token) + BodyCredentials(o));
  ASSERT_EQ(first.status, 200) << first.body;
  Json j = Parse(first.body);
  ASSERT_TRUE(j.ok);
  const std::string rotated = Str(j.root, "refresh_token");
  EXPECT_FALSE(rotated.empty());
  EXPECT_NE(rotated, o.refresh_token);
  EXPECT_EQ(tenant.current_refresh_token(), rotated);

  // The old refresh token is dead; the new one works once and is rotated again.
  Reply old = PostForm(tenant, TokenPath(o), RefreshForm(o.refresh_token) + BodyCredentials(o));
  EXPECT_EQ(old.status, 400);
  EXPECT_EQ(OAuthError(old), "invalid_grant");
  Reply second = PostForm(tenant, TokenPath(o), RefreshForm(rotated) + BodyCredentials(o));
  ASSERT_EQ(second.status, 200) << second.body;
  Json j2 = Parse(second.body);
  ASSERT_TRUE(j2.ok);
  EXPECT_NE(Str(j2.root, "refresh_token"), rotated);
  EXPECT_EQ(tenant.current_refresh_token(), Str(j2.root, "refresh_token"));
  EXPECT_EQ(PostForm(tenant, TokenPath(o), RefreshForm(rotated) + BodyCredentials(o)).status, 400);
  // Access tokens from before the rotation stay valid.
  EXPECT_EQ(Get(tenant, PostingsPath(o), Bearer(Str(j.root, "access_token"))).status, 200);
}

TEST(WorkdayTenantToken, ExpiresInIsOmittedWhenTheTtlIsZeroAndSuchTokensDoNotExpire) {
  auto o = Options();
  o.access_token_ttl_s = 0;
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  Reply r = PostForm(tenant, TokenPath(o), RefreshForm(o.refresh_token) + BodyCredentials(o));
  ASSERT_EQ(r.status, 200);
  Json j = Parse(r.body);
  ASSERT_TRUE(j.ok);
  EXPECT_FALSE(Has(j.root, "expires_in")) << r.body;
  EXPECT_EQ(Str(j.root, "token_type"), "Bearer");
  tenant.AdvanceClock(10LL * 365 * 86400);
  EXPECT_EQ(Get(tenant, PostingsPath(o), Bearer(Str(j.root, "access_token"))).status, 200);
}

TEST(WorkdayTenantToken, AccessTokensExpireAfterTheirTtlOnTheTenantClock) {
  auto o = Options();
  o.access_token_ttl_s = 60;
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  const std::string token = Token(tenant, o);
  tenant.AdvanceClock(30);
  EXPECT_EQ(Get(tenant, PostingsPath(o), Bearer(token)).status, 200);
  tenant.AdvanceClock(30);  // 60 s or more after the grant
  Reply expired = Get(tenant, PostingsPath(o), Bearer(token));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(OAuthError(expired), "invalid_token");
  EXPECT_EQ(expired.Header("WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(tenant.stats().unauthorized, 1);
  EXPECT_EQ(Get(tenant, PostingsPath(o), Bearer(Token(tenant, o))).status, 200);
}

TEST(WorkdayTenantToken, ExpireTokensFaultRejectsEveryTokenIssuedSoFar) {
  const auto o = Options();
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  const std::string a = Token(tenant, o), b = Token(tenant, o);
  ASSERT_EQ(Get(tenant, PostingsPath(o), Bearer(a)).status, 200);
  tenant.SetFault(WorkdayFault::kExpireTokens);
  for (const auto& token : {a, b}) {
    Reply r = Get(tenant, PostingsPath(o), Bearer(token));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(OAuthError(r), "invalid_token");
    EXPECT_EQ(Fetch(tenant, ReportPath(o) + "?format=json", Bearer(token)).status, 401);
  }
  EXPECT_EQ(tenant.stats().unauthorized, 4);
  // New grants work, with the same refresh token.
  const std::string fresh = Token(tenant, o);
  EXPECT_EQ(Get(tenant, PostingsPath(o), Bearer(fresh)).status, 200);
  EXPECT_EQ(Fetch(tenant, ReportPath(o) + "?format=json", Bearer(fresh)).status, 200);
}

TEST(WorkdayTenantToken, InvalidGrantAndInvalidClientFaults) {
  const auto o = Options();
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  const std::string form = RefreshForm(o.refresh_token) + BodyCredentials(o);
  tenant.SetFault(WorkdayFault::kInvalidGrant);  // until cleared
  for (int i = 0; i < 3; ++i) {
    Reply r = PostForm(tenant, TokenPath(o), form);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(OAuthError(r), "invalid_grant");
  }
  tenant.SetFault(WorkdayFault::kNone);
  EXPECT_EQ(PostForm(tenant, TokenPath(o), form).status, 200);

  tenant.SetFault(WorkdayFault::kInvalidClient, 2);  // the next two grants
  for (int i = 0; i < 2; ++i) {
    Reply r = PostForm(tenant, TokenPath(o), form);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(OAuthError(r), "invalid_client");
  }
  EXPECT_EQ(PostForm(tenant, TokenPath(o), form).status, 200);
  // Token faults are not API 401s.
  EXPECT_EQ(tenant.stats().unauthorized, 0);
}

TEST(WorkdayTenantAuth, ApiAndReportRejectMissingOrUnknownTokens) {
  const auto o = Options();
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  const std::string report = ReportPath(o) + "?format=json";
  for (const auto& headers :
       {httplib::Headers{}, Bearer("made-up"), httplib::Headers{{"Authorization", "Token x"}}}) {
    Reply api = Get(tenant, PostingsPath(o), headers);
    EXPECT_EQ(api.status, 401);
    EXPECT_EQ(OAuthError(api), "invalid_token");
    Reply rep = Get(tenant, report, headers);
    EXPECT_EQ(rep.status, 401);
    EXPECT_EQ(OAuthError(rep), "invalid_token");
  }
  // The token-endpoint credentials are not an access token, nor is the refresh token.
  EXPECT_EQ(Get(tenant, PostingsPath(o), Bearer(o.refresh_token)).status, 401);
  EXPECT_EQ(Get(tenant, PostingsPath(o), BasicAuth(o.client_id, o.client_secret)).status, 401);
  EXPECT_EQ(tenant.stats().unauthorized, 8);
}

TEST(WorkdayTenantAuth, ReportAcceptsTheIntegrationSystemUserOverBasic) {
  const auto o = Options();
  WorkdayTenant tenant(o);
  ASSERT_TRUE(tenant.Start());
  const std::string report = ReportPath(o) + "?format=json";
  Download ok = Fetch(tenant, report, BasicAuth(o.isu_username, o.isu_password));
  ASSERT_EQ(ok.status, 200);
  Json j = Parse(ok.body);
  ASSERT_TRUE(j.ok);
  EXPECT_EQ(j.root["Report_Entry"].get_array().size(), 100u);

  Reply bad = Get(tenant, report, BasicAuth(o.isu_username, "wrong-password"));
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(OAuthError(bad), "unauthorized");
  EXPECT_EQ(bad.Header("WWW-Authenticate"), "Basic realm=\"acme\"");
  EXPECT_EQ(Get(tenant, report, BasicAuth("someone@acme", o.isu_password)).status, 401);
  EXPECT_EQ(Get(tenant, report, {{"Authorization", "Basic !!notbase64"}}).status, 401);
  // The ISU opens the report only, not the REST API.
  EXPECT_EQ(Get(tenant, PostingsPath(o), BasicAuth(o.isu_username, o.isu_password)).status, 401);
  EXPECT_EQ(tenant.stats().unauthorized, 4);
}

}  // namespace
}  // namespace ats::sim
