#!/usr/bin/env bash
# A real Apache Kafka cluster (KRaft, no ZooKeeper) on 127.0.0.1, for the kafka-real test tier.
# The broker release is pinned in tests/kafka/broker/pom.xml and resolved from Maven Central by
# Maven (cached in ~/.m2; later runs do not touch the network). Each node is a combined
# broker+controller JVM with a small heap, listening on free loopback ports.
#
#   scripts/kafka-cluster.sh prefetch                 resolve the broker's jars (no cluster)
#   scripts/kafka-cluster.sh start [--brokers N] [--dir DIR] [--owner-pid PID]
#                                                     format, start, wait until every node serves;
#                                                     writes DIR/bootstrap.txt, prints the address
#   scripts/kafka-cluster.sh stop [--dir DIR] [--signal KILL]
#                                                     stop every node (TERM, then KILL after 20 s)
#   scripts/kafka-cluster.sh status [--dir DIR]       which nodes run; exit 0 if all do
#   scripts/kafka-cluster.sh kill-node ID... [--dir DIR] [--signal KILL|TERM]
#                                                     stop nodes (default KILL, i.e. kill -9)
#   scripts/kafka-cluster.sh start-node ID... [--dir DIR]
#                                                     start stopped nodes again (together: a
#                                                     node waits for a quorum), wait for them
#
# DIR defaults to $ATS_KAFKA_DIR or build/kafka-cluster. --owner-pid: a watchdog stops the
# cluster when that process ends (a crashed test leaves no JVM behind). With 3 or more nodes
# topics default to replication factor 3 and min.insync.replicas=2; with one, to 1 and 1.
# KAFKA_HEAP (default -Xms96m -Xmx384m) sets each node's heap.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
pom=$repo/tests/kafka/broker/pom.xml
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom")
cache=${ATS_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ats-connector}
classpath_file=$cache/kafka-broker-$kafka_version.classpath

die() { echo "kafka-cluster: $*" >&2; exit 1; }
plain() { sed 's/\x1b\[[0-9;]*m//g'; }  # Maven's colour codes, even with -B -q

# The broker's runtime classpath: every jar in ~/.m2. Maven runs only when a jar is missing.
resolve() {
  if [[ -s $classpath_file ]]; then
    local ok=1 jar
    IFS=: read -r -a jars <"$classpath_file" || true  # no newline at its end
    for jar in "${jars[@]}"; do [[ -f $jar ]] || { ok=0; break; }; done
    ((ok)) && return 0
  fi
  command -v mvn >/dev/null || die "mvn is missing: run scripts/install-kafka-tools.sh"
  mkdir -p "$cache"
  echo "kafka-cluster: resolving Apache Kafka $kafka_version with Maven (once)" >&2
  mvn -B -q -Dstyle.color=never -f "$pom" dependency:build-classpath -Dmdep.includeScope=runtime \
      -Dmdep.outputFile="$classpath_file.tmp" 2>&1 | plain >&2 || die "Maven could not resolve $pom"
  mv "$classpath_file.tmp" "$classpath_file"
}

java_cmd() {
  # shellcheck disable=SC2206
  local heap=(${KAFKA_HEAP:--Xms96m -Xmx384m})
  echo java "${heap[@]}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$(cat "$classpath_file")"
}

free_ports() {  # N free loopback ports, all held open until every one is chosen
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

node_pid() {  # the pid of node $1 if it runs
  local f=$dir/node-$1/pid
  [[ -f $f ]] || return 1
  local pid
  pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null || return 1
  # A recycled pid is not ours: the node's command line names its own config.
  grep -qa "node-$1/server.properties" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

launch_node() {
  local id=$1 node=$dir/node-$1
  # shellcheck disable=SC2046
  setsid $(java_cmd) kafka.Kafka "$node/server.properties" >>"$node/stdout.log" 2>&1 </dev/null &
  echo $! >"$node/pid"
}

# Waits until node $1 logged that it started and accepts connections on its client port.
wait_node() {
  local id=$1 deadline=$((SECONDS + ${2:-120})) node=$dir/node-$1
  local port
  port=$(cat "$node/port")
  while ((SECONDS < deadline)); do
    # kill -0 only: right after the launch the pid may still be the shell about to exec java.
    kill -0 "$(cat "$node/pid")" 2>/dev/null || { tail -n 30 "$node/stdout.log" >&2; die "node $id exited while starting"; }
    if grep -q "Kafka Server started" "$node/stdout.log" 2>/dev/null && port_open "$port"; then return 0; fi
    sleep 0.3
  done
  tail -n 30 "$node/stdout.log" >&2
  die "node $id did not start within ${2:-120} s"
}

stop_all() {
  local id pid pids=() sig=${1:-TERM}
  for node in "$dir"/node-*; do
    [[ -d $node ]] || continue
    id=${node##*/node-}
    if pid=$(node_pid "$id"); then kill "-$sig" "$pid" 2>/dev/null || true; pids+=("$pid"); fi
  done
  local deadline=$((SECONDS + 20))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done
  if [[ -f $dir/watchdog.pid ]]; then
    local w
    w=$(cat "$dir/watchdog.pid")
    [[ $w != "${BASHPID:-$$}" ]] && kill "$w" 2>/dev/null || true
    rm -f "$dir/watchdog.pid"
  fi
  rm -f "$dir"/node-*/pid
}

write_config() {
  local brokers=$1
  local ports controller_ports client_ports
  read -r -a ports <<<"$(free_ports $((2 * brokers)))"
  client_ports=("${ports[@]:0:brokers}")
  controller_ports=("${ports[@]:brokers}")
  local voters="" bootstrap="" i
  for ((i = 1; i <= brokers; i++)); do
    voters+="${voters:+,}$i@127.0.0.1:${controller_ports[i - 1]}"
    bootstrap+="${bootstrap:+,}127.0.0.1:${client_ports[i - 1]}"
  done
  local rf=$((brokers >= 3 ? 3 : 1)) min_isr=$((brokers >= 3 ? 2 : 1))
  cat >"$dir/log4j2.properties" <<EOF
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka
logger.kafka.level = info
logger.state.name = state.change.logger
logger.state.level = warn
logger.req.name = kafka.request.logger
logger.req.level = warn
EOF
  for ((i = 1; i <= brokers; i++)); do
    local node=$dir/node-$i
    mkdir -p "$node/data"
    echo "${client_ports[i - 1]}" >"$node/port"
    cat >"$node/server.properties" <<EOF
# Generated by scripts/kafka-cluster.sh: node $i of $brokers, combined broker and controller.
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:${client_ports[i - 1]},CONTROLLER://127.0.0.1:${controller_ports[i - 1]}
advertised.listeners=PLAINTEXT://127.0.0.1:${client_ports[i - 1]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$node/data
num.partitions=4
default.replication.factor=$rf
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
auto.create.topics.enable=true
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
# Small machine: few threads, a small cleaner buffer (it comes out of the heap).
num.network.threads=2
num.io.threads=2
background.threads=2
num.replica.fetchers=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
log.segment.bytes=16777216
# A killed node is noticed within seconds: its partitions get a new leader and the ISR shrinks.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=4000
replica.lag.time.max.ms=8000
controller.quorum.election.timeout.ms=1000
controller.quorum.fetch.timeout.ms=2000
EOF
  done
  echo "$bootstrap" >"$dir/bootstrap.txt"
}

cmd=${1:-}
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | cut -c3-; }
[[ -n $cmd ]] || { usage; exit 2; }
[[ $cmd == --help || $cmd == -h || $cmd == help ]] && { usage; exit 0; }
shift
brokers=1
dir=${ATS_KAFKA_DIR:-$repo/build/kafka-cluster}
owner_pid=""
signal=""
node_ids=()
while (($#)); do
  case $1 in
    --brokers) brokers=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --owner-pid) owner_pid=$2; shift 2 ;;
    --signal) signal=$2; shift 2 ;;
    [1-9]) node_ids+=("$1"); shift ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[[ $brokers =~ ^[1-9]$ ]] || die "--brokers must be 1 to 9"

case $cmd in
  prefetch)
    resolve
    echo "kafka-cluster: Apache Kafka $kafka_version resolved ($(tr ':' '\n' <"$classpath_file" | wc -l) jars)"
    ;;
  start)
    command -v java >/dev/null || die "java is missing: run scripts/install-kafka-tools.sh"
    resolve
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    stop_all  # a cluster left over in DIR (an earlier crashed run)
    rm -rf "$dir"/node-* "$dir/bootstrap.txt"
    trap 'stop_all KILL' EXIT  # a start that fails half-way leaves nothing running
    started=$SECONDS
    write_config "$brokers"
    # shellcheck disable=SC2046
    cluster_id=$($(java_cmd) kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    [[ -n $cluster_id ]] || die "StorageTool random-uuid printed nothing"
    for ((i = 1; i <= brokers; i++)); do
      # shellcheck disable=SC2046
      $(java_cmd) kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/node-$i/server.properties" \
        >"$dir/node-$i/format.log" 2>&1 &
    done
    wait_fail=0
    for job in $(jobs -p); do wait "$job" || wait_fail=1; done
    if ((wait_fail)); then cat "$dir"/node-*/format.log >&2; die "formatting the storage failed"; fi
    for ((i = 1; i <= brokers; i++)); do launch_node "$i"; done
    for ((i = 1; i <= brokers; i++)); do wait_node "$i" 180; done
    trap - EXIT
    if [[ -n $owner_pid ]]; then
      # The watchdog: when the owner (a test process) is gone, so is the cluster.
      nohup bash -c 'while kill -0 '"$owner_pid"' 2>/dev/null && [[ -f "'"$dir"'/watchdog.pid" ]]; do sleep 1; done
                     [[ -f "'"$dir"'/watchdog.pid" ]] && exec "'"$repo/scripts/kafka-cluster.sh"'" stop --signal KILL --dir "'"$dir"'"' \
        >/dev/null 2>&1 </dev/null &
      echo $! >"$dir/watchdog.pid"
    fi
    echo "kafka-cluster: Apache Kafka $kafka_version, $brokers node(s) ready in $((SECONDS - started)) s" >&2
    cat "$dir/bootstrap.txt"
    ;;
  stop)
    [[ -d $dir ]] || exit 0
    stop_all "${signal:-TERM}"
    ;;
  status)
    all=0
    for node in "$dir"/node-*; do
      [[ -d $node ]] || continue
      id=${node##*/node-}
      if pid=$(node_pid "$id"); then echo "node $id: running (pid $pid, port $(cat "$node/port"))"
      else echo "node $id: stopped"; all=1; fi
    done
    [[ -f $dir/bootstrap.txt ]] || { echo "no cluster in $dir"; exit 1; }
    echo "bootstrap: $(cat "$dir/bootstrap.txt")"
    exit $all
    ;;
  kill-node)
    ((${#node_ids[@]})) || die "kill-node needs node ids"
    pids=()
    for id in "${node_ids[@]}"; do
      pid=$(node_pid "$id") || die "node $id does not run"
      kill "-${signal:-KILL}" "$pid"
      pids+=("$pid")
    done
    deadline=$((SECONDS + 30))
    for pid in "${pids[@]}"; do
      while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; fi
    done
    for id in "${node_ids[@]}"; do rm -f "$dir/node-$id/pid"; done
    ;;
  start-node)
    ((${#node_ids[@]})) || die "start-node needs node ids"
    resolve
    for id in "${node_ids[@]}"; do
      [[ -f $dir/node-$id/server.properties ]] || die "no node $id in $dir"
      node_pid "$id" >/dev/null && die "node $id already runs"
      # Its earlier "started" line must not count.
      mv "$dir/node-$id/stdout.log" "$dir/node-$id/stdout.$(date +%s%N).log" 2>/dev/null || true
    done
    started=$SECONDS
    for id in "${node_ids[@]}"; do launch_node "$id"; done
    for id in "${node_ids[@]}"; do wait_node "$id" 180; done
    echo "kafka-cluster: node(s) ${node_ids[*]} ready again in $((SECONDS - started)) s" >&2
    ;;
  *) die "unknown command '$cmd' (prefetch, start, stop, status, kill-node, start-node)" ;;
esac
