package io.streamgate.gateway.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Generates hostile HTTP/1.1 requests from a seeded {@link Random}, so that a seed replays a run:
 * every route of the contract (and some that are not), with generated methods, path parameters,
 * query parameters, headers (Host, content types, Accept, WebSocket and SSE upgrades, odd and oversize
 * ones), bodies (valid, mutated, truncated, deeply nested, invalid UTF-8, binary) and framing
 * (Content-Length right, short or long, chunked right or broken, both, neither).
 *
 * <p>It never names the topic {@link #PROTECTED_TOPIC}, which the fuzz test checks afterwards.
 */
final class HttpFuzzer {
  static final String PROTECTED_TOPIC = "canary";
  /** Topics the fuzz node has (one per value format), and names that are not topics. */
  static final List<String> TOPICS = List.of("fz", "fzb", "fzs");

  /** A request as bytes, and whether its head is complete (else the server may close without an answer). */
  record Input(byte[] bytes, boolean headComplete, String method) {
    String printable() {
      String text = new String(bytes, 0, Math.min(bytes.length, 600), ISO_8859_1);
      StringBuilder out = new StringBuilder();
      for (char c : text.toCharArray()) {
        if (c == '\r') {
          out.append("\\r");
        } else if (c == '\n') {
          out.append("\\n");
        } else if (c < 0x20 || c > 0x7e) {
          out.append(String.format("\\x%02x", (int) c));
        } else {
          out.append(c);
        }
      }
      return out + (bytes.length > 600 ? "... (" + bytes.length + " bytes)" : "");
    }
  }

  private static final String[] ROUTES = {
      "/v1/topics", "/v1/topics/{topic}", "/v1/topics/{topic}/records", "/v1/topics/{topic}/partitions/{partition}/records",
      "/v1/topics/{topic}/partitions/{partition}/offsets", "/v1/topics/{topic}/stream", "/v1/groups", "/v1/groups/{group}",
      "/v1/groups/{group}/members", "/v1/groups/{group}/members/{member}", "/v1/groups/{group}/members/{member}/records",
      "/v1/groups/{group}/members/{member}/commit", "/v1/groups/{group}/offsets", "/v1/cluster", "/v1/cluster/rebalance",
      "/v1/cluster/stats", "/health/live", "/health/ready", "/metrics", "/openapi.yaml", "/console/", "/console/index.html",
      "/", "/v1", "/v2/topics", "/v1/topics/{topic}/records/extra", "*"};
  private static final String[] METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
      "get", "PRI", "FOO", "G\u00c9T", "", "GET GET"};
  private static final String[] QUERY_NAMES =
      {"acks", "before", "cursor", "key", "maxBytes", "maxRecords", "offset", "partition", "partitions",
          "resume", "timeoutMs", "timestamp", "unknown", "", "offset[]", "%00"};
  private static final String[] NUMBERS = {"0", "1", "-1", "2", "10", "1000", "10001", "2147483647", "2147483648", "-2147483649",
      "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999999", "1e3", "1.5", "0x10",
      "NaN", "Infinity", "", " 1", "%201", "%2B1", "1%00", "earliest", "latest", "all", "０"};
  private static final String[] CONTENT_TYPES = {"application/json", "application/json; charset=utf-8", "application/x-ndjson",
      "text/plain", "application/octet-stream", "application/xml", "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded", "application/json; charset=latin1", "*/*", "", ";", "application/", "\u00ff/\u00ff"};
  private static final String[] ACCEPTS = {"application/json", "application/x-ndjson", "text/event-stream", "*/*", "text/html",
      "application/json;q=0", "x/y, */*;q=0.1", "", ",,,", "application/problem+json"};
  private static final String[] HOSTS = {"127.0.0.1", "localhost:8080", "x:99999", "[::1", "[::1]:80", "", "a b", "x:-1",
      ":80", "h\u00e9", "x".repeat(300), "x:"};

  private final Random random;
  private final int maxBodyBytes;

  HttpFuzzer(long seed, int maxBodyBytes) {
    this.random = new Random(seed);
    this.maxBodyBytes = maxBodyBytes;
  }

  Input next() {
    String method = pick(METHODS);
    String path = path();
    String query = random.nextInt(3) == 0 ? "" : query();
    String version = random.nextInt(25) == 0 ? pick(new String[] {"HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "HTTP/1.1x", "http/1.1", ""})
        : "HTTP/1.1";
    boolean websocket = path.endsWith("/stream") && random.nextInt(3) == 0;
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(query).append(version.isEmpty() ? "" : " " + version).append("\r\n");
    int hostChoice = random.nextInt(20);
    if (hostChoice < 16) {
      head.append("Host: 127.0.0.1\r\n");
    } else if (hostChoice < 19) {
      head.append("Host: ").append(pick(HOSTS)).append("\r\n");
    } else {
      head.append("Host: a\r\nHost: b\r\n");
    }
    if (random.nextBoolean()) {
      head.append("Content-Type: ").append(pick(CONTENT_TYPES)).append("\r\n");
    }
    if (random.nextInt(3) == 0 || path.endsWith("/stream")) {
      head.append("Accept: ").append(pick(ACCEPTS)).append("\r\n");
    }
    if (websocket) {
      head.append(random.nextInt(4) == 0 ? "" : "Upgrade: websocket\r\n")
          .append(random.nextInt(4) == 0 ? "Connection: keep-alive\r\n" : "Connection: Upgrade\r\n")
          .append(random.nextInt(4) == 0 ? "Sec-WebSocket-Key: " + pick(new String[] {"", "short", "!!!!", "x".repeat(100)})
              : "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(bytes(16)))
          .append("\r\n")
          // None at all, and two: RFC 6455 asks for exactly one.
          .append(pick(new String[] {"Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 8\r\n",
              "Sec-WebSocket-Version: 99\r\n", "Sec-WebSocket-Version: \r\n", "Sec-WebSocket-Version: x\r\n", "",
              "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 8\r\n"}));
    }
    if (path.endsWith("/stream") && random.nextInt(4) == 0) {
      head.append("Last-Event-ID: ").append(pick(new String[] {"0:5", "x", "-1:-1", "0:99999999999999999999", "", "0:1:2"}))
          .append("\r\n");
    }
    for (int i = random.nextInt(4); i > 0; i--) {
      head.append(oddHeader());
    }
    if (random.nextInt(100) == 0) {
      head.append("X-Big: ").append("b".repeat(20_000)).append("\r\n");
    }
    // The body and its framing.
    byte[] body = random.nextInt(3) == 0 ? new byte[0] : body(path);
    int framing = random.nextInt(20);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] framed;
    boolean headComplete = true;
    if (framing < 11) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
      framed = body;
    } else if (framing < 13) {
      head.append("Transfer-Encoding: chunked\r\n");
      framed = chunked(body, false);
    } else if (framing == 13) {
      head.append("Transfer-Encoding: chunked\r\n");
      framed = chunked(body, true);
    } else if (framing == 14) {
      // Declares more than it sends: the end of input ends the body early.
      head.append("Content-Length: ").append(body.length + 1 + random.nextInt(1000)).append("\r\n");
      framed = body;
    } else if (framing == 15) {
      // Declares less: the rest is read as the next request.
      head.append("Content-Length: ").append(body.length / 2).append("\r\n");
      framed = body;
    } else if (framing == 16) {
      head.append("Content-Length: ").append(body.length).append("\r\nTransfer-Encoding: chunked\r\n");
      framed = chunked(body, false);
    } else if (framing == 17) {
      head.append(
          pick(new String[] {"Content-Length: -1", "Content-Length: x", "Content-Length: 1, 2", "Content-Length: 99999999999999999999",
              "Transfer-Encoding: gzip", "Transfer-Encoding: chunked, chunked", "Transfer-Encoding: identity",
              "Content-Length: " + (maxBodyBytes * 4L)}))
          .append("\r\n");
      framed = body;
    } else if (framing == 18) {
      // No framing at all: a body with neither header is read as the next request.
      framed = body;
    } else {
      // Cut somewhere in the head.
      out.writeBytes(head.toString().getBytes(UTF_8));
      byte[] all = out.toByteArray();
      return new Input(java.util.Arrays.copyOf(all, 1 + random.nextInt(all.length)), false, method);
    }
    if (random.nextInt(10) == 0) {
      head.append("Expect: 100-continue\r\n");
    }
    head.append("\r\n");
    out.writeBytes(head.toString().getBytes(UTF_8));
    out.writeBytes(framed);
    return new Input(out.toByteArray(), headComplete, method);
  }

  private String path() {
    String route = pick(ROUTES);
    route = route.replace("{topic}", topic()).replace("{partition}", pick(new String[] {"0", "1", "-1", "99", "x", "%00", "1.0",
        "2147483648", ""})).replace("{group}", segment()).replace("{member}", segment());
    if (random.nextInt(15) == 0) {
      route = route + pick(new String[] {"/", "//", "/..", "/%2e%2e", "?", "#frag", "/%", ";x=1"});
    }
    return route;
  }

  private String topic() {
    int choice = random.nextInt(10);
    if (choice < 6) {
      return pick(TOPICS.toArray(String[]::new));
    }
    return segment();
  }

  /** A path segment that may be anything: a plain name, dots, encodings, control bytes, or long. */
  private String segment() {
    switch (random.nextInt(8)) {
      case 0:
        return "g" + random.nextInt(5);
      case 1:
        return pick(new String[] {"..", ".", "%2e%2e", "__groups", "__internal", "a%2Fb", "%00", "%C0%AE", "%FF", "a%20b", "%"});
      case 2:
        return "n".repeat(1 + random.nextInt(300));
      case 3:
        return percentEncoded(bytes(1 + random.nextInt(12)));
      case 4:
        return new String(asciiBytes(1 + random.nextInt(10)), ISO_8859_1);
      default:
        return "x" + random.nextInt(100);
    }
  }

  private String query() {
    StringBuilder query = new StringBuilder("?");
    for (int i = 1 + random.nextInt(4); i > 0; i--) {
      query.append(pick(QUERY_NAMES)).append('=');
      switch (random.nextInt(4)) {
        case 0:
          query.append(segment());
          break;
        case 1:
          query.append(pick(new String[] {"0:5", "0:-1", ":", "0:1:2", "x:y", "0,1", "0,,1", "-1", "99999999999999999999:0"}));
          break;
        default:
          query.append(pick(NUMBERS));
      }
      query.append(random.nextInt(6) == 0 ? "&&" : "&");
    }
    return query.toString();
  }

  private String oddHeader() {
    switch (random.nextInt(7)) {
      case 0:
        return "Idempotency-Key: " + pick(new String[] {"", "k", "x".repeat(300), "\u00e9", "a b"}) + "\r\n";
      case 1:
        return "X-\u00ff: \u0001\u007f\r\n";
      case 2:
        return "Connection: " + pick(new String[] {"close", "keep-alive", "Upgrade", "TE", "x"}) + "\r\n";
      case 3:
        return "Upgrade: " + pick(new String[] {"h2c", "websocket", "mqtt", "x"}) + "\r\n";
      case 4:
        return " folded: continuation\r\n";
      case 5:
        return "Content-Encoding: " + pick(new String[] {"gzip", "deflate", "br", "x"}) + "\r\n";
      default:
        return "X-Empty:\r\n";
    }
  }

  private byte[] body(String path) {
    switch (random.nextInt(10)) {
      case 0:
        return bytes(random.nextInt(200));
      case 1:
        return ("[".repeat(1 + random.nextInt(20_000))).getBytes(UTF_8);
      case 2:
        // Past the body limit.
        return "x".repeat(maxBodyBytes + 1 + random.nextInt(1000)).getBytes(UTF_8);
      case 3:
        return ndjson();
      case 4:
        return invalidUtf8(envelope());
      case 5:
        return truncate(envelope());
      default:
        return path.startsWith("/v1/groups") ? groupBody() : path.equals("/v1/topics") || !path.contains("records")
            ? topicBody() : envelope();
    }
  }

  private byte[] envelope() {
    StringBuilder records = new StringBuilder("{\"records\":[");
    for (int i = random.nextInt(4); i >= 0; i--) {
      records.append('{');
      if (random.nextBoolean()) {
        records.append("\"key\":").append(jsonValue()).append(',');
      }
      if (random.nextInt(3) == 0) {
        records.append("\"partition\":").append(pick(NUMBERS).isEmpty() ? "0" : jsonNumber()).append(',');
      }
      if (random.nextInt(4) == 0) {
        records.append("\"headers\":").append(random.nextBoolean() ? "{\"h\":" + jsonValue() + "}" : jsonValue()).append(',');
      }
      if (random.nextInt(5) == 0) {
        records.append("\"valueBase64\":").append(jsonValue());
      } else {
        records.append("\"value\":").append(jsonValue());
      }
      records.append('}').append(i > 0 ? "," : "");
    }
    return records.append("]}").toString().getBytes(UTF_8);
  }

  private byte[] topicBody() {
    return ("{\"name\":" + (random.nextInt(3) == 0 ? jsonValue() : "\"fuzz" + random.nextInt(3) + "\"") + ",\"partitions\":"
        + pick(new String[] {"1", "2", "0", "-1", "1001", "1.5", "\"x\"", "null", "99999999999"}) + ",\"config\":"
        + pick(new String[] {"{}", "{\"retention.ms\":\"x\"}", "{\"cleanup.policy\":\"compact\"}", "{\"value.format\":\"binary\"}",
            "{\"segment.bytes\":1}", "[]", "null", "{\"unknown\":1}", "{\"max.record.bytes\":-1}"})
        + "}").getBytes(UTF_8);
  }

  private byte[] groupBody() {
    return pick(new String[] {"{\"topics\":[\"fz\"]}", "{\"topics\":[\"fz\"],\"autoOffsetReset\":\"x\"}", "{\"topics\":[]}",
        "{\"topics\":\"fz\"}", "{\"topics\":[\"" + PROTECTED_TOPIC + "x\"],\"sessionTimeoutMs\":-1}", "{\"offsets\":[{\"topic\":\"fz\","
            + "\"partition\":0,\"offset\":-5}]}",
        "{\"offsets\":null}", "{\"topics\":[\"fz\"],\"sessionTimeoutMs\":99999999999}",
        "{\"to\":\"earliest\"}", "{\"to\":\"x\"}", "{}", "[]"}).getBytes(UTF_8);
  }

  private byte[] ndjson() {
    StringBuilder lines = new StringBuilder();
    for (int i = random.nextInt(5); i >= 0; i--) {
      lines.append(jsonValue()).append(random.nextBoolean() ? "\n" : "\r\n");
    }
    return lines.toString().getBytes(UTF_8);
  }

  private String jsonValue() {
    switch (random.nextInt(10)) {
      case 0:
        return "null";
      case 1:
        return jsonNumber();
      case 2:
        return "\"" + "s".repeat(random.nextInt(50)) + "\"";
      case 3:
        return "\"\\u0000\\ud800\"";
      case 4:
        return "{\"a\":[1,{\"b\":null}]}";
      case 5:
        return "[" + "[".repeat(random.nextInt(50)) + "]".repeat(random.nextInt(50)) + "]";
      case 6:
        return pick(new String[] {"true", "tru", "NaN", "'x'", "\"unterminated", "{", "}", "1,", "\"AA==\"", "\"!!\"", ""});
      default:
        return "\"v" + random.nextInt(1000) + "\"";
    }
  }

  private String jsonNumber() {
    return pick(new String[] {"0", "1", "-1", "1.5", "1e400", "-0.0", "2147483648", "99999999999999999999999", "01"});
  }

  private byte[] chunked(byte[] body, boolean broken) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    while (at < body.length) {
      int size = Math.min(body.length - at, 1 + random.nextInt(4096));
      out.writeBytes((Integer.toHexString(size) + "\r\n").getBytes(UTF_8));
      out.write(body, at, size);
      out.writeBytes("\r\n".getBytes(UTF_8));
      at += size;
    }
    if (broken) {
      out.writeBytes(pick(new String[] {"FFFFFFFFFFFFFFFF\r\nabc\r\n", "zz\r\n", "-5\r\nabc\r\n", "3;" + "e".repeat(5000) + "\r\nabc\r\n",
          "0\r\nX-T: " + "t".repeat(20_000) + "\r\n\r\n", "5\r\nab\r\n0\r\n\r\n", "0\r\nbad trailer\r\n\r\n", "\r\n",
          " 1\r\na\r\n0\r\n\r\n"}).getBytes(UTF_8));
    } else {
      out.writeBytes(("0\r\n" + (random.nextInt(5) == 0 ? "X-Trailer: t\r\n" : "") + "\r\n").getBytes(UTF_8));
    }
    return out.toByteArray();
  }

  private byte[] invalidUtf8(byte[] json) {
    byte[] copy = json.clone();
    if (copy.length > 2) {
      copy[1 + random.nextInt(copy.length - 2)] = (byte) pick(new int[] {0xff, 0xc0, 0xed, 0xf4, 0x80});
    }
    return copy;
  }

  private byte[] truncate(byte[] bytes) {
    return java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
  }

  private byte[] bytes(int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  /** Printable ASCII that includes the characters a path may not hold. */
  private byte[] asciiBytes(int n) {
    byte[] bytes = new byte[n];
    for (int i = 0; i < n; i++) {
      bytes[i] = (byte) (0x21 + random.nextInt(0x5e));
    }
    return bytes;
  }

  private static String percentEncoded(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) {
      out.append(String.format("%%%02X", b & 0xff));
    }
    return out.toString();
  }

  private String pick(String[] options) {
    return options[random.nextInt(options.length)];
  }

  private int pick(int[] options) {
    return options[random.nextInt(options.length)];
  }
}
