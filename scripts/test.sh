#!/usr/bin/env bash
# The whole test suite: install what is missing (Debian 12), build with warnings as errors,
# run every test with ctest. PRESET=asan runs the same suite under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${PRESET:-ci}
bash scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j 2 --timeout 300
