#!/usr/bin/env bash
# Quick start: install what is missing (Debian 12), build, and run the connector in sandbox
# mode (simulated Workable tenant, embedded Kafka, local snapshot). Extra arguments go to
# `ats-connector sandbox` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
exec ./build/release/src/ats-connector sandbox "$@"
