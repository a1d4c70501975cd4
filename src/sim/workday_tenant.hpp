#pragma once
// A simulated Workday tenant over real HTTP on loopback: the OAuth token endpoint
// (refresh_token grant, optional rotation, invalid_grant / invalid_client modes), REST job
// postings (limit/offset, {"total","data"}), and a RaaS custom report
// ({"Report_Entry":[...]}, streamed by the server with chunked encoding so that reports of
// millions of entries never sit in memory), with error/permission modes, mutations and request
// counters. Used by sandbox mode, tests and benchmarks.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/protected_marker.hpp"

namespace ats::sim {

struct WorkdayTenantOptions {
  std::string tenant = "acme";
  std::string client_id = "sim-client-id";
  std::string client_secret = "sim-client-secret-0123456789";
  std::string refresh_token = "sim-refresh-token-0123456789";
  std::string isu_username = "ISU_ATS@acme";  // Basic auth to the report
  std::string isu_password = "sim-isu-password-0123456789";
  int access_token_ttl_s = 3600;      // expires_in (0 = omit the field)
  bool rotate_refresh_token = false;  // each token response carries a new refresh_token
  uint64_t seed = 7;
  int job_postings = 8;
  int applications = 100;  // report rows (candidate × job application)
  std::string report_owner = "ISU_ATS";
  std::string report_name = "ATS_Candidates";
  // The tenant's time zone: Last_Updated is rendered in it (2026-02-03T10:15:00.000-08:00) and
  // date-only report prompts (From_Date=2026-02-03) mean its local days. Fixed, no DST.
  int utc_offset_minutes = -8 * 60;
  int report_chunk_rows = 256;  // report entries per chunk of the chunked response body
  // Report rows also carry the columns a Workday report can hold about protected
  // characteristics (Gender, Ethnicity_Reference, Date_of_Birth, Veteran_Status,
  // Disability_Status, Hispanic_or_Latino and a Personal_Data_group of Religion /
  // Sexual_Orientation). Every value starts with kProtectedMarker, so a test can search any
  // output for it; the Veteran_Status value starts with kProtectedMarker + "VETERAN-".
  bool protected_columns = false;
  std::string listen_host = "127.0.0.1";
  int port = 0;
};

struct SimPosting {
  std::string id;  // 32-hex WID
  std::string title;
  std::string requisition_id;  // e.g. R-00012: what report rows reference
  std::string posted_on;       // the posting's startDate, YYYY-MM-DD
};

struct SimApplication {
  std::string application_id;  // e.g. JA-000123
  std::string candidate_id;    // e.g. C-00042
  std::string requisition_id;
  std::string name, email, phone;
  std::string stage;         // e.g. "Screen", "Assessment", "Interview", "Reference Check", "Offer"
  std::string status;        // e.g. "Active", "Declined"
  std::string last_updated;  // RFC 3339
};

enum class WorkdayFault {
  kNone,
  kInvalidGrant,       // token endpoint: 400 {"error":"invalid_grant"} (refresh token revoked)
  kInvalidClient,      // token endpoint: 401 {"error":"invalid_client"} (client id/secret wrong)
  kInsufficientScope,  // API and report: 403 with Workday's error body (missing Recruiting scope)
  kExpireTokens,       // every access token issued so far is rejected with 401 invalid_token
  kServerError,        // next `count` API/report calls: 500
  kTruncateReport,     // next `count` report downloads stop half way (connection closed)
};

struct WorkdayStats {
  int64_t requests = 0;
  int64_t token_requests = 0;
  int64_t report_requests = 0;
  int64_t rest_requests = 0;
  int64_t unauthorized = 0;  // 401s sent by the API and the report (bad/expired token, bad ISU password)
  int64_t report_rows = 0;   // report entries streamed
  // The largest chunk a report download handed to the socket: what one download holds in memory.
  int64_t report_max_chunk_bytes = 0;
};

class WorkdayTenant {
 public:
  explicit WorkdayTenant(WorkdayTenantOptions options);
  ~WorkdayTenant();
  WorkdayTenant(const WorkdayTenant&) = delete;
  WorkdayTenant& operator=(const WorkdayTenant&) = delete;

  bool Start();
  void Stop();
  int port() const;
  // http://127.0.0.1:<port>/ccx/api/v1/<tenant>: the REST endpoint a connection points at.
  std::string rest_endpoint() const;
  // http://127.0.0.1:<port>/ccx/oauth2/<tenant>/token
  std::string token_endpoint() const;
  // http://127.0.0.1:<port>/ccx/service/customreport2/<tenant>/<owner>/<report>
  std::string report_url() const;
  // The refresh token currently accepted (changes when rotation is on).
  std::string current_refresh_token() const;

  std::vector<SimPosting> postings() const;  // live postings only
  std::vector<SimApplication> applications() const;

  // Mutations (each bumps last_updated on the tenant's data clock, which starts at
  // 2026-01-01T00:00:00Z and moves one second per mutation; generated rows lie in the year
  // before). Stages are display names ("Reference Check"); moving makes an application Active.
  std::string AddApplication(const std::string& requisition_id);
  bool MoveApplication(const std::string& application_id, const std::string& stage);
  bool RemoveApplication(const std::string& application_id);
  std::string AddPosting();
  // The requisition's posting closes: it leaves the REST listing (and GET by id answers 404)
  // while report rows keep referencing the requisition. Reopen posts it again. False when the
  // requisition is unknown or already in that state.
  bool ClosePosting(const std::string& requisition_id);
  bool ReopenPosting(const std::string& requisition_id);
  // A requisition that never had a posting (AddApplication can add rows to it); returns its id.
  std::string AddRequisitionWithoutPosting();
  std::vector<std::string> MutateRandom(int n);

  // One fault at a time; kNone clears it. kServerError and kTruncateReport affect the next
  // `count` calls (at least one). kInvalidGrant, kInvalidClient and kInsufficientScope affect
  // the next `count` calls they apply to, or every call until cleared when `count` is 0.
  // kExpireTokens acts at once (every access token issued so far stops working) and leaves no
  // fault set.
  void SetFault(WorkdayFault fault, int count = 0);
  // Moves the tenant's wall clock (which access-token expiry is judged by) forward.
  void AdvanceClock(int64_t seconds);
  WorkdayStats stats() const;
  void ResetStats();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ats::sim
