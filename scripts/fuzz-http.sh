#!/usr/bin/env bash
# A longer campaign of the generated hostile HTTP requests that HttpFuzzTest sends in every build
# (10,000 there): the same checks, more requests, and a seed of your choice to replay a failure.
#
#   scripts/fuzz-http.sh [--count=N] [--seed=S]
#
# --count=N   requests to send (default 200000)
# --seed=S    the generator's seed (default: random; the test prints the one it used)
#
# Runs in the gateway module's test JVM against an in-process node on 127.0.0.1 (an ephemeral
# port). The report, with any failing request and its seed, is in
# gateway/target/surefire-reports/io.streamgate.gateway.http.HttpFuzzTest-output.txt.
# Exits non-zero when a request is answered badly.
set -euo pipefail

cd "$(dirname "$0")/.."

count=200000
seed=""
for arg in "$@"; do
  case "$arg" in
    --count=*) count="${arg#--count=}" ;;
    --seed=*) seed="${arg#--seed=}" ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

props=(-Dfuzz.count="$count")
if [ -n "$seed" ]; then
  props+=(-Dfuzz.seed="$seed")
fi
mvn -B -q -pl gateway -am test -Dtest=HttpFuzzTest -Dsurefire.failIfNoSpecifiedTests=false "${props[@]}"
grep -h "HttpFuzzTest" gateway/target/surefire-reports/io.streamgate.gateway.http.HttpFuzzTest-output.txt || true
