#!/usr/bin/env bash
# Builds the bench module (and the log store it depends on) and runs the log-store benchmark.
#
#   scripts/bench-log-store.sh [--quick] [--out=FILE] [other LogStoreBenchmark options]
#
# --quick        smoke run (about 2 minutes instead of about 12)
# --out=FILE     results file (default: bench/target/log-store-bench.md); the machine's
#                description is appended to it
# --no-build     reuse the last build
# Anything else goes to the benchmark's main (see docs/benchmarks.md), e.g. --only=REGEX,
# --warmup=3s, --measure=5s, --repeats=3, --dir=/path/on/the/disk/to/test, --strict.
# JAVA_OPTS overrides the JVM options (default: -Xms2g -Xmx2g -XX:+UseG1GC).
#
# Exits non-zero when the build or a scenario fails (and, with --strict, when a target is missed).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

out="$ROOT/bench/target/log-store-bench.md"
build=1
args=()
for arg in "$@"; do
  case "$arg" in
    --out=*) out="${arg#--out=}" ;;
    --no-build) build=0 ;;
    *) args+=("$arg") ;;
  esac
done
case "$out" in
  /*) ;;
  *) out="$ROOT/$out" ;;
esac

if [[ $build == 1 ]]; then
  echo "[bench] building bench and log-store" >&2
  mvn -B -q -DskipTests -pl bench -am package
fi
classpath_file="$ROOT/bench/target/runtime-classpath.txt"
if [[ ! -s $classpath_file ]]; then
  echo "[bench] $classpath_file is missing: build first (run without --no-build)" >&2
  exit 1
fi
classpath="$ROOT/bench/target/classes:$(cat "$classpath_file")"

read -r -a java_opts <<< "${JAVA_OPTS:--Xms2g -Xmx2g -XX:+UseG1GC}"
status=0
java "${java_opts[@]}" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$classpath" io.streamgate.bench.LogStoreBenchmark "--out=$out" "${args[@]}" || status=$?

if [[ -f $out ]]; then
  data_dir=/tmp
  for arg in "${args[@]}"; do
    case "$arg" in --dir=*) data_dir="${arg#--dir=}" ;; esac
  done
  {
    echo "### Machine"
    echo
    echo '```'
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
    free -h | head -2
    df -h "$data_dir" 2>/dev/null
    echo "filesystem: $(findmnt -no FSTYPE,OPTIONS -T "$data_dir" 2>/dev/null || echo unknown)"
    echo "kernel: $(uname -r)"
    java -version 2>&1
    echo "JVM options: ${java_opts[*]}"
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo '```'
  } >> "$out"
  echo "[bench] results in $out" >&2
fi
exit $status
