#!/usr/bin/env bash
# How the connector's CPU and RSS grow with connections: benchmarks/e2e_density.sh once per size
# in SIZES (default "1000 3000 10000"), each result written to RESULTS_DIR/density-<size>.json
# (replaced, not appended), then plot_density.py draws OUT_DIR/density.png (CPU and peak RSS vs
# connections). Every other variable of e2e_density.sh passes through; here API_CONNECTIONS
# defaults to 0 (growth with connections alone) and DURATION_S to 600.
#   benchmarks/density_scaling.sh
#   SIZES="50 100 200" DURATION_S=60 RESULTS_DIR=/tmp/d OUT_DIR=/tmp/d benchmarks/density_scaling.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sizes=${SIZES:-1000 3000 10000}
results=${RESULTS_DIR:-$here/results}
out=${OUT_DIR:-$here/../docs/img}
# The plot needs matplotlib, which the distribution's python has (python3-matplotlib).
plot_python=${PLOT_PYTHON:-/usr/bin/python3}
export API_CONNECTIONS=${API_CONNECTIONS:-0} DURATION_S=${DURATION_S:-600}
mkdir -p "$results"
for n in $sizes; do
  echo "=== $n connections, $DURATION_S s ==="
  rm -f "$results/density-$n.json"
  CONNECTIONS=$n RESULT_FILE="$results/density-$n.json" "$here/e2e_density.sh"
done
"$plot_python" "$here/plot_density.py" "$results" "$out"
for n in $sizes; do tail -1 "$results/density-$n.json"; done
