#!/usr/bin/env bash
# Consumer groups measured (docs/groups.md): consume throughput and rebalance times.
#
#   scripts/bench-groups.sh [--quick] [--cluster] [--skip-build] [--out DIR]
#
# 1. Builds the gateway jar and the load generator (bench/, io.streamgate.bench.http.HttpBench) and starts one
#    node with scripts/cluster.sh on non-default ports, data in a temp dir (with --cluster, afterwards the same
#    on three nodes on loopback, topics with replication factor 3 and min.insync.replicas=2).
# 2. Throughput: a topic of 8 partitions is filled with 100 B records (topic-fill; 8 x 50,000, 8 x 10,000 with
#    --quick). Then, alternately in the same run, it is read from earliest to its end by
#      - N plain partition readers (the reference: GET .../partitions/{p}/records?offset=&maxRecords=1000, JSON,
#        reader i taking partitions i, i+N, ...), and
#      - N members of a fresh consumer group (group-consume: each polls maxRecords=1000 with the previous
#        answer's cursor, then commits {"cursor": ...}),
#    for N = 1 and 4, clients spread over the nodes. The ratio group / plain is the cost of the group machinery.
# 3. Rebalance (group-rebalance): 4 members long-poll an idle 8-partition topic (sessionTimeoutMs=3000). Each
#    trial: a 5th member joins (time until its first non-empty assignment, and until the group is stable again);
#    then one member stops polling without leaving, as a crashed client (time from its last answer until every
#    partition is owned again by the live members: the session timeout plus the coordinator's reaction).
# 4. Prints a markdown table and writes it with the raw results (results.jsonl) and the node logs to
#    bench-results/groups-MODE-STAMP/ (gitignored).
#
# Bounded in time; an EXIT trap stops the nodes and removes the temp dir.
# Environment: BENCH_GROUPS_HTTP_PORT (18880; a cluster uses it and the next two), BENCH_GROUPS_CLUSTER_PORT (15901),
# BENCH_SERVER_JAVA_OPTS (-Xms1g -Xmx1g), BENCH_GROUPS_RECORDS (records per partition), BENCH_GROUPS_TRIALS.
set -euo pipefail
# shellcheck source=lib/bench-common.sh
. "$(dirname "$0")/lib/bench-common.sh"
CLUSTER=0
bench_extra_arg() { case "$1" in --cluster) CLUSTER=1 ;; *) return 1 ;; esac; }   # this bench's own flag
bench_parse_args bench-groups "$@"

if [ "$QUICK" = 1 ]; then
  MODE=quick; RECORDS=${BENCH_GROUPS_RECORDS:-10000}; REPEATS=1; TRIALS=${BENCH_GROUPS_TRIALS:-3}
else
  MODE=full; RECORDS=${BENCH_GROUPS_RECORDS:-50000}; REPEATS=3; TRIALS=${BENCH_GROUPS_TRIALS:-5}
fi
PARTITIONS=8
MAX_RECORDS=1000
SESSION_MS=3000

export STREAMGATE_BASE_HTTP_PORT=${BENCH_GROUPS_HTTP_PORT:-18880}
export STREAMGATE_BASE_CLUSTER_PORT=${BENCH_GROUPS_CLUSTER_PORT:-15901}
export STREAMGATE_BASE_MQTT_PORT=${BENCH_GROUPS_MQTT_PORT:-18983}
export STREAMGATE_JAVA_OPTS=${BENCH_SERVER_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/streamgate-bench-groups.XXXXXX")

bench_results_dir groups
UP=""   # the cluster dir of the nodes running now, if any

down() {
  if [ -n "$UP" ]; then
    STREAMGATE_CLUSTER_DIR=$UP scripts/cluster.sh down > /dev/null 2>&1 || log "cluster.sh down failed"
    for f in "$UP"/node-*.log; do [ -f "$f" ] && cp "$f" "$OUT/$(basename "$UP")-$(basename "$f")"; done
    UP=""
  fi
}

bench_on_exit down

# ---------------------------------------------------------------------------------------------- build
bench_build
GEN=(timeout 600 "${GEN[@]}")   # a generator run that hangs does not hold up the bench
WAIT_FOR_POLL=0.2   # seconds between the polls of wait_for

create_topic() { # create_topic NAME RF
  local config='{}'
  [ "$2" -ge 2 ] && config='{"min.insync.replicas":2}'
  curl -fsS -X POST "$(node_url 0)/v1/topics" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$1\",\"partitions\":$PARTITIONS,\"replicationFactor\":$2,\"config\":$config}" > /dev/null
}

# measure TOPOLOGY NODES: one topology, start to stop
measure() {
  local topo=$1 nodes=$2 urls rf r m
  urls=$(node_urls "$nodes")
  rf=$nodes
  UP=$TMP/$topo
  log "$topo: starting $nodes node(s) on HTTP ports $STREAMGATE_BASE_HTTP_PORT.. and cluster ports $STREAMGATE_BASE_CLUSTER_PORT.."
  STREAMGATE_CLUSTER_DIR=$UP scripts/cluster.sh up "$nodes"
  create_topic gbench "$rf"
  create_topic gidle "$rf"
  wait_for 60 "gbench in sync" topic_in_sync gbench
  wait_for 60 "gidle in sync" topic_in_sync gidle
  gen "$topo-fill" topic-fill --url "$urls" --topic gbench --records-per-partition "$RECORDS" --record-bytes 100 \
    --records-per-request 1000 --connections 4
  # JIT warm-up of both paths; results thrown away.
  "${GEN[@]}" group-consume --url "$urls" --topic gbench --mode partitions --members 4 --max-records "$MAX_RECORDS" \
    > /dev/null 2>> "$OUT/generator.log" || log "warm-up exited $?"
  "${GEN[@]}" group-consume --url "$urls" --topic gbench --mode group --members 4 --max-records "$MAX_RECORDS" \
    > /dev/null 2>> "$OUT/generator.log" || log "warm-up exited $?"
  for ((r = 1; r <= REPEATS; r++)); do
    for m in 1 4; do
      gen "$topo-partitions-$m-r$r" group-consume --url "$urls" --topic gbench --mode partitions --members "$m" --max-records "$MAX_RECORDS"
      gen "$topo-group-$m-r$r" group-consume --url "$urls" --topic gbench --mode group --members "$m" --max-records "$MAX_RECORDS"
    done
  done
  gen "$topo-rebalance" group-rebalance --url "$urls" --topic gidle --members 4 --trials "$TRIALS" \
    --session-timeout-ms "$SESSION_MS" --poll-timeout-ms 1000
  down
}

measure single 1
[ "$CLUSTER" = 1 ] && measure cluster 3

# ---------------------------------------------------------------------------------------------- report
{
  echo "# Streamgate consumer groups ($MODE run, $STAMP)"
  echo
  machine_summary
  echo "Nodes: $STREAMGATE_JAVA_OPTS each; clients and nodes share the machine. Topic: $PARTITIONS partitions × $RECORDS records of 100 B;"
  echo "every request asks for maxRecords=$MAX_RECORDS. Load average at the end: $(load_average)."
  echo
} > "$OUT/report.md"
python3 - "$OUT" >> "$OUT/report.md" <<'PY'
import json, sys, pathlib, statistics
out = pathlib.Path(sys.argv[1])
runs = {}
for line in (out / "results.jsonl").read_text().splitlines():
    if line.strip():
        r = json.loads(line)
        runs.setdefault(r["name"].rsplit("-r", 1)[0] if "-r" in r["name"] and r["name"].rsplit("-r", 1)[1].isdigit() else r["name"], []).append(r)

def mean(name, key):
    values = [r[key] for r in runs.get(name, []) if r.get(key) is not None]
    return sum(values) / len(values) if values else None

def n(v, digits=0):
    return "n/a" if v is None else f"{v:,.{digits}f}"

def errors(name):
    return [r.get("error") for r in runs.get(name, []) if r.get("error")]

topologies = [t for t in ("single", "cluster") if f"{t}-fill" in runs]
print("| topology | clients | plain partition reads | group members (poll + commit by cursor) | group / plain | group poll p50 / p99 | commit p50 |")
print("|---|---|---|---|---|---|---|")
for topo in topologies:
    label = "1 node" if topo == "single" else "3 nodes, RF 3"
    for m in (1, 4):
        plain, group = mean(f"{topo}-partitions-{m}", "recordsPerSec"), mean(f"{topo}-group-{m}", "recordsPerSec")
        ratio = "n/a" if not plain or group is None else f"{group / plain:.2f}×"
        gs = [r for r in runs.get(f"{topo}-group-{m}", []) if r.get("p50Us") is not None]
        lat = f"{gs[-1]['p50Us']/1000:.1f} / {gs[-1]['p99Us']/1000:.1f} ms" if gs else ""
        commit = f"{gs[-1]['commitP50Us']/1000:.1f} ms" if gs and gs[-1].get("commitP50Us") is not None else ""
        problems = errors(f"{topo}-partitions-{m}") + errors(f"{topo}-group-{m}")
        print(f"| {label} | {m} | {n(plain)} rec/s | {n(group)} rec/s | {ratio} | {lat} | {commit} |"
              + (f" errors: {problems}" if problems else ""))
print()
print("| topology | join → new member's first non-empty assignment | join → group stable | member stops polling → every partition owned again (session 3 s) |")
print("|---|---|---|---|")
for topo in topologies:
    label = "1 node" if topo == "single" else "3 nodes, RF 3"
    rs = [r for r in runs.get(f"{topo}-rebalance", []) if not r.get("error")]
    if not rs:
        print(f"| {label} | no result | | |")
        continue
    r = rs[-1]
    print(f"| {label} ({r['trials']} trials, {r['members']} members) | median {r['joinToAssignedMedianMs']:.0f} ms, max {r['joinToAssignedMaxMs']:.0f} ms"
          f" | median {r['joinToStableMedianMs']:.0f} ms, max {r['joinToStableMaxMs']:.0f} ms"
          f" | median {r['goneToOwnedMedianMs']:.0f} ms, max {r['goneToOwnedMaxMs']:.0f} ms |")
fills = [f"{t}: {mean(f'{t}-fill', 'recordsPerSec'):,.0f} rec/s" for t in topologies if mean(f"{t}-fill", "recordsPerSec")]
print()
print("Fill (acks=all, 1000 records per request): " + "; ".join(fills) + ".")
PY
cat "$OUT/report.md"
log "results in $OUT (report.md, results.jsonl, generator.log, node logs)"
