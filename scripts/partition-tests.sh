#!/usr/bin/env bash
# Network partitions under load (issue #14, item 5; docs/replication.md "Network partitions"): links cut, no loss.
#
#   scripts/partition-tests.sh [--rounds N] [--scenario NAME] [--skip-build] [--out DIR]
#
# Runs NetworkPartitionIT (gateway/src/test/.../cluster/) N times (1 by default), all four scenarios with the long
# cuts; `mvn verify` runs two of them (controllerIsolated, flappingLinkBetweenLeaderAndFollower) with short ones
# (10 s; the flapping link 3 times 3 s).
# Each scenario starts three real nodes (child JVMs of the packaged jar), each in a network namespace of its own
# (unshare -n) linked to a router namespace whose iptables drops the packets of a cut; so it needs root, unshare,
# nsenter, ip and iptables. Under load (one producer per partition with acks=all, min.insync.replicas=2 and an
# Idempotency-Key per request, retried through every node; an acks=1 probe straight to the node cut off) it cuts:
#   leaderIsolated                          a leader that is not the controller cut from both others for 30 s
#   controllerIsolated                      the controller cut from both others for 30 s
#   threeWaySplit                           every node cut from every other for 30 s
#   flappingLinkBetweenLeaderAndFollower    the link between that leader and another node cut 5 times, 4 s each
# then heals, waits until the cluster settles and checks every acknowledged record, and the replicas' files.
# --scenario runs one of them (a method name above). Environment: PARTITION_CUT_S (the 30 s).
#
# Prints per scenario and round: acknowledged acks=all records, lost, duplicated, acks=1 writes the cut-off node
# acknowledged during the cut and lost after the heal, ms from the cut until a node of the majority described a new
# leader for what the cut-off node led, until the first acks=all write sent after the cut was acknowledged there, and
# how long the cut-off node went on acknowledging acks=1 writes after that (two leaders). Writes the test output of
# each round and summary.txt to bench-results/partition-tests-STAMP/ (gitignored). The exit status is 0 only if
# every round passed.
set -euo pipefail
ROUNDS=1
SCENARIO=""
# The two flags of this script take a value, which bench_parse_args's per-flag hook cannot; they are taken out first.
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --scenario) SCENARIO=$2; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
# shellcheck source=lib/bench-common.sh
. "$(dirname "$0")/lib/bench-common.sh"
bench_parse_args partition-tests "${ARGS[@]+"${ARGS[@]}"}"
[ "$(id -u)" = 0 ] || { log "needs root (network namespaces, iptables)"; exit 2; }
for tool in unshare nsenter ip iptables; do
  command -v "$tool" > /dev/null || { log "needs $tool (apt-get install iproute2 iptables util-linux)"; exit 2; }
done

MODE=rounds$ROUNDS
TMP=$(mktemp -d "${TMPDIR:-/tmp}/streamgate-partitions.XXXXXX")
bench_results_dir partition-tests
REPORTS=gateway/target/failsafe-reports
OUTPUT=$REPORTS/io.streamgate.gateway.cluster.NetworkPartitionIT-output.txt
keep_logs() { cp -r gateway/target/cluster-it/partition-* "$OUT"/ 2>/dev/null || true; }
bench_on_exit keep_logs

TEST=NetworkPartitionIT${SCENARIO:+#$SCENARIO}
IT_ARGS=(-Dit.test="$TEST" -Dstreamgate.it.partitions=all -Dfailsafe.failIfNoSpecifiedTests=false -Dsurefire.failIfNoSpecifiedTests=false
  -Dstreamgate.it.partition-cut-s="${PARTITION_CUT_S:-30}" -Dstreamgate.it.partition-flaps=5
  -Dstreamgate.it.partition-flap-s=4)
if [ "$BUILD" = 1 ]; then
  log "building the jar and the test classes"
  mvn -B -q -pl gateway -am package -DskipTests
fi
[ -f gateway/target/streamgate.jar ] || { log "nothing built: run without --skip-build"; exit 2; }

status=0
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round of $ROUNDS: $TEST (a few minutes; load average $(load_average))"
  rm -f "$REPORTS"/*NetworkPartitionIT*
  # test-compile with -am: the test classpath from this tree's modules, not from ~/.m2 (up to date after the first round).
  mvn -B -q -pl gateway -am test-compile failsafe:integration-test failsafe:verify "${IT_ARGS[@]}" \
    > "$OUT/round-$round-maven.log" 2>&1 \
    || status=1
  cp "$OUTPUT" "$OUT/round-$round-output.txt" 2>/dev/null || log "round $round: no test output (see round-$round-maven.log)"
done

{
  echo "partition-tests: $ROUNDS round(s) of $TEST, exit status $status, $(date -u +%FT%TZ)"
  machine_summary
  for ((round = 1; round <= ROUNDS; round++)); do
    grep -h '^PARTITION-SCENARIO' "$OUT/round-$round-output.txt" 2>/dev/null | sed "s/^PARTITION-SCENARIO/round $round:/" || true
  done
  echo "lost acknowledged acks=all records (first 20):"
  cat "$OUT"/round-*-output.txt 2>/dev/null | grep -h '^LOST acks=all' | head -20 || true
} | tee "$OUT/summary.txt"
exit $status
