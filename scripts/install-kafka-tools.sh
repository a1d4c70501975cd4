#!/usr/bin/env bash
# What the kafka-real test tier needs beyond scripts/install-deps.sh, on a fresh Debian 12
# machine: a JDK (17) and Maven from Debian's packages when missing, then, once, the pinned
# Maven artifacts (cached in ~/.m2): the Apache Kafka broker of tests/kafka/broker/pom.xml and the
# Java consumer check of tests/kafka/consumer-check/, built. Later runs find everything in place
# and touch no network. Called by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

java_major() {
  java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1
}
missing=()
if ! command -v java >/dev/null || ! command -v javac >/dev/null || (($(java_major) < 17)); then
  missing+=(openjdk-17-jdk-headless)
fi
command -v mvn >/dev/null || missing+=(maven)
command -v python3 >/dev/null || missing+=(python3)
((${#missing[@]})) && bash scripts/install-deps.sh --packages "${missing[@]}"

# Maven Central may hiccup on a first resolution: one more try before giving up.
retry() { "$@" || { echo "install-kafka-tools: retrying: $*" >&2; sleep 5; "$@"; }; }
retry bash scripts/kafka-cluster.sh prefetch
retry bash tests/kafka/consumer-check/run.sh --build-only
echo "install-kafka-tools: Java $(java_major), $(mvn -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g'), Kafka artifacts cached"
