// Writes the Workable /candidates pages of benchmarks/workable_pages.hpp to files, so that the
// Python reference (benchmarks/reference/parse_diff.py) and parse_diff_benchmark
// (ATS_BENCH_PAGES_DIR) measure the same bytes:
//   dump_pages DIR [CANDIDATES=10000] [CHANGED_EVERY=100]
// DIR/first/page-NNNNN.json is a first sync (every candidate), DIR/second/ the same tenant after
// a stage move of every CHANGED_EVERY-th candidate; DIR/manifest.json says how many of each.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "workable_pages.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::fprintf(stderr, "usage: %s DIR [CANDIDATES=10000] [CHANGED_EVERY=100]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const int candidates = argc > 2 ? std::atoi(argv[2]) : 10000;
  const int changed_every = argc > 3 ? std::atoi(argv[3]) : 100;
  if (candidates < 1 || changed_every < 1) {
    std::fprintf(stderr, "CANDIDATES and CHANGED_EVERY must be positive\n");
    return 2;
  }
  const ats::bench::PageSet set = ats::bench::MakePages(candidates, changed_every);
  std::filesystem::remove_all(dir);
  auto write_pass = [&](const char* name, const std::vector<std::string>& pages) {
    std::filesystem::create_directories(dir / name);
    for (size_t i = 0; i < pages.size(); ++i) {
      char file[32];
      std::snprintf(file, sizeof file, "page-%05zu.json", i);
      std::ofstream(dir / name / file, std::ios::binary) << pages[i];
    }
  };
  write_pass("first", set.first);
  write_pass("second", set.second);
  std::ofstream(dir / "manifest.json")
      << "{\"candidates\":" << set.candidates << ",\"changed\":" << set.changed
      << ",\"pages\":" << set.first.size() << ",\"bytes_first\":" << ats::bench::TotalBytes(set.first)
      << ",\"bytes_second\":" << ats::bench::TotalBytes(set.second) << "}\n";
  std::printf(
      "dump_pages: %d candidates (%d changed in the second pass), %zu pages per pass, %lld bytes, in %s\n",
      set.candidates, set.changed, set.first.size(),
      static_cast<long long>(ats::bench::TotalBytes(set.first)), dir.c_str());
  return 0;
}
