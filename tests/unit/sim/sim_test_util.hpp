#pragma once
// Helpers for the simulator tests: real HTTP calls over loopback and simdjson parsing.
#include <gtest/gtest.h>
#include <httplib.h>
#include <simdjson.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/workable_tenant.hpp"

namespace ats::sim::testutil {

inline const std::string kToken = WorkableTenantOptions{}.token;

// Options for a small tenant without rate limiting; tests that need the limit turn it on.
inline WorkableTenantOptions SmallOptions(int jobs = 4, int candidates_per_job = 30, uint64_t seed = 42) {
  WorkableTenantOptions o;
  o.jobs = jobs;
  o.candidates_per_job = candidates_per_job;
  o.seed = seed;
  o.rate_limit_requests = 0;
  return o;
}

struct Reply {
  int status = 0;  // 0: transport failure
  std::string body;
  httplib::Headers headers;
  bool Has(const std::string& name) const { return headers.find(name) != headers.end(); }
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// GET `path_and_query` on the tenant; an empty token sends no Authorization header.
inline Reply Get(const WorkableTenant& tenant, const std::string& path_and_query,
                 const std::string& token = kToken) {
  httplib::Client client("127.0.0.1", tenant.port());
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto res = client.Get(path_and_query, headers);
  if (!res) {
    ADD_FAILURE() << "GET " << path_and_query << " failed: " << httplib::to_string(res.error());
    return {};
  }
  return {res->status, res->body, res->headers};
}

// The path and query of an absolute URL on this tenant (a failure if it points elsewhere).
inline std::string PathOf(const WorkableTenant& tenant, const std::string& url) {
  const std::string origin = "http://127.0.0.1:" + std::to_string(tenant.port());
  if (url.rfind(origin + "/", 0) != 0) {
    ADD_FAILURE() << url << " is not on " << origin;
    return "/";
  }
  return url.substr(origin.size());
}

struct Json {
  std::unique_ptr<simdjson::dom::parser> parser = std::make_unique<simdjson::dom::parser>();
  simdjson::dom::element root;
  bool ok = false;
};
inline Json Parse(const std::string& body) {
  Json j;
  j.ok = j.parser->parse(body).get(j.root) == simdjson::SUCCESS;
  return j;
}

inline std::string Str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) {
    ADD_FAILURE() << "no string field " << key;
    return "";
  }
  return std::string(v);
}
inline bool IsNull(simdjson::dom::element e, const char* key) {
  EXPECT_EQ(e[key].error(), simdjson::SUCCESS) << "missing field " << key;
  return e[key].is_null();
}
inline bool Has(simdjson::dom::element e, const char* key) {
  return e[key].error() == simdjson::SUCCESS;
}

// Follows paging.next from `first_path` to the end, collecting the ids under `key`.
struct Walk {
  std::vector<std::string> ids;
  std::vector<std::string> nexts;  // every paging.next seen, in order
  std::vector<size_t> page_sizes;
  simdjson::error_code last_paging = simdjson::SUCCESS;  // how "paging" read on the last page
};
inline Walk WalkAll(const WorkableTenant& tenant, const std::string& first_path, const char* key) {
  Walk walk;
  std::string path = first_path;
  for (int guard = 0; guard < 100000; ++guard) {
    Reply r = Get(tenant, path);
    if (r.status != 200) {
      ADD_FAILURE() << "GET " << path << " -> " << r.status << " " << r.body;
      return walk;
    }
    Json j = Parse(r.body);
    if (!j.ok) {
      ADD_FAILURE() << "invalid JSON from " << path;
      return walk;
    }
    size_t n = 0;
    for (simdjson::dom::element item : j.root[key].get_array()) {
      walk.ids.push_back(Str(item, "id"));
      ++n;
    }
    walk.page_sizes.push_back(n);
    simdjson::dom::element paging;
    const auto err = j.root["paging"].get(paging);
    if (err != simdjson::SUCCESS) {
      walk.last_paging = err;
      return walk;
    }
    walk.nexts.push_back(Str(paging, "next"));
    path = PathOf(tenant, walk.nexts.back());
  }
  ADD_FAILURE() << "paging did not end";
  return walk;
}

inline std::vector<std::string> Ids(const std::vector<SimCandidate>& candidates) {
  std::vector<std::string> ids;
  for (const auto& c : candidates) ids.push_back(c.id);
  return ids;
}

}  // namespace ats::sim::testutil
