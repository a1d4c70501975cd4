#pragma once
// The limits a parse benchmark is reported beside: simdjson reading the same bytes and
// extracting nothing. Shared by workable_parse_benchmark and raas_stream_benchmark.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstddef>
#include <string_view>

namespace ats::bench {

// The parse-only limit: a full DOM parse (stage 1 and 2) of `document`, every iteration.
inline void RunDomParse(benchmark::State& state, std::string_view document) {
  const simdjson::padded_string padded(document);
  simdjson::dom::parser parser;
  if (parser.allocate(padded.size()) != simdjson::SUCCESS) {
    state.SkipWithError("simdjson could not allocate");
    return;
  }
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(padded).get(doc)) {
      state.SkipWithError("simdjson failed");
      return;
    }
    benchmark::DoNotOptimize(doc);
  }
}

// The floor for any On-Demand parse: stage 1 over the bytes plus a walk over the elements of
// the array at `key`, none of them read; `expected` elements must be there.
inline void RunIterateOnly(benchmark::State& state, std::string_view document, const char* key,
                           size_t expected) {
  const simdjson::padded_string padded(document);
  simdjson::ondemand::parser parser;
  if (parser.allocate(padded.size()) != simdjson::SUCCESS) {
    state.SkipWithError("simdjson could not allocate");
    return;
  }
  for (auto _ : state) {
    simdjson::ondemand::document doc;
    simdjson::ondemand::array elements;
    if (parser.iterate(padded).get(doc) || doc[key].get_array().get(elements)) {
      state.SkipWithError("simdjson failed");
      return;
    }
    size_t n = 0;
    for (auto element : elements) {
      if (element.error()) {
        state.SkipWithError("simdjson failed");
        return;
      }
      ++n;
    }
    if (n != expected) {
      state.SkipWithError("wrong element count");
      return;
    }
    benchmark::DoNotOptimize(n);
  }
}

}  // namespace ats::bench
