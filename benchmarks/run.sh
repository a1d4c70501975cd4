#!/usr/bin/env bash
# The one command for the benchmarks (docs/performance.md):
#   benchmarks/run.sh            everything: micro benchmarks (5 repetitions, medians), the Python
#                                reference, the ratios, every benchmarks/e2e_*.sh, the plots
#   benchmarks/run.sh --quick    one short run of each micro benchmark, no e2e scripts
#   benchmarks/run.sh --no-e2e   the full micro benchmarks and the reference, no e2e scripts
#   benchmarks/run.sh --peers    also benchmarks/peers/run.sh (opt-in, never in CI): Airbyte's
#                                Workable source beside ats-connector on the same simulated tenant;
#                                installs the peer from PyPI into ~/.cache/ats-connector/peers/venv
# Results (machine-readable) go to benchmarks/results/: <executable>.json (Google Benchmark
# JSON), python_parse_diff.json, ratios.json, summary.md, e2e_*.json (written by the e2e
# scripts), peers.json (--peers); the figures to docs/img/. Environment: JOBS (build parallelism,
# default 2), CANDIDATES (candidates in the dumped pages, default 10000), PYTHON (default /usr/bin/python3,
# Debian's, which has python3-matplotlib), BENCH_FILTER (a --benchmark_filter regex).
# Timing figures need a quiet machine; no test asserts on them.
set -euo pipefail
quick=0
e2e=1
peers=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 e2e=0 ;;
    --no-e2e) e2e=0 ;;
    --peers) peers=1 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
build=build/release
results=benchmarks/results
python=${PYTHON:-/usr/bin/python3}
jobs=${JOBS:-2}

scripts/install-deps.sh
cmake --preset release >/dev/null
micro=()
for src in benchmarks/*_benchmark.cpp; do micro+=("$(basename "$src" .cpp)"); done
targets=("${micro[@]}" dump_pages)
((quick && !peers)) || targets+=(ats-connector ats-sim)  # what the e2e and peers scripts run
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

mkdir -p "$results"
pages="$results/pages"
"$build/benchmarks/dump_pages" "$pages" "${CANDIDATES:-10000}" 100

bench_args=(--benchmark_out_format=json)
if ((quick)); then
  bench_args+=(--benchmark_min_time=0.2)
else
  bench_args+=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true)
fi
[[ -n ${BENCH_FILTER:-} ]] && bench_args+=("--benchmark_filter=$BENCH_FILTER")
for b in "${micro[@]}"; do
  echo "== $b"
  ATS_BENCH_PAGES_DIR="$pages" "$build/benchmarks/$b" "${bench_args[@]}" --benchmark_out="$results/$b.json"
done

echo "== reference/parse_diff.py"
"$python" benchmarks/reference/parse_diff.py "$pages" --repeat "$( ((quick)) && echo 1 || echo 5)" \
  >"$results/python_parse_diff.json"
cat "$results/python_parse_diff.json"

if ((e2e)); then
  for script in benchmarks/e2e_*.sh; do
    [[ -e $script && $script != */e2e_lib.sh ]] || continue
    echo "== $script"
    BUILD="$build" RESULTS="$results" "$script"
  done
fi

if ((peers)); then  # its own CANDIDATES default (20 000); PEERS_CANDIDATES to change it
  echo "== benchmarks/peers/run.sh"
  BUILD="$build" CANDIDATES="${PEERS_CANDIDATES:-20000}" JOBS="${PEERS_JOBS:-200}" benchmarks/peers/run.sh
fi

echo "== ratios"
status=0
"$python" benchmarks/ratios.py "$results" || status=$?  # 1: a benchmark failed; plot the rest anyway
"$python" benchmarks/plot.py "$results" docs/img
exit "$status"
