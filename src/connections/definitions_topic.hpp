#pragma once
// The connections topic of cluster mode (cluster.connections_topic, compacted, one partition): the
// control plane's definitions that every replica reads whole and keeps in memory, with the
// connection-status topic beside it (for LastStatus). Writes go to the topic and return once
// acknowledged (acks=all) and read back by this replica (read-your-writes).
//
// Record keys and values:
//   connection/<id>  the canonical document sealed with the keyring (aad = the record key), or a
//                    removal marker {"removed":true,"purge":<bool>}; a tombstone forgets both
//   paused/<id>      "true"; a tombstone = resumed
//   resync/<id>      {"request_id":"<hex>","scope":{...}}; a tombstone = none pending
// No secret is ever in the topic in plain text. Records over 1 MiB, keys of another form, seals
// that do not open and values that do not parse are logged (by key), counted and skipped.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "connections/keyring.hpp"
#include "kafka/producer.hpp"
#include "kafka/topic_reader.hpp"

namespace ats::connections {

inline constexpr size_t kMaxDefinitionRecordBytes = 1024 * 1024;

struct DefinitionsOptions {
  std::string bootstrap_servers, topic, status_topic, client_id;
  std::map<std::string, std::string> rdkafka;  // kafka.rdkafka passthrough (security settings)
  const Keyring* keyring = nullptr;            // seals/opens documents (aad = record key)
};
// scope_json: {} | {"entity":...} | {"job_id":...} | {"candidate_id":...}
struct ResyncRequest {
  std::string request_id;
  std::string scope_json;
};
struct Removal {
  bool purge = false;
};
struct RemoteStatus {
  std::string change, category, reason, fix;
  SystemTime at{};
};

class DefinitionsTopic {
 public:
  // Starts the reader thread; on_change(id) is called (on the reader thread) after any record of
  // the connections topic about `id` is applied to the in-memory view, including during the
  // initial catch-up. (Status records update LastStatus without a call.) A write made from
  // on_change returns once acknowledged: the reader thread cannot wait for itself.
  static Result<std::unique_ptr<DefinitionsTopic>> Open(DefinitionsOptions options,
                                                        std::function<void(const std::string& id)> on_change);
  ~DefinitionsTopic();
  DefinitionsTopic(const DefinitionsTopic&) = delete;
  DefinitionsTopic& operator=(const DefinitionsTopic&) = delete;

  // Read to the end offsets at call time (on_change called for all of it). Not from on_change.
  Result<void> WaitCaughtUp(std::chrono::milliseconds timeout);
  // Writes (each: produced, acknowledged, read back; 10 s, then a retryable error).
  Result<void> Put(const std::string& id,
                   const std::string& document);           // plain canonical JSON, sealed in the topic
  Result<void> Remove(const std::string& id, bool purge);  // a removal marker (no secret)
  Result<void> SetPaused(const std::string& id, bool paused);
  Result<std::string> RequestResync(const std::string& id,
                                    const std::string& scope_json);  // returns request_id
  Result<void> Forget(
      const std::string& id);  // tombstones every record of id (the owner, after applying a removal)
  // Reads (in-memory view)
  std::optional<std::string> Get(const std::string& id) const;  // document (opened), none if absent/removed
  std::vector<std::pair<std::string, std::string>> List()
      const;                                                    // (id, document), id order, removed excluded
  std::optional<Removal> Removed(const std::string& id) const;  // a removal marker not yet forgotten
  bool Paused(const std::string& id) const;
  std::optional<ResyncRequest> PendingResync(const std::string& id) const;
  std::optional<RemoteStatus> LastStatus(
      const std::string& id) const;  // latest ats.connection-status.v1 heard for id
  // Records skipped as hostile or unreadable since Open.
  int64_t skipped() const;

  // "connection/<id>" and its siblings.
  static std::string ConnectionKey(const std::string& id) { return "connection/" + id; }
  static std::string PausedKey(const std::string& id) { return "paused/" + id; }
  static std::string ResyncKey(const std::string& id) { return "resync/" + id; }

 private:
  DefinitionsTopic(DefinitionsOptions options, std::function<void(const std::string&)> on_change)
      : options_(std::move(options)), on_change_(std::move(on_change)) {}
  void Run();
  // Applies one record to the view (mu_ held); the id it was about, none when skipped.
  std::optional<std::string> Apply(const kafka::ConsumedMessage& m);
  std::optional<std::string> ApplyDefinition(const kafka::ConsumedMessage& m);
  std::optional<std::string> ApplyStatus(const kafka::ConsumedMessage& m);
  void Skip(const kafka::ConsumedMessage& m, const std::string& why);
  // Produces `messages` (one write), waits for the acknowledgement, then for the read-back.
  Result<void> Write(std::vector<Message> messages);

  DefinitionsOptions options_;
  std::function<void(const std::string&)> on_change_;
  std::unique_ptr<kafka::TopicReader> reader_;
  std::unique_ptr<kafka::Producer> producer_;
  std::thread thread_;
  std::thread::id reader_thread_id_;

  mutable std::mutex mu_;
  std::condition_variable applied_;  // positions_ moved, or stopping_
  bool stopping_ = false;
  kafka::PartitionOffsets positions_;  // applied (and on_change called) up to here
  std::map<std::string, std::string> documents_;
  std::map<std::string, Removal> removals_;
  std::set<std::string> paused_;
  std::map<std::string, ResyncRequest> resyncs_;
  std::map<std::string, RemoteStatus> statuses_;
  int64_t skipped_ = 0;
};

}  // namespace ats::connections
