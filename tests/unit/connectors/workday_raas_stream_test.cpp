#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/json_writer.hpp"
#include "connectors/workday/raas_stream.hpp"
#include "support/test_support.hpp"

namespace ats::connectors {
namespace {

std::string Fixture(const std::string& name) {
  const std::string path = testing::SourceDir() + "/tests/fixtures/workday/" + name;
  std::string body = testing::ReadFile(path);
  EXPECT_FALSE(body.empty()) << "missing fixture " << path;
  return body;
}

// Everything a stream produced, in a comparable form.
struct Outcome {
  bool ok = true;
  Error error;
  std::vector<std::string> records;   // "id|parent|updated|{fields}"
  std::vector<std::string> rejected;  // "reason|raw"
};

std::string Describe(const Record& r) {
  return r.id + "|" + r.parent_id + "|" + r.updated_at + "|" + SerializeFields(r.fields);
}

void Collect(Page& page, Outcome& out) {
  for (const auto& r : page.records) out.records.push_back(Describe(r));
  for (const auto& r : page.rejected) out.rejected.push_back(r.reason + "|" + r.raw);
  page = Page{};
}

// Feeds `body` in pieces of `chunk` bytes (0: all at once), then finishes.
Outcome Stream(const std::string& body, size_t chunk = 0, size_t max_entry = RaasStream::kMaxEntryBytes) {
  RaasStream stream(config::WorkdayColumns{}, "report ISU_ATS/ATS_Candidates", max_entry);
  Outcome out;
  Page page;
  const size_t step = chunk == 0 ? std::max<size_t>(body.size(), 1) : chunk;
  for (size_t at = 0; at < body.size(); at += step) {
    auto fed = stream.Feed(std::string_view(body).substr(at, step), page);
    Collect(page, out);
    if (!fed) {
      out.ok = false;
      out.error = fed.error();
      return out;
    }
  }
  auto finished = stream.Finish(page);
  Collect(page, out);
  if (!finished) {
    out.ok = false;
    out.error = finished.error();
  }
  return out;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A report with the traps a scanner can fall into: other top-level keys before and after the
// entries, holding brackets inside strings, escaped quotes and backslashes, nested arrays,
// unicode, whitespace everywhere, a "Report_Entry" text inside another key's string, a rejected
// row and a non-object entry.
const std::string kTricky =
    "\xEF\xBB\xBF"
    R"( {
  "Report_Title" : "Candidates \"[all]\" {x} \\",
  "Meta": {"nested": [[1, 2], {"a": "]}"}], "Report_Entry": "not this one"},
  "Report_Entry" : [
    { "Candidate_ID" : "C-1", "Job_Application_ID": "JA-1", "Job_Requisition_ID": "R-1",
      "Notes": "quote \" bracket ] brace } backslash \\ end", "Stage": "Screen",
      "Group_group": [ {"A": [1, [2, [3]]], "B": "x,y"}, {"A": [], "B": ""} ] } ,
    {"Candidate_ID": "C-2", "Candidate_Name": "Jörg Ångström 日本 \ud83d\ude00", "Last_Updated": "2026-03-04T16:40:12Z"},
    {"Job_Application_ID": "JA-3"},
    "not an object",
    {"Candidate_ID": "C-4", "Flag": "1", "Empty": {}, "Null": null, "Num": -1.5e3}
  ],
  "Trailer": ["]", "[", {"}": "{"}]
}
)";

TEST(RaasStreamTest, ReadsEveryEntryOfATrickyDocument) {
  const Outcome out = Stream(kTricky);
  ASSERT_TRUE(out.ok) << out.error.message;
  ASSERT_EQ(out.records.size(), 3u);
  EXPECT_TRUE(Contains(out.records[0], "JA-1|R-1||")) << out.records[0];
  EXPECT_TRUE(Contains(out.records[0], R"("Notes":"quote \" bracket ] brace } backslash \\ end")"))
      << out.records[0];
  EXPECT_TRUE(Contains(out.records[0], R"("Group_group":[{"A":[1,[2,[3]]],"B":"x,y"},{"A":[],"B":""}])"))
      << out.records[0];
  EXPECT_TRUE(Contains(out.records[1], "C-2||2026-03-04T16:40:12Z|")) << out.records[1];
  EXPECT_TRUE(Contains(out.records[1],
                       "J\xC3\xB6rg \xC3\x85ngstr\xC3\xB6m \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"))
      << out.records[1];
  EXPECT_TRUE(Contains(out.records[2], "C-4||")) << out.records[2];
  EXPECT_TRUE(Contains(out.records[2], R"("Empty":{},"Flag":"1","Null":null,"Num":-1.5e3)"))
      << out.records[2];
  ASSERT_EQ(out.rejected.size(), 2u);
  EXPECT_EQ(out.rejected[0],
            "report entry 3: missing candidate id: column 'Candidate_ID' is absent, null or empty "
            "(check workday.columns.candidate_id)|{\"Job_Application_ID\": \"JA-3\"}");
  EXPECT_EQ(out.rejected[1], "report entry 4 is not a JSON object, got string|\"not an object\"");
}

// The property that makes the stream trustworthy: however the body is cut into chunks, the
// records are the same as when it arrives whole.
TEST(RaasStreamTest, EveryChunkSizeGivesTheSameRecords) {
  for (const std::string& body : {kTricky, Fixture("report_job_applications.json")}) {
    const Outcome whole = Stream(body);
    ASSERT_TRUE(whole.ok) << whole.error.message;
    ASSERT_GE(whole.records.size(), 3u);
    for (size_t chunk = 1; chunk <= body.size(); ++chunk) {
      const Outcome pieces = Stream(body, chunk);
      ASSERT_TRUE(pieces.ok) << "chunk " << chunk << ": " << pieces.error.message;
      ASSERT_EQ(pieces.records, whole.records) << "chunk " << chunk;
      ASSERT_EQ(pieces.rejected, whole.rejected) << "chunk " << chunk;
    }
  }
}

TEST(RaasStreamTest, TheFixtureMapsAsDocumented) {
  const Outcome out = Stream(Fixture("report_job_applications.json"), 7);
  ASSERT_TRUE(out.ok) << out.error.message;
  ASSERT_EQ(out.records.size(), 3u);
  EXPECT_TRUE(Contains(out.records[0], "JOB_APPLICATION-6-248|R-00008|2026-03-02T09:15:00.000-08:00|"));
  EXPECT_TRUE(Contains(out.records[0], R"("CF_Is_Internal":"0")")) << out.records[0];
  EXPECT_TRUE(Contains(out.records[0], R"("Source":null)")) << out.records[0];
  EXPECT_TRUE(Contains(out.records[1], R"("Notes":"Said \"yes\" to relocation [Dublin] {ASAP}\\")"))
      << out.records[1];
  EXPECT_TRUE(Contains(out.records[1], R"("phone":null)")) << out.records[1];
  EXPECT_TRUE(Contains(out.records[2], "CAND-1201|R-00012|")) << out.records[2];
  EXPECT_TRUE(Contains(out.records[2], R"("status":"Declined")")) << out.records[2];
  ASSERT_EQ(out.rejected.size(), 1u);
  EXPECT_TRUE(Contains(out.rejected[0], "missing candidate id")) << out.rejected[0];
}

TEST(RaasStreamTest, ZeroRowsAndEmptyArraysAreEmptyReports) {
  for (const std::string& body : {Fixture("report_zero_rows.json"), std::string("{}"), std::string(" { } \n"),
                                  std::string(R"({"Report_Entry": []})"), std::string(R"({"Other": [1]})")}) {
    const Outcome out = Stream(body, 1);
    EXPECT_TRUE(out.ok) << body << ": " << out.error.message;
    EXPECT_TRUE(out.records.empty()) << body;
    EXPECT_TRUE(out.rejected.empty()) << body;
  }
}

// Cut anywhere before its end, the document is incomplete: Finish must say so, whatever was
// delivered before.
TEST(RaasStreamTest, EveryTruncationIsARetryableBadResponseAtFinish) {
  const std::string body = Fixture("report_job_applications.json");
  size_t end = body.size();
  while (end > 0 && (body[end - 1] == '\n' || body[end - 1] == ' ')) --end;
  for (size_t cut = 0; cut < end; ++cut) {
    const Outcome out = Stream(body.substr(0, cut), 13);
    ASSERT_FALSE(out.ok) << "cut at " << cut;
    EXPECT_TRUE(out.error.retryable()) << cut;
    EXPECT_EQ(out.error.category, ErrorCategory::kBadResponse) << cut;
    EXPECT_TRUE(Contains(out.error.message, "ATS_Candidates")) << out.error.message;
  }
  const Outcome cut = Stream(body.substr(0, body.size() / 2));
  EXPECT_TRUE(Contains(cut.error.message, "cut short")) << cut.error.message;
  EXPECT_TRUE(Contains(Stream("").error.message, "empty")) << Stream("").error.message;
}

TEST(RaasStreamTest, GarbageIsARetryableBadResponse) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"<?xml version=\"1.0\"?><wd:Report_Data/>", "XML"},
      {"[{\"Candidate_ID\": \"C-1\"}]", "JSON array"},
      {"hello", "expected a JSON object at byte 0, got 'h'"},
      {"{\"Report_Entry\": {\"Candidate_ID\": \"C-1\"}}", "'Report_Entry' is not an array"},
      {"{\"Report_Entry\": [{\"Candidate_ID\": \"C-1\"]}", "expected '}' or a member"},
      {"{\"Report_Entry\": [{\"Candidate_ID\": \"C-1\"}}", "',' or ']' after a report entry"},
      {"{\"Report_Entry\": [{\"Candidate_ID\": tru}]}", "report entry 1 is not valid JSON"},
      {"{\"Report_Entry\": [{\"Candidate_ID\" \"C-1\"}]}", "report entry 1 is not valid JSON"},
      {"{\"A\": @}", "expected a value"},
      {"{\"A\" 1}", "expected ':'"},
      {"{\"A\": 1 \"B\": 2}", "expected ',' or '}'"},
      {"{} {}", "unexpected content after the end of the report"},
      {"{\"Report_Entry\": [,]}", "expected a report entry"},
  };
  for (const auto& [body, expected] : cases) {
    for (size_t chunk : {size_t{0}, size_t{1}, size_t{5}}) {
      const Outcome out = Stream(body, chunk);
      ASSERT_FALSE(out.ok) << body;
      EXPECT_TRUE(out.error.retryable()) << body;
      EXPECT_EQ(out.error.category, ErrorCategory::kBadResponse) << body;
      EXPECT_TRUE(Contains(out.error.message, expected)) << body << " -> " << out.error.message;
    }
  }
}

TEST(RaasStreamTest, AfterAnErrorEveryFeedRepeatsIt) {
  RaasStream stream(config::WorkdayColumns{}, "report r");
  Page page;
  ASSERT_FALSE(stream.Feed("<xml>", page).ok());
  auto again = stream.Feed("{}", page);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(Contains(again.error().message, "XML")) << again.error().message;
  EXPECT_FALSE(stream.Finish(page).ok());
}

TEST(RaasStreamTest, AnEntryOverTheDefaultLimitIsRejectedAndTheNextOneStillParses) {
  const std::string huge(RaasStream::kMaxEntryBytes + 1024, 'x');
  const std::string body = R"({"Report_Entry": [{"Candidate_ID": "C-big", "Resume": ")" + huge +
                           R"("}, {"Candidate_ID": "C-next"}]})";
  RaasStream stream(config::WorkdayColumns{}, "report r");
  Page page;
  for (size_t at = 0; at < body.size(); at += 64 << 10) {
    ASSERT_TRUE(stream.Feed(std::string_view(body).substr(at, 64 << 10), page).ok());
  }
  ASSERT_TRUE(stream.Finish(page).ok());
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.records[0].id, "C-next");
  ASSERT_EQ(page.rejected.size(), 1u);
  EXPECT_EQ(page.rejected[0].entity, Entity::kCandidate);
  EXPECT_EQ(page.rejected[0].raw.size(), RaasStream::kRawKeepBytes);
  EXPECT_TRUE(page.rejected[0].raw.starts_with(R"({"Candidate_ID": "C-big", "Resume": "xxx)"));
  EXPECT_TRUE(Contains(page.rejected[0].reason, "more than the limit of 16 MiB")) << page.rejected[0].reason;
  // The buffer never held the whole entry.
  EXPECT_LE(stream.buffer_capacity(), RaasStream::kMaxEntryBytes + (64 << 10));
}

TEST(RaasStreamTest, OversizedEntriesAreRejectedInAnyChunkSize) {
  const std::string body =
      R"({"Report_Entry": [{"Candidate_ID": "C-1", "Blob": "0123456789012345678901234567890123456789"},)"
      R"( {"Candidate_ID": "C-2"}, 12345678901234567890123456789012345678901234567890]})";
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{3}, size_t{17}}) {
    const Outcome out = Stream(body, chunk, /*max_entry=*/40);
    ASSERT_TRUE(out.ok) << out.error.message;
    ASSERT_EQ(out.records.size(), 1u) << chunk;
    EXPECT_TRUE(out.records[0].starts_with("C-2|")) << out.records[0];
    ASSERT_EQ(out.rejected.size(), 2u) << chunk;
    EXPECT_TRUE(Contains(out.rejected[0], "report entry 1 is 75 bytes, more than the limit of 40 bytes"))
        << out.rejected[0];
    EXPECT_TRUE(Contains(out.rejected[1], "report entry 3 is 50 bytes")) << out.rejected[1];
  }
}

TEST(RaasStreamTest, MemoryIsBoundedByTheLargestEntryNotTheDocument) {
  std::string body = R"({"Report_Entry": [)";
  for (int i = 0; i < 5000; ++i) {
    if (i > 0) body += ",";
    body +=
        R"({"Candidate_ID": "C-)" + std::to_string(i) + R"(", "Filler": ")" + std::string(900, 'f') + "\"}";
  }
  body += "]}";
  RaasStream stream(config::WorkdayColumns{}, "report r");
  Page page;
  size_t records = 0;
  for (size_t at = 0; at < body.size(); at += 4096) {
    ASSERT_TRUE(stream.Feed(std::string_view(body).substr(at, 4096), page).ok());
    records += page.records.size();
    page = Page{};
  }
  ASSERT_TRUE(stream.Finish(page).ok());
  EXPECT_EQ(records, 5000u);
  EXPECT_EQ(stream.entries(), 5000u);
  EXPECT_EQ(stream.bytes(), body.size());
  EXPECT_GT(body.size(), 4u << 20);
  EXPECT_LT(stream.buffer_capacity(), 4096u);
}

}  // namespace
}  // namespace ats::connectors
