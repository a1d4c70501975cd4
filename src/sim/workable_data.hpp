#pragma once
// Private to src/sim: the records of a simulated Workable account, how they are generated from
// a seed and mutated, and how they render as Workable SPI v3 JSON. Not thread-safe: the
// WorkableTenant that owns it holds its mutex around every call.
//
// Records are stored in insertion order and never erased (a deleted candidate keeps its slot
// with `deleted` set), so a record's index is its insertion sequence and listings page by it.
// Ids are lowercase hex of a counter that only grows, started just below a power of 16 so that
// the first ids are one digit shorter than the rest ("fffffe3", "10000001"): they keep
// insertion order as numbers but not as strings, like Workable's.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/json_writer.hpp"
#include "sim/workable_tenant.hpp"

namespace ats::sim::detail {

inline constexpr int kStageCount = 8;
inline constexpr int kHiredStage = 7;
inline constexpr int kOfferStage = 6;
std::string_view StageKind(int stage);  // "phone-screen"
std::string_view StageName(int stage);  // "Phone Screen"
int StageIndex(std::string_view kind);  // -1 when unknown

inline constexpr int kJobStateCount = 4;
std::string_view JobStateName(int state);  // draft|published|closed|archived
int JobStateIndex(std::string_view name);  // -1 when unknown

struct JobRecord {
  uint64_t id_value = 0;
  std::string id;         // hex of id_value
  std::string shortcode;  // 10 uppercase hex chars
  std::string code;       // "GB/07/SBE"
  std::string location_shortcode;
  uint32_t numeric_id = 0;  // the number in url/application_url/profile_url
  uint16_t title = 0;       // index into the built-in titles (which also give the department)
  uint8_t location = 0;
  uint8_t state = 1;
  uint8_t workplace = 0;  // on_site|hybrid|remote
  int32_t salary_from = 0, salary_to = 0;
  int64_t created_at = 0, updated_at = 0;  // Unix seconds
};

struct CandidateRecord {
  uint64_t id_value = 0;
  std::string id;
  uint32_t job = 0;  // index into jobs
  uint16_t first = 0, last = 0, headline = 0, street = 0;
  uint8_t location = 0, source = 0, stage = 1, street_suffix = 0;
  uint16_t house = 0;
  uint16_t email_suffix = 0;  // 0 = none
  uint64_t phone = 0;         // subscriber digits
  bool sourced = false;
  bool disqualified = false;
  bool deleted = false;
  bool api_created = false;  // outlet "SPI"
  std::string disqualification_reason;
  uint32_t profile_number = 0;
  int64_t created_at = 0, updated_at = 0;
  int64_t hired_at = 0, moved_to_offer_at = 0, disqualified_at = 0;  // 0 = null
};

class TenantData {
 public:
  TenantData(std::string subdomain, uint64_t seed, int jobs, int candidates_per_job);

  const std::vector<JobRecord>& jobs() const { return jobs_; }
  const std::vector<CandidateRecord>& candidates() const { return candidates_; }
  const std::string& subdomain() const { return subdomain_; }

  std::optional<size_t> FindJob(std::string_view shortcode) const;
  // A live (not deleted) candidate.
  std::optional<size_t> FindCandidate(std::string_view id) const;
  // Index of the first record whose id is at or after `since_id` in insertion order (the id
  // need not exist any more; it is compared as the number it encodes); nullopt if it is not a
  // hex id at all.
  std::optional<size_t> CandidateLowerBound(std::string_view since_id) const;
  std::optional<size_t> JobLowerBound(std::string_view since_id) const;

  // While frozen, mutations share the current second (records with equal updated_at, as a
  // real tenant produces when several changes land in one second).
  void FreezeClock(bool frozen) { clock_frozen_ = frozen; }
  // Candidates carry protected answers (WorkableTenantOptions::protected_answers).
  void SetProtectedAnswers(bool on) { protected_answers_ = on; }
  int64_t clock() const { return clock_; }  // the updated_at the latest mutation got
  // --- mutations; each advances the tenant clock by one second first (unless frozen) ---
  std::string AddCandidate(size_t job_index);
  bool MoveCandidate(size_t index, int stage);
  bool Disqualify(size_t index, const std::string& reason);
  bool DeleteCandidate(size_t index);
  // Brings a deleted candidate back exactly as it was (same id, fields and updated_at), as a
  // tenant restoring a record from its trash does. False when `id` is not a deleted candidate.
  bool RestoreCandidate(std::string_view id);
  std::string AddJob(int state);
  bool SetJobState(size_t job_index, int state);
  // One random mutation, described in a line for logs.
  std::string MutateRandom();

  // --- rendering ---
  void WriteJob(JsonWriter& w, const JobRecord& job, bool detail) const;
  void WriteCandidate(JsonWriter& w, const CandidateRecord& c, bool detail) const;
  void WriteStages(JsonWriter& w) const;  // {"stages":[...]}
  void WriteAccounts(JsonWriter& w) const;
  std::string Email(const CandidateRecord& c) const;

  SimJob ToSim(const JobRecord& job) const;
  SimCandidate ToSim(const CandidateRecord& c) const;

 private:
  uint64_t Next() { return rng_(); }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  int64_t Tick() { return clock_frozen_ ? clock_ : ++clock_; }
  void MakeJob(int state, int64_t created_at, int64_t updated_at);
  void MakeCandidate(uint32_t job, int stage, int64_t created_at, int64_t updated_at);
  std::string NewShortcode(size_t hex_digits);

  std::string subdomain_, account_name_, account_id_;
  std::mt19937_64 rng_;         // generation, and the attributes of added records
  std::mt19937_64 mutate_rng_;  // MutateRandom's choices
  int64_t clock_;               // tenant clock (Unix seconds), only moves forward
  bool clock_frozen_ = false;
  bool protected_answers_ = false;
  void WriteAnswers(JsonWriter& w, const CandidateRecord& c) const;
  uint64_t next_job_value_ = 0, next_candidate_value_ = 0;
  uint32_t next_job_number_ = 0, next_profile_number_ = 0;
  int64_t stage_id_base_ = 0;
  std::vector<std::string> stage_identifiers_;
  std::vector<JobRecord> jobs_;
  std::vector<CandidateRecord> candidates_;
  std::unordered_map<std::string, size_t> job_by_shortcode_;
  std::unordered_map<std::string, size_t> candidate_by_id_;  // includes deleted ones
  size_t live_candidates_ = 0;
};

}  // namespace ats::sim::detail
