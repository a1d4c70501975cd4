// The jobs selection of a connection ("import additional jobs later"), moved here unchanged
// from the Service: GET the selection, POST {"job_ids": [...]} to import more, DELETE one.
#include <simdjson.h>

#include <algorithm>
#include <set>

#include "common/json_writer.hpp"
#include "common/log.hpp"
#include "control/control_api.hpp"
#include "runtime/sync_worker.hpp"

namespace ats::control {
namespace {

// {"job_ids": ["A", "B"]}: a non-empty list of non-empty strings.
Result<std::vector<std::string>> ParseJobIds(const std::string& body) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  std::vector<std::string> ids;
  auto bad = [] {
    return Error::Permanent(ErrorCategory::kBadResponse,
                            R"(expected a JSON body like {"job_ids": ["GROOV005", "4BC3F1C9E0"]})");
  };
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return bad();
  simdjson::ondemand::array array;
  if (doc["job_ids"].get_array().get(array)) return bad();
  for (auto element : array) {
    std::string_view id;
    if (element.get_string().get(id) || id.empty()) return bad();
    ids.emplace_back(id);
  }
  if (ids.empty()) return bad();
  return ids;
}

}  // namespace

// GET  /v1/connections/{id}/jobs  -> the selection and each job's import state
// POST /v1/connections/{id}/jobs  {"job_ids": [...]} -> imports more jobs, no restart
// DELETE /v1/connections/{id}/jobs/{job_id} -> the job leaves the selection (job-changed
//   left_selection; its candidates' events stop) until it is imported again
telemetry::AdminReply ControlApi::Jobs(const Request& request) {
  const auto reply = ErrorReply;
  std::optional<config::ConnectionConfig> connection;
  if (!request.captures.empty()) connection = deps_.runtime.Connection(request.captures[0]);
  if (!connection) return reply(404, "no connection with that id");

  // One read-modify-write of a connection's imported jobs at a time: concurrent imports all land.
  std::lock_guard write_lock(Lock(connection->id));
  const std::string key = runtime::SyncWorker::ImportedJobsKey(connection->id);
  auto stored = deps_.store.GetMeta(key);
  if (!stored) return reply(503, stored.error().message);
  std::vector<std::string> imported =
      stored->has_value() ? runtime::DecodeStringArray(**stored) : std::vector<std::string>{};
  const std::string removed_key = runtime::SyncWorker::RemovedJobsKey(connection->id);
  auto stored_removed = deps_.store.GetMeta(removed_key);
  if (!stored_removed) return reply(503, stored_removed.error().message);
  std::set<std::string> removed;
  if (stored_removed->has_value())
    for (auto& id : runtime::DecodeStringArray(**stored_removed)) removed.insert(std::move(id));
  auto stored_owed = deps_.store.GetMeta(runtime::SyncWorker::BackfillOwedKey(connection->id));
  if (!stored_owed) return reply(503, stored_owed.error().message);
  const runtime::OwedBackfills owed =
      stored_owed->has_value() ? runtime::DecodeOwedBackfills(**stored_owed) : runtime::OwedBackfills{};
  const auto wake = [&] {
    if (deps_.wake) deps_.wake(connection->id);
  };

  // The imported list (in import order) and the removed set, in one commit.
  const auto save = [&]() -> Result<void> {
    JsonWriter list;
    list.BeginArray();
    for (const auto& id : imported) list.String(id);
    list.EndArray();
    snapshot::Batch batch;
    batch.PutMeta(key, list.Take());
    batch.PutMeta(removed_key, runtime::EncodeStringArray(removed));
    return deps_.store.Commit(batch);
  };

  if (request.method == "POST") {
    auto ids = ParseJobIds(request.body);
    if (!ids) return reply(400, ids.error().message);
    for (auto& id : *ids) {
      removed.erase(id);  // imported again after a DELETE
      if (std::find(imported.begin(), imported.end(), id) == imported.end())
        imported.push_back(std::move(id));
    }
    if (auto saved = save(); !saved) return reply(503, saved.error().message);
    wake();
    Audit(request, "import_jobs", connection->id);
    log::Info("Jobs imported through the admin API.",
              {{"connection", connection->id}, {"jobs", ids->size()}});
  }

  if (request.method == "DELETE") {
    const std::string& job = request.captures.size() > 1 ? request.captures[1] : std::string();
    auto in_snapshot = deps_.store.Get({connection->id, Entity::kJob, job});
    if (!in_snapshot) return reply(503, in_snapshot.error().message);
    const bool named =
        std::find(imported.begin(), imported.end(), job) != imported.end() ||
        std::find(connection->jobs.begin(), connection->jobs.end(), job) != connection->jobs.end();
    if (!in_snapshot->has_value() && !named) return reply(404, "job " + job + " is not in the selection");
    imported.erase(std::remove(imported.begin(), imported.end(), job), imported.end());
    removed.insert(job);
    if (auto saved = save(); !saved) return reply(503, saved.error().message);
    wake();
    Audit(request, "remove_job", connection->id);
    log::Info("Job removed from the selection through the admin API.",
              {{"connection", connection->id}, {"job", job}});
  }

  JsonWriter w;
  w.BeginObject();
  w.Key("connection").String(connection->id);
  w.Key("jobs_rule").String(connection->all_jobs ? "all" : "list");
  w.Key("jobs").BeginArray();
  auto write_job = [&](const std::string& id, const char* origin) {
    auto in_snapshot = deps_.store.Get({connection->id, Entity::kJob, id});
    w.BeginObject();
    w.Key("job_id").String(id);
    w.Key("origin").String(origin);
    // imported: its job-imported event and its candidates' backfill were acknowledged by Kafka;
    // pending: not yet; removed: taken out with DELETE (it leaves at the next cycle).
    const char* state = removed.count(id) > 0                                            ? "removed"
                        : in_snapshot && in_snapshot->has_value() && owed.count(id) == 0 ? "imported"
                                                                                         : "pending";
    w.Key("state").String(state);
    w.EndObject();
  };
  for (const auto& id : connection->jobs) write_job(id, "config");
  for (const auto& id : imported)
    if (std::find(connection->jobs.begin(), connection->jobs.end(), id) == connection->jobs.end())
      write_job(id, "api");
  if (connection->all_jobs) {
    (void)deps_.store.ForEach(connection->id, Entity::kJob,
                              [&](std::string_view id, const snapshot::StoredRecord&) {
                                const std::string job(id);
                                if (std::find(imported.begin(), imported.end(), job) == imported.end())
                                  write_job(job, "all");
                                return true;
                              });
  }
  w.EndArray();
  w.EndObject();
  return {request.method == "GET" ? 200 : 202, w.Take()};
}

}  // namespace ats::control
