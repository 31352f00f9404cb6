#!/usr/bin/env bash
# A three-node Streamgate cluster on loopback, measured (issue #4, item 9).
#
#   scripts/bench-cluster.sh [--quick] [--skip-build] [--out DIR]
#
# 1. Builds the gateway jar and the load generator (bench/, io.streamgate.bench.http.HttpBench), and
#    starts three nodes with scripts/cluster.sh on non-default ports, data in a temp dir.
# 2. Throughput: the same http-produce load, spread over the three nodes, against a topic with
#    replication factor 1 and one with replication factor 3 (min.insync.replicas=2), both acks=all,
#    3 partitions each, alternately in the same run; 100 records of 100 B per request, then 1 record per
#    request. The ratio RF 3 / RF 1 is the cost of replication (target: >= 0.5).
# 3. Failover: the generator's failover-probe writes one record after another to each partition of an
#    RF 3 topic with acks=all, each request to the next node in turn (as behind a load balancer), retrying
#    the same request (same Idempotency-Key) on the next node after a failure or a 5 s client timeout.
#    KILLS times, the leader of partition k mod 3 is SIGKILLed (scripts/cluster.sh kill) and restarted once
#    writes resume; failover time = kill -> first write acknowledged (and sent) after the kill on a
#    partition the killed node led. Median and max (targets: median <= 5 s, max <= 10 s). Also recorded:
#    when GET /v1/topics/probe first named new leaders (the cluster's own failover, without the client).
# 4. Prints a markdown table and writes it with the raw results and the node logs to bench-results/
#    (gitignored).
#
# Bounded in time; an EXIT trap stops the nodes and the generators and removes the temp dir.
# Environment: BENCH_CLUSTER_HTTP_PORT (18680; nodes use it and the next two), BENCH_CLUSTER_PORT (15801),
# BENCH_CONNECTIONS (16), BENCH_KILLS (10; 3 with --quick), BENCH_SERVER_JAVA_OPTS (-Xms1g -Xmx1g).
set -euo pipefail
# shellcheck source=lib/bench-common.sh
. "$(dirname "$0")/lib/bench-common.sh"
bench_parse_args bench-cluster "$@"

if [ "$QUICK" = 1 ]; then
  MODE=quick; DURATION=5; WARMUP=2; JIT_WARMUP=5; REPEATS=1; KILLS=${BENCH_KILLS:-3}
else
  MODE=full; DURATION=20; WARMUP=5; JIT_WARMUP=20; REPEATS=2; KILLS=${BENCH_KILLS:-10}
fi
CONNECTIONS=${BENCH_CONNECTIONS:-16}
NODES=3
FAILOVER_WAIT=60   # seconds a kill may take to be followed by acknowledged writes before the run gives up on it
REJOIN_WAIT=120    # seconds a restarted node may take to be back in every ISR

export STREAMGATE_BASE_HTTP_PORT=${BENCH_CLUSTER_HTTP_PORT:-18680}
export STREAMGATE_BASE_CLUSTER_PORT=${BENCH_CLUSTER_PORT:-15801}
export STREAMGATE_BASE_MQTT_PORT=${BENCH_CLUSTER_MQTT_PORT:-18883}
export STREAMGATE_JAVA_OPTS=${BENCH_SERVER_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/streamgate-bench-cluster.XXXXXX")
export STREAMGATE_CLUSTER_DIR=$TMP/cluster

bench_results_dir cluster
KILLS_FILE=$OUT/failovers.tsv
EVENTS=$OUT/probe-events.txt
printf 'kill\tnode\tpartitions_led\tnew_leaders_described_ms\tfailover_ms\tall_partitions_ms\trejoin_ms\n' > "$KILLS_FILE"
CLUSTER_UP=0
PROBE_PID=""

teardown() {
  if [ -n "$PROBE_PID" ]; then
    kill "$PROBE_PID" 2>/dev/null
    wait "$PROBE_PID" 2>/dev/null
  fi
  if [ "$CLUSTER_UP" = 1 ]; then
    scripts/cluster.sh down > /dev/null 2>&1 || log "cluster.sh down failed"
  fi
  for f in "$STREAMGATE_CLUSTER_DIR"/node-*.log; do [ -f "$f" ] && cp "$f" "$OUT/"; done
}
bench_on_exit teardown

# ---------------------------------------------------------------------------------------------- build
bench_build

produce_urls() { # produce_urls TOPIC: the produce URL of TOPIC on every node, comma-separated
  local i list=""
  for ((i = 0; i < NODES; i++)); do list+="${list:+,}$(node_url $i)/v1/topics/$1/records?acks=all"; done
  echo "$list"
}

# any_get PATH [SECONDS]: GET from the first node that answers 200 within SECONDS (3)
any_get() {
  local i body
  for ((i = 0; i < NODES; i++)); do
    body=$(curl -fs --max-time "${2:-3}" "$(node_url $i)$1" 2>/dev/null) && { echo "$body"; return 0; }
  done
  return 1
}

create_topic() { # create_topic NAME RF [CONFIG_JSON]
  local config='{}'
  [ $# -ge 3 ] && config=$3
  curl -fsS -X POST "$(node_url 0)/v1/topics" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$1\",\"partitions\":3,\"replicationFactor\":$2,\"config\":$config}" > /dev/null
}

fully_in_sync() { # fully_in_sync TOPIC: every partition has a leader and its whole replica set in the ISR
  any_get "/v1/topics/$1" | jq -e '.partitions | length > 0 and all(.leader != null and ((.replicas - .isr) | length == 0))' > /dev/null
}

# ---------------------------------------------------------------------------------------------- cluster
log "starting $NODES nodes on HTTP ports $STREAMGATE_BASE_HTTP_PORT.. and cluster ports $STREAMGATE_BASE_CLUSTER_PORT.."
CLUSTER_UP=1
scripts/cluster.sh up "$NODES"
for t in rf1 warm-rf1; do create_topic "$t" 1; done
for t in rf3 warm-rf3 probe; do create_topic "$t" 3 '{"min.insync.replicas":2}'; done
for t in rf1 rf3 warm-rf1 warm-rf3 probe; do wait_for 60 "$t fully in sync" fully_in_sync "$t"; done

# ---------------------------------------------------------------------------------------------- throughput
# JIT warm-up on both shapes; results thrown away.
for rf in 1 3; do
  log "warm-up rf$rf"
  "${GEN[@]}" http-produce --url "$(produce_urls warm-rf$rf)" --records-per-request 100 --record-bytes 100 \
    --connections "$CONNECTIONS" --duration "$JIT_WARMUP" --warmup 0 > /dev/null 2>> "$OUT/generator.log" || log "warm-up exited $?"
done
for ((r = 1; r <= REPEATS; r++)); do
  for shape in 100 1; do
    for rf in 1 3; do
      gen "rf$rf-${shape}x100-r$r" http-produce --url "$(produce_urls rf$rf)" --records-per-request "$shape" --record-bytes 100 \
        --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP"
    done
  done
done

# ---------------------------------------------------------------------------------------------- failover
log "failover: $KILLS kills of a partition leader while the probe writes to every partition of 'probe'"
"${GEN[@]}" failover-probe --url "$(node_urls "$NODES")" --topic probe --partitions 3 --events "$EVENTS" \
  --duration $((KILLS * (FAILOVER_WAIT + REJOIN_WAIT) + 60)) --request-timeout-ms 5000 --retry-pause-ms 20 \
  > "$OUT/probe.out" 2>> "$OUT/generator.log" &
PROBE_PID=$!

acked_since() { # acked_since PARTITION EPOCH_MS: the first ack time of a write to PARTITION sent at or after EPOCH_MS
  awk -v p="$1" -v t="$2" '$1 == "ack" && $2 == p && $4 >= t { if (first == "" || $5 < first) first = $5 }
    END { if (first == "") exit 1; print first }' "$EVENTS" 2> /dev/null
}
all_acked_since() { # all_acked_since EPOCH_MS PARTITION...
  local t=$1 p; shift
  for p in "$@"; do acked_since "$p" "$t" > /dev/null || return 1; done
}
gone() { # gone PID: the process has exited (a zombie not yet reaped by whoever adopted it counts as gone)
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
  [ -z "$state" ] || [ "$state" = Z ]
}
new_leaders() { # new_leaders NODE PARTITION...: every PARTITION has a leader other than NODE
  local node=$1; shift
  # 1 s: a description asked for while a leader is unreachable may hang; another node may answer at once
  any_get /v1/topics/probe 1 | jq -e --arg n "$node" --arg ps "$*" \
    '($ps | split(" ") | map(tonumber)) as $led | [.partitions[] | select(.partition as $p | $led | index($p))] | all(.leader != null and .leader != $n)' \
    > /dev/null
}
in_every_isr() { any_get /v1/topics/probe | jq -e --arg n "$1" '.partitions | all(.isr | index($n))' > /dev/null; }

start_ms=$(date +%s%3N)
wait_for 60 "first writes of the probe" all_acked_since "$start_ms" 0 1 2
for ((k = 1; k <= KILLS; k++)); do
  wait_for 120 "every partition of probe fully in sync" fully_in_sync probe
  partition=$(( (k - 1) % 3 ))
  described=$(any_get /v1/topics/probe)
  leader=$(echo "$described" | jq -r ".partitions[] | select(.partition == $partition) | .leader")
  led=$(echo "$described" | jq -r --arg n "$leader" '[.partitions[] | select(.leader == $n) | .partition] | join(" ")')
  index=${leader#node-}
  # SIGKILL here rather than through cluster.sh, so that kill_ms is the moment of the signal, not a bash start earlier.
  pid=$(cat "$STREAMGATE_CLUSTER_DIR/node-$index.pid")
  kill_ms=$(date +%s%3N)
  kill -KILL "$pid"
  wait_for 30 "$leader (pid $pid) gone" gone "$pid"
  # shellcheck disable=SC2086 # $led is a list of partitions
  if wait_for "$FAILOVER_WAIT" "new leaders of $led" new_leaders "$leader" $led; then
    elected_ms=$(( $(date +%s%3N) - kill_ms ))
  else
    elected_ms=-1
  fi
  # shellcheck disable=SC2086 # $led is a list of partitions
  if wait_for "$FAILOVER_WAIT" "writes to partitions $led after killing $leader" all_acked_since "$kill_ms" $led; then
    worst=0
    for p in $led; do
      ms=$(( $(acked_since "$p" "$kill_ms") - kill_ms ))
      [ "$ms" -gt "$worst" ] && worst=$ms
    done
  else
    worst=-1
  fi
  wait_for "$FAILOVER_WAIT" "writes to every partition after killing $leader" all_acked_since "$kill_ms" 0 1 2 || true
  all_ms=0
  for p in 0 1 2; do
    a=$(acked_since "$p" "$kill_ms" || echo "")
    [ -n "$a" ] && [ $((a - kill_ms)) -gt "$all_ms" ] && all_ms=$((a - kill_ms))
  done
  restart_ms=$(date +%s%3N)
  scripts/cluster.sh start "$index" 2> /dev/null
  wait_for "$REJOIN_WAIT" "$leader back in every ISR" in_every_isr "$leader" || true
  rejoin_ms=$(( $(date +%s%3N) - restart_ms ))
  log "kill $k: $leader (leader of partitions $led): new leaders described after ${elected_ms} ms; failover ${worst} ms; every partition writable after ${all_ms} ms; back in every ISR after ${rejoin_ms} ms"
  printf '%d\t%s\t%s\t%d\t%d\t%d\t%d\n' "$k" "$leader" "$led" "$elected_ms" "$worst" "$all_ms" "$rejoin_ms" >> "$KILLS_FILE"
done
kill "$PROBE_PID" 2>/dev/null || true
wait "$PROBE_PID" 2>/dev/null || true
PROBE_PID=""

# ---------------------------------------------------------------------------------------------- report
{
  echo "# Streamgate 3-node loopback cluster ($MODE run, $STAMP)"
  echo
  machine_summary
  echo "Nodes: $STREAMGATE_JAVA_OPTS each; the load generator spreads $CONNECTIONS connections over the three nodes."
  echo "Load average at the end: $(load_average)."
  echo
} > "$OUT/report.md"
python3 - "$OUT" >> "$OUT/report.md" <<'PY'
import json, sys, pathlib, statistics
out = pathlib.Path(sys.argv[1])
runs = {}
for line in (out / "results.jsonl").read_text().splitlines():
    if line.strip():
        r = json.loads(line)
        name = r["name"].rsplit("-r", 1)[0]
        runs.setdefault(name, []).append(r)

def mean(name, key):
    values = [r[key] for r in runs.get(name, []) if r.get(key) is not None]
    return sum(values) / len(values) if values else None

def n(v, digits=0):
    return "n/a" if v is None else f"{v:,.{digits}f}"

def lat(name):
    rs = [r for r in runs.get(name, []) if r.get("p50Us") is not None]
    if not rs:
        return ""
    r = rs[-1]
    return f"p50 {r['p50Us']/1000:.1f} / p99 {r['p99Us']/1000:.1f} ms"

def errors(name):
    return sum(r.get("errors", 0) or 0 for r in runs.get(name, []))

print("| figure | value | latency | ratio RF 3 / RF 1 | target | |")
print("|---|---|---|---|---|---|")
for shape, label in (("100x100", "100 × 100 B per request"), ("1x100", "1 × 100 B per request")):
    rf1, rf3 = mean(f"rf1-{shape}", "recordsPerSec"), mean(f"rf3-{shape}", "recordsPerSec")
    ratio = None if not rf1 or rf3 is None else rf3 / rf1
    print(f"| produce RF 1, acks=all, {label} | {n(rf1)} rec/s ({errors(f'rf1-{shape}')} errors) | {lat(f'rf1-{shape}')} | | reference | |")
    verdict = "n/a" if ratio is None else ("met" if ratio >= 0.5 else "MISSED")
    print(f"| produce RF 3, acks=all, min.insync.replicas=2, {label} | {n(rf3)} rec/s ({errors(f'rf3-{shape}')} errors) | "
          f"{lat(f'rf3-{shape}')} | {'n/a' if ratio is None else f'{ratio:.2f}×'} | ≥ 0.50× | {verdict} |")

first_errors = [f"{r['name']}: {r['errors']} errors, first: {r.get('firstError')}" for rs in runs.values() for r in rs if r.get("errors")]

rows = [l.split("\t") for l in (out / "failovers.tsv").read_text().splitlines()[1:] if l.strip()]
times = [int(r[4]) for r in rows if int(r[4]) >= 0]
failed = [r for r in rows if int(r[4]) < 0]
elected = [int(r[3]) for r in rows if int(r[3]) >= 0]
if times:
    median, worst = statistics.median(times), max(times)
    print(f"| failover, kill → first acknowledged write on the killed leader's partitions, {len(times)} kills"
          f"{f' ({len(failed)} never recovered within the wait)' if failed else ''} | median {median/1000:.2f} s, max {worst/1000:.2f} s | | | "
          f"median ≤ 5 s, max ≤ 10 s | {'met' if median <= 5000 and worst <= 10000 and not failed else 'MISSED'} |")
else:
    print("| failover | no kill recovered | | | median ≤ 5 s, max ≤ 10 s | MISSED |")
if elected:
    print(f"| new leaders named by GET /v1/topics after the kill (polled every ~0.1 s), {len(elected)} kills | "
          f"median {statistics.median(elected)/1000:.2f} s, max {max(elected)/1000:.2f} s | | | | |")
if first_errors:
    print()
    print("Errors during the throughput runs: " + "; ".join(first_errors))
print()
print("| kill | node | partitions it led | new leaders described after ms | failover ms | every partition writable after ms | restarted → back in every ISR ms |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
PY
cat "$OUT/report.md"
log "results in $OUT (report.md, results.jsonl, failovers.tsv, probe-events.txt, node logs)"
