#!/usr/bin/env bash
# Freshness end to end: ats-sim changes its Workable tenant at a fixed rate (one change every
# MUTATE_MS ms); the connector polls every POLL s, incrementally; kcat consumes the candidate
# topic from the connector's embedded Kafka. For DURATION s after the first (full) sync:
#   freshness of a change = Kafka message timestamp of its event − wall time of the change.
# The Kafka timestamp is the producer's CreateTime (the connector leaves it to librdkafka, which
# stamps it when the event is produced; the in-process broker's ack follows within milliseconds).
# The time each event reached the consumer is reported too, as an upper bound.
# The tenant clock is simulated (one second per change, from 2026-01-01), so an event's
# candidate.updated_at names its change, not its time: ats-sim --mutation-log records each
# change's updated_at with the wall time (ms) it was applied, and events are matched by it.
# Changes that give no candidate event are left out: deletions (found by the full reconcile,
# hours later), new jobs, changes to candidates of jobs the connector does not select (by default
# only published jobs; a candidate counts as selected when its id is on the topic), and a change
# overtaken by a later one to the same candidate before a poll saw it (one event carries both).
#   benchmarks/e2e_freshness.sh                 (120 s, poll 5 s, one change a second)
#   DURATION=60 benchmarks/e2e_freshness.sh
# RATE_LIMIT (default 10 per 10 s, as Workable) is the tenant's limit; the tenant is small
# (JOBS x PER_JOB, default 10 x 50) so that the first full sync takes a few requests.
duration=${DURATION:-120}
poll=${POLL:-5}
mutate_ms=${MUTATE_MS:-1000}
jobs=${JOBS:-10}
per_job=${PER_JOB:-50}
rate_limit=${RATE_LIMIT:-10}
topic=ats.candidate-changed.v1
source "$(dirname "$0")/e2e_lib.sh"
command -v kcat >/dev/null || { echo "kcat is needed (apt-get install kcat)"; exit 1; }

start_sim --workable-jobs "$jobs" --workable-candidates "$per_job" --workable-rate-limit "$rate_limit" \
  --workday-postings 0 --mutate-every-ms "$mutate_ms" --mutations 1 --mutation-log "$work/mutations.log"
set_connection_option poll_interval_s "$poll"
set_connection_option incremental true
start_connector
bootstrap=$(kafka_bootstrap)
wait_cycle sim-workable 1 300
first_ms=$(calc "int($cycle_end * 1000)")
echo "first sync complete after $(printf %.1f "$(calc "$cycle_end - $conn_start")") s; measuring for $duration s" \
  "(a change every $mutate_ms ms, poll every $poll s)"

# Every event of the topic, from the start, with the time it reached us prepended (ms). Python
# runs kcat, so that ending the python process (by its pid) ends kcat too.
python3 -u - "$bootstrap" "$topic" >"$work/events.jsonl" 2>"$work/kcat.err" <<'PY' &
import signal, subprocess, sys, time
kcat = subprocess.Popen(["kcat", "-C", "-u", "-J", "-b", sys.argv[1], "-t", sys.argv[2], "-o", "beginning",
                         "-X", "fetch.wait.max.ms=10"], stdout=subprocess.PIPE, text=True)
def stop(*_):
    kcat.terminate()
    kcat.wait()
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
for line in kcat.stdout:
    sys.stdout.write("%d %s" % (time.time() * 1000, line))
    sys.stdout.flush()
PY
consumer_pid=$!
e2e_pids+=("$consumer_pid")

sim_cpu0=$(cpu_s "$sim_pid"); conn_cpu0=$(cpu_s "$conn_pid")
sleep "$duration"
kill -USR1 "$sim_pid"  # freeze the tenant: no more changes
last_ms=$(calc "int($(now) * 1000)")
# Let the last changes through: a poll interval, the cycle, and slack.
sleep $(( poll + 5 ))
cpu=$(calc "$(cpu_s "$conn_pid") - $conn_cpu0")
sim_cpu=$(calc "$(cpu_s "$sim_pid") - $sim_cpu0")
cycles=$(( $(cycles_done sim-workable) - 1 ))
requests=$(grep '"msg":"Sync cycle complete.","connection":"sim-workable"' "$work/log" | sed 1d |
  python3 -c 'import json,sys; print(sum(json.loads(l)["requests"] for l in sys.stdin))')
failed=$(grep -c '"msg":"Sync cycle failed."' "$work/log" || true)
hwm=$(hwm_kib "$conn_pid"); (( hwm > peak_kib )) && peak_kib=$hwm
kill "$consumer_pid" 2>/dev/null || true; wait "$consumer_pid" 2>/dev/null || true

summary=$(python3 - "$work/mutations.log" "$work/events.jsonl" "$first_ms" "$last_ms" "$poll" <<'PY'
import json, sys
mut_path, ev_path, first_ms, last_ms, poll = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
changes = {}  # tenant updated_at -> (wall ms, what)
kinds = {}
for line in open(mut_path):
    ms, clock, what = line.rstrip("\n").split(" ", 2)
    ms = int(ms)
    if first_ms <= ms <= last_ms:
        changes[clock] = (ms, what)
        verb = " ".join(what.split(" ")[:2]) if what.startswith("added") else what.split(" ")[0]
        kinds[verb] = kinds.get(verb, 0) + 1
events = []
for line in open(ev_path):
    recv_ms, msg = line.split(" ", 1)
    try:
        m = json.loads(msg)
        events.append((int(recv_ms), m["ts"], json.loads(m["payload"])))
    except (ValueError, KeyError, TypeError):
        continue
# Candidates the connector publishes (those of selected jobs: published ones by default): the
# ids on the topic, from the first sync's "created" events on.
published = {ev.get("candidate_id") for _, _, ev in events}
def candidate(what):  # "moved ID to ...", "disqualified ID: ...", "added candidate ID (...)"
    words = what.split(" ")
    return words[2] if what.startswith("added candidate") else words[1].rstrip(":")
expected = sum(1 for _, w in changes.values()
               if w.startswith(("moved", "disqualified", "added candidate")) and candidate(w) in published)
create, recv, seen = [], [], set()
for recv_ms, ts, ev in events:
    if ev.get("change") not in ("created", "updated"):
        continue
    clock = (ev.get("candidate") or {}).get("updated_at")
    if clock not in changes or clock in seen:
        continue
    seen.add(clock)
    create.append((ts - changes[clock][0]) / 1000)
    recv.append((recv_ms - changes[clock][0]) / 1000)
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")
out = {"changes": len(changes), "changes_expected_events": expected, "count": len(create),
       "p50_s": pct(create, 50), "p99_s": pct(create, 99), "max_s": max(create, default=float("nan")),
       "min_s": min(create, default=float("nan")),
       "recv_p50_s": pct(recv, 50), "recv_p99_s": pct(recv, 99), "recv_max_s": max(recv, default=float("nan")),
       "target_p99_s": poll + 2, "kinds": " ".join(f"{k}={v}" for k, v in sorted(kinds.items()))}
print(json.dumps(out))
PY
)
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print(v)' "$summary" "$1"; }
count=$(field count)
cat <<EOF
freshness over $duration s: $(field changes) changes in the tenant ($(field kinds));
  $(field changes_expected_events) were to candidates of selected jobs and should give an event; $count did
  (a shortfall: overtaken by a later change to the same candidate before a poll, or lost)
  change -> Kafka CreateTime:   p50 $(printf %.2f "$(field p50_s)") s, p99 $(printf %.2f "$(field p99_s)") s, max $(printf %.2f "$(field max_s)") s, min $(printf %.2f "$(field min_s)") s  (target p99 <= $(field target_p99_s) s)
  change -> consumer received:  p50 $(printf %.2f "$(field recv_p50_s)") s, p99 $(printf %.2f "$(field recv_p99_s)") s, max $(printf %.2f "$(field recv_max_s)") s
  $cycles incremental cycles, $requests requests, $failed failed cycles; connector CPU $(printf %.2f "$cpu") s, ats-sim CPU $(printf %.2f "$sim_cpu") s
EOF
write_result freshness size="$(( jobs * per_job ))" records_per_s="$(calc "$count / $duration")" \
  peak_rss_mib="$(calc "$peak_kib / 1024")" cpu_s_per_million="$(calc "$cpu * 1e6 / max(1, $count)")" \
  wall_s="$duration" count="$count" changes="$(field changes)" expected_events="$(field changes_expected_events)" \
  p50_s="$(field p50_s)" p99_s="$(field p99_s)" max_s="$(field max_s)" min_s="$(field min_s)" \
  recv_p50_s="$(field recv_p50_s)" recv_p99_s="$(field recv_p99_s)" recv_max_s="$(field recv_max_s)" \
  target_p99_s="$(field target_p99_s)" poll_interval_s="$poll" mutate_every_ms="$mutate_ms" \
  rate_limit="$rate_limit" cycles="$cycles" requests="$requests" failed_cycles="$failed" cpu_s="$cpu" \
  sim_cpu_s="$sim_cpu" timestamp=CreateTime
