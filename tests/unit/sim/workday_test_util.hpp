#pragma once
// Helpers for the Workday simulator tests: real HTTP calls over loopback and simdjson parsing.
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <string>

#include "sim/workday_tenant.hpp"
#include "sim_test_util.hpp"

namespace ats::sim::wdtest {

using testutil::Has;
using testutil::IsNull;
using testutil::Json;
using testutil::Parse;
using testutil::Reply;
using testutil::Str;

inline WorkdayTenantOptions Options(int postings = 8, int applications = 100, uint64_t seed = 7) {
  WorkdayTenantOptions o;
  o.job_postings = postings;
  o.applications = applications;
  o.seed = seed;
  return o;
}

inline httplib::Headers Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

inline std::string Base64(const std::string& in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16 |
                   static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8 |
                   static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(n >> s) & 63]);
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

inline httplib::Headers BasicAuth(const std::string& user, const std::string& password) {
  return {{"Authorization", "Basic " + Base64(user + ":" + password)}};
}

inline Reply ToReply(const httplib::Result& res, const std::string& what) {
  if (!res) {
    ADD_FAILURE() << what << " failed: " << httplib::to_string(res.error());
    return {};
  }
  return {res->status, res->body, res->headers};
}

inline Reply Get(const WorkdayTenant& tenant, const std::string& path, const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", tenant.port());
  return ToReply(client.Get(path, headers), "GET " + path);
}

// POSTs a form to the token endpoint path.
inline Reply PostForm(const WorkdayTenant& tenant, const std::string& path, const std::string& form,
                      const httplib::Headers& headers = {},
                      const std::string& content_type = "application/x-www-form-urlencoded") {
  httplib::Client client("127.0.0.1", tenant.port());
  return ToReply(client.Post(path, headers, form, content_type), "POST " + path);
}

inline std::string TokenPath(const WorkdayTenantOptions& o) {
  return "/ccx/oauth2/" + o.tenant + "/token";
}
inline std::string RefreshForm(const std::string& refresh_token) {
  return "grant_type=refresh_token&refresh_token=" + refresh_token;
}
inline std::string BodyCredentials(const WorkdayTenantOptions& o) {
  return "&client_id=" + o.client_id + "&client_secret=" + o.client_secret;
}

// A fresh access token (body credentials); a test failure and "" when the grant fails.
inline std::string Token(const WorkdayTenant& tenant, const WorkdayTenantOptions& o) {
  Reply r = PostForm(tenant, TokenPath(o), RefreshForm(tenant.current_refresh_token()) + BodyCredentials(o));
  if (r.status != 200) {
    ADD_FAILURE() << "token grant -> " << r.status << " " << r.body;
    return "";
  }
  Json j = Parse(r.body);
  if (!j.ok) {
    ADD_FAILURE() << "token body is not JSON: " << r.body;
    return "";
  }
  return Str(j.root, "access_token");
}

inline std::string PostingsPath(const WorkdayTenantOptions& o) {
  return "/ccx/api/recruiting/v4/" + o.tenant + "/jobPostings";
}
inline std::string ReportPath(const WorkdayTenantOptions& o) {
  return "/ccx/service/customreport2/" + o.tenant + "/" + o.report_owner + "/" + o.report_name;
}

// A download read through a content receiver, as a streaming client reads it.
struct Download {
  int status = 0;
  httplib::Error error = httplib::Error::Unknown;
  httplib::Headers headers;
  std::string body;
  int pieces = 0;  // receiver calls
};
template <typename OnPiece>
Download Fetch(const WorkdayTenant& tenant, const std::string& path, const httplib::Headers& headers,
               OnPiece on_piece) {
  httplib::Client client("127.0.0.1", tenant.port());
  client.set_read_timeout(60, 0);
  Download d;
  auto res = client.Get(path, headers, [&](const char* data, size_t n) {
    d.body.append(data, n);
    ++d.pieces;
    on_piece(d);
    return true;
  });
  d.error = res.error();
  if (res) {
    d.status = res->status;
    d.headers = res->headers;
  }
  return d;
}
inline Download Fetch(const WorkdayTenant& tenant, const std::string& path, const httplib::Headers& headers) {
  return Fetch(tenant, path, headers, [](const Download&) {});
}

}  // namespace ats::sim::wdtest
