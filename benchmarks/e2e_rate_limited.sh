#!/usr/bin/env bash
# End to end, Workable with its rate limit on: ats-sim enforces 10 requests per 10 s (429 beyond,
# with X-Rate-Limit-* headers) and the connector uses its default pacing for Workable. One full
# sync of CANDIDATES candidates (JOBS jobs); reports requests used, 429s received, wall s and
# quota utilisation = requests / (10 x wall_s / 10). Targets: zero 429s, utilisation >= 90 %.
#   benchmarks/e2e_rate_limited.sh                           (50 000 candidates: ~500 requests, ~9 min)
#   CANDIDATES=5000 JOBS=50 benchmarks/e2e_rate_limited.sh    (quick run, ~1 min)
# Requests and 429s are counted three ways: the connector's "Sync cycle complete." line,
# its /metrics (ats_connector_http_requests_total by code) and the simulator's own counters.
# Utilisation is given over the cycle (the log's "seconds": first request to last ack) and over
# the wall time from connector start (which adds start-up).
candidates=${CANDIDATES:-50000}
jobs=${JOBS:-$(( candidates / 100 ))}
limit=10     # requests per window, as Workable's
window_s=10
source "$(dirname "$0")/e2e_lib.sh"

per_job=$(( candidates / jobs ))
(( per_job > 0 )) || { echo "CANDIDATES must be at least JOBS"; exit 1; }
candidates=$(( per_job * jobs ))
start_sim --workable-jobs "$jobs" --workable-candidates "$per_job" --workable-rate-limit "$limit" \
  --workday-postings 0
echo "tenant: $jobs jobs x $per_job = $candidates candidates, $limit requests per $window_s s"
echo "connector pacing: $(grep -A0 'rate_limit' "$work/sim.yaml" || echo 'default (workable: 10 per 10 s)')"
sim_cpu0=$(cpu_s "$sim_pid")
start_connector
wait_cycle sim-workable 1
wall=$(calc "$cycle_end - $conn_start")
cpu=$(cpu_s "$conn_pid")
line=$(cycle_line sim-workable 1)
echo "$line"
metrics_requests=$(metric_sum ats_connector_http_requests_total 'connection="sim-workable"')
metrics_429=$(metric_sum ats_connector_http_requests_total 'code="429"')
metrics_rate_errors=$(metric_sum ats_connector_errors_total 'kind="rate_limited"')
stop_connector
sim_cpu=$(calc "$(cpu_s "$sim_pid") - $sim_cpu0")
kill -TERM "$sim_pid"; wait "$sim_pid" || true
sim_counts=$(grep '^Workable requests:' "$work/sim.out" || true)
sim_requests=$(sed -n 's/^Workable requests: \([0-9]*\),.*/\1/p' <<<"$sim_counts")
sim_429=$(sed -n 's/.*429s: \([0-9]*\),.*/\1/p' <<<"$sim_counts")
records=$(json_field "$line" records)
requests=$(json_field "$line" requests)
cycle_s=$(json_field "$line" seconds)
# Quota over a span of s seconds: limit x s / window requests.
util_cycle=$(calc "100 * $metrics_requests / ($limit * $cycle_s / $window_s)")
util_wall=$(calc "100 * $metrics_requests / ($limit * $wall / $window_s)")
cat <<EOF
rate-limited full sync: $records records, wall $(printf %.1f "$wall") s (cycle $(printf %.1f "$cycle_s") s)
  requests: $requests (cycle log), $metrics_requests (connector /metrics), ${sim_requests:-?} (ats-sim)
  429s received: $metrics_429 (connector /metrics; errors_total{kind=rate_limited} $metrics_rate_errors), ${sim_429:-?} sent (ats-sim)  (target 0)
  quota utilisation: $(printf %.1f "$util_cycle") % over the cycle, $(printf %.1f "$util_wall") % over the wall time  (target >= 90 %)
  connector CPU $(printf %.2f "$cpu") s, ats-sim CPU $(printf %.2f "$sim_cpu") s
EOF
write_result rate_limited size="$candidates" records_per_s="$(calc "$records / $wall")" \
  peak_rss_mib="$(calc "$peak_kib / 1024")" cpu_s_per_million="$(calc "$cpu * 1e6 / $records")" wall_s="$wall" \
  cycle_s="$cycle_s" records="$records" requests="$requests" metrics_requests="$metrics_requests" \
  sim_requests="${sim_requests:--1}" http_429="$metrics_429" sim_429="${sim_429:--1}" \
  rate_limited_errors="$metrics_rate_errors" quota_utilisation_pct="$util_cycle" \
  quota_utilisation_wall_pct="$util_wall" limit_requests="$limit" limit_window_s="$window_s" \
  cpu_s="$cpu" sim_cpu_s="$sim_cpu"
