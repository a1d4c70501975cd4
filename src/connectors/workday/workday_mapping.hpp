#pragma once
// Workday JSON -> ats::Record: REST job postings become job records, custom-report rows become
// candidate records (one per job application). Values are kept as compact JSON, so whatever a
// tenant sends (text, numbers, nulls, `*_group` arrays of objects) reaches events unchanged.
#include <simdjson.h>

#include <string>
#include <string_view>

#include "common/record.hpp"
#include "config/config.hpp"
#include "connectors/json_values.hpp"

namespace ats::connectors::workday {

namespace ondemand = simdjson::ondemand;

// The outcome of mapping one element. `json` is not SUCCESS when the element is not valid JSON
// (the document is broken, not just this record); otherwise `reason` is empty when the element
// was mapped, or says why it is rejected (dead-lettered).
struct MapOutcome {
  simdjson::error_code json = simdjson::SUCCESS;
  std::string reason;
  bool ok() const { return json == simdjson::SUCCESS && reason.empty(); }
};

// One `Report_Entry` element -> a candidate record, by `columns` (the report's column aliases):
//   id         = the application_id column when present and not empty, else candidate_id;
//                a row without a candidate id is rejected
//   parent_id  = the job_id column (the requisition the application is for)
//   updated_at = the updated_at column, as given
//   fields     = candidate_id, application_id, job_id (as JSON strings, numbers converted),
//                name, email, phone, stage, status, updated_at (compact JSON as given; null when
//                the column is absent), and `attributes`: a JSON object of every other column,
//                keys sorted so that reordering the report's columns changes nothing. Values are
//                as Workday sends them: booleans stay "0"/"1", `*_group` columns stay arrays.
MapOutcome MapReportEntry(ondemand::object& entry, const config::WorkdayColumns& columns, Record& out);

// One element of a REST job-postings page -> a job record.
//   id        = the requisition the posting belongs to, because that is what report rows
//               reference (Job_Requisition_ID): a plain `jobReqId` (as on Workday career sites),
//               `jobRequisitionId` or `requisitionId` string, else the `id` of the
//               `jobRequisition` reference (the value part of a
//               `Type=Value` reference id such as Job_Requisition_ID=R-00008); a posting without
//               any falls back to its own `id`
//   fields    = every top-level key as compact JSON (references stay {id, descriptor, href}),
//               plus posting_id, requisition_id (null when none), title (title, jobPostingTitle
//               or descriptor) and state = "published" (a posting listed by the API is live)
// A posting without a non-empty `id` is rejected.
MapOutcome MapJobPosting(ondemand::object& posting, Record& out);

// Shared with the other sources (connectors/json_values.hpp).
using connectors::AppendCompact;
using connectors::TypeName;

}  // namespace ats::connectors::workday
