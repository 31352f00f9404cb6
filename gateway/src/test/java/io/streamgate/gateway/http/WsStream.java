package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A WebSocket stream client on Vert.x: text messages are queued for the test to take. */
public final class WsStream implements AutoCloseable {
  final ClientWebSocket ws;
  final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  final CompletableFuture<Short> closed = new CompletableFuture<>();

  private WsStream(ClientWebSocket ws) {
    this.ws = ws;
  }

  /** Connects; fails with the cause of a refused upgrade (an {@code UpgradeRejectedException}). */
  static WsStream open(WebSocketClient client, int port, String uri) throws Exception {
    return open(client, port, uri, new String[0]);
  }

  /** Connects with {@code headers} (name, value, name, value, ...) on the upgrade request. */
  public static WsStream open(WebSocketClient client, int port, String uri, String... headers) throws Exception {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
    for (int i = 0; i < headers.length; i += 2) {
      options.addHeader(headers[i], headers[i + 1]);
    }
    ClientWebSocket ws = client.webSocket();
    WsStream stream = new WsStream(ws);
    // Handlers before connecting, so that no frame arrives unhandled.
    ws.textMessageHandler(stream.messages::add);
    ws.closeHandler(v -> stream.closed.complete(ws.closeStatusCode()));
    try {
      ws.connect(options)
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
    return stream;
  }

  /** The next message, waiting up to 10 s. */
  String next() throws InterruptedException {
    String message = messages.poll(10, TimeUnit.SECONDS);
    assertThat(message).as("a message within 10 s").isNotNull();
    return message;
  }

  public JsonNode nextJson() throws InterruptedException {
    return Api.parse(next());
  }

  /** The next message as JSON, or null when none arrives within {@code wait}. */
  public JsonNode nextJsonWithin(Duration wait) throws InterruptedException {
    String message = messages.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    return message == null ? null : Api.parse(message);
  }

  List<JsonNode> next(int count) throws InterruptedException {
    List<JsonNode> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      records.add(nextJson());
    }
    return records;
  }

  void send(String text) throws Exception {
    ws.writeTextMessage(text).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws IOException {
    if (ws.isClosed()) {
      return;
    }
    try {
      ws.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("the WebSocket did not close", e);
    }
  }
}
