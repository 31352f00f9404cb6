#!/usr/bin/env bash
# Spark Structured Streaming against Streamgate's Kafka listener (issue #15): a word count read from one topic and
# written to another by Spark 4.0's Kafka source and sink, in local mode, checked against counts known in advance.
#
#   scripts/spark-kafka.sh [--quick] [--cluster | --kill] [--skip-build] [--out DIR]
#
# 1. Builds the gateway jar (when missing) and the Spark job, bench/spark-job/ (spark-sql and spark-sql-kafka-0-10,
#    Scala 2.13, from Maven Central; not a module of the main build): its jar, and every runtime jar in its target/lib.
# 2. Starts one Streamgate node (scripts/cluster.sh up 1; three with --cluster) on loopback, data in a temp dir, and
#    creates over HTTP the input topic spark-lines (3 partitions) and the output topic spark-counts (2 partitions),
#    replication factor 1 (3 with --cluster, where Spark is given every node's Kafka address).
# 3. Run 1: produces LINES lines over HTTP (20,000; 2,000 with --quick), words drawn from a vocabulary of 50 with a
#    fixed seed so that each word's count is known, then runs io.streamgate.spark.WordCountJob in local mode against
#    the node's Kafka port: Kafka source from the earliest offset, split into words, groupBy(word).count(), Kafka sink
#    (key = word, value = count) in update mode, trigger AvailableNow, a checkpoint dir in the temp dir.
# 4. Reads spark-counts over HTTP and compares the last count written per word (highest offset in its partition)
#    with the expected counts, and the rows Spark says it read with the lines produced.
# 5. Run 2: produces LINES/2 more lines and runs the job again with the same checkpoint: Spark resumes after the
#    offsets it committed there, so it reads only the new lines, and the counts it writes are the totals of both runs.
# --kill: as --cluster, but run 1 reads LINES/10 records a micro-batch, and node 2 is SIGKILLed as soon as Spark
#    has committed its batch 1 (its checkpoint's commits/1): the run must still pass, its partitions led by the
#    other nodes from then on. Node 2 is restarted, and the topics back in sync, before run 2.
#
# SPARK_JOB_ARGS (environment, empty by default): NAME=VALUE settings given to the job in both runs, to try a
# variant with the same checks, e.g. SPARK_JOB_ARGS="maxOffsetsPerTrigger=500 kafka.isolation.level=read_committed"
# (a name starting with spark. is a Spark setting, one starting with sink. an option of the Kafka sink, any other
# an option of the Kafka source; see WordCountJob).
#
# Prints PASS or FAIL per run with its figures (lines in, rows Spark read, words, distinct words, seconds taken)
# and exits 1 when a count or the rows read do not match. Spark's and the node's logs go to OUT
# (bench-results/spark-kafka-MODE-STAMP by default, gitignored). Each Spark run is bounded by SPARK_JOB_TIMEOUT
# seconds (600); an EXIT trap stops the node and removes the temp dir.
# Ports (environment): SPARK_SG_HTTP_PORT (18870), SPARK_SG_KAFKA_PORT (19270), SPARK_SG_MQTT_PORT (18890),
# SPARK_SG_CLUSTER_PORT (16270), SPARK_SG_METADATA_PORT (16370).
set -euo pipefail
# shellcheck source=lib/bench-common.sh
. "$(dirname "$0")/lib/bench-common.sh"
NODES=1
KILL=0
bench_extra_arg() { # this script's own flags
  case "$1" in --cluster) NODES=3 ;; --kill) NODES=3; KILL=1 ;; *) return 1 ;; esac
}
bench_parse_args spark-kafka "$@"

if [ "$QUICK" = 1 ]; then MODE=quick; LINES=${LINES:-2000}; else MODE=full; LINES=${LINES:-20000}; fi
SPARK_JOB_TIMEOUT=${SPARK_JOB_TIMEOUT:-600}
IN=spark-lines
COUNTS=spark-counts

export STREAMGATE_BASE_HTTP_PORT=${SPARK_SG_HTTP_PORT:-18870}
export STREAMGATE_BASE_KAFKA_PORT=${SPARK_SG_KAFKA_PORT:-19270}
export STREAMGATE_BASE_MQTT_PORT=${SPARK_SG_MQTT_PORT:-18890}
export STREAMGATE_BASE_CLUSTER_PORT=${SPARK_SG_CLUSTER_PORT:-16270}
export STREAMGATE_BASE_METADATA_PORT=${SPARK_SG_METADATA_PORT:-16370}
export STREAMGATE_JAVA_OPTS=${STREAMGATE_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseG1GC}
URL=$(node_url 0)
BOOTSTRAP=""
for ((i = 0; i < NODES; i++)); do BOOTSTRAP+="${BOOTSTRAP:+,}127.0.0.1:$((STREAMGATE_BASE_KAFKA_PORT + i))"; done

bench_results_dir spark-kafka
TMP=$(mktemp -d "${TMPDIR:-/tmp}/streamgate-spark-kafka.XXXXXX")
export STREAMGATE_CLUSTER_DIR=$TMP/node
teardown() {
  local f
  scripts/cluster.sh down > /dev/null 2>&1 || log "cluster.sh down failed"
  for f in "$STREAMGATE_CLUSTER_DIR"/node-*.log; do [ -f "$f" ] && cp "$f" "$OUT/streamgate-$(basename "$f")"; done
}
bench_on_exit teardown

# ---------------------------------------------------------------------------------------------- build
JOB=bench/spark-job
if [ "$BUILD" = 1 ]; then
  if [ ! -f gateway/target/streamgate.jar ]; then
    log "building the gateway jar"
    mvn -B -q -DskipTests package -pl gateway -am
  fi
  log "building the Spark job ($JOB) and fetching Spark from Maven Central"
  mvn -B -q -f "$JOB/pom.xml" package dependency:copy-dependencies
fi
[ -f gateway/target/streamgate.jar ] && [ -f "$JOB/target/streamgate-spark-job-0.1.0-SNAPSHOT.jar" ] \
  && [ -d "$JOB/target/lib" ] || { log "nothing built: run without --skip-build"; exit 2; }
# The JVM flags Spark's own launcher (org.apache.spark.launcher.JavaModuleOptions, spark-launcher 4.0) gives every
# driver and executor on Java 17: without them Spark's Unsafe and Netty access to the JDK's internals fails.
SPARK_JAVA=(java -Xmx1g -XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true
  -cp "$ROOT/$JOB/target/streamgate-spark-job-0.1.0-SNAPSHOT.jar:$ROOT/$JOB/target/lib/*")

# ---------------------------------------------------------------------------------------------- the node
log "Streamgate: $NODES node(s), HTTP from $URL, Kafka $BOOTSTRAP, data in $STREAMGATE_CLUSTER_DIR"
scripts/cluster.sh up "$NODES"
create_topic() { # NAME PARTITIONS
  curl -fsS --max-time 10 -H 'Content-Type: application/json' -o /dev/null "$URL/v1/topics" \
    -d "{\"name\":\"$1\",\"partitions\":$2,\"replicationFactor\":$NODES,\"config\":{\"value.format\":\"string\"}}"
  wait_for 60 "$1 in sync" topic_in_sync "$1"
}
create_topic "$IN" 3
create_topic "$COUNTS" 2

# ---------------------------------------------------------------------------------------------- the runs
# words.py produce RUN LINES: produces LINES lines of run RUN over HTTP and adds their word counts to
# $TMP/expected.json. words.py check RUN ROWS_READ LINES SECONDS: compares spark-counts with expected.json, prints
# PASS or FAIL with the figures, exits 1 on a mismatch.
cat > "$TMP/words.py" <<'PY'
import json, os, pathlib, random, sys, urllib.request

url, in_topic, counts_topic = os.environ["URL"], os.environ["IN"], os.environ["COUNTS"]
expected_file = pathlib.Path(os.environ["TMP"]) / "expected.json"
VOCABULARY = [f"w{i:02d}" for i in range(50)]

def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())

def produce(run, lines):
    expected = json.loads(expected_file.read_text()) if expected_file.exists() else {}
    rng = random.Random(run)   # a fixed seed per run: the same lines every time
    batch, words = [], 0
    for i in range(lines):
        # a skewed choice, so that the counts differ from word to word; 1 to 8 words a line, spaces and tabs between
        line = [VOCABULARY[min(int(rng.expovariate(0.08)), 49)] for _ in range(rng.randint(1, 8))]
        for w in line:
            expected[w] = expected.get(w, 0) + 1
        words += len(line)
        # keyed, so that the lines spread over every partition by the key's hash
        batch.append({"key": f"run{run}-line{i}", "value": rng.choice([" ", "  ", "\t"]).join(line)})
        if len(batch) == 500:
            call("POST", f"/v1/topics/{in_topic}/records", {"records": batch}); batch = []
    if batch:
        call("POST", f"/v1/topics/{in_topic}/records", {"records": batch})
    expected_file.write_text(json.dumps(expected))
    print(words)

def last_counts():
    """The value of the last record of each key in spark-counts, by partition and offset."""
    last = {}
    for p in call("GET", f"/v1/topics/{counts_topic}")["partitions"]:
        offset = "earliest"
        while True:
            r = call("GET", f"/v1/topics/{counts_topic}/partitions/{p['partition']}/records"
                            f"?offset={offset}&maxRecords=1000")
            for rec in r["records"]:
                last[rec["key"]] = int(rec["value"])
            offset = r["nextOffset"]
            if not r["records"] or offset >= r["highWatermark"]:
                break
    return last

def check(run, rows_read, lines, seconds):
    expected = json.loads(expected_file.read_text())
    got = last_counts()
    wrong = {w: (expected.get(w), got.get(w)) for w in set(expected) | set(got) if expected.get(w) != got.get(w)}
    ok = not wrong and rows_read == lines
    print(f"{'PASS' if ok else 'FAIL'} run {run}: {lines} lines in, Spark read {rows_read} rows; "
          f"{sum(expected.values())} words in all, {len(expected)} distinct, {len(got)} counts read back, "
          f"{len(wrong)} wrong; Spark took {seconds} s")
    for w, (e, g) in sorted(wrong.items()):
        print(f"  {w}: expected {e}, Spark wrote {g}")
    sys.exit(0 if ok else 1)

if sys.argv[1] == "produce":
    produce(int(sys.argv[2]), int(sys.argv[3]))
else:
    check(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
PY
export URL IN COUNTS TMP

FAILED=0
# kill_after_batch_1: SIGKILLs node 2 once Spark has committed its micro-batch 1, and marks that in $TMP/killed.
kill_after_batch_1() {
  wait_for "$SPARK_JOB_TIMEOUT" "Spark's batch 1 committed" test -e "$TMP/checkpoint/commits/1" || return 1
  log "run 1: Spark committed batch 1; SIGKILL node 2"
  scripts/cluster.sh kill 2 && touch "$TMP/killed"
}
spark_run() { # RUN LINES [JOB OPTION...]
  local run=$1 lines=$2 words started rows seconds status=0 killer=""
  shift 2
  words=$(python3 "$TMP/words.py" produce "$run" "$lines")
  log "run $run: produced $lines lines ($words words) to $IN over HTTP; running the Spark job against $BOOTSTRAP"
  started=$SECONDS
  if [ "$KILL" = 1 ] && [ "$run" = 1 ]; then
    kill_after_batch_1 &
    killer=$!
  fi
  # In the temp dir: Spark keeps scratch files (artifacts/) in its working directory.
  # shellcheck disable=SC2086 # SPARK_JOB_ARGS is a list of NAME=VALUE words
  (cd "$TMP" && timeout "$SPARK_JOB_TIMEOUT" "${SPARK_JAVA[@]}" io.streamgate.spark.WordCountJob \
    "$BOOTSTRAP" "$IN" "$COUNTS" "$TMP/checkpoint" ${SPARK_JOB_ARGS:-} "$@") \
    > "$OUT/spark-run$run.out" 2> "$OUT/spark-run$run.log" || status=$?
  if [ -n "$killer" ]; then
    kill "$killer" 2> /dev/null || true   # still waiting for batch 1 when Spark ended early
    wait "$killer" 2> /dev/null || true
    [ -e "$TMP/killed" ] || { log "run $run: node 2 was not killed (Spark ended before committing batch 1)"; FAILED=1; }
  fi
  if [ "$status" != 0 ]; then
    log "run $run: the Spark job failed (exit $status$([ "$status" = 124 ] && echo ", timed out")); see $OUT/spark-run$run.log"
    FAILED=1
    return
  fi
  seconds=$((SECONDS - started))
  rows=$(sed -n 's/^rows in: //p' "$OUT/spark-run$run.out")
  python3 "$TMP/words.py" check "$run" "${rows:-0}" "$lines" "$seconds" | tee -a "$OUT/report.txt" || FAILED=1
}
if [ "$KILL" = 1 ]; then
  spark_run 1 "$LINES" "maxOffsetsPerTrigger=$((LINES / 10))"
  if [ "$FAILED" = 0 ]; then
    log "restarting node 2"
    scripts/cluster.sh start 2
    for t in "$IN" "$COUNTS"; do wait_for 120 "$t in sync" topic_in_sync "$t" || FAILED=1; done
  fi
else
  spark_run 1 "$LINES"
fi
[ "$FAILED" = 0 ] && spark_run 2 $((LINES / 2))
log "results in $OUT (report.txt, spark-run*.log, streamgate-node-*.log)"
exit "$FAILED"
