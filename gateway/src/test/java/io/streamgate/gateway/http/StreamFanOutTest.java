package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Many streams on one partition share their reads; each must still get every record once, in order, as written. */
class StreamFanOutTest extends HttpNodeTest {
  Vertx client;
  HttpClient http;

  StreamFanOutTest() {
    super(Map.of("http-instances", "2"));
  }

  @BeforeEach
  void start() {
    client = Vertx.vertx();
    http = client.createHttpClient();
  }

  @AfterEach
  void stop() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
  }

  private int post(String path, String body) throws Exception {
    return http.request(HttpMethod.POST, node.httpPort(), "127.0.0.1", path)
        .compose(request -> request.putHeader("Content-Type", "application/json").send(Buffer.buffer(body)))
        .compose(response -> response.body().map(b -> response.statusCode()))
        .await(10, TimeUnit.SECONDS);
  }

  @Test
  void everySubscriberGetsEveryRecordInOrder() throws Exception {
    assertThat(post("/v1/topics", "{\"name\":\"fan\"}")).isEqualTo(201);
    assertThat(post("/v1/topics/fan/records", "{\"records\":[{\"value\":\"before\"}]}")).isEqualTo(200);
    int subscribers = 12;
    WebSocketClient webSockets = client.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(subscribers));
    List<List<JsonObject>> received = new ArrayList<>();
    List<WebSocket> sockets = new ArrayList<>();
    for (int i = 0; i < subscribers; i++) {
      List<JsonObject> mine = new CopyOnWriteArrayList<>();
      received.add(mine);
      String offset = i % 3 == 0 ? "earliest" : "latest";
      // The handler is set on the event loop as the connection completes: set later, from this thread,
      // it could miss the first frames (an earliest subscriber's record arrives at once).
      WebSocket ws = webSockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.httpPort())
          .setURI("/v1/topics/fan/stream?offset=" + offset))
          .onSuccess(socket -> socket.textMessageHandler(text -> mine.add(new JsonObject(text))))
          .await(10, TimeUnit.SECONDS);
      sockets.add(ws);
    }
    int requests = 20;
    int perRequest = 50;
    for (int r = 0; r < requests; r++) {
      StringBuilder body = new StringBuilder("{\"records\":[");
      for (int i = 0; i < perRequest; i++) {
        body.append(i == 0 ? "" : ",").append("{\"key\":\"k").append(r).append("\",\"value\":{\"n\":").append(r * perRequest + i)
            .append("},\"headers\":{\"h\":\"v\"}}");
      }
      assertThat(post("/v1/topics/fan/records", body.append("]}").toString())).isEqualTo(200);
    }
    int total = requests * perRequest;
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < subscribers; i++) {
      expected.add(i % 3 == 0 ? total + 1 : total);
    }
    // Every subscriber has all its records, and keeps exactly that many a while (no duplicates trail in).
    Awaitility.await().atMost(Duration.ofSeconds(30)).during(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(received.stream().map(List::size).toList()).isEqualTo(expected));
    for (int i = 0; i < subscribers; i++) {
      List<JsonObject> mine = received.get(i);
      boolean fromEarliest = i % 3 == 0;
      assertThat(mine).hasSize(fromEarliest ? total + 1 : total);
      if (fromEarliest) {
        assertThat(mine.get(0).getString("value")).isEqualTo("before");
        mine = mine.subList(1, mine.size());
      }
      for (int n = 0; n < total; n++) {
        JsonObject record = mine.get(n);
        assertThat(record.getLong("offset")).isEqualTo(n + 1L);
        assertThat(record.getString("topic")).isEqualTo("fan");
        assertThat(record.getJsonObject("value").getInteger("n")).isEqualTo(n);
        assertThat(record.getString("key")).isEqualTo("k" + n / perRequest);
        assertThat(record.getJsonObject("headers").getString("h")).isEqualTo("v");
      }
    }
    for (WebSocket ws : sockets) {
      ws.close().await(5, TimeUnit.SECONDS);
    }
    // Also keeps the client reachable until here: Vert.x closes a client, with its connections, once it is garbage.
    webSockets.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void eventStreamIdsCarryTheNextPosition() throws Exception {
    assertThat(post("/v1/topics", "{\"name\":\"sse\"}")).isEqualTo(201);
    assertThat(post("/v1/topics/sse/records", "{\"records\":[{\"value\":1},{\"value\":2},{\"value\":3}]}")).isEqualTo(200);
    StringBuilder text = new StringBuilder();
    http.request(HttpMethod.GET, node.httpPort(), "127.0.0.1", "/v1/topics/sse/stream?offset=earliest")
        .compose(request -> request.putHeader("Accept", "text/event-stream").send())
        .onSuccess(response -> response.handler(chunk -> {
          synchronized (text) {
            text.append(chunk.toString());
          }
        }));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
      synchronized (text) {
        return text.toString().contains("id: 0:3\n");
      }
    });
    String events;
    synchronized (text) {
      events = text.toString();
    }
    assertThat(events).contains("id: 0:1\nevent: record\ndata: {\"topic\":\"sse\",\"partition\":0,\"offset\":0,");
    assertThat(events).contains("id: 0:2\nevent: record\ndata: {\"topic\":\"sse\",\"partition\":0,\"offset\":1,");
    assertThat(events).contains("\"value\":3,\"headers\":{}}\n\n");
  }
}
