package io.streamgate.bench.http;

import java.util.Arrays;

/**
 * The HTTP/WebSocket/MQTT load generator: {@code java -cp ... io.streamgate.bench.http.HttpBench SUBCOMMAND --flag value ...}.
 * Every subcommand is bounded in count and time, stops by itself, and prints one JSON result line on
 * stdout (and a human line on stderr). Subcommands:
 * <ul>
 *   <li>{@code trivial-server}: a Vert.x HTTP server answering 204 to everything, the HTTP limit of the machine;</li>
 *   <li>{@code http-produce}: POST JSON envelopes with many requests in flight, to one node or spread over several; records/s, requests/s, latency;</li>
 *   <li>{@code http-consume}: read a partition from earliest to its end with JSON or NDJSON fetches; records/s;</li>
 *   <li>{@code ws-fanout}: many WebSocket subscribers and one producer; deliveries/s;</li>
 *   <li>{@code e2e-latency}: produce at a fixed rate, one WebSocket subscriber measures produce→receive latency;</li>
 *   <li>{@code ws-idle}: open many idle WebSocket streams and hold them (for measuring the node's heap);</li>
 *   <li>{@code failover-probe}: one acknowledged write after another per partition, retried across nodes, each
 *       acknowledgement logged with its times (for measuring failover when a script kills nodes);</li>
 *   <li>{@code topic-fill}: exactly N records into every partition of a topic (for read benchmarks);</li>
 *   <li>{@code group-consume}: a pre-filled topic consumed by N members of a consumer group (poll, commit by cursor), or, as
 *       the reference, by N plain partition readers; records/s;</li>
 *   <li>{@code group-rebalance}: a group of N long-polling members; time from a join to the new member's first assignment,
 *       and from a member's silent stop to every partition owned again;</li>
 *   <li>{@code mqtt-publish}: MQTT publishers at QoS 0 or 1 as fast as the broker takes them; msg/s, PUBACK latency
 *       (any MQTT 3.1.1 broker: Streamgate and Mosquitto are measured alike);</li>
 *   <li>{@code mqtt-latency}: MQTT publish at a fixed rate, a subscriber measures publish→receive latency.</li>
 * </ul>
 */
public final class HttpBench {
  private HttpBench() {}

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h")) {
      usage();
      return;
    }
    String command = argv[0];
    Args args = new Args(argv, 1);
    try {
      switch (command) {
        case "trivial-server" -> TrivialServer.run(args);
        case "http-produce" -> HttpProduce.run(args);
        case "http-consume" -> HttpConsume.run(args);
        case "ws-fanout" -> WsFanout.run(args);
        case "e2e-latency" -> E2eLatency.run(args);
        case "ws-idle" -> WsIdle.run(args);
        case "failover-probe" -> FailoverProbe.run(args);
        case "topic-fill" -> TopicFill.run(args);
        case "group-consume" -> GroupConsume.run(args);
        case "group-rebalance" -> GroupRebalance.run(args);
        case "mqtt-publish" -> MqttPublish.run(args);
        case "mqtt-latency" -> MqttLatency.run(args);
        default -> {
          System.err.println("unknown subcommand '" + command + "'");
          usage();
          System.exit(2);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("http-bench " + command + ": " + e.getMessage());
      System.exit(2);
    }
    // Vert.x threads are non-daemon; every subcommand has finished and printed by now.
    System.exit(0);
  }

  private static void usage() {
    System.err.println(String.join("\n", Arrays.asList(
        "usage: HttpBench SUBCOMMAND [--flag value ...]",
        "  trivial-server --port P [--threads N] [--duration S]",
        "  http-produce --url URL[,URL...] [--records-per-request 1] [--record-bytes 100] [--connections 16] [--pipeline 1]",
        "               [--threads 1] [--duration 10] [--warmup 2] [--max-requests N]",
        "  http-consume --url BASE --topic T [--partition 0] [--format ndjson|json] [--max-records 10000]",
        "               [--max-bytes 8388608] [--timeout-ms 0] [--duration 60]",
        "  ws-fanout --url BASE --topic T [--subscribers 100] [--records 100000] [--record-bytes 100]",
        "            [--records-per-request 100] [--producer-inflight 4] [--offset latest|earliest] [--duration 60]",
        "  e2e-latency --url BASE --topic T [--rate 10000] [--record-bytes 100] [--batch-interval-ms 1]",
        "              [--duration 10] [--warmup 2]",
        "  ws-idle --url BASE --topic T [--streams 10000] [--connect-concurrency 200] [--hold 60]",
        "  failover-probe --url BASE[,BASE...] --topic T --events FILE [--partitions 1] [--duration 60]",
        "                 [--request-timeout-ms 5000] [--retry-pause-ms 20] [--record-bytes 100]",
        "  topic-fill --url BASE[,BASE...] --topic T [--records-per-partition 10000] [--record-bytes 100]",
        "             [--records-per-request 1000] [--connections 4] [--acks all] [--duration 300]",
        "  group-consume --url BASE[,BASE...] --topic T [--mode group|partitions] [--members 1] [--max-records 1000]",
        "                [--max-bytes 8388608] [--timeout-ms 500] [--session-timeout-ms 30000] [--group G] [--duration 120]",
        "  group-rebalance --url BASE[,BASE...] --topic T [--members 4] [--trials 5] [--session-timeout-ms 3000]",
        "                  [--poll-timeout-ms 1000] [--group G] [--step-timeout 30]",
        "  mqtt-publish [--host 127.0.0.1] [--port 1883] [--publishers 1] [--qos 1] [--payload-bytes 100] [--inflight 100]",
        "               [--topic-prefix bench] [--threads 2] [--duration 10] [--warmup 2]",
        "  mqtt-latency [--host 127.0.0.1] [--port 1883] [--rate 1000] [--qos 1] [--payload-bytes 100]",
        "               [--topic latency/probe] [--duration 10] [--warmup 2]")));
  }
}
