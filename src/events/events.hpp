#pragma once
// Builds the Kafka records the connector publishes: CloudEvents 1.0 in the Kafka protocol
// binding's binary mode (ce_* headers, the event data as the JSON value). Schemas: schemas/.
#include <optional>
#include <string>

#include "common/message.hpp"
#include "common/record.hpp"
#include "common/time.hpp"
#include "snapshot/differ.hpp"

namespace ats::events {

inline constexpr std::string_view kCandidateChangedType = "com.ats-connector.candidate-changed.v1";
inline constexpr std::string_view kJobImportedType = "com.ats-connector.job-imported.v1";
inline constexpr std::string_view kJobChangedType = "com.ats-connector.job-changed.v1";
inline constexpr std::string_view kDeadLetterType = "com.ats-connector.dead-letter.v1";
inline constexpr std::string_view kConnectionStatusType = "com.ats-connector.connection-status.v1";

struct Context {
  std::string connection;  // connection id
  std::string source;      // "workable"
  SystemTime detected_at;  // when the connector saw the change (ce_time)
};

// One change, one id: the same change (connection, entity, id, type, old and new content and
// the change's sequence, snapshot::Change::sequence) always gets the same id, so consumers can
// drop replays; a later change of the record never does, even when its content repeats an
// earlier one (a candidate deleted and re-created as it was). 32 hex chars of SHA-256.
std::string EventId(const Context& ctx, const snapshot::Change& change);

// A candidate's stage in the source's words and in the connector's vocabulary
// (connectors/stages.hpp).
struct StageInfo {
  std::string source;                    // Workable: stage name; Workday: Stage column
  std::string source_kind;               // Workable: stage_kind slug; Workday: Status column
  std::optional<std::string> canonical;  // nullopt: no mapping (the event says null)
};

struct CandidateExtras {
  CandidateExtras(bool follow_up_ = false) : follow_up(follow_up_) {}  // NOLINT(google-explicit-constructor)
  // The candidate entered one of the connection's trigger stages in this change.
  bool follow_up = false;
  std::optional<StageInfo> stage;           // current (last known for deleted)
  std::optional<StageInfo> previous_stage;  // updated, and the stage changed
};

// key "<connection>/<candidate id>"; data per schemas/candidate-changed.v1.schema.json.
Message CandidateChanged(const Context& ctx, const snapshot::Change& change, const CandidateExtras& extras,
                         const std::string& topic);
// key "<connection>/<job id>"; data per schemas/job-imported.v1.schema.json.
Message JobImported(const Context& ctx, const snapshot::Change& change, const std::string& topic);
// What happened to a job that is (or was, for left_selection) in the selection.
enum class JobChange { kUpdated, kClosed, kReopened, kArchived, kDeleted, kLeftSelection };
std::string_view ToString(JobChange change);  // "updated", "closed", ..., "left_selection"

struct JobChangeInfo {
  JobChange change = JobChange::kUpdated;
  std::optional<std::string> state;           // the job's state now (last known when it went away)
  std::optional<std::string> previous_state;  // its state before this change
};

// key "<connection>/<job id>"; data per schemas/job-changed.v1.schema.json. `change`: updated
// (changed_fields / previous are written) or deleted (the last known fields; nothing changed).
Message JobChanged(const Context& ctx, const snapshot::Change& change, const JobChangeInfo& info,
                   const std::string& topic);

// The current-state topics (ats.candidates.state.v1, ats.jobs.state.v1; compacted): not events,
// so no ce_* headers, only content-type. One helper for any change of a record the snapshot
// tracks, whatever event (if any) it also makes.
// key "<connection>/<id>"; value = the record exactly as the event's `candidate` / `job` object
// (schemas/candidate-state.v1.schema.json, job-state.v1.schema.json). A deleted change makes a
// tombstone (StateTombstone).
Message StateRecord(const Context& ctx, const snapshot::Change& change, const std::string& topic);
// key "<connection>/<id>", null value: the record was deleted or left the selection.
Message StateTombstone(const Context& ctx, std::string_view id, const std::string& topic);
// key "<connection>/<entity>"; data per schemas/dead-letter.v1.schema.json. The raw record is
// truncated to 64 KiB (the reason says so) so one huge field cannot block the topic.
Message DeadLetter(const Context& ctx, const RejectedRecord& rejected, const std::string& topic);

// A connection's status changed (the control API and the runtime report them); never a secret.
struct ConnectionStatusInfo {
  std::string change;  // created|updated|deleted|paused|resumed|active|failed|listing_completed
  std::string category, reason, fix;  // failed (reason redacted)
  long long records = 0, created = 0, updated = 0, deleted = 0, dead_lettered = 0;  // listing_completed
};
// key "<connection>"; data per schemas/connection-status.v1.schema.json; ce_time = ctx.detected_at.
Message ConnectionStatus(const Context& ctx, const ConnectionStatusInfo& info, const std::string& topic);

}  // namespace ats::events
