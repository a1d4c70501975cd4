// What the diff does first for every fetched record, every sync: the record's normalised fields
// to their canonical JSON (SerializeFields) and its 64-bit content hash (ContentHash), on 1,000
// candidates as ParsePage normalises the simulated tenant's pages. Beside it, its limits on the
// same canonical bytes: hashing them alone, and a memcpy. items = records, bytes = canonical
// bytes. Numbers only mean something in a Release build.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/record.hpp"
#include "records_fixture.hpp"

namespace {

constexpr int kRecords = 1000;

struct Fixture {
  std::vector<ats::Record> records = ats::bench::ParsedCandidates(kRecords);
  std::vector<std::string> bodies;
  int64_t bytes = 0;
  Fixture() {
    for (const auto& r : records) {
      bodies.push_back(ats::SerializeFields(r.fields));
      bytes += static_cast<int64_t>(bodies.back().size());
    }
  }
};

const Fixture& Data() {
  static const Fixture fixture;
  return fixture;
}

bool SetCounters(benchmark::State& state) {
  const Fixture& d = Data();
  if (d.records.size() != static_cast<size_t>(kRecords)) return false;
  const auto n = static_cast<int64_t>(d.records.size());
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * d.bytes);
  state.counters["bytes_per_record"] = static_cast<double>(d.bytes) / static_cast<double>(n);
  state.counters["fields_per_record"] = static_cast<double>(d.records.front().fields.size());
  return true;
}

void BM_SerializeFieldsAndHash(benchmark::State& state) {
  const Fixture& d = Data();
  if (d.records.size() != static_cast<size_t>(kRecords)) {
    state.SkipWithError("ParsePage did not give the records");
    return;
  }
  for (auto _ : state) {
    for (const auto& r : d.records) {
      const std::string body = ats::SerializeFields(r.fields);
      benchmark::DoNotOptimize(ats::ContentHash(body));
    }
  }
  SetCounters(state);
}
BENCHMARK(BM_SerializeFieldsAndHash);

// The hash alone on the canonical bodies (FNV-1a, a byte at a time).
void BM_ContentHashOnly(benchmark::State& state) {
  const Fixture& d = Data();
  for (auto _ : state) {
    for (const auto& body : d.bodies) benchmark::DoNotOptimize(ats::ContentHash(body));
  }
  if (!SetCounters(state)) state.SkipWithError("ParsePage did not give the records");
}
BENCHMARK(BM_ContentHashOnly);

// Copying the canonical bytes once, record by record.
void BM_Memcpy(benchmark::State& state) {
  const Fixture& d = Data();
  std::string dst(64 << 10, '\0');
  for (auto _ : state) {
    for (const auto& body : d.bodies) {
      std::memcpy(dst.data(), body.data(), std::min(body.size(), dst.size()));
      benchmark::DoNotOptimize(dst.data());
      benchmark::ClobberMemory();
    }
  }
  if (!SetCounters(state)) state.SkipWithError("ParsePage did not give the records");
}
BENCHMARK(BM_Memcpy);

}  // namespace

BENCHMARK_MAIN();
