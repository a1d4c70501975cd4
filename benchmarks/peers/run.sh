#!/usr/bin/env bash
# Peers, side by side in one run (docs/performance.md, "Peers"): ats-connector and Airbyte's
# Workable source (airbyte-source-workable from PyPI, its own code) against the same simulated
# Workable tenant (ats-sim, rate limit off, same seed and size for both), on this machine:
#  1. ats-connector: `ats-connector run` with the embedded Kafka (as benchmarks/e2e_workable.sh):
#     full sync = start to the first "Sync cycle complete." (every event acknowledged by Kafka);
#     then ats-sim applies CHANGED_PCT % changes (SIGUSR2) and the next, incremental, cycle runs.
#  2. Airbyte: a fresh ats-sim with the same tenant; `read` of the streams jobs and candidates
#     (full sync), the same changes, then `read --state` with the state messages of the first
#     read (the connector's next cycle; its streams are full-refresh only, so it reads all again).
# Per peer and phase: records, records/s, CPU-s (and per million records), peak RSS (VmHWM of
# the process tree), requests the tenant answered (ats-sim's counter, SIGHUP), ats-sim's own CPU
# over the phase, and what reached the destination (ours: events acknowledged by Kafka, from the cycle log line; Airbyte: RECORD
# messages per stream on its stdout, which is what an Airbyte destination receives).
# Prints one JSON line and appends it to benchmarks/results/peers.json.
#
#   benchmarks/peers/run.sh                          20 000 candidates in 200 jobs (a few minutes)
#   CANDIDATES=100000 JOBS=1000 benchmarks/peers/run.sh
# CHANGED_PCT (default 1), POLL (the connector's poll_interval_s, default 10), BUILD (default
# build/release), PEERS_CACHE (default ~/.cache/ats-connector/peers: the venv), PEER_PYTHON (the
# interpreter of the venv; default: Python 3.10 or 3.9, see requirements.txt).
# Timing figures need a quiet machine; nothing asserts on them.
set -euo pipefail
candidates=${CANDIDATES:-20000}
jobs=${JOBS:-200}
changed_pct=${CHANGED_PCT:-1}
poll=${POLL:-10}
peers_dir=$(cd "$(dirname "$0")" && pwd)
source "$peers_dir/../e2e_lib.sh"

per_job=$(( candidates / jobs ))
(( per_job > 0 )) || { echo "CANDIDATES must be at least JOBS"; exit 1; }
candidates=$(( per_job * jobs ))
changes=$(calc "max(1, round($candidates * $changed_pct / 100))")
sim_args=(--workable-jobs "$jobs" --workable-candidates "$per_job" --workable-rate-limit 0
  --workday-postings 0 --mutations "$changes")

# --- The peer's venv: exactly requirements.txt, with Python 3.10 or 3.9 -----------------------
find_peer_python() {
  if [[ -n ${PEER_PYTHON:-} ]]; then echo "$PEER_PYTHON"; return; fi
  local v p
  for v in 3.10 3.9; do
    for p in "/usr/bin/python$v" "/usr/local/bin/python$v" \
      $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v" 2>/dev/null | sort -V | tail -1); do
      [[ -x $p ]] && { echo "$p"; return; }
    done
  done
}
cache=${PEERS_CACHE:-$HOME/.cache/ats-connector/peers}
venv=$cache/venv
peer_python=$(find_peer_python)
[[ -n $peer_python ]] || { echo "peers: no Python 3.10 or 3.9 found; set PEER_PYTHON (see benchmarks/peers/requirements.txt)" >&2; exit 1; }
stamp="$(sha256sum "$peers_dir/requirements.txt" | cut -d' ' -f1) $("$peer_python" -c 'import sys; print(sys.version.split()[0])')"
if [[ ! -x $venv/bin/python || "$(cat "$venv/.ats-stamp" 2>/dev/null)" != "$stamp" ]]; then
  echo "== peers: installing the Airbyte Workable source into $venv ($("$peer_python" --version))"
  rm -rf "$venv"
  mkdir -p "$cache"
  "$peer_python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --no-deps -r "$peers_dir/requirements.txt"
  "$venv/bin/pip" check
  echo "$stamp" >"$venv/.ats-stamp"
fi

# Requests the tenant has answered so far: SIGHUP makes ats-sim print its counters.
sim_requests() {
  local before
  before=$(grep -c '^Workable requests:' "$work/sim.out" || true)
  kill -HUP "$sim_pid"
  until (( $(grep -c '^Workable requests:' "$work/sim.out" || true) > before )); do
    kill -0 "$sim_pid" 2>/dev/null || { echo "ats-sim exited"; cat "$work/sim.out"; exit 1; }
    sleep 0.05
  done
  grep '^Workable requests:' "$work/sim.out" | tail -1 | sed 's/^Workable requests: \([0-9]*\),.*/\1/'
}
# Applies the changes (SIGUSR2) and waits until ats-sim says they are in.
apply_changes() {
  kill -USR2 "$sim_pid"
  until grep -q '^Applied .* changes (SIGUSR2)' "$work/sim.out"; do
    kill -0 "$sim_pid" 2>/dev/null || { echo "ats-sim exited"; cat "$work/sim.out"; exit 1; }
    sleep 0.05
  done
}
stop_sim() { kill -TERM "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; }
# read_ok NAME: the Airbyte read measured into $work/airbyte-NAME.json exited 0 with no error
# trace; otherwise shows its stderr and stops.
read_ok() {
  cat "$work/airbyte-$1.json"
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(r["exit_code"] != 0 or bool(r["errors"]))' \
    "$work/airbyte-$1.json" || { echo "airbyte read ($1) failed:"; tail -20 "$work/airbyte-$1.err"; exit 1; }
}

echo "tenant: $jobs jobs x $per_job = $candidates candidates; $changes changes before the second cycle"

# --- 1. ats-connector ---------------------------------------------------------------------------
echo "== ats-connector"
start_sim "${sim_args[@]}" --mutation-log "$work/mutations-ours.log"
set_connection_option poll_interval_s "$poll"
set_connection_option incremental true
# Every job state, as the Airbyte source lists every job and candidate: the same records reach
# both destinations (the connector's default is published jobs only).
set_connection_option job_states "[draft, published, closed, archived]"
sim_cpu0=$(cpu_s "$sim_pid")
start_connector
wait_cycle sim-workable 1
ours_full_cpu=$(cpu_s "$conn_pid")
ours_full_peak=$peak_kib
ours_full_requests=$(sim_requests)
ours_full_sim_cpu=$(calc "$(cpu_s "$sim_pid") - $sim_cpu0")
ours_line1=$(cycle_line sim-workable 1)
# Start to the cycle line's own timestamp (wait_cycle sees the line only at its next 0.2 s poll).
ours_full_wall=$(python3 -c 'import datetime, json, sys
ts = datetime.datetime.strptime(json.loads(sys.argv[1])["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
print(ts.replace(tzinfo=datetime.timezone.utc).timestamp() - float(sys.argv[2]))' "$ours_line1" "$conn_start")
echo "$ours_line1"
apply_changes
(( $(cycles_done sim-workable) == 1 )) || echo "warning: a second cycle completed before the changes were applied (raise POLL)"
wait_cycle sim-workable 2
ours_inc_cpu=$(calc "$(cpu_s "$conn_pid") - $ours_full_cpu")
ours_peak=$peak_kib  # over both cycles
ours_inc_requests=$(( $(sim_requests) - ours_full_requests ))
ours_inc_sim_cpu=$(calc "$(cpu_s "$sim_pid") - $sim_cpu0 - $ours_full_sim_cpu")
ours_line2=$(cycle_line sim-workable 2)
echo "$ours_line2"
ours_events_metric=$(metric_sum ats_connector_events_published_total)
stop_connector
stop_sim
mv "$work/sim.out" "$work/sim-ours.out"

# --- 2. Airbyte's Workable source ---------------------------------------------------------------
echo "== airbyte-source-workable"
start_sim "${sim_args[@]}" --mutation-log "$work/mutations-airbyte.log"
tenant_url=$(sed -n 's/^Workable tenant: //p' "$work/sim.out")
export ATS_PEER_URL_BASE=${tenant_url%/spi/v3}  # http://127.0.0.1:PORT; the manifest's paths are /spi/v3/...
token=$(sed -n 's/^ *api_token: //p' "$work/sim.yaml")
python3 - "$work" "$token" <<'PY'
import json, sys
work, token = sys.argv[1:]
# start_date: the connector's required lower bound on created_at; before the tenant's first record.
json.dump({"api_key": token, "account_subdomain": "sandbox", "start_date": "20000101T000000Z"},
          open(work + "/airbyte-config.json", "w"))
PY
peer=("$venv/bin/python" "$peers_dir/airbyte_workable.py")
"${peer[@]}" discover --config "$work/airbyte-config.json" >"$work/airbyte-discover.jsonl"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
for line in open(work + "/airbyte-discover.jsonl"):
    msg = json.loads(line)
    if msg.get("type") == "CATALOG":
        streams = [s for s in msg["catalog"]["streams"] if s["name"] in ("jobs", "candidates")]
        break
else:
    sys.exit("no CATALOG message from discover")
catalog = {"streams": [{"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                       for s in streams]}
json.dump(catalog, open(work + "/airbyte-catalog.json", "w"))
print("catalog:", [(s["name"], s["supported_sync_modes"]) for s in streams])
PY
sim_cpu0=$(cpu_s "$sim_pid")
python3 "$peers_dir/measure.py" --state-out "$work/airbyte-state1.json" -- "${peer[@]}" read \
  --config "$work/airbyte-config.json" --catalog "$work/airbyte-catalog.json" \
  >"$work/airbyte-full.json" 2>"$work/airbyte-full.err"
read_ok full
ab_full_requests=$(sim_requests)
ab_full_sim_cpu=$(calc "$(cpu_s "$sim_pid") - $sim_cpu0")
apply_changes
python3 "$peers_dir/measure.py" --state-out "$work/airbyte-state2.json" -- "${peer[@]}" read \
  --config "$work/airbyte-config.json" --catalog "$work/airbyte-catalog.json" --state "$work/airbyte-state1.json" \
  >"$work/airbyte-inc.json" 2>"$work/airbyte-inc.err"
read_ok inc
ab_inc_requests=$(( $(sim_requests) - ab_full_requests ))
ab_inc_sim_cpu=$(calc "$(cpu_s "$sim_pid") - $sim_cpu0 - $ab_full_sim_cpu")
stop_sim

# --- The result line ----------------------------------------------------------------------------
mkdir -p "$e2e_results"
python3 - "$e2e_results/peers.json" "$candidates" "$jobs" "$changes" "$ours_line1" "$ours_line2" \
  "$ours_full_wall" "$ours_full_cpu" "$ours_full_peak" "$ours_inc_cpu" "$ours_peak" \
  "$ours_full_requests" "$ours_inc_requests" "$ours_events_metric" \
  "$work/airbyte-full.json" "$work/airbyte-inc.json" "$ab_full_requests" "$ab_inc_requests" "$work/airbyte-state1.json" \
  "$ours_full_sim_cpu" "$ours_inc_sim_cpu" "$ab_full_sim_cpu" "$ab_inc_sim_cpu" \
  "$work/mutations-ours.log" "$work/mutations-airbyte.log" <<'PY'
import json, os, sys, time
(path, cands, jobs, changes, line1, line2, o_wall, o_cpu, o_peak, o_inc_cpu, o_peak_all,
 o_req, o_inc_req, o_metric, ab_full, ab_inc, ab_req, ab_inc_req, ab_state,
 o_sim_cpu, o_inc_sim_cpu, ab_sim_cpu, ab_inc_sim_cpu, mut_ours, mut_airbyte) = sys.argv[1:]

def changes_applied(log):
    # "<wall ms> <tenant updated_at> <what>", e.g. "... moved 1a2b to interview": without the wall time
    return [line.split(" ", 1)[1].rstrip("\n") for line in open(log)]

applied = changes_applied(mut_ours)
if applied != changes_applied(mut_airbyte):
    sys.exit("the two tenants did not get the same changes")
by_kind = {}
for line in applied:
    what = line.split(" ", 1)[1]
    kind = next(k for k in ("moved", "added candidate", "disqualified", "deleted candidate", "added job", "")
                if what.startswith(k))
    by_kind[kind.replace(" ", "_") or "other"] = by_kind.get(kind.replace(" ", "_") or "other", 0) + 1
c1, c2 = json.loads(line1), json.loads(line2)

def events(c):
    return {k: c[k] for k in ("created", "updated", "deleted", "jobs_imported", "dead_lettered")}

def phase(records, wall, cpu, peak_kib, requests, delivered, sim_cpu):
    return {"records": records, "wall_s": round(wall, 3), "records_per_s": round(records / wall, 1),
            "cpu_s": round(cpu, 3), "cpu_s_per_million": round(cpu * 1e6 / records, 2) if records else None,
            "peak_rss_mib": round(peak_kib / 1024, 1), "requests": requests, "delivered": delivered,
            "sim_cpu_s": round(float(sim_cpu), 3)}  # the tenant's CPU over the same phase

ours = {
    "full": phase(c1["records"], float(o_wall), float(o_cpu), int(o_peak), int(o_req),
                  dict(events(c1), total=sum(events(c1).values())), o_sim_cpu),
    # The incremental cycle's wall time is the cycle's own (the process was already running).
    "incremental": phase(c2["records"], float(c2["seconds"]), float(o_inc_cpu), int(o_peak_all), int(o_inc_req),
                         dict(events(c2), total=sum(events(c2).values())), o_inc_sim_cpu),
    "destination": "Kafka (embedded), events acknowledged; /metrics events_published_total after both = %s" % o_metric,
}
abf, abi = json.load(open(ab_full)), json.load(open(ab_inc))
for run in (abf, abi):
    if run["exit_code"] != 0 or run["errors"]:
        sys.exit("airbyte read failed: %s" % run)

def ab_phase(run, requests, sim_cpu):
    recs = run["records"]
    total = sum(recs.values())
    return dict(phase(total, run["wall_s"], run["cpu_s"], run["peak_rss_kib"], requests, dict(recs, total=total), sim_cpu),
                first_record_s=run["first_record_s"], messages=run["messages"])

airbyte = {"full": ab_phase(abf, int(ab_req), ab_sim_cpu), "incremental": ab_phase(abi, int(ab_inc_req), ab_inc_sim_cpu),
           "destination": "RECORD messages on stdout", "state_after_full": json.load(open(ab_state))}

def ratio(a, b):
    return round(a / b, 2) if b else None

out = {
    "name": "peers", "candidates": int(cands), "jobs": int(jobs), "changes": int(changes), "changes_by_kind": by_kind,
    "ats_connector": ours, "airbyte_source_workable": airbyte,
    "ratios": {  # > 1: ats-connector is better by that factor
        "full_records_per_s": ratio(ours["full"]["records_per_s"], airbyte["full"]["records_per_s"]),
        "full_cpu_per_million": ratio(airbyte["full"]["cpu_s_per_million"], ours["full"]["cpu_s_per_million"]),
        "peak_rss": ratio(airbyte["full"]["peak_rss_mib"], ours["full"]["peak_rss_mib"]),
        "full_requests": ratio(airbyte["full"]["requests"], ours["full"]["requests"]),
        "incremental_wall": ratio(airbyte["incremental"]["wall_s"], ours["incremental"]["wall_s"]),
        "incremental_cpu": ratio(airbyte["incremental"]["cpu_s"], ours["incremental"]["cpu_s"]),
        "incremental_requests": ratio(airbyte["incremental"]["requests"], ours["incremental"]["requests"]),
    },
    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "host_cpus": os.cpu_count(),
    "load_1m": os.getloadavg()[0],
}
line = json.dumps(out)
with open(path, "a") as f:
    f.write(line + "\n")
print(line)
PY
