// Event serialisation: events::CandidateChanged (CloudEvents binary mode: ce_* headers, the JSON
// data as the value, the key) for 1,000 realistic candidates (ParsePage on the simulated
// tenant's pages), for a created change and for an updated one (a stage move: changed_fields,
// previous values and previous_stage). items = events, bytes = the produced message (value +
// key + header names and values). Beside them, their limit: a memcpy of the produced bytes.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "events/events.hpp"
#include "records_fixture.hpp"

namespace {

using ats::snapshot::Change;

constexpr int kRecords = 1000;

int64_t MessageBytes(const ats::Message& m) {
  int64_t n = static_cast<int64_t>(m.value.size() + m.key.size());
  for (const auto& [name, value] : m.headers) n += static_cast<int64_t>(name.size() + value.size());
  return n;
}

std::string Plain(const std::map<std::string, std::string>& fields, const std::string& name) {
  std::string out;
  const auto it = fields.find(name);
  if (it != fields.end()) ats::DecodeJsonString(it->second, out);
  return out;
}

ats::events::StageInfo Stage(const std::map<std::string, std::string>& fields) {
  const std::string kind = Plain(fields, "stage_kind");
  return {Plain(fields, "stage"), kind, kind};
}

struct Fixture {
  ats::events::Context ctx{"bench", "workable", std::chrono::system_clock::now()};
  std::vector<Change> created, updated;
  std::vector<ats::events::CandidateExtras> created_extras, updated_extras;
  int64_t created_bytes = 0, updated_bytes = 0;
  Fixture() {
    for (const ats::Record& record : ats::bench::ParsedCandidates(kRecords)) {
      auto c = ats::snapshot::Diff(record, std::nullopt);
      if (!c) continue;
      // The same candidate moved on: a new stage and a new updated_at.
      ats::Record moved = record;
      moved.fields["stage"] = ats::JsonString("Interview");
      moved.fields["stage_kind"] = ats::JsonString("interview");
      moved.fields["updated_at"] = ats::JsonString("2026-07-24T09:00:00Z");
      moved.updated_at = "2026-07-24T09:00:00Z";
      auto u = ats::snapshot::Diff(moved, c->new_state);
      if (!u) continue;
      ats::events::CandidateExtras ce(false);
      ce.stage = Stage(c->fields);
      ats::events::CandidateExtras ue(true);
      ue.stage = Stage(u->fields);
      ue.previous_stage = Stage(c->fields);
      created_bytes += MessageBytes(ats::events::CandidateChanged(ctx, *c, ce, "ats.candidate-changed"));
      updated_bytes += MessageBytes(ats::events::CandidateChanged(ctx, *u, ue, "ats.candidate-changed"));
      created.push_back(std::move(*c));
      updated.push_back(std::move(*u));
      created_extras.push_back(std::move(ce));
      updated_extras.push_back(std::move(ue));
    }
  }
};

const Fixture& Data() {
  static const Fixture fixture;
  return fixture;
}

void Run(benchmark::State& state, const std::vector<Change>& changes,
         const std::vector<ats::events::CandidateExtras>& extras, int64_t bytes) {
  const Fixture& d = Data();
  if (changes.size() != static_cast<size_t>(kRecords)) {
    state.SkipWithError("the fixture did not give the changes");
    return;
  }
  for (auto _ : state) {
    for (size_t i = 0; i < changes.size(); ++i) {
      auto m = ats::events::CandidateChanged(d.ctx, changes[i], extras[i], "ats.candidate-changed");
      benchmark::DoNotOptimize(m.value.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(changes.size()));
  state.SetBytesProcessed(state.iterations() * bytes);
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / static_cast<double>(changes.size());
}

void BM_CandidateChangedCreated(benchmark::State& state) {
  const Fixture& d = Data();
  Run(state, d.created, d.created_extras, d.created_bytes);
}
BENCHMARK(BM_CandidateChangedCreated);

void BM_CandidateChangedUpdated(benchmark::State& state) {
  const Fixture& d = Data();
  Run(state, d.updated, d.updated_extras, d.updated_bytes);
}
BENCHMARK(BM_CandidateChangedUpdated);

// Copying the bytes the created events carry, event by event: the floor for producing them.
void BM_MemcpyEventBytes(benchmark::State& state) {
  const Fixture& d = Data();
  std::vector<std::string> values;
  for (size_t i = 0; i < d.created.size(); ++i) {
    const auto m =
        ats::events::CandidateChanged(d.ctx, d.created[i], d.created_extras[i], "ats.candidate-changed");
    std::string all = m.key + m.value;
    for (const auto& [name, value] : m.headers) all += name + value;
    values.push_back(std::move(all));
  }
  std::string dst(64 << 10, '\0');
  int64_t bytes = 0;
  for (const auto& v : values) bytes += static_cast<int64_t>(v.size());
  for (auto _ : state) {
    for (const auto& v : values) {
      std::memcpy(dst.data(), v.data(), std::min(v.size(), dst.size()));
      benchmark::DoNotOptimize(dst.data());
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_MemcpyEventBytes);

}  // namespace

BENCHMARK_MAIN();
