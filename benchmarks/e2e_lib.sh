# Shared by the end-to-end benchmarks (benchmarks/e2e_*.sh); source it, do not run it.
# ats-sim serves the tenants in its own process, so the connector's RSS and CPU are its own;
# the connector runs with the embedded Kafka, so "Sync cycle complete." means every event of
# the cycle was acknowledged by Kafka (the snapshot commits only after the acks).
#
# Each benchmark prints a human summary and appends one JSON line per run to
# benchmarks/results/e2e_<name>.json (git-ignored):
#   {"name","size","records_per_s","peak_rss_mib","cpu_s_per_million","wall_s", ...extra}
# BUILD (default build/release) picks the binaries; SIM_BIN / CONNECTOR_BIN name them directly
# (e.g. to compare two builds); KEEP=1 keeps the work directory.
set -euo pipefail

e2e_here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
e2e_build=${BUILD:-build/release}
e2e_sim=${SIM_BIN:-"$e2e_here/$e2e_build/src/ats-sim"}
e2e_bin=${CONNECTOR_BIN:-"$e2e_here/$e2e_build/src/ats-connector"}
e2e_results="$e2e_here/benchmarks/results"
e2e_tck=$(getconf CLK_TCK)
e2e_pids=()
for b in "$e2e_sim" "$e2e_bin"; do
  [[ -x "$b" ]] || { echo "missing $b: cmake --preset release && cmake --build $e2e_build --target ats-connector ats-sim" >&2; exit 1; }
done
work=$(mktemp -d)

e2e_cleanup() {
  for p in "${e2e_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${e2e_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ "${KEEP:-0}" == 1 ]]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap e2e_cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
# Arithmetic on floats: calc 'a / b' (python expression).
calc() { python3 -c "print($1)"; }

# CPU seconds (user + system) a process has used so far; 0 when it is gone.
cpu_s() {
  [[ -r /proc/$1/stat ]] || { echo 0; return; }
  # The fields after "(comm)" start at field 3: utime and stime are fields 14 and 15.
  sed 's/^.*) //' "/proc/$1/stat" | awk -v t="$e2e_tck" '{print ($12 + $13) / t}'
}
# Peak resident set (VmHWM) of a process, in KiB.
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# start_sim ARGS...: serves the tenants; writes $work/sim.yaml (connector config pointing at
# them, embedded Kafka, snapshot in $work/snapshot, http.listen on a free port = $http_port).
# Sets sim_pid. The sim generates its data set before it writes the config, so this waits for it.
start_sim() {
  http_port=$(free_port)
  "$e2e_sim" "$@" --snapshot "$work/snapshot" --http-listen "127.0.0.1:$http_port" \
    --config-out "$work/sim.yaml" >"$work/sim.out" 2>&1 &
  sim_pid=$!
  e2e_pids+=("$sim_pid")
  until grep -q "^Connector config:" "$work/sim.out" 2>/dev/null; do
    kill -0 "$sim_pid" 2>/dev/null || { echo "ats-sim exited:"; cat "$work/sim.out"; exit 1; }
    sleep 0.1
  done
}

# set_connection_option KEY VALUE: sets a per-connection option (e.g. poll_interval_s) of every
# connection in $work/sim.yaml.
set_connection_option() {
  python3 - "$work/sim.yaml" "$1" "$2" <<'PY'
import re, sys
path, key, value = sys.argv[1:]
text = open(path).read()
line = re.compile(r"^    " + re.escape(key) + r":.*$", re.M)
if line.search(text):
    text = line.sub("    %s: %s" % (key, value), text)
else:  # after each connection's "source:" line
    text = re.sub(r"^(    source: .*)$", r"\1\n    %s: %s" % (key, value), text, flags=re.M)
open(path, "w").write(text)
PY
}

# start_connector: `ats-connector run` on $work/sim.yaml, logging to $work/log. Sets conn_pid
# and conn_start (epoch seconds).
start_connector() {
  : >"$work/log"
  conn_start=$(now)
  "$e2e_bin" run --config "$work/sim.yaml" 2>"$work/log" >"$work/connector.out" &
  conn_pid=$!
  e2e_pids+=("$conn_pid")
}

# Number of "Sync cycle complete." lines of connection $1 so far.
cycles_done() { grep -c "\"msg\":\"Sync cycle complete.\",\"connection\":\"$1\"" "$work/log" || true; }
# The Nth "Sync cycle complete." line of connection $1.
cycle_line() { grep "\"msg\":\"Sync cycle complete.\",\"connection\":\"$1\"" "$work/log" | sed -n "${2}p"; }
# A numeric field of a JSON log line: json_field LINE KEY
json_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# wait_cycle CONNECTION N [TIMEOUT_S]: waits until connection's Nth cycle completed, sampling the
# connector's VmHWM every 0.2 s into peak_kib (kept across calls). Sets cycle_end (epoch s).
peak_kib=0
wait_cycle() {
  local deadline=$(( $(date +%s) + ${3:-86400} )) hwm
  while (( $(cycles_done "$1") < $2 )); do
    kill -0 "$conn_pid" 2>/dev/null || { echo "connector exited"; tail -5 "$work/log"; exit 1; }
    (( $(date +%s) < deadline )) || { echo "no cycle $2 of $1 within ${3}s"; tail -5 "$work/log"; exit 1; }
    hwm=$(hwm_kib "$conn_pid"); (( hwm > peak_kib )) && peak_kib=$hwm
    sleep 0.2
  done
  cycle_end=$(now)
  hwm=$(hwm_kib "$conn_pid"); (( hwm > peak_kib )) && peak_kib=$hwm
  return 0
}

# Embedded Kafka bootstrap address, from the connector's log.
kafka_bootstrap() {
  local line
  for _ in $(seq 1 300); do
    line=$(grep -m1 '"bootstrap_servers"' "$work/log" || true)
    [[ -n "$line" ]] && { json_field "$line" bootstrap_servers; return; }
    sleep 0.1
  done
  echo "no bootstrap_servers in the connector log" >&2; exit 1
}

# A counter of the connector's /metrics, summed over series whose labels contain $2 (regex).
metric_sum() {
  curl -fsS "http://127.0.0.1:$http_port/metrics" | awk -v m="$1" -v l="${2:-}" '
    $1 ~ "^" m "({|$)" && $1 ~ l { s += $2 } END { printf "%.0f\n", s + 0 }'
}

# stop_connector: SIGTERM and wait (so its CPU is read before, by the caller).
stop_connector() { kill -TERM "$conn_pid" 2>/dev/null || true; wait "$conn_pid" 2>/dev/null || true; }

# write_result NAME KEY=VALUE...: appends one JSON line to benchmarks/results/e2e_NAME.json;
# values that parse as numbers are numbers. Adds "time" (UTC) and "host_cpus".
write_result() {
  mkdir -p "$e2e_results"
  local name=$1; shift
  python3 - "$e2e_results/e2e_$name.json" "$name" "$@" <<'PY'
import json, os, sys, time
path, name, *pairs = sys.argv[1:]
out = {"name": name}
for p in pairs:
    k, v = p.split("=", 1)
    try:
        out[k] = int(v)
    except ValueError:
        try:
            f = float(v)
            out[k] = round(f, 3) if f == f else None  # NaN (e.g. no samples) -> null
        except ValueError:
            out[k] = v
out["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
out["host_cpus"] = os.cpu_count()
out["load_1m"] = os.getloadavg()[0]
with open(path, "a") as f:
    f.write(json.dumps(out) + "\n")
print("result appended to", os.path.relpath(path))
PY
}
