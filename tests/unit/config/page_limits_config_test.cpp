// The hostile-input bounds of a connection (max_page_mib, max_page_records, max_listing_pages,
// max_next_url_bytes): defaults that fit a 512 MiB pod, read when set, and every bad value
// reported at its key path.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ats::config {
namespace {

std::vector<Problem> ProblemsOf(const std::string& yaml) {
  try {
    LoadConfigString(yaml);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

std::string With(const std::string& lines) {
  return R"(connections:
  - id: acme
    source: workable
)" + lines +
         R"(    workable:
      subdomain: acme
      api_token: token-0123456789abcdef
)";
}

TEST(PageLimitsConfigTest, DefaultsFitA512MiBPod) {
  const Config cfg = LoadConfigString(With(""));
  const ConnectionConfig& c = cfg.connections.at(0);
  EXPECT_EQ(c.max_page_mib, 32);
  EXPECT_EQ(c.max_page_records, 100000);
  EXPECT_EQ(c.max_listing_pages, 100000);
  EXPECT_EQ(c.max_next_url_bytes, 8192);
}

TEST(PageLimitsConfigTest, EveryLimitIsRead) {
  const Config cfg =
      LoadConfigString(With("    max_page_mib: 64\n    max_page_records: 2000000\n"
                            "    max_listing_pages: 500\n    max_next_url_bytes: 16384\n"));
  const ConnectionConfig& c = cfg.connections.at(0);
  EXPECT_EQ(c.max_page_mib, 64);
  EXPECT_EQ(c.max_page_records, 2000000);
  EXPECT_EQ(c.max_listing_pages, 500);
  EXPECT_EQ(c.max_next_url_bytes, 16384);
}

TEST(PageLimitsConfigTest, BadValuesAreReportedAtTheirKeyPath) {
  const auto problems =
      ProblemsOf(With("    max_page_mib: 0\n    max_page_records: many\n"
                      "    max_listing_pages: -5\n    max_next_url_bytes: 99999999\n"
                      "    max_page_bytes: 1\n"));
  std::map<std::string, std::string> by_path;
  for (const auto& p : problems) by_path[p.path] = p.message;
  EXPECT_EQ(by_path["connections[0].max_page_mib"], "must be > 0, got 0");
  EXPECT_EQ(by_path["connections[0].max_page_records"], "expected a whole number, got 'many'");
  EXPECT_EQ(by_path["connections[0].max_listing_pages"], "must be > 0, got -5");
  EXPECT_EQ(by_path["connections[0].max_next_url_bytes"], "must be between 256 and 1048576, got 99999999");
  EXPECT_NE(by_path["connections[0].max_page_bytes"].find("unknown key 'max_page_bytes'"), std::string::npos)
      << by_path["connections[0].max_page_bytes"];
}

}  // namespace
}  // namespace ats::config
