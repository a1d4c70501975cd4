#pragma once
// Staging and commits: the events of one or more pages travel to Kafka as a stage, with the
// snapshot states they imply; a stage's states (and its resume marker and metadata) are
// committed only once Kafka acknowledged its events. While one stage is in flight the next
// gathers (Advance), so a page costs no Kafka round trip and no fsync of its own. States about
// to be published are written ahead under PendingKey, so a crash between Kafka's
// acknowledgement and the commit loses nothing downstream heard of.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/message.hpp"
#include "common/record.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "pipeline/cycle_report.hpp"
#include "pipeline/listing_state.hpp"
#include "snapshot/snapshot_store.hpp"
#include "telemetry/metrics.hpp"

namespace ats::pipeline {

// Where staged events go: runtime::Publisher in production (runtime/publisher_outbox.hpp).
class Outbox {
 public:
  using Ticket = std::shared_ptr<void>;
  virtual ~Outbox() = default;
  // Enqueues the whole batch; not yet acknowledged.
  virtual Result<Ticket> Publish(const std::vector<Message>& batch) = 0;
  // Until Kafka acknowledged every event of the batch: Ok only if all of them were.
  virtual Result<void> Await(const Ticket& ticket) = 0;
  // Whether Await would return at once.
  virtual bool Settled(const Ticket& ticket) = 0;
  virtual Result<void> PublishAndAwait(const std::vector<Message>& batch) = 0;
};

// Events of one or more pages on their way to Kafka, and the snapshot states they imply.
struct Stage {
  Entity entity = Entity::kCandidate;
  std::vector<Message> messages;
  size_t bytes = 0;
  std::unordered_map<std::string, snapshot::StoredRecord> states;  // by id: the newest
  std::unordered_set<std::string> revived;  // re-created ids whose tombstone goes with the commit
  CycleReport counts;
  SystemTime newest{};             // newest updated_at listed
  std::vector<std::string> trail;  // sandbox mode: what each event says, logged once committed
  Outbox::Ticket ticket;
  std::optional<std::string> resume_marker;  // where an interrupted listing continues
  std::map<std::string, std::string> metas;  // metadata committed with the stage's states
  CycleReport* report = nullptr;             // the cycle's, which the counts join once committed
  void Add(Message message) {
    bytes += message.value.size();
    messages.push_back(std::move(message));
  }
};

class Stager {
 public:
  // A stage gathering pages while the previous one is in flight goes out at the latest here.
  static constexpr size_t kStageMessages = 5000;
  static constexpr size_t kStageBytes = 16 << 20;

  struct Deps {
    snapshot::SnapshotStore& store;
    Outbox& outbox;
    telemetry::Metrics& metrics;
    const ListingState& listing;  // the resume marker's key
    std::string connection;
    // A committed stage's newest updated_at, for the freshness gauge.
    std::function<void(Entity, SystemTime)> on_newest;
    // Write ahead the states a stage is about to publish (PendingKey). Off where the outbox makes
    // events and states visible together (cluster mode: one Kafka transaction); there a
    // commit also carries the events published since the previous one, even with no state.
    bool write_ahead = true;
  };
  explicit Stager(Deps deps);

  // The stage gathering (the same object across Advance: it is reset, not replaced).
  Stage& open() { return open_; }
  bool OpenFull() const { return open_.messages.size() >= kStageMessages || open_.bytes >= kStageBytes; }
  // Commits the stage in flight once Kafka acknowledged it (at once when `force` or open() is
  // full, else only if already acknowledged) and publishes open(). On failure the pipeline is
  // reset: nothing unacknowledged was committed.
  Result<void> Advance(bool force);
  Result<void> Flush();  // until everything staged is acknowledged and committed
  void Reset();          // drops both stages
  void DropOpen();       // drops the stage gathering (stopping: nothing new goes out)
  // The newest state of `id` downstream will have heard of, when staged and not yet committed.
  std::optional<snapshot::StoredRecord> StagedState(const std::string& id) const;
  // Newest updated_at of the current listing: committed, staged or in flight.
  SystemTime NewestSoFar() const;
  // Newest updated_at committed in the current listing (the cursor's candidate).
  SystemTime listing_newest() const { return listing_newest_; }
  void ResetListingNewest() { listing_newest_ = SystemTime{}; }

  // Publishes, waits for Kafka, then commits `batch` (outside the stages: deletions, job
  // lifecycle). Record states the batch publishes are written ahead under PendingKey and
  // removed by the commit. Clears both on success.
  Result<void> PublishAndCommit(std::vector<Message>& messages, snapshot::Batch& batch);

  // Where the states a batch is about to publish are written ahead ("~" never starts a
  // connection id, so these never mix with the snapshot's records).
  static snapshot::Key PendingKey(const snapshot::Key& key);
  // Where a deleted record leaves its last change sequence (snapshot::Change::sequence), so a
  // re-creation continues the count and gets a ce_id of its own. Removed when it is re-created.
  static snapshot::Key TombstoneKey(const snapshot::Key& key);

 private:
  void Committed(Stage& stage);
  void InFlightInto(snapshot::Batch& batch, bool publish);
  void CountError(const Error& error);

  Deps deps_;
  SystemTime listing_newest_{};
  Stage open_;                      // gathering
  std::optional<Stage> in_flight_;  // published, not yet acknowledged and committed
};

}  // namespace ats::pipeline
