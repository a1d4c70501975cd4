// RaasStream on an in-memory Workday custom report of 20,000 job applications (~1 KB each, about
// 20 MB), fed in 64 KiB chunks as a download would arrive, next to its limits on the same bytes:
// simdjson's DOM parser building the whole document with nothing extracted (parse-only, on one
// padded copy of the whole document), simdjson On-Demand walking the Report_Entry array without reading anything (on one padded
// copy of the whole document, which the stream never makes), and a plain memcpy of the chunks.
// Numbers only mean something in a Release build.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstring>
#include <string>

#include "simdjson_limits.hpp"
#include "common/json_writer.hpp"
#include "config/config.hpp"
#include "connectors/workday/raas_stream.hpp"

namespace {

using ats::AppendJsonString;

constexpr int kEntries = 20000;
constexpr size_t kChunk = 64 << 10;

const char* const kFirst[] = {"Lakita", "Jörg", "Cindy", "Priya", "Sam", "Amélie", "Kwame", "Yuki"};
const char* const kLast[] = {"Marrero", "Ångström", "Sawyers", "Raman",
                             "O'Neil",  "Dubois",   "Mensah",  "Tanaka"};
const char* const kStages[] = {"Review", "Screen", "Assessment", "Interview", "Reference Check", "Offer"};
const char* const kStatuses[] = {"Active", "Active", "Active", "Declined", "Withdrawn"};

// One report row with the default column aliases plus the kind of extra columns a real
// report carries (booleans as "0"/"1", nulls, a *_group multi-instance column).
void AppendEntry(std::string& out, int i) {
  const std::string n = std::to_string(i);
  const std::string name = std::string(kFirst[i % 8]) + " " + kLast[(i / 8) % 8];
  out += "{\"Job_Application_ID\":\"JOB_APPLICATION-6-" + n + "\"";
  out += ",\"Candidate_ID\":\"CAND-" + std::to_string(100000 + i) + "\"";
  out += ",\"Candidate_Name\":";
  AppendJsonString(out, name);
  out += ",\"Email\":\"candidate_" + n + "@samplecandidate.example.com\"";
  out += i % 4 == 0 ? ",\"Phone\":null" : ",\"Phone\":\"+44 20 7946 0" + std::to_string(100 + i % 900) + "\"";
  out += ",\"Job_Requisition_ID\":\"R-" + std::to_string(10000 + i % 250) + "\"";
  out += ",\"Job_Requisition\":\"R-" + std::to_string(10000 + i % 250) +
         " Senior Backend Engineer (Payments Platform, EMEA)\"";
  out += ",\"Stage\":\"" + std::string(kStages[i % 6]) + "\"";
  out += ",\"Status\":\"" + std::string(kStatuses[i % 5]) + "\"";
  out += ",\"Last_Updated\":\"2026-03-0" + std::to_string(1 + i % 9) + "T09:15:00.000-08:00\"";
  out += ",\"Source\":\"LinkedIn\",\"Recruiter\":\"Dana Whitfield\",\"Hiring_Manager\":\"Ola Nordmann\"";
  out += ",\"Location\":\"London, United Kingdom\",\"Worker_Type\":\"Employee\",\"Time_Type\":\"Full time\"";
  out += i % 3 == 0 ? ",\"CF_Is_Internal\":\"1\"" : ",\"CF_Is_Internal\":\"0\"";
  out += ",\"CF_Referral\":\"0\",\"Disposition_Reason\":null";
  out +=
      ",\"Notes\":\"Said \\\"yes\\\" to relocation [Dublin] {ASAP}; available from April; notice period of "
      "one month; prefers hybrid work.\"";
  out +=
      ",\"CF_Latest_Stage_group\":[{\"Stage_Descriptor\":\"Review\",\"Stage_Date\":\"2026-02-20\"},"
      "{\"Stage_Descriptor\":\"" +
      std::string(kStages[i % 6]) + "\",\"Stage_Date\":\"2026-03-02\"}]";
  out += "}";
}

const std::string& Report() {
  static const std::string report = [] {
    std::string out = "{\"Report_Entry\":[";
    for (int i = 0; i < kEntries; ++i) {
      if (i > 0) out += ',';
      AppendEntry(out, i);
    }
    out += "]}";
    return out;
  }();
  return report;
}

void SetCounters(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kEntries);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(Report().size()));
  state.counters["bytes_per_entry"] = static_cast<double>(Report().size()) / kEntries;
  state.counters["report_MB"] = static_cast<double>(Report().size()) / 1e6;
}

// The real thing: chunks in, records out (mapped to ats::Record), one entry buffered at a time.
// The page is emptied after every chunk, as the runtime does with its batches.
void BM_RaasStream(benchmark::State& state) {
  const std::string& report = Report();
  size_t buffer = 0;
  for (auto _ : state) {
    ats::connectors::RaasStream stream(ats::config::WorkdayColumns{}, "report bench");
    ats::connectors::Page page;
    size_t records = 0;
    for (size_t at = 0; at < report.size(); at += kChunk) {
      if (!stream.Feed(std::string_view(report).substr(at, kChunk), page).ok()) {
        state.SkipWithError("Feed failed");
        return;
      }
      records += page.records.size();
      benchmark::DoNotOptimize(page.records.data());
      page.records.clear();
    }
    if (!stream.Finish(page).ok() || records != kEntries || !page.rejected.empty()) {
      state.SkipWithError("the stream did not return every entry");
      return;
    }
    buffer = stream.buffer_capacity();
  }
  SetCounters(state);
  state.counters["entry_buffer_bytes"] = static_cast<double>(buffer);
}
BENCHMARK(BM_RaasStream)->Unit(benchmark::kMillisecond);

// Parse-only: simdjson's DOM parser on the whole document (padded, in memory), a full parse with
// no extraction.
void BM_SimdjsonDomParse(benchmark::State& state) {
  ats::bench::RunDomParse(state, Report());
  SetCounters(state);
}
BENCHMARK(BM_SimdjsonDomParse)->Unit(benchmark::kMillisecond);

// The floor for any On-Demand parse of the document: stage 1 over all the bytes plus a walk
// over the array's elements, none of them read (and the whole document in memory, padded).
void BM_SimdjsonIterateOnly(benchmark::State& state) {
  ats::bench::RunIterateOnly(state, Report(), "Report_Entry", kEntries);
  SetCounters(state);
}
BENCHMARK(BM_SimdjsonIterateOnly)->Unit(benchmark::kMillisecond);

// Touching every byte once, chunk by chunk: the floor for anything that reads the download.
void BM_MemcpyChunks(benchmark::State& state) {
  const std::string& report = Report();
  std::string dst(kChunk, '\0');
  for (auto _ : state) {
    for (size_t at = 0; at < report.size(); at += kChunk) {
      const size_t n = std::min(kChunk, report.size() - at);
      std::memcpy(dst.data(), report.data() + at, n);
      benchmark::DoNotOptimize(dst.data());
      benchmark::ClobberMemory();
    }
  }
  SetCounters(state);
}
BENCHMARK(BM_MemcpyChunks)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
