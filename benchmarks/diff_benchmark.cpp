// Differ hot path: one Diff per fetched record, every sync. 100 typical candidate records with
// about 20 fields each; unchanged (the common case) vs. changed (a stage move).
#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

#include "common/json_writer.hpp"
#include "common/record.hpp"
#include "snapshot/differ.hpp"

namespace {

using ats::Record;
using ats::snapshot::StoredRecord;

constexpr int kRecords = 100;

Record MakeCandidate(int i) {
  Record r;
  r.entity = ats::Entity::kCandidate;
  r.id = "cand" + std::to_string(100000 + i);
  r.parent_id = "JOB" + std::to_string(i % 7);
  r.updated_at = "2026-07-23T18:58:18Z";
  auto& f = r.fields;
  const std::string n = std::to_string(i);
  f["id"] = ats::JsonString(r.id);
  f["name"] = ats::JsonString("Candidate Number " + n);
  f["firstname"] = ats::JsonString("Candidate");
  f["lastname"] = ats::JsonString("Number " + n);
  f["headline"] = ats::JsonString("Senior Software Engineer at Example \"Corp\"");
  f["email"] = ats::JsonString("candidate" + n + "@example.com");
  f["phone"] = ats::JsonString("+44 20 7946 0" + std::to_string(100 + i));
  f["stage"] = ats::JsonString("Applied");
  f["disqualified"] = "false";
  f["disqualification_reason"] = "null";
  f["sourced"] = i % 3 == 0 ? "true" : "false";
  f["domain"] = ats::JsonString("linkedin.com");
  f["job"] = R"({"shortcode":")" + r.parent_id + R"(","title":"Backend Engineer"})";
  f["tags"] = R"(["remote","python","c++"])";
  f["address"] = ats::JsonString("1 Example Street, London");
  f["created_at"] = ats::JsonString("2026-07-01T09:00:00Z");
  f["updated_at"] = ats::JsonString(r.updated_at);
  f["profile_url"] = ats::JsonString("https://acme.workable.com/backend/candidates/" + r.id);
  f["summary"] = ats::JsonString("Ten years building distributed systems.\nLikes Rust and C++.");
  f["rating"] = std::to_string(i % 5);
  return r;
}

struct Fixture {
  std::vector<Record> records;
  std::vector<Record> changed;
  std::vector<StoredRecord> stored;
  int64_t body_bytes = 0;
  Fixture() {
    for (int i = 0; i < kRecords; ++i) {
      records.push_back(MakeCandidate(i));
      StoredRecord s;
      s.body = ats::SerializeFields(records.back().fields);
      s.hash = ats::ContentHash(s.body);
      s.updated_at = records.back().updated_at;
      s.parent_id = records.back().parent_id;
      body_bytes += static_cast<int64_t>(s.body.size());
      stored.push_back(std::move(s));
      changed.push_back(records.back());
      changed.back().fields["stage"] = ats::JsonString("Interview");
    }
  }
};

const Fixture& Data() {
  static const Fixture fixture;
  return fixture;
}

void BM_DiffUnchanged(benchmark::State& state) {
  const Fixture& d = Data();
  for (auto _ : state) {
    for (int i = 0; i < kRecords; ++i)
      benchmark::DoNotOptimize(ats::snapshot::Diff(d.records[i], d.stored[i]));
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * d.body_bytes);
}
BENCHMARK(BM_DiffUnchanged);

void BM_DiffChanged(benchmark::State& state) {
  const Fixture& d = Data();
  for (auto _ : state) {
    for (int i = 0; i < kRecords; ++i)
      benchmark::DoNotOptimize(ats::snapshot::Diff(d.changed[i], d.stored[i]));
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * d.body_bytes);
}
BENCHMARK(BM_DiffChanged);

void BM_SerializeAndHash(benchmark::State& state) {
  const Fixture& d = Data();
  for (auto _ : state) {
    for (int i = 0; i < kRecords; ++i) {
      const std::string body = ats::SerializeFields(d.records[i].fields);
      benchmark::DoNotOptimize(ats::ContentHash(body));
    }
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * d.body_bytes);
}
BENCHMARK(BM_SerializeAndHash);

void BM_ParseFields(benchmark::State& state) {
  const Fixture& d = Data();
  std::map<std::string, std::string> fields;
  for (auto _ : state) {
    for (int i = 0; i < kRecords; ++i) {
      if (!ats::snapshot::ParseFields(d.stored[i].body, fields)) {
        state.SkipWithError("ParseFields failed");
        return;
      }
      benchmark::DoNotOptimize(fields);
    }
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * d.body_bytes);
}
BENCHMARK(BM_ParseFields);

}  // namespace

BENCHMARK_MAIN();
