package io.streamgate.gateway.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what no well-behaved client sends: header blocks past the
 * limit, bad request lines, unnormalized paths, bodies that never end, and clients that never read.
 */
final class RawHttp implements AutoCloseable {
  final Socket socket;
  final InputStream in;
  final OutputStream out;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
    this.out = socket.getOutputStream();
  }

  /** Connects; {@code receiveBufferBytes > 0} sets a small receive window first (a slow reader). */
  static RawHttp connect(int port, int receiveBufferBytes) throws IOException {
    Socket socket = new Socket();
    if (receiveBufferBytes > 0) {
      socket.setReceiveBufferSize(receiveBufferBytes);
    }
    socket.setSoTimeout(30_000);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    return new RawHttp(socket);
  }

  /** Over a socket connected already. */
  static RawHttp wrap(Socket socket) throws IOException {
    return new RawHttp(socket);
  }

  static RawHttp connect(int port) throws IOException {
    return connect(port, 0);
  }

  /** A parsed response: status, lower-cased header names, body (de-chunked). */
  record Response(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, UTF_8);
    }

    Api.Response asApiResponse() {
      java.util.Map<String, java.util.List<String>> map = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      headers.forEach((k, v) -> map.put(k, java.util.List.of(v)));
      return new Api.Response(status, java.net.http.HttpHeaders.of(map, (a, b) -> true), body);
    }
  }

  /** Sends {@code request} as is and reads one response. */
  static Response exchange(int port, String request) throws IOException {
    try (RawHttp http = connect(port)) {
      http.write(request.getBytes(UTF_8));
      return http.readResponse();
    }
  }

  void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void write(String text) throws IOException {
    write(text.getBytes(UTF_8));
  }

  /** Reads the status line and headers. */
  Response readHead() throws IOException {
    String statusLine = readLine();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP status line: " + statusLine);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = readLine(); !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    return new Response(Integer.parseInt(parts[1]), headers, new byte[0]);
  }

  /** Reads a whole response: by Content-Length, chunked, or until the server closes. */
  Response readResponse() throws IOException {
    Response head = readHead();
    byte[] body;
    if ("chunked".equalsIgnoreCase(head.headers.get("transfer-encoding"))) {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      for (byte[] chunk = readChunk(); chunk.length > 0; chunk = readChunk()) {
        all.write(chunk);
      }
      body = all.toByteArray();
    } else if (head.headers.containsKey("content-length")) {
      body = in.readNBytes(Integer.parseInt(head.headers.get("content-length")));
    } else {
      body = readToEnd();
    }
    return new Response(head.status, head.headers, body);
  }

  /** The rest of a chunked body as a stream (after {@link #readHead()}). */
  InputStream chunkedBody() {
    return new InputStream() {
      private byte[] chunk = new byte[0];
      private int position;
      private boolean done;

      private boolean fill() throws IOException {
        while (!done && position == chunk.length) {
          chunk = readChunk();
          position = 0;
          done = chunk.length == 0;
        }
        return !done;
      }

      @Override
      public int read() throws IOException {
        return fill() ? chunk[position++] & 0xff : -1;
      }

      @Override
      public int read(byte[] into, int offset, int length) throws IOException {
        if (length == 0) {
          return 0;
        }
        if (!fill()) {
          return -1;
        }
        int n = Math.min(length, chunk.length - position);
        System.arraycopy(chunk, position, into, offset, n);
        position += n;
        return n;
      }
    };
  }

  /** One chunk of a chunked body; empty at the last chunk. */
  byte[] readChunk() throws IOException {
    String sizeLine = readLine();
    int semicolon = sizeLine.indexOf(';');
    int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
    byte[] chunk = in.readNBytes(size);
    if (chunk.length < size) {
      throw new EOFException("chunk cut short");
    }
    readLine();
    return chunk;
  }

  private byte[] readToEnd() throws IOException {
    try {
      return in.readAllBytes();
    } catch (SocketException e) {
      return new byte[0];
    }
  }

  String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed after: " + line.toString(ISO_8859_1));
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, UTF_8);
      }
      line.write(b);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
