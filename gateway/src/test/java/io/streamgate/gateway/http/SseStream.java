package io.streamgate.gateway.http;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;

/**
 * A Server-Sent Events client on a plain socket: it reads only when asked to, so a test can stop
 * reading (a stalled subscriber) and later go on. Reads block for at most the socket timeout (30 s).
 */
public final class SseStream implements AutoCloseable {
  /** One event: its {@code id}, {@code event} type and {@code data}. */
  public record Event(String id, String event, String data) {
    public JsonNode json() {
      return Api.parse(data);
    }
  }

  final RawHttp http;
  final RawHttp.Response head;
  private BufferedReader reader;

  private SseStream(RawHttp http, RawHttp.Response head) {
    this.http = http;
    this.head = head;
  }

  /** Opens {@code uri} with {@code Accept: text/event-stream} and extra header lines; reads the response head only. */
  static SseStream open(int port, int receiveBufferBytes, String uri, String... headerLines) throws IOException {
    RawHttp http = RawHttp.connect(port, receiveBufferBytes);
    StringBuilder request = new StringBuilder("GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n");
    for (String line : headerLines) {
      request.append(line).append("\r\n");
    }
    http.write(request.append("\r\n").toString());
    RawHttp.Response head = http.readHead();
    if (head.status() != 200 || !head.headers().getOrDefault("content-type", "").startsWith("text/event-stream")) {
      http.close();
      throw new AssertionError("not an event stream: " + head);
    }
    return new SseStream(http, head);
  }

  public static SseStream open(int port, String uri, String... headerLines) throws IOException {
    return open(port, 0, uri, headerLines);
  }

  /** The next event, skipping comments. */
  public Event next() throws IOException {
    if (reader == null) {
      reader = new BufferedReader(new InputStreamReader(http.chunkedBody(), UTF_8), 64 * 1024);
    }
    String id = null;
    String event = null;
    StringBuilder data = null;
    while (true) {
      String line = reader.readLine();
      if (line == null) {
        throw new EOFException("the event stream ended");
      }
      if (line.isEmpty()) {
        if (data != null || id != null || event != null) {
          return new Event(id, event, data == null ? null : data.toString());
        }
      } else if (!line.startsWith(":")) {
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
          value = value.substring(1);
        }
        switch (field) {
          case "id":
            id = value;
            break;
          case "event":
            event = value;
            break;
          case "data":
            data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            break;
          default:
            break;
        }
      }
    }
  }

  List<Event> next(int count) throws IOException {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(next());
    }
    return events;
  }

  @Override
  public void close() throws IOException {
    http.close();
  }
}
