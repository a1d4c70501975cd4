#!/usr/bin/env bash
# Property-based fuzzing of the control API from schemas/openapi.yaml (Schemathesis): the real
# ats-connector on a simulated Workable tenant (ats-sim), embedded Kafka, the API on with a
# keyring; a bounded number of examples per operation. Fails on any 5xx and on any response that
# does not match the document's schema for its status.
#   ATS_CONNECTOR_BIN, ATS_SIM_BIN   the built binaries
#   ATS_SCHEMATHESIS                 the schemathesis command (scripts/install-test-tools.sh)
#   ATS_FUZZ_EXAMPLES                examples per operation [25] (the run stops after 150 s anyway)
set -u
bin=${ATS_CONNECTOR_BIN:?set ATS_CONNECTOR_BIN}
sim=${ATS_SIM_BIN:?set ATS_SIM_BIN}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/test-tools.versions
source "$root/scripts/test-tools.versions"
tools=${ATS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ats-connector/tools}
st=${ATS_SCHEMATHESIS:-$tools/schemathesis-$SCHEMATHESIS_VERSION/bin/schemathesis}
[[ -x $st ]] || { echo "schemathesis $SCHEMATHESIS_VERSION not installed: run scripts/install-test-tools.sh"; exit 1; }
examples=${ATS_FUZZ_EXAMPLES:-25}
work=$(mktemp -d)
sim_pid= pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
token=fuzz-write-token-0123456789abcdef
printf '%s\n' "$token" >"$work/admin-token" && chmod 600 "$work/admin-token"
"$bin" keygen --out "$work/keyring.yaml" >/dev/null || { echo "ats-connector keygen failed"; exit 1; }

"$sim" --workable-jobs 2 --workable-candidates 2 --workable-rate-limit 0 --workday-postings 0 \
  --kafka-bootstrap embedded --snapshot "$work/snapshot" --http-listen "127.0.0.1:$port" \
  --config-out "$work/config.yaml" >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do [[ -s $work/config.yaml ]] && break; sleep 0.1; done
[[ -s $work/config.yaml ]] || { echo "ats-sim wrote no config"; cat "$work/sim.log"; exit 1; }
# The API on (write token) with a keyring: http gets the token file, secrets the keyring.
sed -i "s|^http:|http:\n  admin_token_file: $work/admin-token|" "$work/config.yaml"
printf 'secrets:\n  keyring_file: %s\n' "$work/keyring.yaml" >>"$work/config.yaml"

"$bin" run --config "$work/config.yaml" >"$work/connector.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "ats-connector did not start"; cat "$work/config.yaml" "$work/connector.log"; exit 1; }

cd "$work"
timeout 240 "$st" run "$root/schemas/openapi.yaml" --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "$examples" --max-time 150 --seed 14 --workers 1 \
  --suppress-health-check all --request-timeout 40
rc=$?
if ! kill -0 "$pid" 2>/dev/null; then echo "ats-connector died during the run"; tail -40 "$work/connector.log"; exit 1; fi
grep -q "$token" "$work/connector.log" && { echo "the token appears in the log"; exit 1; }
[[ $rc == 0 ]] || tail -20 "$work/connector.log"
exit $rc
