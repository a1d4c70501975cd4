#include "telemetry/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace ats::telemetry {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// HTTP calls to ATS APIs: tens of ms to tens of seconds.
const prometheus::Histogram::BucketBoundaries kHttpBuckets{0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                           1,    2.5,   5,    10,  30};
// A whole sync cycle: a second to hours for a full listing under rate limits.
const prometheus::Histogram::BucketBoundaries kSyncBuckets{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
// A cycle's start after its due time: on time is milliseconds, a starved pool seconds to a minute.
const prometheus::Histogram::BucketBoundaries kLatenessBuckets{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60};

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  sync_lag_ =
      &BuildGauge()
           .Name("ats_connector_sync_lag_seconds")
           .Help("Seconds since the connection's last successful sync cycle (since start-up if none).")
           .Register(r);
  last_sync_ = &BuildGauge()
                    .Name("ats_connector_last_successful_sync_timestamp_seconds")
                    .Help("Unix time of the connection's last successful sync cycle (0 if none).")
                    .Register(r);
  freshness_ = &BuildGauge()
                    .Name("ats_connector_source_freshness_seconds")
                    .Help("Seconds between now and the newest updated_at seen at the source, per entity.")
                    .Register(r);
  errors_ = &BuildCounter()
                 .Name("ats_connector_errors_total")
                 .Help(
                     "Errors by kind (auth, permission, not_found, rate_limited, server, transport, "
                     "bad_response, bad_record, unsafe_url, kafka, snapshot, config, internal).")
                 .Register(r);
  records_fetched_ = &BuildCounter()
                          .Name("ats_connector_records_fetched_total")
                          .Help("Records read from the source, per entity.")
                          .Register(r);
  events_published_ = &BuildCounter()
                           .Name("ats_connector_events_published_total")
                           .Help("Events acknowledged by Kafka, per event type.")
                           .Register(r);
  dead_lettered_ =
      &BuildCounter()
           .Name("ats_connector_dead_letter_records_total")
           .Help("Source records that could not be normalised and went to the dead-letter topic.")
           .Register(r);
  http_requests_ = &BuildCounter()
                        .Name("ats_connector_http_requests_total")
                        .Help("Requests to the source API by HTTP status code (\"error\" = no response).")
                        .Register(r);
  http_duration_ = &BuildHistogram()
                        .Name("ats_connector_http_request_duration_seconds")
                        .Help("Duration of requests to the source API by HTTP status code.")
                        .Register(r);
  rate_limit_remaining_ = &BuildGauge()
                               .Name("ats_connector_rate_limit_remaining")
                               .Help(
                                   "Requests left in the source's current rate-limit window "
                                   "(X-Rate-Limit-Remaining; -1 until a response reported it).")
                               .Register(r);
  sync_duration_ = &BuildHistogram()
                        .Name("ats_connector_sync_duration_seconds")
                        .Help("Duration of sync cycles that completed successfully.")
                        .Register(r);
  connection_up_ = &BuildGauge()
                        .Name("ats_connector_connection_up")
                        .Help("1 when the connection's last sync cycle succeeded, 0 when it failed.")
                        .Register(r);
  auth_retries_ =
      &BuildCounter()
           .Name("ats_connector_auth_retries_total")
           .Help("API calls answered 401 (expired access token) and retried once with a fresh token.")
           .Register(r);
  page_limits_ =
      &BuildCounter()
           .Name("ats_connector_page_limit_exceeded_total")
           .Help(
               "Pages or listings refused for passing a configured bound; limit is page_bytes "
               "(max_page_mib), page_records (max_page_records), listing_pages (max_listing_pages) or "
               "next_url_bytes (max_next_url_bytes).")
           .Register(r);
  kafka_queue_ = &BuildGauge()
                      .Name("ats_connector_kafka_queue_messages")
                      .Help("Messages in the producer's queue or in flight, not yet acknowledged.")
                      .Register(r);
  producer_recreated_ = &BuildCounter()
                             .Name("ats_connector_kafka_producer_recreated_total")
                             .Help("Times the Kafka producer was recreated after a fatal error.")
                             .Register(r);
  http_refused_ =
      &BuildCounter()
           .Name("ats_connector_http_server_refused_total")
           .Help(
               "Requests the HTTP port refused before a handler ran, by reason (body_too_large, "
               "length_required, compressed_body, unauthorized, busy, not_found, method_not_allowed).")
           .Register(r);
  snapshot_writable_ = &BuildGauge()
                            .Name("ats_connector_snapshot_writable")
                            .Help("1 while the snapshot takes commits; 0 after a failed write (e.g. a full "
                                  "disk) until it recovers, or for good once its directory was removed")
                            .Register(r);
  cycle_lateness_ = &BuildHistogram()
                         .Name("ats_connector_cycle_start_lateness_seconds")
                         .Help("How late sync cycles started after they were due (scheduler queue and pool).")
                         .Register(r);
  cycle_lateness_all_ = &cycle_lateness_->Add({}, kLatenessBuckets);
  const auto gauge = [&](const char* name, const char* help) {
    return &BuildGauge().Name(name).Help(help).Register(r).Add({});
  };
  cluster_state_partitions_ = gauge("ats_connector_cluster_state_partitions",
                                    "Partitions of the state topic (cluster.state_partitions); 0 in single mode.");
  cluster_owned_ = gauge("ats_connector_cluster_partitions_owned",
                         "State partitions this replica owns (restored or restoring).");
  cluster_restoring_ = gauge("ats_connector_cluster_partitions_restoring",
                             "Owned state partitions still restoring their local cache from the changelog.");
  cluster_restore_lag_ = gauge("ats_connector_cluster_restore_lag_records",
                               "Changelog records left to restore on this replica's restoring partitions.");
  cluster_connections_ = gauge("ats_connector_cluster_connections_owned", "Connections this replica runs.");
  cluster_restore_duration_ = &BuildHistogram()
                                   .Name("ats_connector_cluster_restore_duration_seconds")
                                   .Help("Time from a partition's assignment to its restored local cache.")
                                   .Register(r)
                                   .Add({}, prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300});
  cluster_rebalances_ = &BuildCounter()
                             .Name("ats_connector_cluster_rebalances_total")
                             .Help("Partitions assigned to, revoked from or lost by this replica (kind).")
                             .Register(r);
  for (const char* kind : {"assigned", "revoked", "lost"}) cluster_rebalances_->Add({{"kind", kind}});
  cluster_transactions_ = &BuildCounter()
                               .Name("ats_connector_cluster_transactions_total")
                               .Help("Changelog transactions by outcome (committed, aborted).")
                               .Register(r);
  for (const char* outcome : {"committed", "aborted"}) cluster_transactions_->Add({{"outcome", outcome}});
  cluster_fenced_ = &BuildCounter()
                         .Name("ats_connector_cluster_producer_fenced_total")
                         .Help("Times a partition's transactional producer found itself fenced by a newer owner.")
                         .Register(r)
                         .Add({});
}

std::string Metrics::Serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

prometheus::Gauge& Metrics::SyncLag(const std::string& c) {
  return sync_lag_->Add({{"connection", c}});
}
prometheus::Gauge& Metrics::LastSuccessfulSync(const std::string& c) {
  return last_sync_->Add({{"connection", c}});
}
prometheus::Gauge& Metrics::SourceFreshness(const std::string& c, const std::string& e) {
  return freshness_->Add({{"connection", c}, {"entity", e}});
}
prometheus::Counter& Metrics::Errors(const std::string& c, const std::string& kind) {
  return errors_->Add({{"connection", c}, {"kind", kind}});
}
prometheus::Counter& Metrics::RecordsFetched(const std::string& c, const std::string& e) {
  return records_fetched_->Add({{"connection", c}, {"entity", e}});
}
prometheus::Counter& Metrics::EventsPublished(const std::string& c, const std::string& type) {
  return events_published_->Add({{"connection", c}, {"type", type}});
}
prometheus::Counter& Metrics::DeadLettered(const std::string& c, const std::string& e) {
  return dead_lettered_->Add({{"connection", c}, {"entity", e}});
}
prometheus::Counter& Metrics::HttpRequests(const std::string& c, const std::string& code) {
  return http_requests_->Add({{"connection", c}, {"code", code}});
}
prometheus::Histogram& Metrics::HttpRequestDuration(const std::string& c, const std::string& code) {
  return http_duration_->Add({{"connection", c}, {"code", code}}, kHttpBuckets);
}
prometheus::Gauge& Metrics::RateLimitRemaining(const std::string& c) {
  return rate_limit_remaining_->Add({{"connection", c}});
}
prometheus::Histogram& Metrics::SyncDuration(const std::string& c) {
  return sync_duration_->Add({{"connection", c}}, kSyncBuckets);
}
prometheus::Gauge& Metrics::ConnectionUp(const std::string& c) {
  return connection_up_->Add({{"connection", c}});
}
prometheus::Counter& Metrics::AuthRetries(const std::string& c) {
  return auth_retries_->Add({{"connection", c}});
}
prometheus::Counter& Metrics::PageLimitExceeded(const std::string& c, const std::string& limit) {
  return page_limits_->Add({{"connection", c}, {"limit", limit}});
}
prometheus::Gauge& Metrics::KafkaQueueMessages() {
  return kafka_queue_->Add({});
}
prometheus::Counter& Metrics::ProducerRecreated() {
  return producer_recreated_->Add({});
}

prometheus::Counter& Metrics::HttpServerRefused(const std::string& reason) {
  return http_refused_->Add({{"reason", reason}});
}

prometheus::Gauge& Metrics::SnapshotWritable() {
  return snapshot_writable_->Add({});
}

prometheus::Histogram& Metrics::CycleStartLateness() {
  return *cycle_lateness_all_;
}

prometheus::Gauge& Metrics::ClusterStatePartitions() { return *cluster_state_partitions_; }
prometheus::Gauge& Metrics::ClusterPartitionsOwned() { return *cluster_owned_; }
prometheus::Gauge& Metrics::ClusterPartitionsRestoring() { return *cluster_restoring_; }
prometheus::Gauge& Metrics::ClusterRestoreLag() { return *cluster_restore_lag_; }
prometheus::Histogram& Metrics::ClusterRestoreDuration() { return *cluster_restore_duration_; }
prometheus::Counter& Metrics::ClusterRebalances(const std::string& kind) {
  return cluster_rebalances_->Add({{"kind", kind}});
}
prometheus::Counter& Metrics::ClusterTransactions(const std::string& outcome) {
  return cluster_transactions_->Add({{"outcome", outcome}});
}
prometheus::Counter& Metrics::ClusterProducerFenced() { return *cluster_fenced_; }
prometheus::Gauge& Metrics::ClusterConnectionsOwned() { return *cluster_connections_; }

}  // namespace ats::telemetry
