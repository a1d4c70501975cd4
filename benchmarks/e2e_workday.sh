#!/usr/bin/env bash
# End to end, Workday: peak RSS, throughput and CPU of the connector while it syncs one large
# custom report (RaaS) of ROWS entries: ats-sim serves the report (a separate process, so its
# memory and CPU are not counted), the connector streams it, diffs it against RocksDB and
# publishes every candidate to its embedded Kafka. Wall s is from connector start to the first
# "Sync cycle complete." of the Workday connection (every event acknowledged by Kafka).
#   benchmarks/e2e_workday.sh                 (1 M rows, ~440 MiB of JSON)
#   ROWS=2300000 benchmarks/e2e_workday.sh    (~1 GB report; the RSS target is <= 256 MB for it)
#   ROWS=200000 benchmarks/e2e_workday.sh     (quick run)
rows=${ROWS:-1000000}
source "$(dirname "$0")/e2e_lib.sh"

start_sim --workable-jobs 0 --workday-postings 50 --workday-applications "$rows"
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

sim_cpu0=$(cpu_s "$sim_pid")
start_connector
wait_cycle sim-workday 1
wall=$(calc "$cycle_end - $conn_start")
cpu=$(cpu_s "$conn_pid")
sim_cpu=$(calc "$(cpu_s "$sim_pid") - $sim_cpu0")
line=$(cycle_line sim-workday 1)
echo "$line"
stop_connector
records=$(json_field "$line" records)
rps=$(calc "$rows / $wall")
cpu_per_m=$(calc "$cpu * 1e6 / $rows")
python3 -c "import sys; w,r,p,c,s=map(float,sys.argv[1:]); print(f'peak RSS: {p/1024:.0f} MiB (target <= 256 MB for ~1 GB); wall: {w:.1f} s; {r/w:,.0f} rows/s; CPU: {c:.1f} s = {c*1e6/r:.1f} s per million rows; ats-sim CPU: {s:.1f} s')" \
  "$wall" "$rows" "$peak_kib" "$cpu" "$sim_cpu"
write_result workday size="$rows" records_per_s="$rps" peak_rss_mib="$(calc "$peak_kib / 1024")" \
  cpu_s_per_million="$cpu_per_m" wall_s="$wall" report_bytes="$bytes" records="$records" \
  requests="$(json_field "$line" requests)" created="$(json_field "$line" created)" \
  cycle_s="$(json_field "$line" seconds)" cpu_s="$cpu" sim_cpu_s="$sim_cpu"
