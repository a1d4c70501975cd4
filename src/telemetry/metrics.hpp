#pragma once
// Every metric the connector exports, owned by the runtime and created once. Names follow
// ats_connector_<what>_<unit>; labels are bounded (connection, entity, type, kind, code).
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace ats::telemetry {

class Metrics {
 public:
  Metrics();
  prometheus::Registry& registry() { return *registry_; }
  // Prometheus text exposition format of everything registered.
  std::string Serialize() const;

  // Per-connection handles; look them up once and keep the references (Family::Add is a
  // locked map lookup).
  prometheus::Gauge& SyncLag(const std::string& connection);             // now - last successful sync, s
  prometheus::Gauge& LastSuccessfulSync(const std::string& connection);  // Unix s
  prometheus::Gauge& SourceFreshness(const std::string& connection, const std::string& entity);
  prometheus::Counter& Errors(const std::string& connection, const std::string& kind);
  prometheus::Counter& RecordsFetched(const std::string& connection, const std::string& entity);
  prometheus::Counter& EventsPublished(const std::string& connection, const std::string& type);
  prometheus::Counter& DeadLettered(const std::string& connection, const std::string& entity);
  prometheus::Counter& HttpRequests(const std::string& connection, const std::string& code);
  prometheus::Histogram& HttpRequestDuration(const std::string& connection, const std::string& code);
  prometheus::Gauge& RateLimitRemaining(const std::string& connection);
  prometheus::Histogram& SyncDuration(const std::string& connection);
  prometheus::Gauge& ConnectionUp(const std::string& connection);
  prometheus::Counter& AuthRetries(const std::string& connection);
  // A page or listing past a configured bound; `limit`: page_bytes, page_records, listing_pages,
  // next_url_bytes.
  prometheus::Counter& PageLimitExceeded(const std::string& connection, const std::string& limit);
  prometheus::Gauge& KafkaQueueMessages();
  prometheus::Counter& ProducerRecreated();
  // Requests the HTTP port refused before a handler ran, by reason (bounded: see RefusalName).
  prometheus::Counter& HttpServerRefused(const std::string& reason);
  prometheus::Gauge& SnapshotWritable();  // 1 while the snapshot takes commits, else 0
  // How late a sync cycle started after it was due (the scheduler's queue; no labels).
  prometheus::Histogram& CycleStartLateness();
  // Cluster mode (docs/operations.md "Cluster mode"); 0 in single mode.
  prometheus::Gauge& ClusterStatePartitions();      // the configured state_partitions
  prometheus::Gauge& ClusterPartitionsOwned();
  prometheus::Gauge& ClusterPartitionsRestoring();
  prometheus::Gauge& ClusterRestoreLag();           // changelog records left to restore
  prometheus::Histogram& ClusterRestoreDuration();  // one assigned partition's restore, s
  prometheus::Counter& ClusterRebalances(const std::string& kind);        // assigned|revoked|lost
  prometheus::Counter& ClusterTransactions(const std::string& outcome);   // committed|aborted
  prometheus::Counter& ClusterProducerFenced();
  prometheus::Gauge& ClusterConnectionsOwned();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>* sync_lag_;
  prometheus::Family<prometheus::Gauge>* last_sync_;
  prometheus::Family<prometheus::Gauge>* freshness_;
  prometheus::Family<prometheus::Counter>* errors_;
  prometheus::Family<prometheus::Counter>* records_fetched_;
  prometheus::Family<prometheus::Counter>* events_published_;
  prometheus::Family<prometheus::Counter>* dead_lettered_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Family<prometheus::Histogram>* http_duration_;
  prometheus::Family<prometheus::Gauge>* rate_limit_remaining_;
  prometheus::Family<prometheus::Histogram>* sync_duration_;
  prometheus::Family<prometheus::Gauge>* connection_up_;
  prometheus::Family<prometheus::Counter>* auth_retries_;
  prometheus::Family<prometheus::Counter>* page_limits_;
  prometheus::Family<prometheus::Gauge>* kafka_queue_;
  prometheus::Family<prometheus::Counter>* producer_recreated_;
  prometheus::Family<prometheus::Counter>* http_refused_;
  prometheus::Family<prometheus::Gauge>* snapshot_writable_;
  prometheus::Family<prometheus::Histogram>* cycle_lateness_;
  prometheus::Histogram* cycle_lateness_all_;
  prometheus::Gauge* cluster_state_partitions_;
  prometheus::Gauge* cluster_owned_;
  prometheus::Gauge* cluster_restoring_;
  prometheus::Gauge* cluster_restore_lag_;
  prometheus::Histogram* cluster_restore_duration_;
  prometheus::Family<prometheus::Counter>* cluster_rebalances_;
  prometheus::Family<prometheus::Counter>* cluster_transactions_;
  prometheus::Counter* cluster_fenced_;
  prometheus::Gauge* cluster_connections_;
};

}  // namespace ats::telemetry
