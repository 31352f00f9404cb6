# What the Streamgate benchmark scripts (scripts/bench-*.sh) have in common. Sourced, not run:
#
#   . "$(dirname "$0")/lib/bench-common.sh"
#   bench_parse_args bench-NAME "$@"
#
# Sourcing moves to the repository root (the scripts name every path from there) and sets ROOT.
# shellcheck shell=bash

# The script's own path, taken before the cd, so that --help finds it however the script was called.
BENCH_SCRIPT=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD

log() { echo "[$BENCH_NAME $(date -u +%H:%M:%S)] $*" >&2; }

# bench_usage: the script's header comment (its help).
bench_usage() { awk 'NR == 1 { next } /^#/ { print; next } { exit }' "$BENCH_SCRIPT"; }

# bench_parse_args NAME ARGS...: the options every bench takes. Sets BENCH_NAME (the prefix of log lines and
# errors), QUICK (--quick: 1), BUILD (--skip-build: 0) and OUT (--out DIR). A script with flags of its own
# defines bench_extra_arg FLAG, which returns non-zero for a flag it does not know, before calling this.
bench_parse_args() {
  BENCH_NAME=$1
  shift
  QUICK=0
  BUILD=1
  OUT=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --quick) QUICK=1 ;;
      --skip-build) BUILD=0 ;;
      --out) OUT=$2; shift ;;
      -h|--help) bench_usage; exit 0 ;;
      *)
        if ! { declare -F bench_extra_arg > /dev/null && bench_extra_arg "$1"; }; then
          echo "$BENCH_NAME: unknown argument $1" >&2
          exit 2
        fi ;;
    esac
    shift
  done
}

# bench_results_dir KIND: STAMP (UTC, to the second); OUT made and absolute, by default
# bench-results/KIND-MODE-STAMP (gitignored); RESULTS=$OUT/results.jsonl, emptied.
bench_results_dir() {
  STAMP=$(date -u +%Y%m%dT%H%M%SZ)
  OUT=${OUT:-bench-results/$1-$MODE-$STAMP}
  mkdir -p "$OUT"
  OUT=$(cd "$OUT" && pwd)
  RESULTS=$OUT/results.jsonl
  : > "$RESULTS"
}

# bench_on_exit TEARDOWN: when the script ends, however it ends (Ctrl-C and TERM included), runs TEARDOWN (the
# script's own: stop what it started, keep its logs in OUT), removes TMP and, if the run failed, says where
# the partial results are. The script's exit status is kept.
bench_on_exit() {
  BENCH_TEARDOWN=$1
  trap bench_exit EXIT
  trap 'exit 130' INT TERM
}
bench_exit() {
  local status=$?
  set +e   # tear down as much as possible, whatever fails
  "$BENCH_TEARDOWN"
  rm -rf "$TMP"
  [ $status -ne 0 ] && log "failed (exit $status); logs and partial results in $OUT"
  exit $status
}

# bench_build: unless --skip-build, builds the gateway jar and the load generator (bench/); stops the script
# (exit 2) if either is missing. Sets GEN, the command that runs the generator (io.streamgate.bench.http.HttpBench).
bench_build() {
  if [ "$BUILD" = 1 ]; then
    log "building the gateway jar and the load generator"
    mvn -B -q -DskipTests package -pl log-store,cluster,openapi,gateway,bench -am
  fi
  [ -f gateway/target/streamgate.jar ] && [ -f bench/target/runtime-classpath.txt ] \
    || { log "nothing built: run without --skip-build"; exit 2; }
  GEN=(java -Xms256m -Xmx1g -XX:+UseG1GC -cp "$ROOT/bench/target/classes:$(cat bench/target/runtime-classpath.txt)"
    io.streamgate.bench.http.HttpBench)
}

# gen NAME SUBCOMMAND ARGS...: runs the generator, keeps its JSON line (tagged with NAME) in results.jsonl
gen() {
  local name=$1; shift
  log "$name: $*"
  local line
  line=$("${GEN[@]}" "$@" 2> >(tee -a "$OUT/generator.log" >&2) | grep '^{' | tail -1) || true
  if [ -z "$line" ]; then
    log "$name: no result"; echo "{\"name\":\"$name\",\"error\":\"no result\"}" >> "$RESULTS"; return 0
  fi
  echo "{\"name\":\"$name\",${line#\{}" >> "$RESULTS"
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every WAIT_FOR_POLL seconds (0.1) until it succeeds;
# after SECONDS logs what it waited for and fails.
wait_for() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@"; do
    [ $SECONDS -ge $deadline ] && { log "gave up after ${seconds}s waiting for: $what"; return 1; }
    sleep "${WAIT_FOR_POLL:-0.1}"
  done
}

# node_url I: the HTTP base URL of node I of scripts/cluster.sh (ports from STREAMGATE_BASE_HTTP_PORT up).
node_url() { echo "http://127.0.0.1:$((STREAMGATE_BASE_HTTP_PORT + $1))"; }
# node_urls N: the base URLs of nodes 0..N-1, comma-separated (the generator's --url spreads its clients over them).
node_urls() {
  local i list=""
  for ((i = 0; i < $1; i++)); do list+="${list:+,}$(node_url "$i")"; done
  echo "$list"
}

# For the reports: the machine, and how busy it is (other work may share it).
machine_summary() {
  echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB memory, $(uname -sr), $(java -version 2>&1 | head -1)."
}
load_average() { cut -d' ' -f1-3 /proc/loadavg; }
