#pragma once
// Private to src/sim: the recruiting data of a simulated Workday tenant, how it is generated from
// a seed, mutated, and rendered as REST job postings and RaaS report entries. Not thread-safe:
// the WorkdayTenant that owns it holds its mutex around every call; a report download streams
// from an immutable WorkdayRows snapshot without the lock.
//
// Millions of report rows must cost little memory, so the generated ("base") applications are
// not stored: row i is a pure function of (seed, i). Only what mutations change is stored: an
// overlay of changed base rows, and the rows added since. Candidates' personal data (name,
// e-mail, phone, internal flag) is a pure function of (seed, candidate number) and per-row
// extras (source, skills, disposition reason, referrer) of (seed, application number), so a
// row record is 32 bytes and the overlay holds only records.
//
// Ids: Job_Application_ID "JA-000123" (its number is the row's position + 1, so an id finds its
// row at once), Candidate_ID "C-00042", Job_Requisition_ID "R-00012"; at least that many
// digits, more once the numbers grow. A candidate may hold two applications (two rows, same
// Candidate_ID, different Job_Application_ID and requisition): generated rows come in pairs
// (2k, 2k+1), and one pair in eight is one candidate's.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/json_writer.hpp"
#include "sim/workday_tenant.hpp"

namespace ats::sim::detail {

// Recruiting steps of a Workday job application, in funnel order.
inline constexpr int kWdStageCount = 8;
inline constexpr int kReadyForHireStage = 7;
std::string_view WdStageName(int stage);  // "Reference Check"
int WdStageIndex(std::string_view name);  // the display name; -1 when unknown

enum WdStatus : uint8_t { kWdActive = 0, kWdDeclined = 1, kWdWithdrawn = 2, kWdHired = 3 };
std::string_view WdStatusName(int status);

struct PostingRecord {
  std::string wid;              // the posting's 32-hex WID
  std::string requisition_wid;  // its requisition's WID
  uint32_t requisition = 0;     // the number in "R-00012"
  uint16_t title = 0;           // index into the built-in job titles
  uint8_t location = 0, site = 0, job_type = 0, time_type = 0;
  int32_t start_day = 0;  // days since 1970-01-01
  int32_t end_day = -1;   // -1: open-ended (endDate null)
  bool posted = true;     // false: the requisition has no live posting (not in the REST listing)
};

// One report row: a job application. 32 bytes.
struct AppRecord {
  uint64_t number = 0;     // Job_Application_ID number (= row index + 1)
  uint64_t candidate = 0;  // Candidate_ID number
  int64_t updated = 0;     // Last_Updated, Unix seconds
  uint32_t posting = 0;    // index into the postings (its requisition)
  uint8_t stage = 0;
  uint8_t status = kWdActive;
  bool deleted = false;
};

std::string ApplicationId(uint64_t number);  // "JA-000123"
std::string CandidateId(uint64_t number);    // "C-00042"
std::string RequisitionId(uint32_t number);  // "R-00012"

// Unix milliseconds, both ends inclusive, that rows' Last_Updated must fall in.
struct UpdatedRange {
  int64_t from_ms = INT64_MIN;
  int64_t to_ms = INT64_MAX;
  bool Contains(int64_t unix_s) const { return unix_s * 1000 >= from_ms && unix_s * 1000 <= to_ms; }
};
// A date prompt value: "YYYY-MM-DD" (the tenant-local day: its first millisecond, or with
// `end_of_day` its last) or an RFC 3339 date-time (that instant). nullopt when malformed.
std::optional<int64_t> ParseDatePromptMs(std::string_view value, bool end_of_day, int utc_offset_minutes);
// "2026-02-03T10:15:00.000-08:00": how Workday renders a date-time in the tenant's zone.
void AppendLocalTimestamp(std::string& out, int64_t unix_s, int utc_offset_minutes);

// Every row and posting at one moment. Immutable once shared: WorkdayData copies it before a
// mutation if a report download still holds it.
class WorkdayRows {
 public:
  uint64_t size() const { return base_count_ + added_.size(); }  // row slots, deleted ones too
  AppRecord Row(uint64_t index) const;
  const std::vector<PostingRecord>& postings() const { return postings_; }
  // One Report_Entry object.
  void AppendReportEntry(std::string& out, const AppRecord& row) const;
  SimApplication ToSim(const AppRecord& row) const;

 private:
  friend class WorkdayData;
  AppRecord BaseRow(uint64_t index) const;
  uint32_t BasePosting(uint64_t index) const;
  AppRecord& Slot(uint64_t index);  // a row to change in place (copied into the overlay)
  void AppendProtectedColumns(std::string& out, uint64_t candidate) const;

  uint64_t seed_ = 0;
  int utc_offset_minutes_ = 0;
  bool protected_columns_ = false;
  uint64_t base_count_ = 0;
  uint32_t base_postings_ = 0;  // base rows spread over the first this many postings
  std::vector<PostingRecord> postings_;
  std::unordered_map<uint64_t, AppRecord> overlay_;  // changed base rows, by index
  std::vector<AppRecord> added_;                     // rows base_count_, base_count_ + 1, ...
};

class WorkdayData {
 public:
  WorkdayData(std::string tenant, uint64_t seed, int postings, int applications, int utc_offset_minutes);

  std::shared_ptr<const WorkdayRows> Snapshot() const { return rows_; }
  const WorkdayRows& rows() const { return *rows_; }
  uint64_t live_applications() const { return live_; }

  std::optional<uint32_t> FindPosting(std::string_view wid) const;
  std::optional<uint32_t> FindRequisition(std::string_view requisition_id) const;  // "R-00012"
  std::optional<uint64_t> FindApplication(std::string_view application_id) const;  // live rows only

  // --- mutations; each advances the tenant data clock by one second first ---
  std::string AddApplication(uint32_t posting, std::optional<uint64_t> candidate = std::nullopt);
  bool MoveApplication(uint64_t index, int stage);  // also makes it Active again
  bool SetStatus(uint64_t index, int status);
  bool RemoveApplication(uint64_t index);
  std::string AddPosting();  // returns the new requisition id
  // The posting closes (leaves the REST listing; rows keep their requisition) or is posted
  // again. False when it already was.
  bool SetPosted(uint32_t posting, bool posted);
  std::string AddRequisition();  // a requisition without a posting; returns its id
  std::string MutateRandom();
  // Rows carry protected-characteristic columns (WorkdayTenantOptions::protected_columns).
  void SetProtectedColumns(bool on) { Mutable().protected_columns_ = on; }

  // REST rendering. `api_origin` is http://host:port; hrefs point at recruiting/v4.
  void WritePosting(JsonWriter& w, const PostingRecord& p, std::string_view api_origin) const;
  SimPosting ToSim(const PostingRecord& p) const;

 private:
  WorkdayRows& Mutable();
  void MakePosting(int32_t start_day);
  std::string NewWid();
  int64_t Tick() { return ++clock_; }
  uint64_t PickLive();

  std::string tenant_;
  std::shared_ptr<WorkdayRows> rows_;
  std::mt19937_64 rng_;         // postings and added rows
  std::mt19937_64 mutate_rng_;  // MutateRandom's choices
  int64_t clock_;               // tenant data clock (Unix seconds), only moves forward
  uint64_t next_candidate_ = 0;
  uint32_t next_requisition_ = 0;
  uint64_t live_ = 0;
  std::unordered_map<uint32_t, uint32_t> posting_by_requisition_;
  std::unordered_map<std::string, uint32_t> posting_by_wid_;
};

}  // namespace ats::sim::detail
