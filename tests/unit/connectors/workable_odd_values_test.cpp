// One odd value costs one record, never the page: a number simdjson cannot represent (1e400,
// a 30-digit integer) or an invalid UTF-8 byte, even in a field the connector ignores, sends the
// record that holds it to the dead letters and the rest of the page is read. A page with more
// records than max_page_records is a classified page-limit error, and a large page within the
// cap is handed over in batches (Page::next_batch), never as one vector of records.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connectors/workable/workable_source.hpp"

namespace ats::connectors {
namespace {

config::ConnectionConfig Conn() {
  config::ConnectionConfig conn;
  conn.id = "acme";
  conn.source = "workable";
  conn.workable.subdomain = "acme";
  conn.workable.api_token = "wk-test-token-7f3a9c21e8";
  return conn;
}

std::unique_ptr<WorkableSource> MakeSource(const config::ConnectionConfig& conn = Conn()) {
  auto source = WorkableSource::Create(conn);
  EXPECT_TRUE(source.ok()) << source.error().message;
  return std::move(source).value();
}

http::Response Ok(std::string body) {
  http::Response response;
  response.status = 200;
  response.body = std::move(body);
  return response;
}

std::string Candidate(const std::string& id, const std::string& extra = "") {
  return R"({"id":")" + id + R"(","job":{"shortcode":"J1"},"stage":"Applied")" + extra + "}";
}

TEST(WorkableOddValuesTest, AnOddValueAnywhereCostsOnlyItsRecord) {
  auto source = MakeSource();
  const std::string body =
      R"({"candidates":[)" + Candidate("g1") + "," + Candidate("b1", R"(,"score":1e400)") + "," +
      Candidate("b2", R"(,"ext":{"n":123456789012345678901234567890})") + "," +
      Candidate("b3", ",\"notes\":\"caf\xE9\"") + "," + Candidate("g2") +
      R"(],"total":1e400,"paging":{"next":"https://acme.workable.com/spi/v3/candidates?since_id=g3"}})";
  auto page = source->ParsePage(Entity::kCandidate, Ok(body));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->records.size(), 2u);
  EXPECT_EQ(page->records[0].id, "g1");
  EXPECT_EQ(page->records[1].id, "g2");
  EXPECT_EQ(page->next,
            std::optional<std::string>("https://acme.workable.com/spi/v3/candidates?since_id=g3"));
  ASSERT_EQ(page->rejected.size(), 3u);
  EXPECT_TRUE(page->rejected[0].reason.starts_with("field 'score' holds a value that cannot be read"))
      << page->rejected[0].reason;
  EXPECT_EQ(page->rejected[0].raw, Candidate("b1", R"(,"score":1e400)"));
  EXPECT_TRUE(page->rejected[1].reason.starts_with("field 'ext' holds a value that cannot be read"))
      << page->rejected[1].reason;
  EXPECT_TRUE(page->rejected[2].reason.starts_with("field 'notes' holds invalid UTF-8"))
      << page->rejected[2].reason;
  // The raw bytes as received, the invalid byte included (the dead letter adds base64).
  EXPECT_EQ(page->rejected[2].raw, Candidate("b3", ",\"notes\":\"caf\xE9\""));
  EXPECT_FALSE(page->more_records);
}

TEST(WorkableOddValuesTest, NumbersADoubleCannotHoldCostOnlyTheirRecords) {
  auto source = MakeSource();
  const std::string body =
      R"({"candidates":[)" + Candidate("g1") + "," + Candidate("b1", R"(,"score":-1e400)") + "," +
      Candidate("b2", R"(,"id2":123456789012345678901234567890)") + "," + Candidate("g2") + "]}";
  auto page = source->ParsePage(Entity::kCandidate, Ok(body));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->records.size(), 2u);
  ASSERT_EQ(page->rejected.size(), 2u);
  EXPECT_TRUE(page->rejected[0].reason.starts_with("field 'score'")) << page->rejected[0].reason;
  EXPECT_TRUE(page->rejected[1].reason.starts_with("field 'id2'")) << page->rejected[1].reason;
}

TEST(WorkableOddValuesTest, OddValuesInJobsCostOnlyTheirJob) {
  auto source = MakeSource();
  auto page = source->ParsePage(
      Entity::kJob, Ok("{\"jobs\":[{\"shortcode\":\"A\",\"salary\":{\"from\":99999999999999999999999999999}},"
                       "{\"shortcode\":\"B\",\"title\":\"Ing\xC3\xA9nieur\"},"
                       "{\"shortcode\":\"C\",\"title\":\"Ing\xC3nieur\"}]}"));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].id, "B");
  ASSERT_EQ(page->rejected.size(), 2u);
  EXPECT_EQ(page->rejected[0].entity, Entity::kJob);
}

TEST(WorkableOddValuesTest, APageThatCannotBeSplitIsStillAPageError) {
  auto source = MakeSource();
  for (const std::string& body :
       {std::string(R"({"candidates":[{"id":"a","job":{"shortcode":"B"})"),
        std::string(R"({"candidates":[{"id":"a" "job":{}}]})"),
        std::string("{\"candidates\":[],\"paging\":{\"next\":\"https://acme.workable.com/\xFF\"}}")}) {
    auto page = source->ParsePage(Entity::kCandidate, Ok(body));
    ASSERT_FALSE(page.ok()) << body;
    EXPECT_EQ(page.error().category, ErrorCategory::kBadResponse) << body;
  }
}

TEST(WorkableOddValuesTest, MoreRecordsThanTheCapIsAPageLimitErrorNamingTheKey) {
  auto conn = Conn();
  conn.max_page_records = 10;
  auto source = MakeSource(conn);
  std::string body = R"({"candidates":[)";
  for (int i = 0; i < 11; ++i) body += (i ? "," : "") + Candidate("c" + std::to_string(i));
  body += "]}";
  auto page = source->ParsePage(Entity::kCandidate, Ok(body));
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().category, ErrorCategory::kPageLimit);
  EXPECT_FALSE(page.error().retryable());
  EXPECT_NE(page.error().message.find("max_page_records"), std::string::npos) << page.error().message;
}

TEST(WorkableOddValuesTest, ALargePageIsHandedOverInBatches) {
  auto source = MakeSource();
  constexpr int kRecords = 1234;
  std::string body = R"({"candidates":[)";
  for (int i = 0; i < kRecords; ++i) body += (i ? "," : "") + Candidate("c" + std::to_string(i));
  body += "]}";
  auto page = source->ParsePage(Entity::kCandidate, Ok(body));
  ASSERT_TRUE(page.ok()) << page.error().message;
  std::vector<std::string> ids;
  size_t largest_batch = 0;
  while (true) {
    largest_batch = std::max(largest_batch, page->records.size());
    for (const auto& r : page->records) ids.push_back(r.id);
    if (!page->more_records) break;
    ASSERT_TRUE(page->next_batch);
    page->next_batch(*page);
  }
  ASSERT_EQ(ids.size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(ids.front(), "c0");
  EXPECT_EQ(ids.back(), "c1233");
  EXPECT_EQ(largest_batch, kPageBatchRecords);
}

}  // namespace
}  // namespace ats::connectors
