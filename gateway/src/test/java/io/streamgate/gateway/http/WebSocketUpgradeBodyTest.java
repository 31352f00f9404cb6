package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A WebSocket upgrade is a GET without a body: one that carries a body is refused, with a problem. */
class WebSocketUpgradeBodyTest extends HttpNodeTest {
  /** HttpFuzzTest seed 17827309224308: a large chunked body on an upgrade drew a bare 413, not a problem. */
  @ParameterizedTest
  @ValueSource(ints = {10, 20_000})
  void anUpgradeCarryingABodyIsRefusedWithAProblem(int bodyBytes) throws Exception {
    String topic = unique("ws-body");
    api.createTopic(topic, 1);
    try (Socket socket = new Socket("127.0.0.1", node.httpPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /v1/topics/" + topic + "/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nTransfer-Encoding: chunked\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      for (int sent = 0; sent < bodyBytes; sent += 1000) {
        int chunk = Math.min(1000, bodyBytes - sent);
        out.write((Integer.toHexString(chunk) + "\r\n" + "[".repeat(chunk) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      }
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();

      String head = responseHead(socket.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 400").containsIgnoringCase("content-type: application/problem+json");
    }
    assertThat(api.get("/v1/topics/" + topic).status()).as("the node serves on").isEqualTo(200);
  }

  private static String responseHead(InputStream in) throws Exception {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }
}
