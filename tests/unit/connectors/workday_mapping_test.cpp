#include "connectors/workday/workday_mapping.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace ats::connectors::workday {
namespace {

// Parses `json` (an object) and maps it; the outcome and the record.
struct Mapped {
  MapOutcome outcome;
  Record record;
};

Mapped MapRow(const std::string& json, const config::WorkdayColumns& columns = {}) {
  simdjson::padded_string padded(json);
  ondemand::parser parser;
  Mapped out;
  ondemand::document doc;
  if (auto e = parser.iterate(padded).get(doc)) {
    out.outcome.json = e;
    return out;
  }
  ondemand::object object;
  if (auto e = doc.get_object().get(object)) {
    out.outcome.json = e;
    return out;
  }
  out.outcome = MapReportEntry(object, columns, out.record);
  return out;
}

Mapped MapPosting(const std::string& json) {
  simdjson::padded_string padded(json);
  ondemand::parser parser;
  Mapped out;
  ondemand::document doc;
  ondemand::object object;
  if (auto e = parser.iterate(padded).get(doc)) {
    out.outcome.json = e;
    return out;
  }
  if (auto e = doc.get_object().get(object)) {
    out.outcome.json = e;
    return out;
  }
  out.outcome = MapJobPosting(object, out.record);
  return out;
}

const std::string& Field(const Record& record, const std::string& name) {
  static const std::string kAbsent = "<absent>";
  auto it = record.fields.find(name);
  return it == record.fields.end() ? kAbsent : it->second;
}

// ---- report rows ---------------------------------------------------------------------------

TEST(WorkdayMappingTest, AFullRowWithTheDefaultColumns) {
  const auto m = MapRow(R"({
    "Job_Application_ID": "JOB_APPLICATION-6-248", "Candidate_ID": "CAND-1182",
    "Candidate_Name": "Lakita Marrero", "Email": "lakita@example.com", "Phone": "+44 20 7946 0101",
    "Job_Requisition_ID": "R-00008", "Stage": "Screen", "Status": "Active",
    "Last_Updated": "2026-03-02T09:15:00.000-08:00"})");
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  const Record& r = m.record;
  EXPECT_EQ(r.entity, Entity::kCandidate);
  EXPECT_EQ(r.id, "JOB_APPLICATION-6-248");
  EXPECT_EQ(r.parent_id, "R-00008");
  EXPECT_EQ(r.updated_at, "2026-03-02T09:15:00.000-08:00");
  EXPECT_EQ(Field(r, "candidate_id"), "\"CAND-1182\"");
  EXPECT_EQ(Field(r, "application_id"), "\"JOB_APPLICATION-6-248\"");
  EXPECT_EQ(Field(r, "job_id"), "\"R-00008\"");
  EXPECT_EQ(Field(r, "name"), "\"Lakita Marrero\"");
  EXPECT_EQ(Field(r, "email"), "\"lakita@example.com\"");
  EXPECT_EQ(Field(r, "phone"), "\"+44 20 7946 0101\"");
  EXPECT_EQ(Field(r, "stage"), "\"Screen\"");
  EXPECT_EQ(Field(r, "status"), "\"Active\"");
  EXPECT_EQ(Field(r, "updated_at"), "\"2026-03-02T09:15:00.000-08:00\"");
  EXPECT_EQ(Field(r, "attributes"), "{}");
  EXPECT_EQ(r.fields.size(), 10u);
}

TEST(WorkdayMappingTest, WithoutAnApplicationIdTheCandidateIdIsTheRecordId) {
  for (const std::string app : {"", R"("Job_Application_ID": null,)", R"("Job_Application_ID": "",)"}) {
    const auto m = MapRow("{" + app + R"("Candidate_ID": "CAND-1201", "Job_Requisition_ID": "R-00012"})");
    ASSERT_TRUE(m.outcome.ok()) << app << ": " << m.outcome.reason;
    EXPECT_EQ(m.record.id, "CAND-1201") << app;
    EXPECT_EQ(m.record.parent_id, "R-00012");
  }
}

TEST(WorkdayMappingTest, AbsentColumnsAreExplicitNulls) {
  const auto m = MapRow(R"({"Candidate_ID": "C-1"})");
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  for (const char* name :
       {"application_id", "job_id", "name", "email", "phone", "stage", "status", "updated_at"}) {
    EXPECT_EQ(Field(m.record, name), "null") << name;
  }
  EXPECT_EQ(m.record.parent_id, "");
  EXPECT_EQ(m.record.updated_at, "");
}

TEST(WorkdayMappingTest, NumericIdsBecomeStrings) {
  const auto m = MapRow(R"({"Candidate_ID": 1182, "Job_Application_ID": 248, "Job_Requisition_ID": 8})");
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  EXPECT_EQ(m.record.id, "248");
  EXPECT_EQ(m.record.parent_id, "8");
  EXPECT_EQ(Field(m.record, "candidate_id"), "\"1182\"");
}

TEST(WorkdayMappingTest, UnmappedColumnsAreCarriedAsSortedCompactAttributes) {
  const auto m = MapRow(R"({
    "Candidate_ID": "C-1",
    "Source": null,
    "CF_Referral": "1",
    "CF_Is_Internal": "0",
    "CF_Latest_Stage_group": [ {"Stage_Descriptor": "Review", "Stage_Date": "2026-02-20"},
                               {"Stage_Descriptor": "Screen", "Stage_Date": "2026-03-02"} ],
    "Score": 4.50,
    "Notes": "Said \"yes\" [x] {y}\\ \u00e9"
  })");
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  EXPECT_EQ(
      Field(m.record, "attributes"),
      R"({"CF_Is_Internal":"0","CF_Latest_Stage_group":[{"Stage_Descriptor":"Review","Stage_Date":"2026-02-20"},)"
      R"({"Stage_Descriptor":"Screen","Stage_Date":"2026-03-02"}],"CF_Referral":"1",)"
      "\"Notes\":\"Said \\\"yes\\\" [x] {y}\\\\ \xC3\xA9\",\"Score\":4.50,\"Source\":null}");
}

TEST(WorkdayMappingTest, ColumnOrderDoesNotChangeTheRecord) {
  const auto a = MapRow(R"({"Candidate_ID": "C-1", "X": "1", "Y": [1, 2], "Stage": "Screen"})");
  const auto b = MapRow(R"({"Stage": "Screen", "Y": [1, 2], "X": "1", "Candidate_ID": "C-1"})");
  ASSERT_TRUE(a.outcome.ok() && b.outcome.ok());
  EXPECT_EQ(a.record.fields, b.record.fields);
  EXPECT_EQ(a.record.id, b.record.id);
}

TEST(WorkdayMappingTest, CustomColumns) {
  config::WorkdayColumns columns;
  columns.candidate_id = "Applicant";
  columns.application_id = "Application";
  columns.job_id = "Req";
  columns.stage = "Step";
  columns.status = "Disposition";
  columns.name = "Full_Name";
  columns.email = "Mail";
  columns.phone = "Mobile";
  columns.updated_at = "Last_Functionally_Updated";
  const auto m = MapRow(R"({"Applicant": "A-9", "Application": "JA-1", "Req": "R-1", "Step": "Offer",
      "Disposition": "Hired", "Full_Name": "Sam O'Neil", "Mail": "sam@example.org", "Mobile": "+1 555 0100",
      "Last_Functionally_Updated": "2026-04-01T00:00:00Z", "Candidate_ID": "ignored-now"})",
                        columns);
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  EXPECT_EQ(m.record.id, "JA-1");
  EXPECT_EQ(m.record.parent_id, "R-1");
  EXPECT_EQ(m.record.updated_at, "2026-04-01T00:00:00Z");
  EXPECT_EQ(Field(m.record, "stage"), "\"Offer\"");
  EXPECT_EQ(Field(m.record, "status"), "\"Hired\"");
  EXPECT_EQ(Field(m.record, "name"), "\"Sam O'Neil\"");
  EXPECT_EQ(Field(m.record, "phone"), "\"+1 555 0100\"");
  // The default alias is an ordinary column now.
  EXPECT_EQ(Field(m.record, "attributes"), R"({"Candidate_ID":"ignored-now"})");
}

TEST(WorkdayMappingTest, NonTextStageIsKeptAsCompactJson) {
  const auto m = MapRow(R"({"Candidate_ID": "C-1", "Stage": {"Descriptor": "Screen", "ID": 3}})");
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  EXPECT_EQ(Field(m.record, "stage"), R"({"Descriptor":"Screen","ID":3})");
}

TEST(WorkdayMappingTest, ARowWithoutACandidateIdIsRejected) {
  for (const std::string row :
       {R"({"Job_Application_ID": "JA-1"})", R"({"Candidate_ID": null})", R"({"Candidate_ID": ""})"}) {
    const auto m = MapRow(row);
    EXPECT_EQ(m.outcome.json, simdjson::SUCCESS) << row;
    EXPECT_NE(m.outcome.reason.find("missing candidate id"), std::string::npos) << row << m.outcome.reason;
    EXPECT_NE(m.outcome.reason.find("'Candidate_ID'"), std::string::npos) << m.outcome.reason;
  }
}

TEST(WorkdayMappingTest, AnIdThatIsNotTextIsRejected) {
  const auto m = MapRow(R"({"Candidate_ID": {"ID": "C-1"}})");
  EXPECT_EQ(m.outcome.json, simdjson::SUCCESS);
  EXPECT_NE(m.outcome.reason.find("must be text or a number, got object"), std::string::npos)
      << m.outcome.reason;
}

TEST(WorkdayMappingTest, InvalidJsonInsideTheRowIsADocumentError) {
  const auto m = MapRow(R"({"Candidate_ID": "C-1", "Stage": tru})");
  EXPECT_NE(m.outcome.json, simdjson::SUCCESS);
}

// ---- job postings --------------------------------------------------------------------------

TEST(WorkdayMappingTest, APostingIsKeyedByTheValueOfItsRequisitionReferenceId) {
  const auto m = MapPosting(R"({"id": "5a2f0c1e9d8b4c7a8e6f3b2a1c0d9e8f", "title": "Senior Backend Engineer",
      "jobRequisition": {"id": "Job_Requisition_ID=R-00008", "descriptor": "R-00008 Senior Backend Engineer",
                         "href": "https://h/jobRequisitions/8f26"},
      "jobPostingSite": {"id": "3c1e", "descriptor": "External Career Site"},
      "startDate": "2026-01-15", "endDate": null})");
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  const Record& r = m.record;
  EXPECT_EQ(r.entity, Entity::kJob);
  EXPECT_EQ(r.id, "R-00008");
  EXPECT_EQ(r.parent_id, "");
  EXPECT_EQ(Field(r, "posting_id"), "\"5a2f0c1e9d8b4c7a8e6f3b2a1c0d9e8f\"");
  EXPECT_EQ(Field(r, "id"), "\"5a2f0c1e9d8b4c7a8e6f3b2a1c0d9e8f\"");
  EXPECT_EQ(Field(r, "requisition_id"), "\"R-00008\"");
  EXPECT_EQ(Field(r, "title"), "\"Senior Backend Engineer\"");
  EXPECT_EQ(Field(r, "state"), "\"published\"");
  EXPECT_EQ(Field(r, "jobRequisition"),
            R"({"id":"Job_Requisition_ID=R-00008","descriptor":"R-00008 Senior Backend Engineer",)"
            R"("href":"https://h/jobRequisitions/8f26"})");
  EXPECT_EQ(Field(r, "jobPostingSite"), R"({"id":"3c1e","descriptor":"External Career Site"})");
  EXPECT_EQ(Field(r, "startDate"), "\"2026-01-15\"");
  EXPECT_EQ(Field(r, "endDate"), "null");
}

TEST(WorkdayMappingTest, APlainRequisitionIdWinsOverTheReference) {
  const auto m = MapPosting(R"({"jobRequisition": {"id": "d41f7a2c9b3e4f5a8c6d0e1f2a3b4c5d"},
      "jobRequisitionId": "R-00012", "id": "p-1", "title": "Payroll"})");
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  EXPECT_EQ(m.record.id, "R-00012");
}

TEST(WorkdayMappingTest, ACareerSiteStyleJobReqIdWinsOverAWidReference) {
  // The shape of the simulated tenant's postings: the requisition twice, plain and as a WID reference.
  const auto m = MapPosting(R"({"id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "title": "Payroll Specialist",
      "jobReqId": "R-00012",
      "jobRequisition": {"id": "d41f7a2c9b3e4f5a8c6d0e1f2a3b4c5d", "descriptor": "R-00012 Payroll Specialist"}})");
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  EXPECT_EQ(m.record.id, "R-00012");
  EXPECT_EQ(Field(m.record, "requisition_id"), "\"R-00012\"");
  EXPECT_EQ(Field(m.record, "jobReqId"), "\"R-00012\"");
}

TEST(WorkdayMappingTest, AWidReferenceIsUsedAsIs) {
  const auto m = MapPosting(R"({"id": "p-1", "jobRequisition": {"id": "d41f7a2c9b3e4f5a8c6d0e1f2a3b4c5d"}})");
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  EXPECT_EQ(m.record.id, "d41f7a2c9b3e4f5a8c6d0e1f2a3b4c5d");
}

TEST(WorkdayMappingTest, APostingWithoutARequisitionFallsBackToItsOwnId) {
  const auto m = MapPosting(R"({"id": "f1e2d3c4", "jobPostingTitle": "Coordinator", "descriptor": "Other"})");
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  EXPECT_EQ(m.record.id, "f1e2d3c4");
  EXPECT_EQ(Field(m.record, "requisition_id"), "null");
  EXPECT_EQ(Field(m.record, "title"), "\"Coordinator\"");
}

TEST(WorkdayMappingTest, TheDescriptorIsTheLastTitleFallback) {
  const auto m = MapPosting(R"({"id": "p-2", "descriptor": "Payroll Specialist"})");
  ASSERT_TRUE(m.outcome.ok()) << m.outcome.reason;
  EXPECT_EQ(Field(m.record, "title"), "\"Payroll Specialist\"");
  const auto none = MapPosting(R"({"id": "p-3"})");
  ASSERT_TRUE(none.outcome.ok());
  EXPECT_EQ(Field(none.record, "title"), "null");
}

TEST(WorkdayMappingTest, APostingWithoutAnIdIsRejected) {
  for (const std::string posting :
       {R"({"title": "x"})", R"({"id": ""})", R"({"id": null})", R"({"id": [1]})"}) {
    const auto m = MapPosting(posting);
    EXPECT_EQ(m.outcome.json, simdjson::SUCCESS) << posting;
    EXPECT_FALSE(m.outcome.reason.empty()) << posting;
  }
}

TEST(WorkdayMappingTest, ThePostingsOwnStateDoesNotOverrideTheDerivedOne) {
  const auto m = MapPosting(R"({"id": "p-1", "state": "weird", "requisition_id": "spoof"})");
  ASSERT_TRUE(m.outcome.ok());
  EXPECT_EQ(Field(m.record, "state"), "\"published\"");
  EXPECT_EQ(Field(m.record, "requisition_id"), "null");
  EXPECT_EQ(m.record.id, "p-1");
}

}  // namespace
}  // namespace ats::connectors::workday
