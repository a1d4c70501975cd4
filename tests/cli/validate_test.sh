#!/usr/bin/env bash
# `ats-connector validate` on each config in configs/: the first line of each file says the
# expected exit code and a substring the output must contain, as
#   # expect: <code> <substring>
# Prints one line per case and a closing "N passed, N failed".
set -u
bin=${ATS_CONNECTOR_BIN:?set ATS_CONNECTOR_BIN to the built ats-connector}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'tok-%s\n' 0123456789 > "$work/token"
export ATS_TEST_TOKEN_FILE="$work/token" WORKABLE_TOKEN=from-env-0123456789
passed=0 failed=0
for cfg in "$here"/configs/*.yaml; do
  name=$(basename "$cfg")
  read -r _ _ code want <<<"$(head -n1 "$cfg")"
  sed "s#@TOKEN_FILE@#$work/token#g" "$cfg" > "$work/$name"
  out=$("$bin" validate --config "$work/$name" 2>&1); rc=$?
  if [[ $rc == "$code" && "$out" == *"$want"* ]]; then
    passed=$((passed+1)); echo "ok   $name (exit $rc)"
  else
    failed=$((failed+1)); echo "FAIL $name: want exit $code and '$want', got exit $rc:"; echo "$out" | sed 's/^/     /'
  fi
done
# Usage errors: exit 2 with a message, --help exits 0.
check() { # expected-code substring command...
  local code=$1 want=$2; shift 2
  out=$("$@" 2>&1); rc=$?
  if [[ $rc == "$code" && "$out" == *"$want"* ]]; then passed=$((passed+1)); echo "ok   $*";
  else failed=$((failed+1)); echo "FAIL $*: want exit $code and '$want', got $rc: $out"; fi
}
check 0 "Usage:" "$bin" --help
check 0 "validate --config" "$bin" validate --help
check 0 "--exit-after-s" "$bin" sandbox --help
check 2 "no command" "$bin"
check 2 "unknown command 'frobnicate'" "$bin" frobnicate
check 2 "validate needs --config" "$bin" validate
check 2 "unknown option --confg" "$bin" run --confg x.yaml
check 2 "--poll-interval-s must be" "$bin" sandbox --poll-interval-s -3
# `check`: an endpoint of the wrong form is an Invalid API Endpoint (exit 1), an unreachable
# API is reported as such (exit 1), and a bad config is still a config error (exit 2). `check`
# needs no Kafka: these configs have none.
cat > "$work/check_endpoint.yaml" <<YAML
connections:
  - id: acme-wd
    source: workday
    workday:
      rest_endpoint: https://wd2-impl-services1.workday.com/api/acme
      client_id: abc
      client_secret_file: $work/token
      refresh_token_file: $work/token
      reports: [{url: "https://wd2-impl-services1.workday.com/ccx/service/customreport2/acme/ISU/R"}]
YAML
check 1 "Category: Invalid API Endpoint" "$bin" check --config "$work/check_endpoint.yaml"
cat > "$work/check_unreachable.yaml" <<YAML
connections:
  - id: acme
    source: workable
    request_timeout_s: 2
    workable: {subdomain: acme, api_token_file: $work/token, base_url: "http://127.0.0.1:1/spi/v3", allow_insecure_http: true}
YAML
check 1 "acme (workable): Status: Failed" "$bin" check --config "$work/check_unreachable.yaml"
check 1 "Category: Unreachable" "$bin" check --config "$work/check_unreachable.yaml"
check 2 "no connection with id 'nope'" "$bin" check --config "$work/check_unreachable.yaml" --connection nope
check 2 "poll_interval_s" "$bin" check --config "$work/unknown_key.yaml"
# `run` without kafka.bootstrap_servers refuses to start (exit 2) before it touches the snapshot:
# the events would go to an in-memory Kafka while the snapshot on disk advanced.
cat > "$work/run_no_kafka.yaml" <<YAML
connections:
  - id: acme
    source: workable
    workable: {subdomain: acme, api_token_file: $work/token}
snapshot: {path: $work/run-no-kafka-snapshot}
http: {listen: "127.0.0.1:0"}
YAML
check 2 "kafka.bootstrap_servers: required by \`run\`" "$bin" run --config "$work/run_no_kafka.yaml"
check 2 "ats-connector sandbox" "$bin" run --config "$work/run_no_kafka.yaml"
if [[ ! -e "$work/run-no-kafka-snapshot" ]]; then passed=$((passed+1)); echo "ok   run without kafka left no snapshot";
else failed=$((failed+1)); echo "FAIL run without kafka created $work/run-no-kafka-snapshot"; fi
# A refused kafka.rdkafka entry stops `run` the same way, with its key path.
sed 's#@TOKEN_FILE@#'"$work"'/token#g' "$here/configs/rdkafka_guarantees.yaml" > "$work/run_rdkafka.yaml"
check 2 "kafka.rdkafka.enable.idempotence" "$bin" run --config "$work/run_rdkafka.yaml"
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
