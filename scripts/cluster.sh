#!/usr/bin/env bash
# A local Streamgate cluster of real processes on loopback (issue #4, item 7).
#
#   scripts/cluster.sh up N          start nodes 0..N-1 and wait until each answers GET /health/ready with 200
#   scripts/cluster.sh down          SIGTERM every node and wait for it to stop (SIGKILL after STREAMGATE_STOP_TIMEOUT)
#   scripts/cluster.sh kill I        SIGKILL node I
#   scripts/cluster.sh start I [J..] (re)start nodes with their data dirs and ports, joining the others; waits until ready
#   scripts/cluster.sh status        each node's pid, whether it is alive and ready, then GET /v1/cluster
#   scripts/cluster.sh roll          a rolling restart: node by node, SIGTERM (it hands its leaderships off
#                                    first), start again, wait until ready and until no node reports an
#                                    under-replicated partition (every replica back in sync) before the next
#   scripts/cluster.sh add           start one more node (node-N), which joins the running cluster as a new
#                                    metadata voter (empty; new topics place replicas on it); waits until ready
#   scripts/cluster.sh remove I [--forget]  remove node I from the cluster for good (DELETE /v1/cluster/nodes/node-I,
#                                    asked of another live node), then SIGTERM it if it runs; --forget for a
#                                    node dead for good that still holds replicas (they are dropped)
#   scripts/cluster.sh add-node      the same as add
#   scripts/cluster.sh spread        spread replicas and preferred leaders evenly over every node (POST
#                                    /v1/cluster/plan with execute), then wait until no partition is moving
#   scripts/cluster.sh decommission I  drain node I (POST /v1/cluster/nodes/node-I/drain: every replica moves
#                                    off it), wait until no partition is moving, then remove it as `remove I`
#
# Node i runs gateway/target/streamgate.jar (built when missing) with
#   --node-id node-i --data-dir DIR/node-i --http-host 127.0.0.1 --http-port HTTP+i --mqtt-host 127.0.0.1 --mqtt-port MQTT+i
#   --kafka-host 127.0.0.1 --kafka-port KAFKA+i
#   --cluster-host 127.0.0.1 --cluster-port CLUSTER+i [--join 127.0.0.1:CLUSTER+j,... for the other nodes j]
#   --metadata-voters node-0@127.0.0.1:METADATA+0,...,node-(N-1)@127.0.0.1:METADATA+N-1 (the nodes of `up N`;
#   a node added later is not among them, so it joins them) --metadata-port METADATA+i
# Node 0 of a fresh `up` starts first (the Hazelcast member the others join); the others, and any
# node started while another runs, join every other node's cluster port. A node is ready only while a
# majority of the metadata voters renews its lease, so `up` starts them all before it waits, and a
# cold restart starts the nodes together: `up N` over existing data dirs starts all N at once, and so
# does `start 0 1 2`.
#
# Environment:
#   STREAMGATE_BASE_HTTP_PORT     HTTP port of node 0 (8080)
#   STREAMGATE_BASE_CLUSTER_PORT  cluster port of node 0 (5701)
#   STREAMGATE_BASE_METADATA_PORT metadata voter port of node 0 (5801)
#   STREAMGATE_BASE_MQTT_PORT     MQTT port of node 0 (1883)
#   STREAMGATE_BASE_KAFKA_PORT    Kafka port of node 0 (9092)
#   STREAMGATE_CLUSTER_DIR        where data dirs (node-i/), pid files (node-i.pid) and logs (node-i.log) go (./data)
#   STREAMGATE_JAVA_OPTS          JVM options of each node (-Xmx512m)
#   STREAMGATE_NODE_ARGS          more flags for every node, e.g. "--failure-detection-ms 2000"
#   STREAMGATE_READY_TIMEOUT      seconds a node may take to become ready (120)
#   STREAMGATE_STOP_TIMEOUT       seconds `down` waits for a node after SIGTERM before SIGKILL (60)
#   STREAMGATE_MOVE_TIMEOUT       seconds `spread` and `decommission` wait for the moves (3600)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

BASE_HTTP=${STREAMGATE_BASE_HTTP_PORT:-8080}
BASE_CLUSTER=${STREAMGATE_BASE_CLUSTER_PORT:-5701}
BASE_METADATA=${STREAMGATE_BASE_METADATA_PORT:-5801}
BASE_MQTT=${STREAMGATE_BASE_MQTT_PORT:-1883}
BASE_KAFKA=${STREAMGATE_BASE_KAFKA_PORT:-9092}
DIR=${STREAMGATE_CLUSTER_DIR:-$ROOT/data}
JAVA_OPTS=${STREAMGATE_JAVA_OPTS:--Xmx512m}
NODE_ARGS=${STREAMGATE_NODE_ARGS:-}
READY_TIMEOUT=${STREAMGATE_READY_TIMEOUT:-120}
STOP_TIMEOUT=${STREAMGATE_STOP_TIMEOUT:-60}
MOVE_TIMEOUT=${STREAMGATE_MOVE_TIMEOUT:-3600}
JAR=$ROOT/gateway/target/streamgate.jar
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

log() { echo "[cluster $(date -u +%H:%M:%S)] $*" >&2; }
die() { log "$*"; exit 1; }
usage() { sed -n '2,46p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

case "$DIR" in /*) ;; *) DIR=$PWD/$DIR ;; esac
SIZE_FILE=$DIR/cluster.size
# The node count of the first `up`: the metadata voters every node names (added nodes join them).
FOUNDERS_FILE=$DIR/cluster.founders

http_port() { echo $((BASE_HTTP + $1)); }
cluster_port() { echo $((BASE_CLUSTER + $1)); }
metadata_port() { echo $((BASE_METADATA + $1)); }
mqtt_port() { echo $((BASE_MQTT + $1)); }
kafka_port() { echo $((BASE_KAFKA + $1)); }
pid_file() { echo "$DIR/node-$1.pid"; }
log_file() { echo "$DIR/node-$1.log"; }

# The node count of the last `up`, or of the pid files and data dirs there are.
size() {
  if [ -f "$SIZE_FILE" ]; then cat "$SIZE_FILE"; return; fi
  local n=0
  while [ -e "$DIR/node-$n" ] || [ -e "$(pid_file $n)" ]; do n=$((n + 1)); done
  echo "$n"
}

# The pid of node I when that process is alive and is that node (not a reused pid), else nothing.
node_pid() {
  local file pid
  file=$(pid_file "$1")
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if [ -n "$pid" ] && running "$pid" \
      && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--node-id node-$1 "; then
    echo "$pid"
  fi
}

alive() { [ -n "$(node_pid "$1")" ]; }

# Whether PID runs: a zombie (killed, not yet reaped by whoever adopted it) does not.
running() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

ready_status() { # the HTTP status of node I's /health/ready, or 000 when it does not answer
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$(http_port "$1")/health/ready" 2>/dev/null || true
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ensure_jar() {
  if [ ! -f "$JAR" ]; then
    log "building $JAR"
    (cd "$ROOT" && mvn -B -q -DskipTests package -pl gateway -am) || die "the build failed"
  fi
}

# The metadata voters every node names, id@host:port: the nodes of the first `up` (or the N given).
voter_list() {
  local n=$1 j list=""
  [ -f "$FOUNDERS_FILE" ] && n=$(cat "$FOUNDERS_FILE")
  for ((j = 0; j < n; j++)); do list+="${list:+,}node-$j@127.0.0.1:$(metadata_port "$j")"; done
  echo "$list"
}

# Comma-separated cluster addresses of every node but I.
join_list() {
  local me=$1 n=$2 j list=""
  for ((j = 0; j < n; j++)); do
    [ "$j" = "$me" ] && continue
    list+="${list:+,}127.0.0.1:$(cluster_port "$j")"
  done
  echo "$list"
}

any_other_alive() {
  local me=$1 n=$2 j
  for ((j = 0; j < n; j++)); do
    [ "$j" != "$me" ] && alive "$j" && return 0
  done
  return 1
}

# launch I N JOIN(yes|no): starts node I in the background, detached from this shell.
launch() {
  local i=$1 n=$2 join=$3 args
  alive "$i" && die "node $i is running already (pid $(node_pid "$i"))"
  mkdir -p "$DIR"
  for port in "$(http_port "$i")" "$(cluster_port "$i")" "$(metadata_port "$i")" "$(mqtt_port "$i")" "$(kafka_port "$i")"; do
    port_in_use "$port" && die "port $port (node $i) is in use by another process"
  done
  args=(--node-id "node-$i" --data-dir "$DIR/node-$i" --http-host 127.0.0.1 --http-port "$(http_port "$i")"
    --mqtt-host 127.0.0.1 --mqtt-port "$(mqtt_port "$i")" --kafka-host 127.0.0.1 --kafka-port "$(kafka_port "$i")"
    --cluster-host 127.0.0.1 --cluster-port "$(cluster_port "$i")" --metadata-voters "$(voter_list "$n")"
    --metadata-port "$(metadata_port "$i")")
  local joining=""
  if [ "$join" = yes ] && [ "$n" -gt 1 ]; then
    joining=$(join_list "$i" "$n")
    args+=(--join "$joining")
  fi
  # shellcheck disable=SC2206 # word splitting of the option strings is intended
  local cmd=("$JAVA" $JAVA_OPTS -jar "$JAR" "${args[@]}" $NODE_ARGS)
  echo "=== $(date -u +%FT%TZ) starting: ${cmd[*]}" >> "$(log_file "$i")"
  nohup "${cmd[@]}" >> "$(log_file "$i")" 2>&1 < /dev/null &
  echo $! > "$(pid_file "$i")"
  log "node $i: pid $! http 127.0.0.1:$(http_port "$i") cluster 127.0.0.1:$(cluster_port "$i")${joining:+ joining $joining}"
}

wait_listening() { # until node I answers GET /health/live
  local i=$1 deadline=$((SECONDS + READY_TIMEOUT))
  until curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$(http_port "$i")/health/live"; do
    alive "$i" || die "node $i died before it answered; log: $(log_file "$i")"
    [ $SECONDS -ge $deadline ] && die "node $i not answering after ${READY_TIMEOUT}s; log: $(log_file "$i")"
    sleep 0.2
  done
}

wait_ready() {
  local i=$1 deadline=$((SECONDS + READY_TIMEOUT))
  while [ "$(ready_status "$i")" != 200 ]; do
    if ! alive "$i"; then
      tail -n 30 "$(log_file "$i")" >&2 || true
      die "node $i died before it was ready; log: $(log_file "$i")"
    fi
    [ $SECONDS -ge $deadline ] && die "node $i not ready after ${READY_TIMEOUT}s; log: $(log_file "$i")"
    sleep 0.2
  done
  log "node $i ready"
}

# stop_node I SIGNAL: signals node I and waits until its process is gone.
stop_node() {
  local i=$1 signal=$2 pid deadline
  pid=$(node_pid "$i")
  if [ -z "$pid" ]; then
    rm -f "$(pid_file "$i")"
    return 0
  fi
  kill "-$signal" "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while running "$pid"; do
    if [ $SECONDS -ge $deadline ]; then
      log "node $i (pid $pid) still running ${STOP_TIMEOUT}s after SIG$signal; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 10))
    fi
    sleep 0.1
  done
  rm -f "$(pid_file "$i")"
  log "node $i (pid $pid) stopped by SIG$signal"
}

# The sum of streamgate_partitions_under_replicated (partitions it leads with a replica out of the
# ISR) in node I's /metrics, or nothing when it does not answer.
under_replicated() {
  curl -s --max-time 2 "http://127.0.0.1:$(http_port "$1")/metrics" 2>/dev/null \
    | awk '/^streamgate_partitions_under_replicated[ {]/ { sum += $NF; found = 1 } END { if (found) print sum + 0 }'
}

# Until every one of the N nodes answers and reports no under-replicated partition.
wait_in_sync() {
  local n=$1 deadline=$((SECONDS + READY_TIMEOUT)) i count lagging
  while true; do
    lagging=""
    for ((i = 0; i < n; i++)); do
      count=$(under_replicated "$i")
      [ "$count" = 0 ] || lagging+=" node-$i:${count:-no answer}"
    done
    [ -z "$lagging" ] && break
    [ $SECONDS -ge $deadline ] && die "replicas not in sync after ${READY_TIMEOUT}s (under-replicated partitions:$lagging)"
    sleep 0.5
  done
  log "every partition in sync"
}

# The index of a live node other than I (the first), or nothing.
other_alive() {
  local me=$1 n j
  n=$(size)
  for ((j = 0; j < n; j++)); do [ "$j" != "$me" ] && alive "$j" && { echo "$j"; return 0; }; done
}

# post_moves I PATH BODY: POSTs to node I and prints the moves it answers, one per line; dies on a refusal.
post_moves() {
  local answer code
  answer=$(curl -s --max-time 90 -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' ${3:+--data "$3"} \
    "http://127.0.0.1:$(http_port "$1")$2")
  code=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  [ "$code" = 202 ] || die "node-$1 refused POST $2 (HTTP $code): $answer"
  if command -v jq > /dev/null; then
    echo "$answer" | jq -r '.moves[] | "\(.topic)-\(.partition)  \(.from | join(",")) -> \(.to | join(","))"'
  else
    echo "$answer"
  fi
}

# Until node I reports no partition moving (GET /v1/cluster/reassignments), at most MOVE_TIMEOUT seconds.
wait_moved() {
  local i=$1 deadline=$((SECONDS + MOVE_TIMEOUT)) answer moving last=""
  while true; do
    answer=$(curl -s --max-time 10 "http://127.0.0.1:$(http_port "$i")/v1/cluster/reassignments" || true)
    case "$answer" in
      *'"partitions":[]'*) break ;;
      *'"partitions":'*) ;;
      *) die "node-$i does not answer GET /v1/cluster/reassignments: $answer" ;;
    esac
    moving=$(echo "$answer" | grep -o '"targetReplicas"' | wc -l)
    [ "$moving" != "$last" ] && log "$moving partition(s) moving" && last=$moving
    [ $SECONDS -ge $deadline ] && die "partitions still moving after ${MOVE_TIMEOUT}s; GET /v1/cluster/reassignments shows how far"
    sleep 1
  done
  log "no partition moving"
}

check_index() {
  [[ "$1" =~ ^[0-9]+$ ]] || die "not a node index: $1"
  [ "$1" -lt "$(size)" ] || die "no node $1: the cluster has $(size) node(s) (scripts/cluster.sh up N first)"
}

cmd=${1:-}
case "$cmd" in
  up)
    n=${2:-}
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || usage
    for ((i = 0; i < $(size); i++)); do
      alive "$i" && die "node $i is running already; scripts/cluster.sh down first"
    done
    ensure_jar
    mkdir -p "$DIR"
    echo "$n" > "$SIZE_FILE"
    [ -f "$FOUNDERS_FILE" ] || echo "$n" > "$FOUNDERS_FILE"
    if [ -d "$DIR/node-0" ]; then
      # A cold restart: each node waits for a majority before it is ready, so all start at once, each joining the others.
      for ((i = 0; i < n; i++)); do launch "$i" "$n" yes; done
      for ((i = 0; i < n; i++)); do wait_ready "$i"; done
    else
      # Node 0 first, so that the others have a Hazelcast member to join; it is ready only once a
      # majority of the voters runs, so the others start as soon as it listens.
      launch 0 "$n" no
      wait_listening 0
      for ((i = 1; i < n; i++)); do launch "$i" "$n" yes; done
      for ((i = 0; i < n; i++)); do wait_ready "$i"; done
    fi
    log "$n node(s) up; HTTP ports $BASE_HTTP..$((BASE_HTTP + n - 1)), data in $DIR"
    ;;
  down)
    n=$(size)
    [ "$n" -gt 0 ] || die "no cluster in $DIR (set STREAMGATE_CLUSTER_DIR as for up)"
    for ((i = 0; i < n; i++)); do
      pid=$(node_pid "$i")
      [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true # all at once: no leadership churn node by node
    done
    for ((i = 0; i < n; i++)); do stop_node "$i" TERM; done
    log "down"
    ;;
  kill)
    [ $# -eq 2 ] || usage
    check_index "$2"
    alive "$2" || die "node $2 is not running"
    stop_node "$2" KILL
    ;;
  start)
    [ $# -ge 2 ] || usage
    shift
    for i in "$@"; do check_index "$i"; done
    ensure_jar
    n=$(size)
    for i in "$@"; do
      # Node 0 alone, with nothing else running, starts a cluster; any other node joins the rest.
      if any_other_alive "$i" "$n" || [ "$i" != 0 ] || [ $# -gt 1 ]; then join=yes; else join=no; fi
      launch "$i" "$n" "$join"
    done
    if [ $# -eq 1 ] && [ "$n" -gt 1 ] && ! any_other_alive "$1" "$n"; then
      log "node $1 runs alone: it is ready once a majority of the $n nodes runs (start them too: scripts/cluster.sh start ...)"
    fi
    for i in "$@"; do wait_ready "$i"; done
    ;;
  status)
    n=$(size)
    [ "$n" -gt 0 ] || die "no cluster in $DIR (set STREAMGATE_CLUSTER_DIR as for up)"
    first_ready=""
    for ((i = 0; i < n; i++)); do
      pid=$(node_pid "$i")
      if [ -n "$pid" ]; then
        ready=$(ready_status "$i")
        [ "$ready" = 200 ] && [ -z "$first_ready" ] && first_ready=$i
        printf 'node-%d  pid %-8s alive  http 127.0.0.1:%d  cluster 127.0.0.1:%d  /health/ready %s\n' \
          "$i" "$pid" "$(http_port "$i")" "$(cluster_port "$i")" "$ready"
      else
        printf 'node-%d  pid %-8s dead   http 127.0.0.1:%d  cluster 127.0.0.1:%d\n' \
          "$i" "-" "$(http_port "$i")" "$(cluster_port "$i")"
      fi
    done
    if [ -n "$first_ready" ]; then
      echo "GET /v1/cluster (from node-$first_ready):"
      body=$(curl -s --max-time 5 -w '\n%{http_code}' "http://127.0.0.1:$(http_port "$first_ready")/v1/cluster" || true)
      code=${body##*$'\n'}
      body=${body%$'\n'*}
      if command -v jq > /dev/null && [ "$code" = 200 ]; then echo "$body" | jq .; else echo "HTTP $code: $body"; fi
    fi
    ;;
  roll)
    n=$(size)
    [ "$n" -gt 0 ] || die "no cluster in $DIR (set STREAMGATE_CLUSTER_DIR as for up)"
    for ((i = 0; i < n; i++)); do
      alive "$i" || die "node $i is not running: a roll restarts a running cluster (scripts/cluster.sh start $i first)"
    done
    ensure_jar
    # Never stop a node while another's replicas are behind: its partitions might have no other in-sync copy.
    wait_in_sync "$n"
    for ((i = 0; i < n; i++)); do
      log "rolling node $i"
      stop_node "$i" TERM
      launch "$i" "$n" yes
      wait_ready "$i"
      wait_in_sync "$n"
    done
    log "rolled $n node(s)"
    ;;
  add|add-node)
    [ $# -eq 1 ] || usage
    n=$(size)
    [ "$n" -gt 0 ] || die "no cluster in $DIR (scripts/cluster.sh up N first)"
    any_other_alive "$n" "$((n + 1))" || die "no node runs: a node is added to a running cluster"
    ensure_jar
    echo "$((n + 1))" > "$SIZE_FILE"
    launch "$n" "$((n + 1))" yes
    wait_ready "$n"
    log "node $n added: it votes in the metadata quorum from now on"
    ;;
  spread)
    [ $# -eq 1 ] || usage
    asked=$(other_alive -1)
    [ -n "$asked" ] || die "no node runs"
    post_moves "$asked" /v1/cluster/plan '{"execute":true}'
    wait_moved "$asked"
    ;;
  decommission)
    [ $# -eq 2 ] || usage
    check_index "$2"
    asked=$(other_alive "$2")
    [ -n "$asked" ] || die "no other node runs to ask"
    post_moves "$asked" "/v1/cluster/nodes/node-$2/drain" ""
    wait_moved "$asked"
    "$0" remove "$2"
    ;;
  remove)
    [ $# -ge 2 ] && [ $# -le 3 ] || usage
    check_index "$2"
    query=""
    if [ $# -eq 3 ]; then [ "$3" = --forget ] || usage; query="?forget=true"; fi
    n=$(size)
    asked=""
    for ((j = 0; j < n; j++)); do [ "$j" != "$2" ] && alive "$j" && { asked=$j; break; }; done
    [ -n "$asked" ] || die "no other node runs to ask"
    answer=$(curl -s --max-time 90 -w '\n%{http_code}' -X DELETE "http://127.0.0.1:$(http_port "$asked")/v1/cluster/nodes/node-$2$query")
    code=${answer##*$'\n'}
    [ "$code" = 200 ] || die "node-$asked refused to remove node-$2 (HTTP $code): ${answer%$'\n'*}"
    log "node $2 removed for good: ${answer%$'\n'*}"
    alive "$2" && stop_node "$2" TERM
    ;;
  -h|--help|help) usage ;;
  *) usage ;;
esac
