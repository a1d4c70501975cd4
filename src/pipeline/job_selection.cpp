#include "pipeline/job_selection.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "common/json_writer.hpp"

namespace ats::pipeline {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string FieldString(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  std::string out;
  if (it != fields.end()) DecodeJsonString(it->second, out);
  return out;
}

}  // namespace

// ["a","b"] -> {a, b} (decoded by simdjson: any escape, any id); anything else -> {}.
std::vector<std::string> DecodeStringArray(std::string_view json) {
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parser.parse(simdjson::padded_string(json)).get_array().get(array)) return out;
  for (auto element : array) {
    std::string_view value;
    if (!element.get_string().get(value)) out.emplace_back(value);
  }
  return out;
}

std::string EncodeStringArray(const std::set<std::string>& ids) {
  JsonWriter w;
  w.BeginArray();
  for (const auto& id : ids) w.String(id);
  w.EndArray();
  return w.Take();
}

std::string EncodeOwedBackfills(const OwedBackfills& owed) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [job, imported_at] : owed) w.Key(job).String(FormatRfc3339Millis(imported_at));
  w.EndObject();
  return w.Take();
}

OwedBackfills DecodeOwedBackfills(std::string_view json) {
  OwedBackfills out;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(simdjson::padded_string(json)).get_object().get(object)) return out;
  for (auto field : object) {
    std::string_view text;
    if (field.value.get_string().get(text)) continue;
    if (auto at = ParseRfc3339(text)) out.emplace(std::string(field.key), *at);
  }
  return out;
}

std::string ImportedJobsKey(const std::string& connection) {
  return "selection/" + connection + "/imported";
}

std::string RemovedJobsKey(const std::string& connection) {
  return "selection/" + connection + "/removed";
}

std::string BackfillOwedKey(const std::string& connection) {
  return "selection/" + connection + "/backfill_owed";
}

JobSelection::JobSelection(const config::ConnectionConfig& connection) : connection_(connection) {
  if (!connection_.all_jobs) job_filter_.insert(connection_.jobs.begin(), connection_.jobs.end());
  for (const auto& s : connection_.job_states) states_filter_.insert(JsonString(s));
}

Result<void> JobSelection::Load(snapshot::SnapshotStore& store) {
  backfill_done_.clear();
  refused_row_jobs_.clear();
  for (auto [key, slot] : {std::pair{ImportedJobsKey(connection_.id), &api_jobs_},
                           std::pair{RemovedJobsKey(connection_.id), &removed_jobs_}}) {
    slot->clear();
    auto stored = store.GetMeta(key);
    if (!stored) return stored.error();
    if (stored->has_value())
      for (auto& id : DecodeStringArray(**stored)) slot->insert(std::move(id));
  }
  auto owed = store.GetMeta(BackfillOwedKey(connection_.id));
  if (!owed) return owed.error();
  owed_ = owed->has_value() ? DecodeOwedBackfills(**owed) : OwedBackfills{};
  return Ok();
}

bool JobSelection::Matches(const Record& job) const {
  // Imported through the admin API: selected whatever its state, department or location.
  if (api_jobs_.count(job.id) > 0) return true;
  if (!job_filter_.empty() && job_filter_.count(job.id) == 0) return false;
  if (!connection_.job_departments.empty()) {
    const std::string department = Lower(FieldString(job.fields, "department"));
    if (std::none_of(connection_.job_departments.begin(), connection_.job_departments.end(),
                     [&](const std::string& d) { return Lower(d) == department; }))
      return false;
  }
  if (!connection_.job_locations.empty()) {
    // The location is an object (Workable: location_str, city, country...): a configured
    // location selects the job when any of its text mentions it.
    auto it = job.fields.find("location");
    const std::string location = it == job.fields.end() ? "" : Lower(it->second);
    if (std::none_of(connection_.job_locations.begin(), connection_.job_locations.end(),
                     [&](const std::string& l) { return location.find(Lower(l)) != std::string::npos; }))
      return false;
  }
  if (states_filter_.empty()) return true;
  // job_states applies to sources whose jobs have a state (Workable). A Workday job posting is
  // listed only while it is posted, and carries no state to filter on.
  auto it = job.fields.find("state");
  return it == job.fields.end() || states_filter_.count(it->second) > 0;
}

bool JobSelection::UserRemoved(const std::string& job) const {
  if (removed_jobs_.count(job) > 0) return true;
  if (api_jobs_.count(job) > 0) return false;
  return !connection_.all_jobs && job_filter_.count(job) == 0;  // dropped from (or never in) `jobs`
}

bool JobSelection::AdmitsRowJob(const std::string& job) const {
  const bool by_rule =
      connection_.all_jobs && connection_.job_departments.empty() && connection_.job_locations.empty();
  return !UserRemoved(job) && (by_rule || api_jobs_.count(job) > 0 || job_filter_.count(job) > 0);
}

void JobSelection::AllOwedDone() {
  for (const auto& [job, imported_at] : owed_) backfill_done_.insert(job);
}

bool JobSelection::Settle(bool no_candidates) {
  // Without a candidates listing there is nothing to backfill.
  if (no_candidates) AllOwedDone();
  if (backfill_done_.empty()) return false;
  for (const auto& id : backfill_done_) owed_.erase(id);
  backfill_done_.clear();
  return true;
}

}  // namespace ats::pipeline
