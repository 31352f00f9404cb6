#!/usr/bin/env bash
# MQTT ingest and latency: a Streamgate node against Eclipse Mosquitto, same load generator, same run (issue #6, item 7).
#
#   scripts/bench-mqtt.sh [--quick] [--skip-build] [--out DIR]
#
# 1. Builds the gateway jar and the load generator (bench/, io.streamgate.bench.http.HttpBench), starts one
#    Streamgate node (MQTT on loopback, data in a temp dir, 4 partitions per auto-created topic) and one
#    Mosquitto broker (Debian package mosquitto; in memory, no persistence), on non-default ports.
# 2. Ingest: mqtt-publish with 1 and with 50 publishers, QoS 0 and QoS 1, 100-byte payloads, each publisher
#    with up to 100 messages outstanding, to its own topic; Streamgate and Mosquitto alternately. A QoS 1
#    message counts when its PUBACK arrives: from Streamgate that means committed to the log (acks=all),
#    from Mosquitto that it is in memory. A QoS 0 message counts once written to the socket; the broker's
#    TCP backpressure sets the pace. After Streamgate's runs the log is checked to hold every acknowledged
#    message.
# 3. Latency: mqtt-latency publishes 1,000 msg/s (QoS 1) while a subscriber of the same topic measures
#    publish -> receive.
# 4. Prints a markdown table with the ratios Streamgate / Mosquitto (targets: QoS 1 >= 1, QoS 0 >= 0.5) and
#    writes it with the raw results and logs to bench-results/mqtt-<mode>-<time>/ (gitignored).
#
# Bounded in time; an EXIT trap stops the node, the broker and the generators and removes the temp dir.
# Environment: BENCH_MQTT_HTTP_PORT (18780), BENCH_MQTT_PORT (18883: Streamgate; +1: Mosquitto),
# BENCH_SERVER_JAVA_OPTS (-Xms1g -Xmx1g), MOSQUITTO (mosquitto on PATH or /usr/sbin/mosquitto).
set -euo pipefail
# shellcheck source=lib/bench-common.sh
. "$(dirname "$0")/lib/bench-common.sh"
bench_parse_args bench-mqtt "$@"

if [ "$QUICK" = 1 ]; then
  MODE=quick; DURATION=4; WARMUP=2; JIT_WARMUP=4; REPEATS=1
else
  MODE=full; DURATION=15; WARMUP=3; JIT_WARMUP=15; REPEATS=2
fi
HTTP_PORT=${BENCH_MQTT_HTTP_PORT:-18780}
SG_PORT=${BENCH_MQTT_PORT:-18883}
MOSQ_PORT=$((SG_PORT + 1))
SERVER_JAVA_OPTS=${BENCH_SERVER_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC}
MOSQUITTO=${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}

[ -x "$MOSQUITTO" ] || { log "mosquitto not found (apt-get install mosquitto, or set MOSQUITTO)"; exit 2; }
for tool in curl jq; do command -v "$tool" > /dev/null || { log "$tool is needed"; exit 2; }; done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/streamgate-bench-mqtt.XXXXXX")
LOAD_AT_START=$(load_average)
bench_results_dir mqtt
PIDS=()
# Not bench_on_exit: this bench says nothing more when it fails.
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2> /dev/null || true; done
  cp "$TMP"/*.log "$OUT"/ 2> /dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------- build
bench_build

# ---------------------------------------------------------------------------------------------- brokers
log "Streamgate: HTTP 127.0.0.1:$HTTP_PORT, MQTT 127.0.0.1:$SG_PORT"
# shellcheck disable=SC2086 # the JVM options are words
java $SERVER_JAVA_OPTS -jar gateway/target/streamgate.jar --data-dir "$TMP/streamgate-data" --http-host 127.0.0.1 \
  --http-port "$HTTP_PORT" --mqtt-host 127.0.0.1 --mqtt-port "$SG_PORT" --kafka-port 0 --cluster-port 0 --default-partitions 4 \
  > "$TMP/streamgate.log" 2>&1 &
PIDS+=($!)
cat > "$TMP/mosquitto.conf" <<CONF
listener $MOSQ_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 100000
CONF
log "Mosquitto $("$MOSQUITTO" -h 2>&1 | head -1 | grep -o 'version [0-9.]*' || true): 127.0.0.1:$MOSQ_PORT"
"$MOSQUITTO" -c "$TMP/mosquitto.conf" > "$TMP/mosquitto.log" 2>&1 &
PIDS+=($!)

deadline=$((SECONDS + 120))
until curl -fs "http://127.0.0.1:$HTTP_PORT/health/ready" > /dev/null 2>&1; do
  [ $SECONDS -ge $deadline ] && { log "Streamgate not ready in 120 s"; tail -20 "$TMP/streamgate.log" >&2; exit 1; }
  sleep 0.2
done
until (exec 3<> "/dev/tcp/127.0.0.1/$MOSQ_PORT") 2> /dev/null; do
  [ $SECONDS -ge $deadline ] && { log "Mosquitto not listening"; exit 1; }
  sleep 0.1
done

# gen NAME SUBCOMMAND ARGS...: runs the generator, keeps its JSON line (tagged with NAME) in results.jsonl.
# Replaces the common gen: the MQTT clients' INFO lines stay out of generator.log, and each result is printed.
gen() {
  local name=$1; shift
  log "$name: $*"
  local line
  line=$("${GEN[@]}" "$@" 2> >(grep -v ' INFO ' >> "$OUT/generator.log") | grep '^{' | tail -1) || true
  if [ -z "$line" ]; then
    log "$name: no result"; echo "{\"name\":\"$name\",\"error\":\"no result\"}" >> "$RESULTS"; return 0
  fi
  echo "{\"name\":\"$name\",${line#\{}" >> "$RESULTS"
  echo "$line" | jq -r '"    \(.messagesPerS // .p50Ms) \(if .messagesPerS then "msg/s" else "ms p50" end)"' >&2
}

port_of() { [ "$1" = streamgate ] && echo "$SG_PORT" || echo "$MOSQ_PORT"; }

# ---------------------------------------------------------------------------------------------- runs
log "JIT warm-up of Streamgate"
"${GEN[@]}" mqtt-publish --port "$SG_PORT" --publishers 8 --qos 1 --topic-prefix warm --duration "$JIT_WARMUP" --warmup 0 \
  > /dev/null 2>> "$OUT/generator.log" || true

for ((round = 1; round <= REPEATS; round++)); do
  for qos in 0 1; do
    for publishers in 1 50; do
      for broker in streamgate mosquitto; do
        gen "$broker-qos$qos-p$publishers-r$round" mqtt-publish --port "$(port_of $broker)" --publishers "$publishers" \
          --qos "$qos" --payload-bytes 100 --inflight 100 --topic-prefix "q${qos}p${publishers}r${round}" \
          --duration "$DURATION" --warmup "$WARMUP"
      done
    done
  done
done
for broker in streamgate mosquitto; do
  gen "$broker-latency" mqtt-latency --port "$(port_of $broker)" --rate 1000 --qos 1 --payload-bytes 100 \
    --topic "latency/probe" --duration "$DURATION" --warmup "$WARMUP"
done

# Streamgate's log must hold every QoS 1 message it acknowledged (in the window; the topic holds the warm-up's
# too) and every QoS 0 message written before the markers were acknowledged (counted in full).
for ((round = 1; round <= REPEATS; round++)); do
  for qos in 0 1; do
    for publishers in 1 50; do
      topic="q${qos}p${publishers}r${round}"
      held=$(curl -fs "http://127.0.0.1:$HTTP_PORT/v1/topics/$topic" | jq '[.partitions[].latestOffset] | add')
      counted=$(jq -s "map(select(.name == \"streamgate-qos$qos-p$publishers-r$round\"))[0].messages // 0" "$RESULTS")
      echo "{\"name\":\"check-$topic\",\"held\":$held,\"counted\":$counted}" >> "$RESULTS"
      [ "$held" -ge "$counted" ] || log "WARNING: $topic holds $held records, fewer than the $counted counted"
    done
  done
done

# ---------------------------------------------------------------------------------------------- report
report() {
  local rate
  rate() { jq -s "map(select(.name | startswith(\"$1-\")) | .messagesPerS) | if length == 0 then 0 else (add / length) end" "$RESULTS"; }
  echo "## MQTT: Streamgate vs Mosquitto ($MODE, $STAMP)"
  echo
  echo "$(nproc) cores (load average $LOAD_AT_START at the start, $(load_average) at the end: other work shares the"
  echo "machine), $(java -version 2>&1 | head -1); $("$MOSQUITTO" -h 2>&1 | head -1 | sed 's/ is an.*//'); ${DURATION} s per run, mean of $REPEATS."
  echo
  echo "| scenario | Streamgate msg/s | Mosquitto msg/s | ratio | target |"
  echo "|---|---:|---:|---:|---:|"
  local qos publishers sg mq target
  for qos in 0 1; do
    for publishers in 1 50; do
      sg=$(rate "streamgate-qos$qos-p$publishers")
      mq=$(rate "mosquitto-qos$qos-p$publishers")
      target=$([ "$qos" = 1 ] && echo ">= 1" || echo ">= 0.5")
      printf '| QoS %s, %s publisher%s | %.0f | %.0f | %s | %s |\n' "$qos" "$publishers" "$([ "$publishers" = 1 ] || echo s)" \
        "$sg" "$mq" "$(jq -n "if $mq > 0 then ($sg / $mq * 100 | round / 100) else 0 end")" "$target"
    done
  done
  echo
  echo "| publish -> receive, 1,000 msg/s QoS 1 | p50 ms | p99 ms | p99.9 ms |"
  echo "|---|---:|---:|---:|"
  for broker in streamgate mosquitto; do
    jq -r -s "map(select(.name == \"$broker-latency\"))[0] | \"| $broker | \(.p50Ms) | \(.p99Ms) | \(.p999Us / 1000) |\"" "$RESULTS"
  done
}
report | tee "$OUT/report.md"
log "results in $OUT"
