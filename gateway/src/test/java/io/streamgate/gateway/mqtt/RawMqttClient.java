package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * A hand-rolled MQTT client over a plain socket, for what real clients refuse to send (a packet id
 * repeated, malformed packets, bad filters) and to hold back PUBACKs or reads on purpose. Blocking;
 * every read has a deadline.
 */
public final class RawMqttClient implements AutoCloseable {
  public static final int CONNACK = 2;
  public static final int PUBLISH = 3;
  public static final int PUBACK = 4;
  static final int PUBREC = 5;
  static final int PUBCOMP = 7;
  public static final int SUBACK = 9;
  static final int UNSUBACK = 11;
  static final int PINGRESP = 13;
  static final int DISCONNECT = 14;

  /** One packet received: type, fixed-header flags and the rest. */
  public record Packet(int type, int flags, byte[] body) {
    int packetId() {
      return (body[0] & 0xff) << 8 | body[1] & 0xff;
    }

    /** A PUBLISH's topic. */
    public String topic() {
      int length = (body[0] & 0xff) << 8 | body[1] & 0xff;
      return new String(body, 2, length, UTF_8);
    }

    int qos() {
      return (flags >> 1) & 3;
    }

    boolean dup() {
      return (flags & 0x08) != 0;
    }

    boolean retain() {
      return (flags & 0x01) != 0;
    }

    /** A QoS 1 or 2 PUBLISH's packet id: right after the topic. */
    int publishPacketId() {
      int topicLength = (body[0] & 0xff) << 8 | body[1] & 0xff;
      return (body[2 + topicLength] & 0xff) << 8 | body[3 + topicLength] & 0xff;
    }

    /** An MQTT 3.1.1 PUBLISH's payload (MQTT 5 puts properties before it). */
    String payload() {
      int topicLength = (body[0] & 0xff) << 8 | body[1] & 0xff;
      int start = 2 + topicLength + (qos() > 0 ? 2 : 0);
      return new String(body, start, body.length - start, UTF_8);
    }
  }

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final int version;
  private String username;
  private String password;

  /** Connects a socket; {@code receiveBuffer} > 0 shrinks the socket's receive buffer (to make a slow reader). */
  RawMqttClient(int port, int version, int receiveBuffer) throws IOException {
    this.version = version;
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    socket.setSoTimeout(10_000);
    out = socket.getOutputStream();
    in = new DataInputStream(socket.getInputStream());
  }

  public RawMqttClient(int port, int version) throws IOException {
    this(port, version, 0);
  }

  /** CONNECT with a clean session and no keep-alive; answers the CONNACK's return (reason) code. */
  public int connect(String clientId) throws IOException {
    return connectack(clientId, 0).body()[1] & 0xff;
  }

  /** CONNECT with a clean session and a keep-alive in seconds; answers the CONNACK. */
  Packet connectack(String clientId, int keepAliveSeconds) throws IOException {
    return connectack(clientId, keepAliveSeconds, true, 0, null);
  }

  /** The user name and password the next CONNECTs carry (null: none). */
  public RawMqttClient credentials(String username, String password) {
    this.username = username;
    this.password = password;
    return this;
  }

  /** A will to leave with CONNECT. */
  record Will(String topic, byte[] payload, int qos, boolean retain) {}

  /**
   * CONNECT; answers the CONNACK (its first body byte's bit 0 is Session Present).
   *
   * @param sessionExpirySeconds MQTT 5 only: the Session Expiry Interval, 0 for none
   * @param will null for none
   */
  Packet connectack(String clientId, int keepAliveSeconds, boolean clean, int sessionExpirySeconds, Will will) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    string(body, "MQTT");
    body.write(version);
    int flags = clean ? 0x02 : 0;
    if (will != null) {
      flags |= 0x04 | will.qos() << 3 | (will.retain() ? 0x20 : 0);
    }
    if (username != null) {
      flags |= 0x80;
    }
    if (password != null) {
      flags |= 0x40;
    }
    body.write(flags);
    body.write(keepAliveSeconds >> 8);
    body.write(keepAliveSeconds);
    if (version == 5 && sessionExpirySeconds > 0) {
      body.write(5);
      body.write(0x11);
      body.write(sessionExpirySeconds >> 24);
      body.write(sessionExpirySeconds >> 16);
      body.write(sessionExpirySeconds >> 8);
      body.write(sessionExpirySeconds);
    } else {
      properties(body);
    }
    string(body, clientId);
    if (will != null) {
      properties(body);  // will properties
      string(body, will.topic());
      body.write(will.payload().length >> 8);
      body.write(will.payload().length);
      body.writeBytes(will.payload());
    }
    if (username != null) {
      string(body, username);
    }
    if (password != null) {
      string(body, password);
    }
    send(0x10, body.toByteArray());
    Packet connack = read();
    if (connack.type() != CONNACK) {
      throw new IOException("expected CONNACK, got packet type " + connack.type());
    }
    return connack;
  }

  /** A normal DISCONNECT (the will is dropped). */
  void disconnect() throws IOException {
    send(0xe0, version == 5 ? new byte[] {0, 0} : new byte[0]);
  }

  void pingreq() throws IOException {
    send(0xc0, new byte[0]);
  }

  public void publish(String topic, byte[] payload, int qos, int packetId, boolean dup) throws IOException {
    publish(topic, payload, qos, packetId, dup, false);
  }

  /** A QoS 1 PUBLISH with RETAIN set. */
  void publishRetained(String topic, byte[] payload, int packetId) throws IOException {
    publish(topic, payload, 1, packetId, false, true);
  }

  private void publish(String topic, byte[] payload, int qos, int packetId, boolean dup, boolean retain) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    string(body, topic);
    if (qos > 0) {
      body.write(packetId >> 8);
      body.write(packetId);
    }
    properties(body);
    body.write(payload);
    send(0x30 | (dup ? 0x08 : 0) | qos << 1 | (retain ? 1 : 0), body.toByteArray());
  }

  /** A PUBLISH whose topic is these bytes as they are (ill-formed UTF-8 included), with these MQTT 5 properties. */
  void publishRawTopic(byte[] topic, byte[] v5Properties, byte[] payload, int qos, int packetId) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(topic.length >> 8);
    body.write(topic.length);
    body.writeBytes(topic);
    if (qos > 0) {
      body.write(packetId >> 8);
      body.write(packetId);
    }
    if (version == 5) {
      variableInteger(body, v5Properties.length);
      body.writeBytes(v5Properties);
    }
    body.writeBytes(payload);
    send(0x30 | qos << 1, body.toByteArray());
  }

  /** One SUBSCRIBE with all these filters, each at {@code qos}. */
  void subscribe(int packetId, java.util.List<String> filters, int qos) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(packetId >> 8);
    body.write(packetId);
    properties(body);
    for (String filter : filters) {
      string(body, filter);
      body.write(qos);
    }
    send(0x82, body.toByteArray());
  }

  public void subscribe(int packetId, String filter, int qos) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(packetId >> 8);
    body.write(packetId);
    properties(body);
    string(body, filter);
    body.write(qos);
    send(0x82, body.toByteArray());
  }

  void puback(int packetId) throws IOException {
    send(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId});
  }

  void pubrel(int packetId) throws IOException {
    send(0x62, new byte[] {(byte) (packetId >> 8), (byte) packetId});
  }

  /** The client's own port: how the node names a connection that never said who it is. */
  int localPort() {
    return socket.getLocalPort();
  }

  /** Bytes as they are, to break the protocol. */
  void raw(byte... bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** The next packet; fails if none comes within 10 s. */
  public Packet read() throws IOException {
    int first = in.readUnsignedByte();
    int length = 0;
    int shift = 0;
    int b;
    do {
      b = in.readUnsignedByte();
      length |= (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    byte[] body = new byte[length];
    in.readFully(body);
    return new Packet(first >> 4, first & 0x0f, body);
  }

  /** The next packet within {@code millis}, or null if none came. */
  Packet poll(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      return read();
    } catch (SocketTimeoutException e) {
      return null;
    } finally {
      socket.setSoTimeout(10_000);
    }
  }

  /** Whether the server has closed the connection (reading up to it, within 10 s); packets before the close are skipped. */
  public boolean closedByServer() throws IOException {
    try {
      while (true) {
        read();
      }
    } catch (EOFException | SocketException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  private void properties(ByteArrayOutputStream body) {
    if (version == 5) {
      body.write(0);  // no properties
    }
  }

  private static void string(ByteArrayOutputStream body, String text) {
    byte[] bytes = text.getBytes(UTF_8);
    body.write(bytes.length >> 8);
    body.write(bytes.length);
    body.writeBytes(bytes);
  }

  /** One packet: the fixed header's first byte, the remaining length, the body. */
  void send(int header, byte[] body) throws IOException {
    ByteArrayOutputStream packet = new ByteArrayOutputStream();
    packet.write(header);
    variableInteger(packet, body.length);
    packet.writeBytes(body);
    out.write(packet.toByteArray());
    out.flush();
  }

  /** MQTT's Variable Byte Integer (§1.5.5). */
  private static void variableInteger(ByteArrayOutputStream out, int value) {
    int rest = value;
    do {
      int digit = rest & 0x7f;
      rest >>>= 7;
      out.write(rest > 0 ? digit | 0x80 : digit);
    } while (rest > 0);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
