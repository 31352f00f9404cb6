#!/usr/bin/env bash
# Kafka's own perf tools against Streamgate's Kafka listener and against Apache Kafka 4.4, on this machine, in one
# run (issue #15, item 5).
#
#   scripts/bench-kafka-protocol.sh [--quick] [--cluster] [--skip-build] [--out DIR]
#
# 1. Builds the gateway jar and the load generator (bench/), and fetches Apache Kafka 4.4.0 (broker and tools)
#    from Maven Central through bench/kafka-runtime/pom.xml.
# 2. Kafka: a single KRaft broker+controller on 127.0.0.1, data in a temp dir, heap BENCH_SERVER_HEAP (1g).
#    Streamgate: one node (scripts/cluster.sh up 1), data in a temp dir, the same heap.
#    Against each, the same runs with the same arguments (bench-common.sh's kafka_perf_suite, shared with
#    scripts/bench-vs-kafka.sh): ProducerPerformance (100 B and 1 KiB, acks=all, idempotent, linger.ms=5,
#    batch.size=16384), ConsumerPerformance over what was produced, EndToEndLatency (100 B, acks=all), after a
#    produce and a consume whose figures are not used (JIT warm-up). Then, on Streamgate, the load generator
#    reads the 100 B records over HTTP (NDJSON), compared with Kafka's consumer.
# 3. With --cluster: three Streamgate nodes (scripts/cluster.sh up 3); ProducerPerformance (100 B, acks=all)
#    bootstrapped on all three, to a topic of 3 partitions with replication factor 1 and to one with replication
#    factor 3 and min.insync.replicas=2, alternately (1 round each with --quick, 2 otherwise): ratio RF 3 / RF 1.
# 4. Prints a markdown table (figure, Kafka, Streamgate, ratio, target, met?) and writes it with each tool's
#    output (kafka-*.txt, streamgate-*.txt), the generator's results and the server logs to bench-results/
#    (gitignored). A tool that fails or runs out of time is "failed" in the table, with its output kept.
#
# Everything is bounded in time (each tool run PERF_TOOL_TIMEOUT seconds: 300 with --quick, 900 otherwise) and
# stops by itself; an EXIT trap stops Kafka and the nodes and removes the temp dir. Ports (environment):
# KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093); Streamgate node i: BENCH_KP_HTTP_PORT+i (18770),
# BENCH_KP_KAFKA_PORT+i (19170), BENCH_KP_MQTT_PORT+i (18790), BENCH_KP_CLUSTER_PORT+i (16070),
# BENCH_KP_METADATA_PORT+i (16170).
set -euo pipefail
# shellcheck source=lib/bench-common.sh
. "$(dirname "$0")/lib/bench-common.sh"
CLUSTER=0
bench_extra_arg() { case "$1" in --cluster) CLUSTER=1 ;; *) return 1 ;; esac; }   # this bench's own flag
bench_parse_args bench-kafka-protocol "$@"

KAFKA_PORT=${KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
HEAP=${BENCH_SERVER_HEAP:-1g}   # Kafka and every Streamgate node get the same fixed heap (Kafka's start script uses 1 GiB)
if [ "$QUICK" = 1 ]; then
  MODE=quick; PERF_TOOL_TIMEOUT=${PERF_TOOL_TIMEOUT:-300}; REPEATS=1
  KAFKA_WARMUP_RECORDS=500000; KAFKA_RECORDS_100=1000000; KAFKA_RECORDS_1K=200000; KAFKA_E2E_RECORDS=2000
  CLUSTER_RECORDS=500000
else
  MODE=full; PERF_TOOL_TIMEOUT=${PERF_TOOL_TIMEOUT:-900}; REPEATS=2
  KAFKA_WARMUP_RECORDS=3000000; KAFKA_RECORDS_100=10000000; KAFKA_RECORDS_1K=2000000; KAFKA_E2E_RECORDS=10000
  CLUSTER_RECORDS=3000000
fi
export PERF_TOOL_TIMEOUT

export STREAMGATE_BASE_HTTP_PORT=${BENCH_KP_HTTP_PORT:-18770}
export STREAMGATE_BASE_KAFKA_PORT=${BENCH_KP_KAFKA_PORT:-19170}
export STREAMGATE_BASE_MQTT_PORT=${BENCH_KP_MQTT_PORT:-18790}
export STREAMGATE_BASE_CLUSTER_PORT=${BENCH_KP_CLUSTER_PORT:-16070}
export STREAMGATE_BASE_METADATA_PORT=${BENCH_KP_METADATA_PORT:-16170}
export STREAMGATE_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP -XX:+UseG1GC"

bench_results_dir kafka-protocol
TMP=$(mktemp -d "${TMPDIR:-/tmp}/streamgate-kafka-protocol.XXXXXX")
PIDS=()
UP=""   # the cluster dir of the Streamgate nodes running now, if any

down() { # stops the Streamgate nodes, keeping their logs
  if [ -n "$UP" ]; then
    STREAMGATE_CLUSTER_DIR=$UP scripts/cluster.sh down > /dev/null 2>&1 || log "cluster.sh down failed"
    for f in "$UP"/node-*.log; do [ -f "$f" ] && cp "$f" "$OUT/streamgate-$(basename "$UP")-$(basename "$f")"; done
    UP=""
  fi
}
teardown() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && stop_pid "$pid" 10
  done
  [ -f "$TMP/kafka/kafka.log" ] && cp "$TMP/kafka/kafka.log" "$OUT/"
  down
}
bench_on_exit teardown

for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
  port_free "$p" || { log "port $p is in use; set KAFKA_PORT or KAFKA_CONTROLLER_PORT"; exit 2; }
done

# ---------------------------------------------------------------------------------------------- build
bench_build
bench_kafka_runtime
GEN=(timeout 600 "${GEN[@]}")   # a generator run that hangs does not hold up the bench

# kafka_bootstrap N: the Kafka addresses of Streamgate nodes 0..N-1, comma-separated.
kafka_bootstrap() {
  local i list=""
  for ((i = 0; i < $1; i++)); do list+="${list:+,}127.0.0.1:$((STREAMGATE_BASE_KAFKA_PORT + i))"; done
  echo "$list"
}

# streamgate_up TOPOLOGY N: starts N Streamgate nodes (scripts/cluster.sh) with their data in the temp dir.
streamgate_up() {
  UP=$TMP/$1
  log "Streamgate ($1): $2 node(s), HTTP ports $STREAMGATE_BASE_HTTP_PORT.., Kafka ports $STREAMGATE_BASE_KAFKA_PORT.."
  STREAMGATE_CLUSTER_DIR=$UP scripts/cluster.sh up "$2"
  wait_for 60 "Streamgate's Kafka listener answering" kafka_answers "$(kafka_bootstrap "$2")"
}

# ---------------------------------------------------------------------------------------------- Kafka
kafka_broker_start "$TMP/kafka" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$HEAP"
kafka_perf_suite kafka "127.0.0.1:$KAFKA_PORT"
log "stopping Kafka"
stop_pid "$KAFKA_PID" 60

# ---------------------------------------------------------------------------------------------- Streamgate, one node
streamgate_up single 1
kafka_perf_suite streamgate "$(kafka_bootstrap 1)"
# The 100 B records ProducerPerformance wrote, read over HTTP from earliest to their end (after a warm-up read).
"${GEN[@]}" http-consume --url "$(node_url 0)" --topic kwarm --format ndjson --max-records 10000 --duration 10 \
  > /dev/null 2>> "$OUT/generator.log" || log "HTTP consume warm-up exited $?"
gen streamgate-http-consume-100 http-consume --url "$(node_url 0)" --topic k100 --format ndjson --max-records 10000 \
  --max-bytes 16777216 --duration 120
down

# ---------------------------------------------------------------------------------------------- Streamgate, three nodes
if [ "$CLUSTER" = 1 ]; then
  streamgate_up cluster 3
  BOOT3=$(kafka_bootstrap 3)
  kafka_create_topics "$BOOT3" 3 1 "" rf1 warm-rf1
  kafka_create_topics "$BOOT3" 3 3 min.insync.replicas=2 rf3 warm-rf3
  for t in rf1 warm-rf1 rf3 warm-rf3; do wait_for 60 "$t in sync" topic_in_sync "$t"; done
  for rf in rf1 rf3; do
    perf_tool streamgate "cluster-warmup-$rf" org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$BOOT3" \
      --topic "warm-$rf" --num-records "$KAFKA_WARMUP_RECORDS" --record-size 100 --throughput -1 \
      --command-property "${PERF_PRODUCER_PROPS[@]}"
  done
  for ((r = 1; r <= REPEATS; r++)); do
    for rf in rf1 rf3; do
      perf_tool streamgate "cluster-produce-$rf-r$r" org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$BOOT3" \
        --topic "$rf" --num-records "$CLUSTER_RECORDS" --record-size 100 --throughput -1 \
        --command-property "${PERF_PRODUCER_PROPS[@]}"
    done
  done
  down
fi

# ---------------------------------------------------------------------------------------------- report
{
  echo "# Kafka's perf tools: Streamgate vs Apache Kafka 4.4.0 ($MODE run, $STAMP)"
  echo
  machine_summary
  echo "Both servers: heap $HEAP, on 127.0.0.1, clients on the same machine. Producer settings: ${PERF_PRODUCER_PROPS[*]}."
  echo "Records: $KAFKA_RECORDS_100 × 100 B, $KAFKA_RECORDS_1K × 1 KiB, $KAFKA_E2E_RECORDS for EndToEndLatency."
  echo "Load average at the end: $(load_average)."
  echo
} > "$OUT/report.md"
python3 - "$OUT" "$ROOT/scripts/lib" "$REPEATS" >> "$OUT/report.md" <<'PY'
import json, sys, pathlib, statistics
out = pathlib.Path(sys.argv[1])
sys.path.insert(0, sys.argv[2])
import kafka_perf_output as kpo
repeats = int(sys.argv[3])

def text(system, name):
    p = out / f"{system}-{name}.txt"
    return p.read_text() if p.exists() else None

def n(v, digits=0):
    return f"{v:,.{digits}f}"

notes = []
def run(system, name, parse):
    """(figures, cell when there are none): a tool that did not run, or failed, shows as such with its file. A tool
    that printed its figures and failed afterwards (EndToEndLatency's last commit needs a group coordinator) keeps
    them, with a note under the table."""
    t = text(system, name)
    if t is None:
        return None, "not run"
    figures = parse(t)
    status = kpo.exit_status(t)
    why = "timed out" if status == 124 else f"exit {status}"
    if figures is None:
        return None, f"failed ({why}, {system}-{name}.txt)"
    if status != 0:
        note = f"{system} {name}: the tool printed its figures, then failed ({why}; see {system}-{name}.txt)."
        notes.append(note) if note not in notes else None
    return figures, None

def met(r, ok, reference, measured):
    """met when the ratio meets the target; a Streamgate tool that failed misses it; n/a without Kafka's figure."""
    if r is not None:
        return ok
    return False if reference and not measured else None

rows = []
def row(figure, kafka_cell, sg_cell, r, target, met):
    rows.append((figure, kafka_cell, sg_cell, "n/a" if r is None else f"{r:.2f}×", target,
                 {True: "met", False: "**MISSED**", None: "n/a"}[met]))

def throughput(figure, name, parse, key, unit):
    k, kwhy = run("kafka", name, parse)
    s, swhy = run("streamgate", name, parse)
    kv, sv = k and k[key], s and s[key]
    def cell(f, v, why):
        if why:
            return why
        extra = f", p99 {f['p99Ms']} ms" if "p99Ms" in f else ""
        return f"{n(v)} {unit}{extra}"
    r = sv / kv if kv and sv is not None else None
    row(figure, cell(k, kv, kwhy), cell(s, sv, swhy), r, "≥ 1.0× Kafka", met(r, r is not None and r >= 1.0, k, s))
    return kv

throughput("ProducerPerformance, 100 B, acks=all", "produce-100", kpo.producer, "recordsPerSec", "rec/s")
throughput("ProducerPerformance, 1 KiB, acks=all", "produce-1k", kpo.producer, "recordsPerSec", "rec/s")
kc100 = throughput("ConsumerPerformance, 100 B (fetch rate)", "consume-100", kpo.consumer, "fetchRecordsPerSec", "rec/s")
throughput("ConsumerPerformance, 1 KiB (fetch rate)", "consume-1k", kpo.consumer, "fetchRecordsPerSec", "rec/s")

k, kwhy = run("kafka", "e2e", kpo.e2e)
s, swhy = run("streamgate", "e2e", kpo.e2e)
lat = lambda f, why: why or f"p50 {f['p50Ms']} / p99 {f['p99Ms']} / p99.9 {f['p999Ms']} ms"
r = s["p99Ms"] / max(k["p99Ms"], 1) if k and s else None   # whole milliseconds: a p99 of 0 counts as 1
row("EndToEndLatency, 100 B, acks=all (ratio of p99)", lat(k, kwhy), lat(s, swhy), r, "p99 ≤ Kafka's",
    met(r, r is not None and s["p99Ms"] <= k["p99Ms"], k, s))

results = [json.loads(l) for l in (out / "results.jsonl").read_text().splitlines() if l.strip()]
http = next((r for r in results if r["name"] == "streamgate-http-consume-100"), {})
hv = http.get("recordsPerSec")
r = hv / kc100 if hv is not None and kc100 else None
row(f"HTTP consume (NDJSON, maxRecords=10000), 100 B, vs Kafka's consumer",
    f"{n(kc100)} rec/s (ConsumerPerformance)" if kc100 else "n/a",
    f"{n(hv)} rec/s ({n(http.get('records', 0))} records)" if hv is not None else f"failed ({http.get('error', 'not run')})",
    r, "≥ 0.5× Kafka", met(r, r is not None and r >= 0.5, kc100, hv is not None))

def median_rate(rf):
    rates, failures = [], []
    for i in range(1, repeats + 1):
        f, why = run("streamgate", f"cluster-produce-{rf}-r{i}", kpo.producer)
        (rates.append(f["recordsPerSec"]) if f else failures.append(why))
    return (statistics.median(rates) if rates else None), failures

if text("streamgate", "cluster-produce-rf1-r1") is not None:
    rf1, f1 = median_rate("rf1")
    rf3, f3 = median_rate("rf3")
    r = rf3 / rf1 if rf1 and rf3 is not None else None
    cell = lambda v, fails: "; ".join(([f"{n(v)} rec/s"] if v is not None else []) + fails)
    row(f"3 nodes, ProducerPerformance 100 B acks=all, RF 1 (median of {repeats})", "—", cell(rf1, f1), None, "reference", None)
    row(f"3 nodes, ProducerPerformance 100 B acks=all, RF 3, min.insync.replicas=2 (median of {repeats})", "—",
        cell(rf3, f3), r, "≥ 0.5× RF 1", met(r, r is not None and r >= 0.5, rf1, rf3 is not None))

print("| figure | Kafka 4.4.0 | Streamgate | ratio | target | met? |")
print("|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(str(c) for c in r) + " |")
for note in notes:
    print(f"\n- {note}")
PY
cat "$OUT/report.md"
log "results in $OUT (report.md, kafka-*.txt, streamgate-*.txt, results.jsonl, logs)"
