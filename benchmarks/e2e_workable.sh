#!/usr/bin/env bash
# End to end, Workable, rate limit off: a simulated tenant (ats-sim, its own process) with
# CANDIDATES candidates in JOBS jobs; `ats-connector run` with the embedded Kafka.
#  1. full sync: wall s from connector start to the first "Sync cycle complete." (every event
#     acknowledged by Kafka), records/s, connector CPU s per million records, peak RSS (VmHWM);
#     the simulator's CPU over the same time, to show how much of the machine it takes.
#  2. incremental cycle after CHANGED_PCT % changed: SIGUSR2 makes ats-sim apply that many
#     random changes at once (moves, adds, disqualifications, deletions, new jobs); the next
#     cycle lists by updated_after; its seconds, requests, created/updated events, CPU.
#   benchmarks/e2e_workable.sh                                   (1 M candidates in 10 k jobs)
#   CANDIDATES=100000 JOBS=1000 benchmarks/e2e_workable.sh        (quick run)
# POLL (default 10) is the connector's poll_interval_s: the pause between the two cycles.
# Note: the connector's client-side pacing is capped at 1000 requests/s by config validation
# (workable.rate_limit.requests ≤ 1000, per_s ≥ 1); ats-sim writes that cap into the config when
# its own limit is off, so with 100 candidates a page the connector cannot exceed 100 k records/s.
candidates=${CANDIDATES:-1000000}
jobs=${JOBS:-10000}
changed_pct=${CHANGED_PCT:-1}
poll=${POLL:-10}
source "$(dirname "$0")/e2e_lib.sh"

per_job=$(( candidates / jobs ))
(( per_job > 0 )) || { echo "CANDIDATES must be at least JOBS"; exit 1; }
candidates=$(( per_job * jobs ))
changes=$(calc "max(1, round($candidates * $changed_pct / 100))")

t0=$(now)
start_sim --workable-jobs "$jobs" --workable-candidates "$per_job" --workable-rate-limit 0 \
  --workday-postings 0 --mutations "$changes"
sim_gen_s=$(calc "$(now) - $t0")
sim_rss_kib=$(hwm_kib "$sim_pid")
echo "tenant: $jobs jobs x $per_job = $candidates candidates; generated in $(printf %.1f "$sim_gen_s") s," \
  "ats-sim RSS $(( sim_rss_kib / 1024 )) MiB"
set_connection_option poll_interval_s "$poll"
set_connection_option incremental true

# 1. Full sync.
sim_cpu0=$(cpu_s "$sim_pid")
start_connector
wait_cycle sim-workable 1
full_wall=$(calc "$cycle_end - $conn_start")
full_cpu=$(cpu_s "$conn_pid")
full_peak_kib=$peak_kib
sim_cpu1=$(cpu_s "$sim_pid")
line1=$(cycle_line sim-workable 1)
echo "$line1"
records=$(json_field "$line1" records)
requests=$(json_field "$line1" requests)
created=$(json_field "$line1" created)
cycle_s=$(json_field "$line1" seconds)
rps=$(calc "$records / $full_wall")
cpu_per_m=$(calc "$full_cpu * 1e6 / $records")
sim_cpu_full=$(calc "$sim_cpu1 - $sim_cpu0")
# Printed now, so that the full sync's figures survive if the incremental part fails.
python3 - "$candidates" "$records" "$requests" "$created" "$full_wall" "$cycle_s" "$full_cpu" "$sim_cpu_full" \
  "$full_peak_kib" "$sim_rss_kib" <<'PY'
import sys
cands, rec, req, created, wall, cyc, cpu, simcpu, peak, simrss = map(float, sys.argv[1:])
print(f"full sync: {cands:.0f} candidates, {rec:.0f} records in {req:.0f} requests, {created:.0f} created events")
print(f"  wall {wall:.1f} s from start (cycle {cyc:.1f} s); {rec / wall:,.0f} records/s"
      f" (target >= 200,000 candidates/s)")
print(f"  connector CPU {cpu:.1f} s = {cpu * 1e6 / rec:.1f} s per million; ats-sim CPU {simcpu:.1f} s"
      f" ({100 * simcpu / (cpu + simcpu):.0f} % of the two); peak RSS {peak / 1024:.0f} MiB"
      f" (target <= 512 MiB at 1 M); ats-sim RSS {simrss / 1024:.0f} MiB")
PY

# 2. CHANGED_PCT % changed, then the next (incremental) cycle. The signal goes out right after
# the first cycle, well inside the poll interval, and the changes take well under a second.
kill -USR2 "$sim_pid"
until grep -q '^Applied .* changes (SIGUSR2)' "$work/sim.out"; do
  kill -0 "$sim_pid" 2>/dev/null || { echo "ats-sim exited"; cat "$work/sim.out"; exit 1; }
  sleep 0.05
done
(( $(cycles_done sim-workable) == 1 )) || echo "warning: a second cycle completed before the changes were applied (raise POLL)"
peak_kib=0
wait_cycle sim-workable 2
inc_cpu=$(calc "$(cpu_s "$conn_pid") - $full_cpu")
sim_cpu2=$(cpu_s "$sim_pid")
line2=$(cycle_line sim-workable 2)
echo "$line2"
inc_records=$(json_field "$line2" records)
inc_requests=$(json_field "$line2" requests)
inc_created=$(json_field "$line2" created)
inc_updated=$(json_field "$line2" updated)
inc_s=$(json_field "$line2" seconds)
stop_connector

sim_cpu_inc=$(calc "$sim_cpu2 - $sim_cpu1")
python3 - "$changes" "$inc_s" "$inc_records" "$inc_requests" "$inc_created" "$inc_updated" "$inc_cpu" "$sim_cpu_inc" <<'PY'
import sys
changes, inc_s, inc_rec, inc_req, inc_cr, inc_up, inc_cpu, inc_simcpu = map(float, sys.argv[1:])
print(f"incremental after {changes:.0f} changes: cycle {inc_s:.2f} s, {inc_rec:.0f} records in {inc_req:.0f} requests,"
      f" {inc_cr:.0f} created + {inc_up:.0f} updated events; connector CPU {inc_cpu:.2f} s, ats-sim CPU {inc_simcpu:.2f} s")
PY
write_result workable size="$candidates" records_per_s="$rps" peak_rss_mib="$(calc "$full_peak_kib / 1024")" \
  cpu_s_per_million="$cpu_per_m" wall_s="$full_wall" jobs="$jobs" records="$records" requests="$requests" \
  created="$created" cycle_s="$cycle_s" cpu_s="$full_cpu" sim_cpu_s="$sim_cpu_full" \
  sim_rss_mib="$(calc "$sim_rss_kib / 1024")" sim_generate_s="$sim_gen_s" \
  inc_changes="$changes" inc_cycle_s="$inc_s" inc_records="$inc_records" inc_requests="$inc_requests" \
  inc_created="$inc_created" inc_updated="$inc_updated" inc_cpu_s="$inc_cpu" inc_sim_cpu_s="$sim_cpu_inc" \
  poll_interval_s="$poll"
