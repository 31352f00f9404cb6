#!/usr/bin/env bash
# Streamgate side by side with Apache Kafka 4.4, on this machine, in one run (issue #3, item 10).
#
#   scripts/bench-vs-kafka.sh [--quick] [--skip-build] [--out DIR]
#
# 1. Builds the gateway jar and the load generator (bench/, io.streamgate.bench.http.HttpBench), and
#    fetches Apache Kafka 4.4.0 (broker and tools) from Maven Central through bench/kafka-runtime/pom.xml.
# 2. Kafka: formats a single KRaft broker+controller on 127.0.0.1 with its data in a temp dir, starts it,
#    runs Kafka's own ProducerPerformance (100 B and 1 KiB, acks=all), ConsumerPerformance and
#    EndToEndLatency, and stops it.
# 3. The trivial Vert.x server (204 to everything) under the generator: the HTTP limit of the machine.
# 4. Streamgate (the jar, temp data dir): produce with 1 and 100 records per request, NDJSON and JSON
#    consume, WebSocket fan-out (1 producer, 100 subscribers), end-to-end produce→WebSocket latency at
#    10,000 records/s, and the node's heap with 10,000 idle WebSocket streams.
# 5. Prints a markdown table of every figure with its ratio to its reference and the target, and writes
#    it with the raw results to bench-results/ (gitignored).
#
# Everything is bounded in time and stops by itself; an EXIT trap stops Kafka, Streamgate and the
# generators and removes the temp dirs. Ports (override with the environment): KAFKA_PORT (19092),
# KAFKA_CONTROLLER_PORT (19093), STREAMGATE_PORT (18080), TRIVIAL_PORT (18090).
set -euo pipefail
# shellcheck source=lib/bench-common.sh
. "$(dirname "$0")/lib/bench-common.sh"
bench_parse_args bench-vs-kafka "$@"

KAFKA_PORT=${KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
STREAMGATE_PORT=${STREAMGATE_PORT:-18080}
TRIVIAL_PORT=${TRIVIAL_PORT:-18090}
HEAP=${BENCH_SERVER_HEAP:-1g}   # both servers get the same fixed heap (Kafka's own start script uses 1 GiB)

if [ "$QUICK" = 1 ]; then
  MODE=quick
  DURATION=5; WARMUP=3; SG_WARMUP=10; KAFKA_WARMUP_RECORDS=1000000
  KAFKA_RECORDS_100=1000000; KAFKA_RECORDS_1K=200000; KAFKA_E2E_RECORDS=2000
  FANOUT_RECORDS=30000; E2E_DURATION=10; E2E_WARMUP=5; IDLE_STREAMS=10000
else
  MODE=full
  DURATION=30; WARMUP=5; SG_WARMUP=20; KAFKA_WARMUP_RECORDS=3000000
  KAFKA_RECORDS_100=10000000; KAFKA_RECORDS_1K=2000000; KAFKA_E2E_RECORDS=10000
  FANOUT_RECORDS=200000; E2E_DURATION=30; E2E_WARMUP=10; IDLE_STREAMS=10000
fi
CONNECTIONS=${BENCH_CONNECTIONS:-16}

bench_results_dir vs-kafka
TMP=$(mktemp -d "${TMPDIR:-/tmp}/streamgate-vs-kafka.XXXXXX")
PIDS=()

teardown() {
  local pid f
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && stop_pid "$pid" 10
  done
  for f in "$TMP"/*.log "$TMP"/kafka/*.log; do [ -f "$f" ] && cp "$f" "$OUT/" 2>/dev/null; done
}
bench_on_exit teardown

for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$STREAMGATE_PORT" "$TRIVIAL_PORT"; do
  port_free "$p" || { log "port $p is in use; set KAFKA_PORT, KAFKA_CONTROLLER_PORT, STREAMGATE_PORT or TRIVIAL_PORT"; exit 2; }
done

# A WebSocket stream is a file descriptor on each side: 10,000 idle streams need more than the default 1024.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_STREAMS + 2000)) ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_STREAMS + 2000)) ]; then
    IDLE_STREAMS=$(( $(ulimit -n) - 2000 ))
    log "ulimit -n is $(ulimit -n): measuring $IDLE_STREAMS idle streams instead of 10000"
  fi
fi

# ---------------------------------------------------------------------------------------------- build
if [ "$BUILD" = 1 ]; then
  log "building the gateway jar and the load generator"
  mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -pl gateway,bench -am
fi
bench_kafka_runtime
[ -f gateway/target/streamgate.jar ] && [ -f bench/target/classpath.txt ] \
  || { log "nothing built: run without --skip-build"; exit 2; }
BENCH_CP="$ROOT/bench/target/classes:$(cat bench/target/classpath.txt)"
GEN=(java -Xms512m -Xmx1g -XX:+UseG1GC -cp "$BENCH_CP" io.streamgate.bench.http.HttpBench)

# warm NAME SUBCOMMAND ARGS...: a run whose result is thrown away, so that the server's JIT has compiled
# the paths before they are measured (a cold node answered one-record produce requests 4x slower).
warm() {
  local name=$1; shift
  log "warm-up $name: $*"
  "${GEN[@]}" "$@" > /dev/null 2>> "$OUT/generator.log" || log "warm-up $name exited $?"
}

# ---------------------------------------------------------------------------------------------- Kafka
# The same runs as scripts/bench-kafka-protocol.sh's (bench-common.sh's kafka_perf_suite), Kafka's side only.
kafka_broker_start "$TMP/kafka" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$HEAP"
kafka_perf_suite kafka "127.0.0.1:$KAFKA_PORT"
log "stopping Kafka"
stop_pid "$KAFKA_PID" 60

# ---------------------------------------------------------------------------------------------- trivial server
log "trivial server on 127.0.0.1:$TRIVIAL_PORT"
"${GEN[@]}" trivial-server --port "$TRIVIAL_PORT" --duration 900 > "$TMP/trivial.log" 2>&1 &
TRIVIAL_PID=$!
PIDS+=("$TRIVIAL_PID")
wait_port "$TRIVIAL_PORT" 60 "$TRIVIAL_PID"
warm trivial http-produce --url "http://127.0.0.1:$TRIVIAL_PORT/warm" --records-per-request 1 --record-bytes 100 \
  --connections "$CONNECTIONS" --duration "$SG_WARMUP" --warmup 0
for size in 100 1024; do
  gen "trivial-1x$size" http-produce --url "http://127.0.0.1:$TRIVIAL_PORT/v1/topics/trivial/records" \
    --records-per-request 1 --record-bytes $size --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP"
done
stop_pid "$TRIVIAL_PID" 10

# ---------------------------------------------------------------------------------------------- Streamgate
SG=http://127.0.0.1:$STREAMGATE_PORT
log "Streamgate on $SG"
java -Xms$HEAP -Xmx$HEAP -XX:+UseG1GC -jar gateway/target/streamgate.jar --http-port "$STREAMGATE_PORT" \
  --http-host 127.0.0.1 --mqtt-port 0 --kafka-port 0 --data-dir "$TMP/streamgate-data" --max-streams 20000 > "$TMP/streamgate.log" 2>&1 &
SG_PID=$!
PIDS+=("$SG_PID")
wait_port "$STREAMGATE_PORT" 120 "$SG_PID"
for i in $(seq 1 120); do
  curl -fs "$SG/health/ready" > /dev/null 2>&1 && break
  sleep 0.5
done
for t in s1x100 s1x1k s100x100 s100x1k sfan se2e sidle warm1 warm100 warmfan warme2e; do
  curl -fs -X POST "$SG/v1/topics" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$t\",\"partitions\":1,\"replicationFactor\":1,\"config\":{\"value.format\":\"json\"}}" > /dev/null
done

warm produce-1 http-produce --url "$SG/v1/topics/warm1/records?acks=all" --records-per-request 1 --record-bytes 100 \
  --connections "$CONNECTIONS" --duration "$SG_WARMUP" --warmup 0
warm produce-100 http-produce --url "$SG/v1/topics/warm100/records?acks=all" --records-per-request 100 --record-bytes 100 \
  --connections "$CONNECTIONS" --duration 5 --warmup 0
warm consume http-consume --url "$SG" --topic warm100 --format ndjson --max-records 10000 --duration 10
warm consume-json http-consume --url "$SG" --topic warm100 --format json --max-records 10000 --duration 10
warm fanout ws-fanout --url "$SG" --topic warmfan --subscribers 20 --records 10000 --duration 30
warm e2e e2e-latency --url "$SG" --topic warme2e --rate 10000 --duration 3 --warmup 0

gen sg-produce-1x100 http-produce --url "$SG/v1/topics/s1x100/records?acks=all" --records-per-request 1 --record-bytes 100 \
  --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP"
gen sg-produce-1x1k http-produce --url "$SG/v1/topics/s1x1k/records?acks=all" --records-per-request 1 --record-bytes 1024 \
  --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP"
gen sg-produce-100x100 http-produce --url "$SG/v1/topics/s100x100/records?acks=all" --records-per-request 100 --record-bytes 100 \
  --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP"
gen sg-produce-100x1k http-produce --url "$SG/v1/topics/s100x1k/records?acks=all" --records-per-request 100 --record-bytes 1024 \
  --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP"
# Consume what the 100-record produce runs wrote, from earliest to end.
gen sg-consume-ndjson-100 http-consume --url "$SG" --topic s100x100 --format ndjson --max-records 10000 --max-bytes 16777216 --duration 120
gen sg-consume-json-100 http-consume --url "$SG" --topic s100x100 --format json --max-records 10000 --max-bytes 16777216 --duration 120
gen sg-consume-ndjson-1k http-consume --url "$SG" --topic s100x1k --format ndjson --max-records 10000 --max-bytes 33554432 --duration 120
gen sg-fanout ws-fanout --url "$SG" --topic sfan --subscribers 100 --records "$FANOUT_RECORDS" --record-bytes 100 \
  --records-per-request 100 --duration 120
gen sg-e2e e2e-latency --url "$SG" --topic se2e --rate 10000 --record-bytes 100 --duration "$E2E_DURATION" --warmup "$E2E_WARMUP"

# Idle streams: the node's heap after a full GC, before and with IDLE_STREAMS idle WebSocket streams open.
heap_used_mb() { # after a full GC, from jcmd GC.heap_info ("garbage-first heap total NK, used NK")
  jcmd "$SG_PID" GC.run > /dev/null 2>&1 || true
  sleep 1
  jcmd "$SG_PID" GC.heap_info 2>/dev/null | tee -a "$OUT/heap-info.txt" \
    | awk '/heap/ && /used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub(/K,?$/, "", v); printf "%.1f\n", v / 1024; exit } }'
}
BASE_HEAP=$(heap_used_mb)
log "Streamgate heap after GC before the idle streams: ${BASE_HEAP} MB"
IDLE_OUT=$TMP/idle.out
"${GEN[@]}" ws-idle --url "$SG" --topic sidle --streams "$IDLE_STREAMS" --hold 300 > "$IDLE_OUT" 2>> "$OUT/generator.log" &
IDLE_PID=$!
PIDS+=("$IDLE_PID")
for i in $(seq 1 1800); do
  grep -q '"ready":true' "$IDLE_OUT" 2>/dev/null && break
  kill -0 "$IDLE_PID" 2>/dev/null || break
  sleep 0.1
done
sleep 2
OPEN_STREAMS=$(curl -fs "$SG/metrics" | awk '/^streamgate_streams_open/ { print int($2) }' | head -1)
IDLE_HEAP=$(heap_used_mb)
METRICS_HEAP=$(curl -fs "$SG/metrics" | awk '/^jvm_memory_used_bytes\{/ && /area="heap"/ { s += $NF } END { printf "%.1f", s / 1048576 }')
log "Streamgate heap after GC with ${OPEN_STREAMS:-?} idle streams: ${IDLE_HEAP} MB (metrics: ${METRICS_HEAP} MB)"
IDLE_LINE=$(grep '^{' "$IDLE_OUT" | tail -1 || true)
echo "{\"name\":\"sg-idle\",\"scenario\":\"ws-idle-heap\",\"streamsRequested\":$IDLE_STREAMS,\"streamsOpenAtNode\":${OPEN_STREAMS:-null},\"heapBeforeMb\":${BASE_HEAP:-null},\"heapWithStreamsMb\":${IDLE_HEAP:-null},\"heapFromMetricsMb\":${METRICS_HEAP:-null},\"generator\":${IDLE_LINE:-null}}" >> "$RESULTS"
stop_pid "$IDLE_PID" 30
log "stopping Streamgate"
stop_pid "$SG_PID" 60

# ---------------------------------------------------------------------------------------------- report
{
  echo "# Streamgate vs Apache Kafka 4.4.0 ($MODE run, $STAMP)"
  echo
  machine_summary
  echo "Load average at the end: $(load_average)."
  echo
} > "$OUT/report.md"
python3 - "$OUT" "$MODE" "$ROOT/scripts/lib" >> "$OUT/report.md" <<'PY'
import json, re, sys, pathlib
out = pathlib.Path(sys.argv[1])
results = {}
for line in (out / "results.jsonl").read_text().splitlines():
    if line.strip():
        r = json.loads(line)
        results[r["name"]] = r

sys.path.insert(0, sys.argv[3])
import kafka_perf_output as kpo

def text(name):
    p = out / f"kafka-{name}.txt"
    return p.read_text() if p.exists() else ""

kp100, kp1k = kpo.producer(text("produce-100")), kpo.producer(text("produce-1k"))
kc100, kc1k = kpo.consumer(text("consume-100")), kpo.consumer(text("consume-1k"))
ke2e = kpo.e2e(text("e2e"))
get = lambda name, key: results.get(name, {}).get(key)

def n(v, digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"

def ratio(a, b):
    return None if a is None or not b else a / b

rows = []
def row(what, value, unit, latency, reference, ref_value, r, target, met):
    rows.append((what, f"{value} {unit}".strip(), latency, f"{reference}: {ref_value}" if reference else "", "n/a" if r is None else f"{r:.2f}×", target, {True: "met", False: "MISSED", None: "n/a"}[met]))

def lat(name):
    r = results.get(name, {})
    if r.get("p50Us") is None:
        return ""
    return f"p50 {r['p50Us']/1000:.2f} / p99 {r['p99Us']/1000:.2f} / p99.9 {r['p999Us']/1000:.2f} ms"

# References
row("Kafka producer, 100 B, acks=all", n(kp100 and kp100["recordsPerSec"]), "rec/s",
    kp100 and f"p50 {kp100['p50Ms']} / p99 {kp100['p99Ms']} / p99.9 {kp100['p999Ms']} ms", "", "", None, "reference", None)
row("Kafka producer, 1 KiB, acks=all", n(kp1k and kp1k["recordsPerSec"]), "rec/s",
    kp1k and f"p50 {kp1k['p50Ms']} / p99 {kp1k['p99Ms']} / p99.9 {kp1k['p999Ms']} ms", "", "", None, "reference", None)
row("Kafka consumer, 100 B (fetch rate)", n(kc100 and kc100["fetchRecordsPerSec"]), "rec/s",
    kc100 and f"overall incl. group join {n(kc100['recordsPerSec'])} rec/s", "", "", None, "reference", None)
row("Kafka consumer, 1 KiB (fetch rate)", n(kc1k and kc1k["fetchRecordsPerSec"]), "rec/s",
    kc1k and f"overall incl. group join {n(kc1k['recordsPerSec'])} rec/s", "", "", None, "reference", None)
row("Kafka EndToEndLatency, 100 B, acks=all", "", "",
    ke2e and f"p50 {ke2e['p50Ms']} / p99 {ke2e['p99Ms']} / p99.9 {ke2e['p999Ms']} ms", "", "", None, "reference", None)
for size, label in ((100, "100 B"), (1024, "1 KiB")):
    row(f"Trivial Vert.x server, 1 × {label} per request", n(get(f"trivial-1x{size}", "requestsPerSec")), "req/s",
        lat(f"trivial-1x{size}"), "", "", None, "reference", None)

# Streamgate
kref100 = kp100 and kp100["recordsPerSec"]
kref1k = kp1k and kp1k["recordsPerSec"]
v = get("sg-produce-100x100", "recordsPerSec"); r = ratio(v, kref100)
row("Streamgate produce, 100 × 100 B per request, acks=all", n(v), "rec/s", lat("sg-produce-100x100"),
    "Kafka producer 100 B", n(kref100), r, "≥ 1.0× Kafka", None if r is None else r >= 1.0)
v = get("sg-produce-100x1k", "recordsPerSec"); r = ratio(v, kref1k)
row("Streamgate produce, 100 × 1 KiB per request, acks=all", n(v), "rec/s", lat("sg-produce-100x1k"),
    "Kafka producer 1 KiB", n(kref1k), r, "(≥ 1.0× Kafka)", None if r is None else r >= 1.0)
for size, label, kref in ((100, "100 B", kref100), (1024, "1 KiB", kref1k)):
    name = "sg-produce-1x100" if size == 100 else "sg-produce-1x1k"
    v = get(name, "requestsPerSec"); t = get(f"trivial-1x{size}", "requestsPerSec"); r = ratio(v, t)
    row(f"Streamgate produce, 1 × {label} per request, acks=all", n(v), "req/s", lat(name),
        "trivial server", n(t), r, "≥ 0.30× trivial", None if r is None else r >= 0.30)
cref100 = kc100 and kc100["fetchRecordsPerSec"]
cref1k = kc1k and kc1k["fetchRecordsPerSec"]
for name, label, cref in (("sg-consume-ndjson-100", "NDJSON, 100 B", cref100), ("sg-consume-json-100", "JSON, 100 B", cref100),
                          ("sg-consume-ndjson-1k", "NDJSON, 1 KiB", cref1k)):
    v = get(name, "recordsPerSec"); r = ratio(v, cref)
    row(f"Streamgate consume, {label}, maxRecords=10000 ({n(get(name, 'records'))} records)", n(v), "rec/s", "",
        "Kafka consumer", n(cref), r, "≥ 0.50× Kafka", None if r is None else r >= 0.5)
v = get("sg-fanout", "deliveriesPerSec")
row(f"Streamgate WebSocket fan-out, 1 producer → {get('sg-fanout', 'subscribers') or 'n/a'} subscribers, 100 B "
    f"({get('sg-fanout', 'subscribersComplete')} complete)", n(v), "deliveries/s", "", "", "", None, "≥ 1,000,000/s",
    None if v is None else v >= 1_000_000)
p99 = get("sg-e2e", "p99Us")
ok = None if p99 is None or ke2e is None else p99 / 1000 <= ke2e["p99Ms"] + 5
row(f"Streamgate produce → WebSocket latency at {n(get('sg-e2e', 'rate'))} rec/s, 100 B", "", "", lat("sg-e2e"),
    "Kafka e2e p99", f"{ke2e['p99Ms']} ms" if ke2e else "n/a", None if p99 is None or not ke2e or not ke2e["p99Ms"] else (p99 / 1000) / ke2e["p99Ms"],
    "p99 ≤ Kafka p99 + 5 ms", ok)
idle = results.get("sg-idle", {})
heap = idle.get("heapWithStreamsMb")
row(f"Streamgate heap after GC with {idle.get('streamsOpenAtNode', 'n/a')} idle WebSocket streams "
    f"(before: {n(idle.get('heapBeforeMb'), 1)} MB)", n(heap, 1), "MB", "", "", "", None, "≤ 200 MB",
    None if heap is None else heap <= 200)

print(f"| figure | value | latency | reference | ratio | target | |")
print(f"|---|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(str(c or "") for c in r) + " |")
PY
cat "$OUT/report.md"
log "results in $OUT (report.md, results.jsonl, kafka-*.txt, logs)"
