#!/usr/bin/env bash
# Installs every Debian 12 package ats-connector needs to build, test and run.
# Shared by the README commands, .ci/run and deploy/Dockerfile, so there is one list.
#   scripts/install-deps.sh           build + test dependencies
#   scripts/install-deps.sh --runtime only the shared libraries the binary links against
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  librdkafka-dev libsimdjson-dev prometheus-cpp-dev libcurl4-openssl-dev
  libcpp-httplib-dev librocksdb-dev libyaml-cpp-dev libssl-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-jsonschema kcat
)
runtime_pkgs=(
  ca-certificates librdkafka1 libsimdjson14 libprometheus-cpp-core1.0 libcurl4
  librocksdb7.8 libyaml-cpp0.7 libssl3 libcpp-httplib0.11
)

pkgs=("${build_pkgs[@]}")
[[ "${1:-}" == "--runtime" ]] && pkgs=("${runtime_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
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
