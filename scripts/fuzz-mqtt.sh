#!/usr/bin/env bash
# A longer MQTT fuzz campaign than the build's (issue #12, item 11): MqttFuzzTest with more inputs, or a given seed.
#
#   scripts/fuzz-mqtt.sh [--count N] [--seed S]
#
# Runs gateway's MqttFuzzTest: one node on loopback (ephemeral ports, data in a JUnit temp dir, removed after),
# N generated hostile MQTT inputs (default 100000; the build runs 10000), each on its own connection, while a
# canary client publishes at QoS 1. Prints the seed and the outcomes (served, disconnect 0x.., closed); on a
# failure, the inputs that failed with their bytes. The same --seed and --count give the same inputs again.
# About 1 ms per input on two cores. JUnit's per-class timeout is lifted for the campaign; the test still gives
# each worker count/1000 minutes (at least 5).
set -euo pipefail
COUNT=100000
SEED=""
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
args=(-B -q -pl gateway -am test -Dtest=MqttFuzzTest -Dsurefire.failIfNoSpecifiedTests=false
  -Djunit.jupiter.execution.timeout.mode=disabled -Dmqtt.fuzz.count="$COUNT")
if [ -n "$SEED" ]; then
  args+=(-Dmqtt.fuzz.seed="$SEED")
fi
status=0
mvn "${args[@]}" || status=$?
report=gateway/target/surefire-reports/io.streamgate.gateway.mqtt.MqttFuzzTest
grep -a '^mqtt fuzz' "$report-output.txt" || true
if [ "$status" != 0 ]; then
  grep -a -A3 'input #' "$report.txt" | head -40 || true
fi
exit "$status"
