package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.util.ResourceLeakDetector;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Generated hostile input against the MQTT listener ({@link MqttFuzzer}): each input on its own
 * connection, then a PINGREQ, then the client's end of the connection. Each input must end in an
 * answer MQTT allows (the packet's own answer and PINGRESP, an MQTT 5 DISCONNECT with a failure
 * reason code, or the connection closed), never a hang; nothing is logged at ERROR or with a stack
 * trace, and each refusal is one WARN line naming the client or its address. Meanwhile a canary
 * client publishes at QoS 1 and each message is acknowledged; afterwards its topic holds exactly
 * what it published, in order, and no connection is left over.
 *
 * <p>Seeded: {@code -Dmqtt.fuzz.seed} (default: random, printed), {@code -Dmqtt.fuzz.count}
 * (default 10,000); {@code scripts/fuzz-mqtt.sh} runs longer campaigns.
 */
class MqttFuzzTest extends MqttNodeTest {
  private static final int WORKERS = 8;

  MqttFuzzTest() {
    // Topics are not created by fuzzed publishes (each would be a new log on disk): "fuzz" and "canary" exist.
    super(Map.of("auto-create-topics", "false", "mqtt-max-packet-bytes", "65536"));
  }

  @Test
  void hostileInputGetsAnMqttAnswerAndOtherClientsAreServedThroughout() throws Exception {
    long seed = Long.getLong("mqtt.fuzz.seed", System.nanoTime());
    int count = Integer.getInteger("mqtt.fuzz.count", 10_000);
    System.out.printf("mqtt fuzz: seed %d, %d inputs (rerun: -Dmqtt.fuzz.seed=%d -Dmqtt.fuzz.count=%d)%n", seed, count, seed, count);
    rest.createTopic("fuzz", 2, "{\"value.format\":\"string\"}");
    rest.createTopic("canary", 1, "{\"value.format\":\"string\"}");
    ResourceLeakDetector.Level leakLevel = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    MqttFuzzer fuzzer = new MqttFuzzer(seed);
    Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger next = new AtomicInteger();
    AtomicBoolean fuzzing = new AtomicBoolean(true);
    long started = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(WORKERS + 1);
    try (LogCapture log = new LogCapture()) {
      Future<Integer> canary = pool.submit(() -> publishWhile(fuzzing));
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        workers.add(pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < count && failures.size() < 5; i = next.getAndIncrement()) {
            MqttFuzzer.Input input = fuzzer.input(i);
            try {
              outcomes.computeIfAbsent(run(input), k -> new AtomicInteger()).incrementAndGet();
            } catch (IOException | AssertionError e) {
              failures.add(input.describe() + ": " + e);
            }
          }
          return null;
        }));
      }
      for (Future<?> worker : workers) {
        worker.get(Math.max(5, count / 1000), TimeUnit.MINUTES);
      }
      fuzzing.set(false);
      int published = canary.get(1, TimeUnit.MINUTES);
      System.out.printf("mqtt fuzz: %d inputs in %d ms, outcomes %s; canary published %d%n", Math.min(next.get(), count),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), outcomes, published);
      assertThat(failures).as("seed %d", seed).isEmpty();

      assertThat(canaryRecords()).as("the canary's records, in order").isEqualTo(
          java.util.stream.IntStream.range(0, published).mapToObj(String::valueOf).toList());
      await().atMost(Duration.ofSeconds(30)).until(() -> rest.metric("streamgate_mqtt_connections") == 0);
      // Buffers leaked meanwhile are reported (at ERROR) when the collector finds them and buffers are allocated again.
      System.gc();
      rest.records("fuzz", 0);
      assertThat(log.errors()).as("seed %d", seed).isEmpty();
      assertThat(log.withStackTraces()).as("seed %d", seed).isEmpty();
      List<String> refusals = log.warningsOf("io.streamgate.gateway.mqtt");
      assertThat(refusals).as("seed %d", seed)
          .allMatch(line -> line.startsWith("mqtt client ") || line.startsWith("mqtt connection from "));
      assertThat(refusals.size()).as("one line per connection at most").isLessThanOrEqualTo(count);
    } finally {
      fuzzing.set(false);
      pool.shutdownNow();
      ResourceLeakDetector.setLevel(leakLevel);
    }
  }

  /** Every value in the canary topic, read page by page (a response holds at most so many bytes). */
  private List<String> canaryRecords() {
    List<String> values = new ArrayList<>();
    while (true) {
      JsonNode page = rest.get("/v1/topics/canary/partitions/0/records?offset=" + values.size() + "&maxRecords=10000").get("records");
      if (page.isEmpty()) {
        return values;
      }
      page.forEach(record -> values.add(record.get("value").asText()));
    }
  }

  /**
   * One input on its own connection: CONNECT (unless the input is a mutated one), the packet, a
   * PINGREQ, then the client's end of the connection; answers how the node reacted.
   */
  private String run(MqttFuzzer.Input input) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", node.mqttPort()), 10_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      if (!input.connectMutated()) {
        out.write(input.connect());
        int[] connack = readPacket(in);
        if (connack == null || connack[0] != RawMqttClient.CONNACK || connack[2] != 0) {
          throw new AssertionError("a well-formed CONNECT was not accepted");
        }
        out.write(input.packet());
      } else {
        out.write(input.connect());
      }
      out.write(new byte[] {(byte) 0xc0, 0});
      out.flush();
      socket.shutdownOutput();
      String outcome = "closed";
      try {
        for (int[] packet = readPacket(in); packet != null; packet = readPacket(in)) {
          if (packet[0] == RawMqttClient.DISCONNECT) {
            if (packet[2] < 0x80) {
              throw new AssertionError("DISCONNECT with reason 0x" + Integer.toHexString(packet[2]) + ", not a failure");
            }
            outcome = "disconnect 0x" + Integer.toHexString(packet[2]);
          } else if (packet[0] == RawMqttClient.PINGRESP) {
            outcome = "served";
          } else if (packet[0] == RawMqttClient.CONNACK && outcome.equals("closed")) {
            outcome = "connack";
          }
        }
      } catch (SocketException reset) {
        outcome = "reset";
      } catch (SocketTimeoutException hang) {
        throw new AssertionError("no answer and not closed within 10 s");
      }
      return outcome;
    }
  }

  /** The next packet's type, body length and first body byte (-1 if none); null at the end of the stream. */
  private static int[] readPacket(DataInputStream in) throws IOException {
    try {
      int first = in.readUnsignedByte();
      int length = 0;
      int shift = 0;
      int digit;
      do {
        digit = in.readUnsignedByte();
        length |= (digit & 0x7f) << shift;
        shift += 7;
      } while ((digit & 0x80) != 0 && shift < 28);
      byte[] body = new byte[length];
      in.readFully(body);
      return new int[] {first >> 4, length, length > 0 ? body[first >> 4 == RawMqttClient.CONNACK ? 1 : 0] & 0xff : -1};
    } catch (EOFException end) {
      return null;
    }
  }

  /** The canary: QoS 1 publishes, each acknowledged within 10 s, numbered from 0, while the fuzzing lasts. */
  private int publishWhile(AtomicBoolean fuzzing) throws IOException {
    int sent = 0;
    try (RawMqttClient canary = new RawMqttClient(node.mqttPort(), 4)) {
      assertThat(canary.connect("canary")).isZero();
      while (fuzzing.get() && sent < 20_000) {
        int packetId = 1 + sent % 65_535;
        canary.publish("canary/beat", String.valueOf(sent).getBytes(UTF_8), 1, packetId, false);
        RawMqttClient.Packet ack = canary.read();
        while (ack.type() != RawMqttClient.PUBACK) {
          ack = canary.read();
        }
        assertThat(ack.packetId()).isEqualTo(packetId);
        sent++;
      }
      canary.disconnect();
    }
    return sent;
  }
}
