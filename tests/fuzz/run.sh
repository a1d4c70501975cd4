#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan; the `fuzz` preset in build/fuzz) and runs
# each for SECONDS (default: $FUZZ_SECONDS, else 10), starting from its seed corpus in
# tests/fuzz/corpus/<target>/ (read only; new inputs go to a scratch directory). A crash, a
# leak, a sanitizer report or a timeout fails the run; the input that caused it is kept as
# build/fuzz/crash-<target>-* for a regression seed. Prints executions per target and
# "N passed, N failed".
#   tests/fuzz/run.sh 60
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-${FUZZ_SECONDS:-10}}
targets=(workable_page raas_stream config)
declare -A max_len=([workable_page]=65536 [raas_stream]=65536 [config]=8192)

cmake --preset fuzz >/dev/null || exit 1
cmake --build --preset fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null || {
  cmake --build --preset fuzz -j 1 --target "${targets[@]/#/fuzz_}" 2>&1 | tail -n 30
  echo "0 passed, ${#targets[@]} failed"
  exit 1
}

passed=0 failed=0
for t in "${targets[@]}"; do
  scratch=$(mktemp -d)
  log=build/fuzz/fuzz-$t.log
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    build/fuzz/tests/fuzz/fuzz_$t -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build/fuzz/crash-$t-" \
    "$scratch" "tests/fuzz/corpus/$t" </dev/null >"$log" 2>&1
  rc=$?
  rm -rf "$scratch"
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
  if [[ $rc == 0 ]]; then
    passed=$((passed + 1))
    echo "ok   fuzz_$t: ${execs:-?} executions in ${seconds} s (${cov:-cov: ?})"
  else
    failed=$((failed + 1))
    echo "FAIL fuzz_$t (exit $rc) after ${execs:-?} executions; log: $log"
    grep -E 'ERROR|SUMMARY|==[0-9]+==|Test unit written' "$log" | head -n 20
  fi
done
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
