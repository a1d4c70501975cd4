// Parse + diff of whole Workable syncs, the C++ side of the comparison with the Python reference
// (benchmarks/reference/parse_diff.py, what a user would write instead): the same pages (from
// ATS_BENCH_PAGES_DIR, written by dump_pages; without it the same pages are rendered in memory),
// WorkableSource::ParsePage, then snapshot::Diff of every record against an in-memory snapshot
// (a hash map standing in for RocksDB, as the Python dict does). A first sync (all created, each
// new state stored) and a re-sync where ~1 % changed. items = candidates, bytes = page bytes.
// Also, on the first pass's pages: ParsePage alone and its parse-only limit, simdjson's DOM
// parser with no extraction (the target: ParsePage >= 50 % of it on the same pages).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <unordered_map>

#include "connectors/workable/workable_source.hpp"
#include "snapshot/differ.hpp"
#include "workable_pages.hpp"

namespace {

using ats::snapshot::StoredRecord;
using Snapshot = std::unordered_map<std::string, std::optional<StoredRecord>>;

const ats::bench::PageSet& Pages() {
  static const ats::bench::PageSet set = [] {
    ats::bench::PageSet s;
    if (const char* dir = std::getenv("ATS_BENCH_PAGES_DIR"); dir != nullptr && *dir != '\0') {
      if (!ats::bench::ReadPages(dir, s)) {
        std::fprintf(stderr, "parse_diff_benchmark: no pages in %s/first\n", dir);
        std::exit(2);
      }
      return s;
    }
    return ats::bench::MakePages(10000);
  }();
  return set;
}

std::unique_ptr<ats::connectors::WorkableSource> MakeSource() {
  ats::config::ConnectionConfig conn;
  conn.id = "bench";
  conn.source = "workable";
  conn.workable.subdomain = "acme";
  conn.workable.api_token = "benchmark-token";
  auto created = ats::connectors::WorkableSource::Create(conn);
  return created.ok() ? std::move(created).value() : nullptr;
}

struct Counts {
  int64_t records = 0, created = 0, updated = 0;
  bool ok = true;
};

// One pass over `pages`: parse, diff each record against `snap`, store new states if `store`.
Counts Sync(ats::connectors::WorkableSource& source, const std::vector<std::string>& pages, Snapshot& snap,
            bool store) {
  static const std::optional<StoredRecord> kAbsent;
  Counts c;
  ats::http::Response response;
  response.status = 200;
  for (const std::string& body : pages) {
    response.body = body;  // the HTTP client hands ParsePage a body it owns; the copy is part of it
    auto page = source.ParsePage(ats::Entity::kCandidate, response);
    if (!page.ok() || !page->rejected.empty()) {
      c.ok = false;
      return c;
    }
    for (const ats::Record& record : page->records) {
      ++c.records;
      const auto it = snap.find(record.id);
      auto change = ats::snapshot::Diff(record, it == snap.end() ? kAbsent : it->second);
      if (!change) continue;
      ++(change->type == ats::snapshot::ChangeType::kCreated ? c.created : c.updated);
      if (store) snap[record.id] = std::move(change->new_state);
    }
  }
  return c;
}

void SetCounters(benchmark::State& state, int64_t records, int64_t bytes, int64_t changed) {
  state.SetItemsProcessed(state.iterations() * records);
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["records"] = static_cast<double>(records);
  state.counters["changed"] = static_cast<double>(changed);
}

// Both passes from an empty snapshot: what parse_diff.py's "both" figure measures.
void BM_ParseDiffBoth(benchmark::State& state) {
  const auto& set = Pages();
  auto source = MakeSource();
  Counts first, second;
  for (auto _ : state) {
    Snapshot snap;
    first = Sync(*source, set.first, snap, true);
    second = Sync(*source, set.second, snap, true);
    if (!first.ok || !second.ok || first.created != first.records || second.updated == 0) {
      state.SkipWithError("unexpected parse or diff result");
      return;
    }
    benchmark::DoNotOptimize(snap.size());
  }
  SetCounters(state, first.records + second.records,
              ats::bench::TotalBytes(set.first) + ats::bench::TotalBytes(set.second), second.updated);
}
BENCHMARK(BM_ParseDiffBoth)->Unit(benchmark::kMillisecond);

// First sync: every candidate is new; includes building the snapshot.
void BM_ParseDiffFirstSync(benchmark::State& state) {
  const auto& set = Pages();
  auto source = MakeSource();
  Counts c;
  for (auto _ : state) {
    Snapshot snap;
    c = Sync(*source, set.first, snap, true);
    if (!c.ok || c.created != c.records) {
      state.SkipWithError("unexpected parse or diff result");
      return;
    }
    benchmark::DoNotOptimize(snap.size());
  }
  SetCounters(state, c.records, ats::bench::TotalBytes(set.first), c.created);
}
BENCHMARK(BM_ParseDiffFirstSync)->Unit(benchmark::kMillisecond);

// Re-sync against the first sync's snapshot: ~1 % changed (detected, not stored, so every
// iteration sees the same changes).
void BM_ParseDiffResync(benchmark::State& state) {
  const auto& set = Pages();
  auto source = MakeSource();
  Snapshot snap;
  if (!Sync(*source, set.first, snap, true).ok) {
    state.SkipWithError("first pass failed");
    return;
  }
  Counts c;
  for (auto _ : state) {
    c = Sync(*source, set.second, snap, false);
    if (!c.ok || c.updated == 0 || c.created != 0) {
      state.SkipWithError("unexpected parse or diff result");
      return;
    }
  }
  SetCounters(state, c.records, ats::bench::TotalBytes(set.second), c.updated);
}
BENCHMARK(BM_ParseDiffResync)->Unit(benchmark::kMillisecond);

// ParsePage alone over the first pass's pages (records normalised, nothing diffed).
void BM_ParsePages(benchmark::State& state) {
  const auto& set = Pages();
  auto source = MakeSource();
  ats::http::Response response;
  response.status = 200;
  int64_t records = 0;
  for (auto _ : state) {
    records = 0;
    for (const std::string& body : set.first) {
      response.body = body;
      auto page = source->ParsePage(ats::Entity::kCandidate, response);
      if (!page.ok() || !page->rejected.empty()) {
        state.SkipWithError("ParsePage failed");
        return;
      }
      records += static_cast<int64_t>(page->records.size());
      benchmark::DoNotOptimize(page->records.data());
    }
  }
  SetCounters(state, records, ats::bench::TotalBytes(set.first), 0);
}
BENCHMARK(BM_ParsePages)->Unit(benchmark::kMillisecond);

// Parse-only limit on the same pages: simdjson's DOM parser, full parse, nothing extracted.
void BM_SimdjsonDomParsePages(benchmark::State& state) {
  const auto& set = Pages();
  std::vector<simdjson::padded_string> padded;
  for (const auto& body : set.first) padded.emplace_back(body);
  simdjson::dom::parser parser;
  int64_t records = 0;
  for (auto _ : state) {
    records = 0;
    for (const auto& body : padded) {
      simdjson::dom::array candidates;
      if (parser.parse(body)["candidates"].get_array().get(candidates)) {
        state.SkipWithError("simdjson failed");
        return;
      }
      records += static_cast<int64_t>(candidates.size());
    }
  }
  SetCounters(state, records, ats::bench::TotalBytes(set.first), 0);
}
BENCHMARK(BM_SimdjsonDomParsePages)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
