#!/usr/bin/env bash
# Builds (once; offline after the first resolution) and runs the Java consumer check:
#   tests/kafka/consumer-check/run.sh BOOTSTRAP CONNECTION SOURCE MIN_RECORDS TOPIC=CE_TYPE ...
#   tests/kafka/consumer-check/run.sh --dump BOOTSTRAP OUT_FILE TIMEOUT_S TOPIC...
#                                     (Dump.java: every committed record as a JSON line, for the
#                                      cluster proof's verifier, tests/cluster/verify.py)
#   tests/kafka/consumer-check/run.sh --leaders BOOTSTRAP TOPIC
#                                     (Leaders.java: "PARTITION LEADER_NODE_ID" per partition)
#   tests/kafka/consumer-check/run.sh --topics BOOTSTRAP PARTITIONS RF TOPIC[:compact]...
#                                     (Topics.java: creates the missing topics)
#   tests/kafka/consumer-check/run.sh --build-only
# The jar and its classpath live in the cache ($ATS_KAFKA_CACHE or ~/.cache/ats-connector).
set -euo pipefail
plain() { sed 's/\x1b\[[0-9;]*m//g'; }  # Maven's colour codes, even with -B -q
here=$(cd "$(dirname "$0")" && pwd)
cache=${ATS_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ats-connector}
build=$cache/consumer-check
stamp=$(cat "$here/pom.xml" "$here"/src/main/java/com/atsconnector/check/*.java | sha256sum | cut -c1-16)
jar=$build/consumer-check-1.jar
if [[ ! -f $build/stamp || $(cat "$build/stamp") != "$stamp" || ! -f $jar || ! -f $build/classpath ]]; then
  command -v mvn >/dev/null || { echo "mvn is missing: run scripts/install-kafka-tools.sh" >&2; exit 1; }
  mkdir -p "$build"
  offline=()
  [[ -f $build/classpath ]] && offline=(-o)  # warm ~/.m2: do not ask Maven Central again
  if ! mvn -B -q -Dstyle.color=never "${offline[@]}" -f "$here/pom.xml" -Dcheck.build.dir="$build" package \
         dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$build/classpath" 2>&1 | plain >&2; then
    ((${#offline[@]})) || exit 1
    mvn -B -q -Dstyle.color=never -f "$here/pom.xml" -Dcheck.build.dir="$build" package \
        dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$build/classpath" 2>&1 | plain >&2
  fi
  echo "$stamp" >"$build/stamp"
fi
[[ ${1:-} == --build-only ]] && exit 0
main=com.atsconnector.check.ConsumerCheck
[[ ${1:-} == --dump ]] && { main=com.atsconnector.check.Dump; shift; }
[[ ${1:-} == --leaders ]] && { main=com.atsconnector.check.Leaders; shift; }
[[ ${1:-} == --topics ]] && { main=com.atsconnector.check.Topics; shift; }
exec java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$jar:$(cat "$build/classpath")" "$main" "$@"
