#!/usr/bin/env bash
# Idempotent produce under SIGKILLs (issue #12, item 1; docs/replication.md): many kill -9 rounds, no loss, no duplicate.
#
#   scripts/chaos-idempotent.sh [--quick] [--skip-build] [--out DIR]
#
# Runs ClusterFailoverIT (gateway/src/test/.../cluster/) with CHAOS_ROUNDS rounds (20; 3 with --quick) instead of
# the suite's 6: three real nodes (child JVMs of the packaged jar, loopback, ephemeral ports, temp data dirs), a
# topic of 3 partitions with replication factor 3 and min.insync.replicas=2, one producer per partition sending
# batches of 4 records with acks=all and an Idempotency-Key per request, retrying each request through the next
# node on a 503, a 429 or a dropped connection until it is acknowledged. Each round SIGKILLs the leader of
# partition 0 or the controller (alternately), waits for every partition to take writes again, restarts the node
# and waits until it is back in every ISR (auto-rebalance then moves leaders back while the producers write).
# Afterwards every partition is read over HTTP through every node and from every node's files: every acknowledged
# record must be at its acknowledged offset, no record stored twice, every replica identical.
#
# Writes to bench-results/chaos-idempotent-MODE-STAMP/ (gitignored): the test's output (per round: failover times,
# the attempts of the first write after the kill; at the end any PROBLEM line), failover-times.txt and summary.txt.
# Exit status: the test's. Bounded: the test fails after 2 + rounds minutes at most.
# --skip-build runs the test against what the last build left in gateway/target (the jar and test classes).
# Environment: CHAOS_ROUNDS.
set -euo pipefail
# shellcheck source=lib/bench-common.sh
. "$(dirname "$0")/lib/bench-common.sh"
bench_parse_args chaos-idempotent "$@"

if [ "$QUICK" = 1 ]; then
  MODE=quick; ROUNDS=${CHAOS_ROUNDS:-3}
else
  MODE=full; ROUNDS=${CHAOS_ROUNDS:-20}
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/streamgate-chaos.XXXXXX")
bench_results_dir chaos-idempotent

REPORTS=gateway/target/failsafe-reports
keep_reports() {
  cp "$REPORTS"/*ClusterFailoverIT* "$OUT"/ 2>/dev/null || log "no test report to keep"
  cp gateway/target/failover-times.txt "$OUT"/ 2>/dev/null || true
}
bench_on_exit keep_reports

IT_ARGS=(-Dit.test=ClusterFailoverIT -Dstreamgate.it.failover-rounds="$ROUNDS" -Dfailsafe.failIfNoSpecifiedTests=false)
rm -f "$REPORTS"/*ClusterFailoverIT*
log "$ROUNDS kill rounds (about a minute each on an idle machine; load average $(load_average))"
status=0
if [ "$BUILD" = 1 ]; then
  mvn -B -q -pl gateway -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false "${IT_ARGS[@]}" || status=$?
else
  [ -f gateway/target/streamgate.jar ] || { log "nothing built: run without --skip-build"; exit 2; }
  mvn -B -q -pl gateway failsafe:integration-test failsafe:verify "${IT_ARGS[@]}" || status=$?
fi

OUTPUT=$REPORTS/io.streamgate.gateway.cluster.ClusterFailoverIT-output.txt
{
  echo "chaos-idempotent: $ROUNDS rounds, exit status $status, $(date -u +%FT%TZ)"
  machine_summary
  if [ -f "$OUTPUT" ]; then
    grep -c '^round ' "$OUTPUT" | sed 's/^/rounds completed: /'
    grep '^producer:' "$OUTPUT" || true
    grep '^# ' gateway/target/failover-times.txt 2>/dev/null || true
    echo "PROBLEM lines (lost, duplicated or misplaced records; replicas that differ): $(grep -c '^PROBLEM' "$OUTPUT" || true)"
    grep '^PROBLEM' "$OUTPUT" | head -20 || true
  else
    echo "no test output at $OUTPUT"
  fi
} | tee "$OUT/summary.txt"
exit $status
