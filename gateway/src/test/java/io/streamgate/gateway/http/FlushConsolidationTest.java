package io.streamgate.gateway.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Guards HttpApiVerticle's reach into Vert.x internals: the Netty FlushConsolidationHandler it puts
 * on each connection. If a Vert.x upgrade makes that reach miss (it is skipped, not failed, when the
 * connection is not the expected internal type), a stream writes each record with its own system
 * call again; this test sees that as the server socket's TCP data segments, counted by the kernel
 * and read with iproute2's {@code ss} (Linux).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FlushConsolidationTest extends HttpNodeTest {
  private static final int RECORDS = 200;
  private static final Pattern DATA_SEGMENTS_OUT = Pattern.compile("\\bdata_segs_out:(\\d+)");

  @Test
  void aStreamSendsTheRecordsOfOneReadInFewSegmentsNotOneEach() throws Exception {
    api.createTopic("t", 1);
    StringBuilder envelope = new StringBuilder("{\"records\":[");
    for (int i = 0; i < RECORDS; i++) {
      envelope.append(i == 0 ? "" : ",").append("{\"value\":\"v-").append(i).append("\"}");
    }
    api.produce("t", envelope.append("]}").toString());

    try (SseStream stream = SseStream.open(api.port, "/v1/topics/t/stream?offset=earliest")) {
      for (int i = 0; i < RECORDS; i++) {
        assertThat(stream.next().json().get("offset").asLong()).isEqualTo(i);
      }
      long segments = serverDataSegmentsOut(api.port, stream.http.socket.getLocalPort());

      // Consolidated: the response head and a few flushes of whole chunks. Unconsolidated: one per record.
      assertThat(segments).as("data segments the server sent for %d records", RECORDS).isLessThan(RECORDS / 4);
    }
  }

  /** The kernel's count of data segments sent by the server end of the connection to {@code clientPort}. */
  private static long serverDataSegmentsOut(int serverPort, int clientPort) throws Exception {
    Process ss = new ProcessBuilder("ss", "-tinH", "state", "established",
        "( sport = :" + serverPort + " and dport = :" + clientPort + " )").redirectErrorStream(true).start();
    String output = new String(ss.getInputStream().readAllBytes(), UTF_8);
    assertThat(ss.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Matcher matcher = DATA_SEGMENTS_OUT.matcher(output);
    assertThat(matcher.find()).as("ss (iproute2) reports the server socket's data_segs_out: %s", output).isTrue();
    return Long.parseLong(matcher.group(1));
  }
}
