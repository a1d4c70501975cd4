#pragma once
// Workable /candidates pages as the simulated tenant (src/sim) renders them, shared by the
// benchmarks that start from pages and by dump_pages, which writes them to files so that the
// Python reference (benchmarks/reference/parse_diff.py) and parse_diff_benchmark read the same
// bytes. Two passes of one tenant: `first` is every candidate (a first sync: all created);
// `second` is the same tenant after a stage move of every `changed_every`-th candidate (a
// re-sync where ~1 % changed). Deterministic for a given (candidates, seed).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/json_writer.hpp"
#include "sim/workable_data.hpp"

namespace ats::bench {

inline constexpr int kPageSize = 100;  // Workable's maximum, what the connector asks for

struct PageSet {
  std::vector<std::string> first;   // pass 1
  std::vector<std::string> second;  // pass 2
  int candidates = 0;               // records in each pass
  int changed = 0;                  // candidates whose content differs in pass 2
};

inline std::string RenderPage(const sim::detail::TenantData& data, size_t begin, size_t end) {
  JsonWriter w;
  w.BeginObject().Key("candidates").BeginArray();
  for (size_t i = begin; i < end; ++i) data.WriteCandidate(w, data.candidates()[i], /*detail=*/false);
  w.EndArray();
  if (end < data.candidates().size()) {
    w.Key("paging").BeginObject();
    w.Key("next").String("https://" + data.subdomain() + ".workable.com/spi/v3/candidates?limit=" +
                         std::to_string(kPageSize) + "&since_id=" + data.candidates()[end].id);
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

inline std::vector<std::string> RenderAll(const sim::detail::TenantData& data) {
  std::vector<std::string> pages;
  const size_t n = data.candidates().size();
  for (size_t at = 0; at < n; at += kPageSize)
    pages.push_back(RenderPage(data, at, std::min(n, at + kPageSize)));
  return pages;
}

// `candidates` is rounded down to a multiple of 50 (the tenant makes 50 per job), minimum 50.
inline PageSet MakePages(int candidates, int changed_every = 100, uint64_t seed = 42) {
  constexpr int kPerJob = 50;
  sim::detail::TenantData data("acme", seed, std::max(1, candidates / kPerJob), kPerJob);
  PageSet set;
  set.candidates = static_cast<int>(data.candidates().size());
  set.first = RenderAll(data);
  for (size_t i = 0; i < data.candidates().size(); i += static_cast<size_t>(changed_every)) {
    const int stage = data.candidates()[i].stage;
    // The next stage (wrapping past "hired" back to "applied"), so the stage always changes.
    if (data.MoveCandidate(i, stage + 1 < sim::detail::kStageCount ? stage + 1 : 1)) ++set.changed;
  }
  set.second = RenderAll(data);
  return set;
}

// Pages written by dump_pages: DIR/first/page-00000.json ..., DIR/second/...; files are read in
// name order. Returns false when DIR/first has no pages.
inline bool ReadPages(const std::filesystem::path& dir, PageSet& set) {
  auto read_pass = [](const std::filesystem::path& pass, std::vector<std::string>& out) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(pass, ec))
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::ostringstream body;
      body << in.rdbuf();
      out.push_back(body.str());
    }
  };
  set = PageSet{};
  read_pass(dir / "first", set.first);
  read_pass(dir / "second", set.second);
  return !set.first.empty() && set.first.size() == set.second.size();
}

inline int64_t TotalBytes(const std::vector<std::string>& pages) {
  int64_t n = 0;
  for (const auto& p : pages) n += static_cast<int64_t>(p.size());
  return n;
}

}  // namespace ats::bench
