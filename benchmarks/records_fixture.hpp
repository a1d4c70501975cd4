#pragma once
// Candidate records as WorkableSource::ParsePage normalises the simulated tenant's pages
// (benchmarks/workable_pages.hpp): the realistic input of the per-record stages after parsing.
#include <memory>
#include <vector>

#include "connectors/workable/workable_source.hpp"
#include "workable_pages.hpp"

namespace ats::bench {

inline std::vector<Record> ParsedCandidates(int candidates) {
  config::ConnectionConfig conn;
  conn.id = "bench";
  conn.source = "workable";
  conn.workable.subdomain = "acme";
  conn.workable.api_token = "benchmark-token";
  auto source = connectors::WorkableSource::Create(conn);
  std::vector<Record> out;
  if (!source.ok()) return out;
  http::Response response;
  response.status = 200;
  for (std::string& body : MakePages(candidates).first) {
    response.body = std::move(body);
    auto page = (*source)->ParsePage(Entity::kCandidate, response);
    if (!page.ok()) return {};
    for (auto& r : page->records) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ats::bench
