# What the Streamgate benchmark scripts (scripts/bench-*.sh) have in common. Sourced, not run:
#
#   . "$(dirname "$0")/lib/bench-common.sh"
#   bench_parse_args bench-NAME "$@"
#
# Sourcing moves to the repository root (the scripts name every path from there) and sets ROOT.
# shellcheck shell=bash

# The script's own path, taken before the cd, so that --help finds it however the script was called.
BENCH_SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD

log() { echo "[$BENCH_NAME $(date -u +%H:%M:%S)] $*" >&2; }

# bench_usage: the script's header comment (its help).
bench_usage() { awk 'NR == 1 { next } /^#/ { print; next } { exit }' "$BENCH_SCRIPT"; }

# bench_parse_args NAME ARGS...: the options every bench takes. Sets BENCH_NAME (the prefix of log lines and
# errors), QUICK (--quick: 1), BUILD (--skip-build: 0) and OUT (--out DIR). A script with flags of its own
# defines bench_extra_arg FLAG, which returns non-zero for a flag it does not know, before calling this.
bench_parse_args() {
  BENCH_NAME=$1
  shift
  QUICK=0
  BUILD=1
  OUT=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --quick) QUICK=1 ;;
      --skip-build) BUILD=0 ;;
      --out) OUT=$2; shift ;;
      -h|--help) bench_usage; exit 0 ;;
      *)
        if ! { declare -F bench_extra_arg > /dev/null && bench_extra_arg "$1"; }; then
          echo "$BENCH_NAME: unknown argument $1" >&2
          exit 2
        fi ;;
    esac
    shift
  done
}

# bench_results_dir KIND: STAMP (UTC, to the second); OUT made and absolute, by default
# bench-results/KIND-MODE-STAMP (gitignored); RESULTS=$OUT/results.jsonl, emptied.
bench_results_dir() {
  STAMP=$(date -u +%Y%m%dT%H%M%SZ)
  OUT=${OUT:-bench-results/$1-$MODE-$STAMP}
  mkdir -p "$OUT"
  OUT=$(cd "$OUT" && pwd)
  RESULTS=$OUT/results.jsonl
  : > "$RESULTS"
}

# bench_on_exit TEARDOWN: when the script ends, however it ends (Ctrl-C and TERM included), runs TEARDOWN (the
# script's own: stop what it started, keep its logs in OUT), removes TMP and, if the run failed, says where
# the partial results are. The script's exit status is kept.
bench_on_exit() {
  BENCH_TEARDOWN=$1
  trap bench_exit EXIT
  trap 'exit 130' INT TERM
}
bench_exit() {
  local status=$?
  set +e   # tear down as much as possible, whatever fails
  "$BENCH_TEARDOWN"
  rm -rf "$TMP"
  [ $status -ne 0 ] && log "failed (exit $status); logs and partial results in $OUT"
  exit $status
}

# bench_build: unless --skip-build, builds the gateway jar and the load generator (bench/); stops the script
# (exit 2) if either is missing. Sets GEN, the command that runs the generator (io.streamgate.bench.http.HttpBench).
bench_build() {
  if [ "$BUILD" = 1 ]; then
    log "building the gateway jar and the load generator"
    mvn -B -q -DskipTests package -pl log-store,cluster,openapi,gateway,bench -am
  fi
  [ -f gateway/target/streamgate.jar ] && [ -f bench/target/runtime-classpath.txt ] \
    || { log "nothing built: run without --skip-build"; exit 2; }
  GEN=(java -Xms256m -Xmx1g -XX:+UseG1GC -cp "$ROOT/bench/target/classes:$(cat bench/target/runtime-classpath.txt)"
    io.streamgate.bench.http.HttpBench)
}

# gen NAME SUBCOMMAND ARGS...: runs the generator, keeps its JSON line (tagged with NAME) in results.jsonl
gen() {
  local name=$1; shift
  log "$name: $*"
  local line
  line=$("${GEN[@]}" "$@" 2> >(tee -a "$OUT/generator.log" >&2) | grep '^{' | tail -1) || true
  if [ -z "$line" ]; then
    log "$name: no result"; echo "{\"name\":\"$name\",\"error\":\"no result\"}" >> "$RESULTS"; return 0
  fi
  echo "{\"name\":\"$name\",${line#\{}" >> "$RESULTS"
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every WAIT_FOR_POLL seconds (0.1) until it succeeds;
# after SECONDS logs what it waited for and fails.
wait_for() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@"; do
    [ $SECONDS -ge $deadline ] && { log "gave up after ${seconds}s waiting for: $what"; return 1; }
    sleep "${WAIT_FOR_POLL:-0.1}"
  done
}

# node_url I: the HTTP base URL of node I of scripts/cluster.sh (ports from STREAMGATE_BASE_HTTP_PORT up).
node_url() { echo "http://127.0.0.1:$((STREAMGATE_BASE_HTTP_PORT + $1))"; }
# node_urls N: the base URLs of nodes 0..N-1, comma-separated (the generator's --url spreads its clients over them).
node_urls() {
  local i list=""
  for ((i = 0; i < $1; i++)); do list+="${list:+,}$(node_url "$i")"; done
  echo "$list"
}

# For the reports: the machine, and how busy it is (other work may share it).
machine_summary() {
  echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB memory, $(uname -sr), $(java -version 2>&1 | head -1)."
}
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# ---------------------------------------------------------------------------------------------- processes and ports

# stop_pid PID [GRACE]: SIGTERM, wait up to GRACE seconds (20), then SIGKILL.
stop_pid() {
  local pid=$1 grace=${2:-20} i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "pid $pid did not stop in ${grace}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port PORT SECONDS PID: until something listens on PORT; fails if PID dies first or after SECONDS.
wait_port() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { log "process $3 died before listening on $1"; return 1; }
    sleep 0.1
  done
  log "nothing listens on $1 after $2 s"; return 1
}

# topic_in_sync TOPIC: over HTTP at node 0, every partition has a leader and its whole replica set in the ISR.
topic_in_sync() {
  curl -fs --max-time 3 "$(node_url 0)/v1/topics/$1" \
    | jq -e '.partitions | length > 0 and all(.leader != null and ((.replicas - .isr) | length == 0))' > /dev/null
}

# ---------------------------------------------------------------------------------------------- Apache Kafka and its tools

# bench_kafka_runtime: unless --skip-build, fetches Apache Kafka 4.4.0 (broker and tools) from Maven Central through
# bench/kafka-runtime/pom.xml; stops the script (exit 2) if it is missing. Sets KAFKA_CP and KJAVA (java with it).
bench_kafka_runtime() {
  if [ "$BUILD" = 1 ]; then
    log "fetching Apache Kafka 4.4.0 from Maven Central"
    mvn -B -q -f bench/kafka-runtime/pom.xml dependency:copy-dependencies
  fi
  [ -d bench/kafka-runtime/target/lib ] || { log "no Kafka runtime: run without --skip-build"; exit 2; }
  KAFKA_CP="$ROOT/bench/kafka-runtime/target/lib/*"
  KJAVA=(java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$KAFKA_CP")
}

# kafka_broker_start DIR PORT CONTROLLER_PORT HEAP: formats a single KRaft broker+controller on 127.0.0.1 with its data
# in DIR and starts it with a fixed HEAP (its log: DIR/kafka.log); waits until it answers. Sets KAFKA_PID and adds it
# to PIDS (what the script stops on exit).
kafka_broker_start() {
  local dir=$1 port=$2 controller_port=$3 heap=$4 cluster_id
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  log "Kafka: formatting storage (kafka.tools.StorageTool) and starting a KRaft broker+controller on 127.0.0.1:$port"
  cluster_id=$("${KJAVA[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  "${KJAVA[@]}" kafka.tools.StorageTool format --config "$dir/server.properties" --cluster-id "$cluster_id" --standalone \
    > "$dir/kafka-format.log" 2>&1
  java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$KAFKA_CP" kafka.Kafka "$dir/server.properties" > "$dir/kafka.log" 2>&1 &
  KAFKA_PID=$!
  PIDS+=("$KAFKA_PID")
  wait_port "$port" 180 "$KAFKA_PID"
  wait_for 60 "Kafka at 127.0.0.1:$port answering" kafka_answers "127.0.0.1:$port"
}

# kafka_answers BOOTSTRAP: the Kafka (or Streamgate) at BOOTSTRAP lists its topics.
kafka_answers() {
  timeout 60 "${KJAVA[@]}" org.apache.kafka.tools.TopicCommand --bootstrap-server "$1" --list > /dev/null 2>&1
}

# kafka_create_topics BOOTSTRAP PARTITIONS RF CONFIG TOPIC...: creates each TOPIC with Kafka's TopicCommand (CreateTopics),
# CONFIG a k=v topic config or "".
kafka_create_topics() {
  local boot=$1 partitions=$2 rf=$3 config=$4 t
  shift 4
  for t in "$@"; do
    timeout 60 "${KJAVA[@]}" org.apache.kafka.tools.TopicCommand --bootstrap-server "$boot" --create --topic "$t" \
      --partitions "$partitions" --replication-factor "$rf" ${config:+--config "$config"} > /dev/null
  done
}

# perf_tool SYSTEM NAME CLASS ARGS...: runs one of Kafka's tools, its output (the first 50 MB: a producer prints a stack
# trace per record that fails) and then "exit status: N" (124: it ran out of PERF_TOOL_TIMEOUT seconds, 600 by
# default) to $OUT/SYSTEM-NAME.txt (scripts/lib/kafka_perf_output.py reads it). A tool that fails is logged and the
# bench goes on.
perf_tool() {
  local system=$1 name=$2 file status
  shift 2
  file=$OUT/$system-$name.txt
  log "$system $name: $*"
  set +e
  timeout -k 10 "${PERF_TOOL_TIMEOUT:-600}" "${KJAVA[@]}" "$@" 2>&1 | head -c 50000000 > "$file"
  status=${PIPESTATUS[0]}
  set -e
  printf '\nexit status: %s\n' "$status" >> "$file"   # on a line of its own, also after a cut
  [ $status = 0 ] || log "$system $name exited $status (see $file)"
  grep -v '^\[' "$file" | tail -3 >&2 || true
}

# The producer settings of every ProducerPerformance and EndToEndLatency run, whatever the server: acks=all, and
# the Kafka 4.x client's defaults for batching named, so that both systems get the same.
PERF_PRODUCER_PROPS=(acks=all linger.ms=5 batch.size=16384)

# kafka_perf_suite SYSTEM BOOTSTRAP: Kafka's ProducerPerformance (100 B and 1 KiB), ConsumerPerformance over what was
# produced and EndToEndLatency (100 B, acks=all) against BOOTSTRAP, after a produce and a consume whose figures are
# not used (the server's JIT warm-up). Topics kwarm, k100, k1k and ke2e (1 partition, RF 1) are created first.
# Sizes: KAFKA_WARMUP_RECORDS, KAFKA_RECORDS_100, KAFKA_RECORDS_1K, KAFKA_E2E_RECORDS. Output: $OUT/SYSTEM-*.txt.
kafka_perf_suite() {
  local system=$1 boot=$2
  kafka_create_topics "$boot" 1 1 "" kwarm k100 k1k ke2e
  perf_tool "$system" warmup-produce org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$boot" --topic kwarm \
    --num-records "$KAFKA_WARMUP_RECORDS" --record-size 100 --throughput -1 --command-property "${PERF_PRODUCER_PROPS[@]}"
  perf_tool "$system" warmup-consume org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$boot" --topic kwarm \
    --num-records "$KAFKA_WARMUP_RECORDS" --timeout 30000
  perf_tool "$system" produce-100 org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$boot" --topic k100 \
    --num-records "$KAFKA_RECORDS_100" --record-size 100 --throughput -1 --command-property "${PERF_PRODUCER_PROPS[@]}"
  perf_tool "$system" produce-1k org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$boot" --topic k1k \
    --num-records "$KAFKA_RECORDS_1K" --record-size 1024 --throughput -1 --command-property "${PERF_PRODUCER_PROPS[@]}"
  perf_tool "$system" consume-100 org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$boot" --topic k100 \
    --num-records "$KAFKA_RECORDS_100" --timeout 30000
  perf_tool "$system" consume-1k org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$boot" --topic k1k \
    --num-records "$KAFKA_RECORDS_1K" --timeout 30000
  perf_tool "$system" e2e org.apache.kafka.tools.EndToEndLatency --bootstrap-server "$boot" --topic ke2e \
    --num-records "$KAFKA_E2E_RECORDS" --producer-acks all --record-size 100
}
