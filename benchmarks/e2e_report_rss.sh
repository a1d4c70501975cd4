#!/usr/bin/env bash
# Peak RSS of the connector while it syncs one large Workday custom report end to end:
# ats-sim serves the report (a separate process, so its memory is not counted), the connector
# streams it, diffs it against RocksDB and publishes every candidate to its embedded Kafka.
#   ROWS=2000000 benchmarks/e2e_report_rss.sh        (~1 GB report; defaults to build/release)
set -euo pipefail
rows=${ROWS:-2000000}
build=${BUILD:-build/release}
here=$(cd "$(dirname "$0")/.." && pwd)
sim="$here/$build/src/ats-sim"
bin="$here/$build/src/ats-connector"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$sim" --workable-jobs 0 --workday-postings 50 --workday-applications "$rows" \
  --snapshot "$work/snapshot" --http-listen "127.0.0.1:$port" --config-out "$work/sim.yaml" >"$work/sim.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [[ -s "$work/sim.yaml" ]] && break; sleep 0.1; done
report=$(grep -o 'http://[^ ]*customreport2[^ ]*' "$work/sim.out" | head -1)
bytes=$(python3 - "$report" <<'PY'
import base64, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "?format=json")
req.add_header("Authorization", "Basic " + base64.b64encode(b"ISU_ATS@acme:sim-isu-password-0123456789").decode())
n = 0
with urllib.request.urlopen(req) as r:
    while chunk := r.read(1 << 20):
        n += len(chunk)
print(n)
PY
)
echo "report: $rows rows, $bytes bytes ($((bytes / 1048576)) MiB)"

: >"$work/log"
start=$(date +%s.%N)
"$bin" run --config "$work/sim.yaml" 2>"$work/log" &
pid=$!
pids+=($pid)
peak=0
while ! grep -q '"msg":"Sync cycle complete.","connection":"sim-workday"' "$work/log"; do
  kill -0 "$pid" 2>/dev/null || { echo "connector exited"; tail -5 "$work/log"; exit 1; }
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  (( hwm > peak )) && peak=$hwm
  sleep 0.5
done
end=$(date +%s.%N)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status"); (( hwm > peak )) && peak=$hwm
cpu=$(awk '{print ($14 + $15) / 100}' "/proc/$pid/stat")
grep '"msg":"Sync cycle complete.","connection":"sim-workday"' "$work/log" | head -1
kill -TERM "$pid"; wait "$pid" || true
python3 -c "import sys; s,e,r,p,c=map(float,sys.argv[1:]); print(f'peak RSS: {p/1024:.0f} MiB; wall: {e-s:.1f} s; CPU: {c:.1f} s; {r/(e-s):.0f} rows/s')" \
  "$start" "$end" "$rows" "$peak" "$cpu"
