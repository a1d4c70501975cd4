#!/usr/bin/env bash
# ats-sim --workable-tenants N as benchmarks/e2e_density.sh uses it: one port for N tenants, a
# connector config listing the first --config-tenants of them that `ats-connector check` finds
# Active one by one, 404 for a tenant that does not exist, changes to random tenants logged with
# the tenant they went to, and the fleet's counters on SIGHUP.
set -u
sim=${ATS_SIM_BIN:?set ATS_SIM_BIN to the built ats-sim}
bin=${ATS_CONNECTOR_BIN:?set ATS_CONNECTOR_BIN to the built ats-connector}
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

"$sim" --workable-tenants 5 --config-tenants 3 --poll-interval-s 30 --workable-jobs 2 --workable-candidates 10 \
  --workday-postings 0 --mutations 6 --mutation-log "$work/mutations.log" --config-out "$work/sim.yaml" \
  --truth-out "$work/truth.json" \
  --snapshot "$work/snap" >"$work/out" 2>&1 &
pid=$!
wait_line '^Connector config:' && ok "started" || { bad "did not start"; cat "$work/out"; }
port=$(sed -n 's|^Workable fleet: 5 tenants at http://127.0.0.1:\([0-9]*\)/t/<subdomain>/spi/v3.*|\1|p' "$work/out")
[[ -n $port ]] && ok "fleet line names the port" || { bad "no fleet line"; cat "$work/out"; }

ids=$(sed -n 's/^  - id: //p' "$work/sim.yaml" | tr '\n' ' ')
[[ $ids == "tenant-00001 tenant-00002 tenant-00003 " ]] && ok "config lists the first 3 tenants" ||
  bad "config ids: '$ids'"
grep -q "base_url: http://127.0.0.1:$port/t/tenant-00002/spi/v3" "$work/sim.yaml" &&
  grep -q "api_token: token-00002-42" "$work/sim.yaml" && [[ $(grep -c 'poll_interval_s: 30' "$work/sim.yaml") == 3 ]] &&
  [[ $(grep -c 'incremental: true' "$work/sim.yaml") == 3 ]] && ok "connection settings" ||
  { bad "connection settings"; cat "$work/sim.yaml"; }

"$bin" check --config "$work/sim.yaml" >"$work/check.out" 2>"$work/check.err"; rc=$?
[[ $rc == 0 && $(grep -c ': Status: Active$' "$work/check.out") == 3 ]] && ok "ats-connector check: 3 x Active" ||
  { bad "check rc=$rc"; cat "$work/check.out" "$work/check.err"; }

code() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" "http://127.0.0.1:$port$1"; }
[[ $(code /t/tenant-00005/spi/v3/jobs token-00005-42) == 200 ]] && ok "tenant 5 (not in the config) answers" ||
  bad "tenant 5"
[[ $(code /t/tenant-00006/spi/v3/jobs token-00005-42) == 404 ]] && ok "tenant 6: 404" || bad "tenant 6 not 404"
[[ $(code /t/tenant-00004/spi/v3/jobs token-00005-42) == 401 ]] && ok "tenant 5's token on tenant 4: 401" ||
  bad "foreign token not 401"

kill -USR2 "$pid"
wait_line '^Applied 6 changes (SIGUSR2)\.' && ok "SIGUSR2: 6 changes" || bad "SIGUSR2: no 'Applied 6 changes'"
bad_lines=0
while read -r ms clock tenant what; do
  [[ $ms =~ ^[0-9]{13}$ && $clock == 2026-01-01T00:00:0?Z && $tenant =~ ^tenant-0000[1-5]$ &&
     $what =~ ^(moved|added\ candidate)\  ]] || bad_lines=$((bad_lines+1))
done <"$work/mutations.log"
[[ $(wc -l <"$work/mutations.log") == 6 && $bad_lines == 0 ]] &&
  ok "mutation log: wall ms, tenant updated_at, tenant, change" || { bad "mutation log"; cat "$work/mutations.log"; }

# SIGUSR1: the fleet's ground truth, every tenant, each candidate's changes counted as logged.
kill -USR1 "$pid"
wait_line '^Ground truth written: .*truth.json (6 changes applied)$' && ok "SIGUSR1: truth written" ||
  { bad "SIGUSR1: no 'Ground truth written'"; cat "$work/out"; }
python3 - "$work/truth.json" "$work/mutations.log" <<'PY' && ok "truth: 5 tenants, changes per candidate = mutation log" || bad "truth"
import collections, json, sys
truth = json.load(open(sys.argv[1]))
logged = collections.Counter()
for line in open(sys.argv[2]):
    _, clock, tenant, what = line.rstrip("\n").split(" ", 3)
    words = what.split()
    logged[(tenant, words[1] if words[0] == "moved" else words[2])] += 1
assert [t["subdomain"] for t in truth["tenants"]] == [f"tenant-0000{i}" for i in range(1, 6)], truth.keys()
counted = collections.Counter()
for t in truth["tenants"]:
    assert t["jobs"] and all({"shortcode", "state", "updated_at"} <= set(j) for j in t["jobs"]), t["subdomain"]
    assert t["changes"] == sum(c["changes"] for c in t["candidates"]), t["subdomain"]
    for c in t["candidates"]:
        assert {"id", "job_shortcode", "stage_kind", "disqualified", "updated_at", "deleted"} <= set(c), c
        if c["changes"]:
            counted[(t["subdomain"], c["id"])] = c["changes"]
assert counted == logged, (counted, logged)
PY
# Frozen: SIGUSR2 changes nothing any more.
kill -USR2 "$pid"
sleep 0.3
[[ $(wc -l <"$work/mutations.log") == 6 ]] && ok "frozen: SIGUSR2 applies nothing" || bad "changes after the freeze"

kill -HUP "$pid"
# 3 tenants x (check's reads) + 3 curl calls that reached a tenant; the 404 reached none.
wait_line '^Workable requests: [1-9][0-9]*, 429s: 0, changes: 6, unknown tenant: 1$' && ok "SIGHUP: fleet counters" ||
  { bad "SIGHUP counters"; cat "$work/out"; }

kill -TERM "$pid"
wait "$pid"; rc=$?; pid=
[[ $rc == 0 ]] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $rc"

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
