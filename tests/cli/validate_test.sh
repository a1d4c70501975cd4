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
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
