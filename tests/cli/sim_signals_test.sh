#!/usr/bin/env bash
# ats-sim's controls used by the end-to-end benchmarks (benchmarks/e2e_*.sh): SIGUSR2 applies
# --mutations N changes at once, --mutation-log pairs each change's tenant updated_at with the
# wall time it was applied, SIGUSR1 freezes the tenant (SIGUSR2 then changes nothing), and at
# exit the Workable tenant's request/429/change counters are printed; SIGHUP prints them and the
# tenant goes on serving (benchmarks/peers/run.sh counts requests per phase with it).
set -u
sim=${ATS_SIM_BIN:?set ATS_SIM_BIN to the built ats-sim}
work=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0
ok() { passed=$((passed+1)); echo "ok   $1"; }
bad() { failed=$((failed+1)); echo "FAIL $1"; }
wait_line() {  # wait_line PATTERN: up to 10 s for a line of stdout
  for _ in $(seq 1 100); do grep -q "$1" "$work/out" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

"$sim" --workable-jobs 3 --workable-candidates 10 --workday-postings 0 --mutations 5 \
  --mutation-log "$work/mutations.log" --config-out "$work/sim.yaml" --snapshot "$work/snap" >"$work/out" 2>&1 &
pid=$!
wait_line '^Connector config:' && ok "started" || bad "did not start"
[[ ! -s "$work/mutations.log" ]] && ok "no changes without a timer or a signal" || bad "changes before any signal"

url=$(sed -n 's/^Workable tenant: //p' "$work/out")
curl -fsS -o /dev/null -H "Authorization: Bearer sandbox-token-0123456789" "$url/jobs" && ok "one request answered" ||
  bad "request to $url/jobs failed"
kill -HUP "$pid"
wait_line '^Workable requests: 1, 429s: 0, changes: 0$' && kill -0 "$pid" 2>/dev/null &&
  curl -fsS -o /dev/null -H "Authorization: Bearer sandbox-token-0123456789" "$url/jobs" &&
  ok "SIGHUP: counters printed, still serving" || { bad "SIGHUP: no counters, or stopped"; cat "$work/out"; }

before=$(date +%s%3N)
kill -USR2 "$pid"
wait_line '^Applied 5 changes (SIGUSR2)\.' && ok "SIGUSR2: 5 changes applied" || bad "SIGUSR2: no 'Applied 5 changes' line"
after=$(date +%s%3N)
n=$(wc -l <"$work/mutations.log")
[[ $n == 5 ]] && ok "mutation log: one line per change" || bad "mutation log: $n lines, want 5"
# Line k: wall ms within the signal's span, tenant clock 2026-01-01T00:00:0k (one second per change).
k=0 bad_lines=0
while read -r ms clock what; do
  k=$((k+1))
  (( ms >= before && ms <= after )) && [[ $clock == "2026-01-01T00:00:0${k}Z" && -n $what ]] || bad_lines=$((bad_lines+1))
done <"$work/mutations.log"
[[ $bad_lines == 0 ]] && ok "mutation log: wall ms, tenant updated_at, description" || { bad "mutation log lines"; cat "$work/mutations.log"; }

kill -USR1 "$pid"  # freeze
sleep 0.3
kill -USR2 "$pid"
sleep 0.5
n=$(wc -l <"$work/mutations.log")
[[ $n == 5 ]] && ok "frozen: SIGUSR2 changes nothing" || bad "frozen: $n changes logged, want 5"

kill -TERM "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"; rc=$?; pid=
[[ $rc == 0 ]] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"
grep -q '^Workable requests: 2, 429s: 0, changes: 5$' "$work/out" && ok "counters printed at exit" ||
  { bad "no counters at exit"; cat "$work/out"; }

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
