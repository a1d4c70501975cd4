#!/usr/bin/env bash
# The Quick start promise: `ats-connector sandbox` starts, prints the embedded Kafka's address
# and writes it to a file, and a separate Kafka client (kcat) reads the events from it; Ctrl-C
# (SIGINT) stops it cleanly with exit code 0.
set -u
bin=${ATS_CONNECTOR_BIN:?set ATS_CONNECTOR_BIN to the built ats-connector}
command -v kcat >/dev/null || { echo "kcat is not installed (scripts/install-deps.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
work=$(mktemp -d)
pid=
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0
ok() { passed=$((passed+1)); echo "ok   $1"; }
bad() { failed=$((failed+1)); echo "FAIL $1"; }

"$bin" sandbox --dir "$work/sb" --http-listen 127.0.0.1:0 --poll-interval-s 1 --mutate-every-s 1 \
  --exit-after-s 120 >"$work/out" 2>"$work/log" &
pid=$!
for _ in $(seq 1 100); do [[ -s "$work/sb/kafka-bootstrap.txt" ]] && break; sleep 0.2; done
if [[ -s "$work/sb/kafka-bootstrap.txt" ]]; then ok "bootstrap file written"; else bad "no bootstrap file"; fi
boot=$(cat "$work/sb/kafka-bootstrap.txt" 2>/dev/null)
grep -q "Embedded Kafka bootstrap:  $boot" "$work/out" && ok "bootstrap address printed" || bad "bootstrap address not printed"

# The first sync publishes every job and candidate of the published jobs; read 25 with kcat.
n=$(timeout 60 kcat -C -b "$boot" -t ats.candidate-changed.v1 -c 25 -e -q -f '%k\n' 2>/dev/null | wc -l)
[[ $n == 25 ]] && ok "kcat read 25 candidate-changed events" || bad "kcat read $n candidate-changed events, want 25"
n=$(timeout 60 kcat -C -b "$boot" -t ats.job-imported.v1 -c 1 -e -q -f '%h\n' 2>/dev/null | grep -c 'ce_type=com.ats-connector.job-imported.v1')
[[ $n == 1 ]] && ok "kcat read a job-imported event with its CloudEvents headers" || bad "no job-imported event via kcat"

# Mutations keep flowing: an `updated` event appears within a few cycles.
if timeout 60 kcat -C -b "$boot" -t ats.candidate-changed.v1 -o beginning -q -f '%s\n' 2>/dev/null |
   grep -m1 -q '"change":"updated"'; then ok "an updated event arrived"; else bad "no updated event"; fi

kill -INT "$pid"
for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$pid" 2>/dev/null; then bad "still running 30 s after SIGINT"; else
  wait "$pid"; rc=$?; pid=
  [[ $rc == 0 ]] && ok "SIGINT: exit 0" || bad "SIGINT: exit $rc"
fi
grep -q '"msg":"ats-connector stopped."' "$work/log" && ok "stopped cleanly" || bad "no clean stop in the log"
[[ $failed == 0 ]] || { echo "--- stdout"; cat "$work/out"; echo "--- log (last 40 lines)"; tail -n 40 "$work/log"; }
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
