package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** WebSocket streams whose start position needs an asynchronous look-up must still be upgraded, every time. */
class WebSocketUpgradeTest extends HttpNodeTest {
  Vertx client;

  @BeforeEach
  void start() {
    client = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void everyUpgradeWithALatestOrEarliestOffsetIsAnswered() throws Exception {
    int status = client.createHttpClient()
        .request(HttpMethod.POST, node.httpPort(), "127.0.0.1", "/v1/topics")
        .compose(request -> request.putHeader("Content-Type", "application/json").send(Buffer.buffer("{\"name\":\"ws\"}")))
        .map(response -> response.statusCode())
        .await(10, TimeUnit.SECONDS);
    assertThat(status).isEqualTo(201);
    WebSocketClient webSockets = client.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100));
    for (int i = 0; i < 40; i++) {
      String offset = i % 2 == 0 ? "latest" : "earliest";
      WebSocket ws = webSockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.httpPort())
          .setURI("/v1/topics/ws/stream?offset=" + offset).setTimeout(5_000))
          .await(10, TimeUnit.SECONDS);
      ws.close().await(5, TimeUnit.SECONDS);
    }
  }
}
