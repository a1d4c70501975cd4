// One odd value costs one record, for Workday too: in the REST job postings page a posting with
// a number simdjson cannot represent or an invalid UTF-8 byte is dead-lettered and the others
// are read; in the RaaS report an entry with an invalid UTF-8 byte is dead-lettered (its raw
// bytes as received) and the report goes on.
#include <gtest/gtest.h>

#include <string>

#include "connectors/workday/raas_stream.hpp"
#include "connectors/workday/workday_source.hpp"

namespace ats::connectors {
namespace {

config::ConnectionConfig Conn() {
  config::ConnectionConfig conn;
  conn.id = "acme-wd";
  conn.source = "workday";
  config::WorkdayConfig& w = conn.workday;
  w.rest_endpoint = "https://wd2-impl-services1.workday.com/ccx/api/v1/acme";
  w.client_id = "wd-client-id";
  w.client_secret = "wd-src-client-secret-5e6f7a8b";
  w.refresh_token = "wd-src-refresh-token-1a2b3c4d";
  return conn;
}

http::Response Ok(std::string body) {
  http::Response response;
  response.status = 200;
  response.body = std::move(body);
  return response;
}

TEST(WorkdayOddValuesTest, AnOddValueCostsOnlyItsJobPosting) {
  auto source = WorkdaySource::Create(Conn());
  ASSERT_TRUE(source.ok()) << source.error().message;
  ASSERT_TRUE((*source)->BuildRequest(Entity::kJob, std::nullopt).ok());
  const std::string body =
      "{\"total\":4,\"data\":["
      "{\"id\":\"p1\",\"jobRequisitionId\":\"R-1\",\"extra\":{\"n\":1e400}},"
      "{\"id\":\"p2\",\"jobRequisitionId\":\"R-2\",\"title\":\"Caf\xE9\"},"
      "{\"id\":\"p3\",\"jobRequisitionId\":\"R-3\",\"big\":123456789012345678901234567890},"
      "{\"id\":\"p4\",\"jobRequisitionId\":\"R-4\",\"title\":\"Ing\xC3\xA9nieur\"}]}";
  auto page = (*source)->ParsePage(Entity::kJob, Ok(body));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].id, "R-4");
  ASSERT_EQ(page->rejected.size(), 3u);
  EXPECT_NE(page->rejected[0].reason.find("field 'extra'"), std::string::npos) << page->rejected[0].reason;
  EXPECT_NE(page->rejected[1].reason.find("field 'title' holds invalid UTF-8"), std::string::npos)
      << page->rejected[1].reason;
  EXPECT_EQ(page->rejected[1].raw, "{\"id\":\"p2\",\"jobRequisitionId\":\"R-2\",\"title\":\"Caf\xE9\"}");
  EXPECT_NE(page->rejected[2].reason.find("field 'big'"), std::string::npos) << page->rejected[2].reason;
}

TEST(WorkdayOddValuesTest, AnInvalidUtf8ByteCostsOnlyItsReportEntry) {
  RaasStream stream(config::WorkdayColumns{}, "report ISU_ATS/ATS_Candidates");
  Page page;
  const std::string bad_entry = "{\"Candidate_ID\": \"C-2\", \"Notes\": \"caf\xE9\"}";
  const std::string body = "{\"Report_Entry\": [{\"Candidate_ID\": \"C-1\"}, " + bad_entry +
                           ", {\"Candidate_ID\": \"C-3\", \"Score\": 1e400}]}";
  auto fed = stream.Feed(body, page);
  ASSERT_TRUE(fed.ok()) << fed.error().message;
  auto finished = stream.Finish(page);
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  ASSERT_EQ(page.records.size(), 2u);  // 1e400 in an unmapped column is kept as written
  EXPECT_EQ(page.records[0].id, "C-1");
  EXPECT_EQ(page.records[1].id, "C-3");
  ASSERT_EQ(page.rejected.size(), 1u);
  EXPECT_EQ(page.rejected[0].raw, bad_entry);
  EXPECT_NE(page.rejected[0].reason.find("report entry 2: field 'Notes' holds invalid UTF-8"),
            std::string::npos)
      << page.rejected[0].reason;
}

}  // namespace
}  // namespace ats::connectors
