#!/usr/bin/env bash
# Density end to end (issue 14's figures): one connector process, CONNECTIONS Workable
# connections (YAML), each a small tenant of one ats-sim fleet (JOBS x PER_JOB candidates,
# RATE_LIMIT requests / 10 s per tenant, poll_interval_s POLL, incremental), embedded Kafka.
# Once every connection completed its first full sync, for DURATION_S:
#   cpu_cores_avg          connector utime+stime (/proc/PID/stat) / wall time
#   peak_rss_mib           connector VmHWM at the end (the whole run, first syncs included)
#   threads_max            max of /proc/PID/status Threads, sampled every second
#   lateness_p99_s         p99 of ats_connector_cycle_start_lateness_seconds over the window
#                          (difference of two /metrics scrapes, interpolated in its bucket);
#                          null when the connector does not export it (or saw no cycle)
#   http_429               429s the tenants sent during the window (ats-sim's counter)
#   changes_made           changes ats-sim applied in the window (one every MUTATE_MS ms, each
#                          to a random configured tenant: a stage move or a new candidate of a
#                          published job: each gives one candidate event)
#   changes_published      of those, the ones whose event reached Kafka (matched by connection,
#                          candidate and updated_at; a later event of the same candidate counts,
#                          as it carries both changes); the tenants freeze at the window's end
#                          and the count waits POLL + 15 s for the last cycles
#   restarted_connections  connections whose /status `cycles` went down or that disappeared
#                          between the window's start and end
# Meanwhile API_CONNECTIONS more tenants of the fleet are linked through POST /v1/connections at
# API_RATE per second (bearer = http.admin_token_file; secrets.keyring_file from
# `ats-connector keygen` when the binary has it). Without the control API the step is skipped:
# "api_connections_created": 0 and "api_error" says why.
#
#   CONNECTIONS=200 API_CONNECTIONS=0 DURATION_S=120 BUILD=build/ci benchmarks/e2e_density.sh
# Defaults are the issue's figures (10 000 + 1 000, 30 min). The last line of output is one JSON
# object; it is also appended to benchmarks/results/density.json (or $RESULT_FILE).
connections=${CONNECTIONS:-10000}
api_connections=${API_CONNECTIONS:-1000}
duration=${DURATION_S:-1800}
api_rate=${API_RATE:-50}
poll=${POLL:-60}
jobs=${JOBS:-2}
per_job=${PER_JOB:-10}
rate_limit=${RATE_LIMIT:-10}
mutate_ms=${MUTATE_MS:-1000}
tenants=$(( connections + api_connections ))
sim_threads=${SIM_THREADS:-$(( tenants / 40 > 64 ? (tenants / 40 < 512 ? tenants / 40 : 512) : 64 ))}
sync_timeout=${SYNC_TIMEOUT_S:-$(( connections / 2 > 600 ? connections / 2 : 600 ))}
topic=ats.candidate-changed.v1
here=$(cd "$(dirname "$0")" && pwd)
helper="$here/density.py"
source "$here/e2e_lib.sh"
command -v kcat >/dev/null || { echo "kcat is needed (apt-get install kcat)"; exit 1; }

start_sim --workable-tenants "$tenants" --config-tenants "$connections" --mutate-tenants "$connections" \
  --workable-jobs "$jobs" --workable-candidates "$per_job" --workable-rate-limit "$rate_limit" \
  --poll-interval-s "$poll" --sim-threads "$sim_threads" --workday-postings 0 \
  --mutate-every-ms "$mutate_ms" --mutations 1 --mutation-log "$work/mutations.log"
fleet=$(sed -n 's|^Workable fleet: [0-9]* tenants at \(http://127.0.0.1:[0-9]*\)/t/.*|\1|p' "$work/sim.out")
seed=$(sed -n 's|^Workable fleet: .*token-<n>-\([0-9]*\)).*|\1|p' "$work/sim.out")
admin="http://127.0.0.1:$http_port"

# The control API's prerequisites: an admin token, and a keyring when the binary can make one.
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/admin.token"
chmod 600 "$work/admin.token"
sed -i "s|^  listen: .*|&\n  admin_token_file: $work/admin.token|" "$work/sim.yaml"
if "$e2e_bin" keygen --out "$work/keyring.yaml" >/dev/null 2>&1; then
  printf 'secrets:\n  keyring_file: %s\n' "$work/keyring.yaml" >>"$work/sim.yaml"
fi

# sim_429: the tenants' 429 count so far (SIGHUP prints ats-sim's counters).
sim_429() {
  local before
  before=$(grep -c '^Workable requests:' "$work/sim.out" || true)
  kill -HUP "$sim_pid"
  until (( $(grep -c '^Workable requests:' "$work/sim.out" || true) > before )); do sleep 0.1; done
  grep '^Workable requests:' "$work/sim.out" | tail -1 | sed 's/.*429s: \([0-9]*\),.*/\1/'
}

start_connector
echo "$tenants tenants on $fleet ($sim_threads sim threads); connector with $connections connections, waiting for" \
  "every first full sync (up to $sync_timeout s)"
synced_s=$(python3 "$helper" wait-synced "$admin" "$connections" "$sync_timeout") ||
  { echo "first syncs did not complete"; tail -5 "$work/log"; exit 1; }
kill -0 "$conn_pid" 2>/dev/null || { echo "connector exited"; tail -5 "$work/log"; exit 1; }
bootstrap=$(kafka_bootstrap)
echo "first full syncs complete after $synced_s s; measuring for $duration s"

start_ms=$(calc "int($(now) * 1000)")
python3 "$helper" consume "$bootstrap" "$topic" "$start_ms" "$work/events.txt" 2>"$work/kcat.err" &
consumer_pid=$!; e2e_pids+=("$consumer_pid")
python3 "$helper" sample "$conn_pid" "$work/sample.json" &
sampler_pid=$!; e2e_pids+=("$sampler_pid")
curl -fsS "$admin/metrics" >"$work/metrics0.txt"
python3 "$helper" cycles "$admin" "$work/cycles0.json"
sim_429_0=$(sim_429)
cpu0=$(cpu_s "$conn_pid"); sim_cpu0=$(cpu_s "$sim_pid"); t0=$(now)
python3 "$helper" api-create "$admin" "$(cat "$work/admin.token")" "$fleet" "$seed" "$connections" \
  "$api_connections" "$api_rate" "$poll" "$work/api.json" 2>"$work/api.err" &
api_pid=$!; e2e_pids+=("$api_pid")

sleep "$duration"
cpu1=$(cpu_s "$conn_pid"); sim_cpu1=$(cpu_s "$sim_pid"); t1=$(now)
python3 "$helper" cycles "$admin" "$work/cycles1.json"
curl -fsS "$admin/metrics" >"$work/metrics1.txt"
sim_429_1=$(sim_429)
kill -USR1 "$sim_pid"  # freeze the tenants: no more changes
end_ms=$(calc "int($(now) * 1000)")
wait "$api_pid" 2>/dev/null || true
[[ -s "$work/api.json" ]] || echo '{"created": 0, "api_error": "the API step did not finish"}' >"$work/api.json"
echo "window over; waiting $(( poll + 15 )) s for the last changes to be published"
sleep $(( poll + 15 ))
kill -0 "$conn_pid" 2>/dev/null || { echo "connector exited during the run"; tail -5 "$work/log"; exit 1; }
kill "$sampler_pid" "$consumer_pid" 2>/dev/null || true
wait "$sampler_pid" "$consumer_pid" 2>/dev/null || true

result=$(python3 "$helper" summary "$connections" "$api_connections" "$duration" "$cpu0" "$cpu1" \
  "$(calc "$t1 - $t0")" "$sim_cpu0" "$sim_cpu1" "$work/sample.json" "$work/metrics0.txt" "$work/metrics1.txt" \
  "$work/cycles0.json" "$work/cycles1.json" "$sim_429_0" "$sim_429_1" "$work/mutations.log" "$work/events.txt" \
  "$start_ms" "$end_ms" "$work/api.json" "$synced_s")
failed=$(grep -c '"msg":"Sync cycle failed."' "$work/log" || true)
echo "failed cycles over the whole run: $failed; ats-sim: $(grep '^Workable requests:' "$work/sim.out" | tail -1)"
mkdir -p "$e2e_results"
python3 -c 'import json,sys,time; r=json.loads(sys.argv[1]); r["time"]=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()); print(json.dumps(r))' \
  "$result" >>"${RESULT_FILE:-$e2e_results/density.json}"
echo "$result"
