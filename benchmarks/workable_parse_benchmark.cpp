// WorkableSource::ParsePage on a realistic /candidates page (100 candidates, ~1.4 KB each),
// next to its limits on the same bytes: simdjson's DOM parser building the whole document with
// nothing extracted (the honest "parse-only" limit: every byte validated and every value
// materialised, as ParsePage needs), simdjson On-Demand walking the array without reading
// anything, and a plain memcpy. Numbers only mean something in a Release build.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstring>
#include <string>

#include "simdjson_limits.hpp"
#include "common/json_writer.hpp"
#include "connectors/workable/workable_source.hpp"

namespace {

using ats::AppendJsonString;

constexpr int kCandidates = 100;

const char* const kFirst[] = {"Lakita", "Jörg", "Cindy", "Priya", "Sam", "Amélie", "Kwame", "Yuki"};
const char* const kLast[] = {"Marrero", "Ångström", "Sawyers", "Raman", "O'Neil", "Dubois", "Mensah", "Tanaka"};
const char* const kStages[][2] = {{"Sourced", "sourced"},         {"Applied", "applied"},
                                  {"Phone Screen", "phone-screen"}, {"Assessment", "assessment"},
                                  {"Interview", "interview"},     {"Offer", "offer"},
                                  {"Hired", "hired"}};
const char* const kJobs[][2] = {{"GROOV003", "Sales Intern"},
                                {"B3627BCF5D", "Director of Finance"},
                                {"8F2A11C0E4", "Senior Backend Engineer (Payments Platform)"}};

// One candidate shaped like a Workable /candidates list item.
void AppendCandidate(std::string& out, int i) {
  const char* first = kFirst[i % 8];
  const char* last = kLast[(i / 8) % 8];
  const auto& stage = kStages[i % 7];
  const auto& job = kJobs[i % 3];
  const bool disqualified = i % 5 == 4;
  const std::string id = [&] {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%x", 0x2727000 + i * 37);  // 7-8 hex digits, like Workable's
    return std::string(buf);
  }();
  const std::string name = std::string(first) + " " + last;
  const std::string email = std::string("candidate_") + std::to_string(i) + "@samplecandidate.example.com";

  out += "{\"id\":";
  AppendJsonString(out, id);
  out += ",\"name\":";
  AppendJsonString(out, name);
  out += ",\"firstname\":";
  AppendJsonString(out, first);
  out += ",\"lastname\":";
  AppendJsonString(out, last);
  out += ",\"headline\":\"Experienced professional with a background in finance, operations and "
         "cross-functional team leadership across EMEA and North America\"";
  out += ",\"account\":{\"subdomain\":\"acme\",\"name\":\"Acme Incorporated\"}";
  out += ",\"job\":{\"shortcode\":";
  AppendJsonString(out, job[0]);
  out += ",\"title\":";
  AppendJsonString(out, job[1]);
  out += "},\"stage\":";
  AppendJsonString(out, stage[0]);
  out += ",\"stage_kind\":";
  AppendJsonString(out, stage[1]);
  out += disqualified ? ",\"disqualified\":true" : ",\"disqualified\":false";
  out += disqualified ? ",\"disqualification_reason\":\"Doesn't have the required experience for this role\""
                      : ",\"disqualification_reason\":null";
  out += ",\"anonymized\":false";
  out += i % 7 == 6 ? ",\"hired_at\":\"2026-07-22T16:40:00Z\"" : ",\"hired_at\":null";
  out += ",\"moved_to_offer_at\":null";
  out += i % 3 == 0 ? ",\"sourced\":true" : ",\"sourced\":false";
  out += ",\"profile_url\":\"https://acme.workable.com/backend/jobs/5986328/candidates/" +
         std::to_string(656866000 + i) + "\"";
  out += ",\"address\":\"221B Baker Street, Marylebone, London NW1 6XE, United Kingdom\"";
  out += ",\"phone\":\"+44 20 7946 0" + std::to_string(100 + i) + "\"";
  out += ",\"email\":";
  AppendJsonString(out, email);
  out += ",\"domain\":\"linkedin.com\",\"outlet\":null,\"common_source\":\"LinkedIn\"";
  out += ",\"common_source_category\":\"Sourced\"";
  out += ",\"created_at\":\"2026-04-21T05:54:46Z\",\"updated_at\":\"2026-07-23T18:58:18Z\"";
  out += ",\"resume_metadata\":{\"filename\":\"" + std::string("cv_") + std::to_string(i) +
         "_curriculum_vitae_2026_final_version.pdf\",\"filetype\":\"application/pdf\","
         "\"created_at\":\"2026-04-21T05:54:46Z\",\"updated_at\":\"2026-04-21T05:54:46Z\"}";
  out += ",\"tags\":[\"finance\",\"leadership\",\"emea\",\"relocation-ok\"]";
  out += ",\"summary\":\"Led month-end close for a 40-person finance team; implemented a new ERP; "
         "owns FP&A models and board reporting. Fluent in English, German and French; open to "
         "hybrid work and occasional travel within Europe.\"";
  out += "}";
}

const std::string& Page() {
  static const std::string page = [] {
    std::string out = "{\"candidates\":[";
    for (int i = 0; i < kCandidates; ++i) {
      if (i > 0) out += ',';
      AppendCandidate(out, i);
    }
    out += "],\"paging\":{\"next\":\"https://acme.workable.com/spi/v3/candidates?limit=100&since_id=2728000\"}}";
    return out;
  }();
  return page;
}

void SetCounters(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kCandidates);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(Page().size()));
  state.counters["bytes_per_candidate"] = static_cast<double>(Page().size()) / kCandidates;
}

void BM_WorkableParsePage(benchmark::State& state) {
  ats::config::ConnectionConfig conn;
  conn.id = "bench";
  conn.source = "workable";
  conn.workable.subdomain = "acme";
  conn.workable.api_token = "benchmark-token";
  auto created = ats::connectors::WorkableSource::Create(conn);
  if (!created.ok()) {
    state.SkipWithError(created.error().message.c_str());
    return;
  }
  auto source = std::move(created).value();
  ats::http::Response response;
  response.status = 200;
  response.body = Page();
  for (auto _ : state) {
    auto page = source->ParsePage(ats::Entity::kCandidate, response);
    if (!page.ok() || page->records.size() != kCandidates || !page->rejected.empty()) {
      state.SkipWithError("ParsePage did not return 100 records");
      return;
    }
    benchmark::DoNotOptimize(page->records.data());
  }
  SetCounters(state);
}
BENCHMARK(BM_WorkableParsePage);

// Parse-only: simdjson's DOM parser on the same bytes, a full parse (stage 1 and the tape of
// every value) with no extraction. The target of the performance issue is ParsePage at >= 50 %
// of this rate.
void BM_SimdjsonDomParse(benchmark::State& state) {
  ats::bench::RunDomParse(state, Page());
  SetCounters(state);
}
BENCHMARK(BM_SimdjsonDomParse);

// The floor for any On-Demand parse: stage 1 over the bytes plus a walk over the array's
// elements, none of them read.
void BM_SimdjsonIterateOnly(benchmark::State& state) {
  ats::bench::RunIterateOnly(state, Page(), "candidates", kCandidates);
  SetCounters(state);
}
BENCHMARK(BM_SimdjsonIterateOnly);

// Copying the bytes once: what ParsePage's padded copy alone costs.
void BM_Memcpy(benchmark::State& state) {
  const std::string& page = Page();
  std::string dst(page.size(), '\0');
  for (auto _ : state) {
    std::memcpy(dst.data(), page.data(), page.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state);
}
BENCHMARK(BM_Memcpy);

}  // namespace

BENCHMARK_MAIN();
