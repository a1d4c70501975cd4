#!/usr/bin/env bash
# The full cluster proof (issue 15): 3 real Kafka brokers (replication factor 3,
# min.insync.replicas 2), 3 connector replicas in one group (exactly-once), 300 connections on
# the simulated fleet with changes flowing; >= 20 seeded kill -9 trials of a random replica, a
# rolling restart, scaling 1 -> 3 -> 1, kill -9 of the leader broker of a state partition and a
# zombie (SIGSTOP until its partitions moved, SIGCONT: fenced). Then the fleet is frozen, a
# read_committed Java consumer reads everything and tests/cluster/verify.py compares it with the
# ground truth. Prints one JSON result line on stdout (progress on stderr); exit 0 when it passed.
# Takes 20-30 min on the 2-vCPU VM. Everything listens on 127.0.0.1 and is killed at exit.
#
#   benchmarks/cluster_proof.sh [BUILD_DIR]          (default build/ci; needs ats-connector, ats-sim)
# Environment: SEED, KILL_TRIALS (20), TENANTS (300), REPLICAS (3), SCENARIOS
# (kill,rolling,scale,broker,zombie), MODE (kafka | single: the plumbing proof, one replica),
# SESSION_TIMEOUT_S (10, the default of cluster.session_timeout_s), ATS_PROOF_DIR (the work dir).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build/ci}
mode=${MODE:-kafka}
scenarios=${SCENARIOS:-kill,rolling,scale,broker,zombie}
[[ $mode == single ]] && scenarios=${SCENARIOS:-kill,rolling,broker}
for bin in src/ats-connector src/ats-sim; do
  [[ -x $build/$bin ]] || { echo "cluster_proof: $build/$bin is missing: cmake --build --preset ci --target ats-connector ats-sim" >&2; exit 2; }
done
exec python3 "$repo/tests/cluster/trials.py" --connector "$build/src/ats-connector" --sim "$build/src/ats-sim" \
  --work "${ATS_PROOF_DIR:-$build/cluster-proof-full}" --mode "$mode" --brokers 3 --replicas "${REPLICAS:-3}" \
  --tenants "${TENANTS:-300}" --kill-trials "${KILL_TRIALS:-20}" --scenarios "$scenarios" \
  --session-timeout-s "${SESSION_TIMEOUT_S:-10}" --seed "${SEED:-20261207}" --poll-interval-s 5 \
  --mutate-every-ms 100 --max-s 2700
