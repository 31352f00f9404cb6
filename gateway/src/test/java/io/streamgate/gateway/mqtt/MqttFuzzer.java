package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Hostile MQTT input, generated: well-formed packets of every type a client sends (MQTT 3.1.1 and
 * 5), then mutated in what a decoder must get right: the remaining length and other Variable Byte
 * Integers, fixed-header flags and types, property lists (repeated, unknown, cut), UTF-8 strings
 * (ill-formed, U+0000), truncation and trailing garbage. Input {@code i} of seed {@code s} is the
 * same on every run, whatever ran before it.
 */
final class MqttFuzzer {
  /** One input: the protocol level, the CONNECT to open with, and the packet to send after its CONNACK. */
  record Input(int index, int version, byte[] connect, boolean connectMutated, byte[] packet) {
    String describe() {
      return "input #" + index + " (MQTT " + (version == 5 ? "5" : "3.1.1") + (connectMutated ? ", mutated CONNECT " + hex(connect)
          : ", packet " + hex(packet)) + ")";
    }
  }

  private static final byte[][] ILL_FORMED_UTF8 = {
      {(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {0}, {(byte) 0xe2, (byte) 0x82},
      {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
  private static final int[] INTERESTING = {0x00, 0x01, 0x7f, 0x80, 0xff, 0xc0, 0x3f, 0x23, 0x26, 0x0b};

  private final long seed;

  MqttFuzzer(long seed) {
    this.seed = seed;
  }

  Input input(int index) {
    // Random's first outputs follow its seed closely: the seed of input i is mixed (SplittableRandom's mix64) first.
    Random random = new Random(new SplittableRandom(seed + index * 0x9E3779B97F4A7C15L).nextLong());
    int version = random.nextBoolean() ? 5 : 4;
    String clientId = "fz-" + index;
    if (random.nextInt(10) == 0) {
      byte[] connect = random.nextInt(4) == 0 ? randomBytes(random, 1 + random.nextInt(40))
          : mutate(random, connect(random, version, clientId));
      return new Input(index, version, connect, true, new byte[] {(byte) 0xc0, 0});
    }
    byte[] valid = validPacket(random, version);
    return new Input(index, version, connect(random, version, clientId), false,
        random.nextInt(20) == 0 ? valid : mutate(random, valid));
  }

  /** A clean CONNECT, sometimes with a will and MQTT 5 properties. */
  static byte[] connect(Random random, int version, String clientId) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    string(body, "MQTT");
    body.write(version);
    boolean will = random.nextInt(4) == 0;
    body.write(0x02 | (will ? 0x04 | random.nextInt(2) << 3 : 0));
    body.write(0);
    body.write(random.nextInt(2) * 30);
    if (version == 5) {
      properties(body, random.nextBoolean() ? new byte[0] : new byte[] {0x21, 0, 10, 0x27, 0, 1, 0, 0});
    }
    string(body, clientId);
    if (will) {
      if (version == 5) {
        properties(body, new byte[0]);
      }
      string(body, "fuzz/will");
      string(body, "gone");
    }
    return packet(0x10, body.toByteArray());
  }

  private static byte[] validPacket(Random random, int version) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int id = 1 + random.nextInt(65_535);
    switch (random.nextInt(11)) {
      case 0, 1, 2 -> {
        int qos = random.nextInt(3);
        string(body, "fuzz/" + random.nextInt(5));
        if (qos > 0) {
          short16(body, id);
        }
        if (version == 5) {
          properties(body, publishProperties(random));
        }
        body.writeBytes(randomBytes(random, random.nextInt(30)));
        return packet(0x30 | qos << 1 | random.nextInt(2), body.toByteArray());
      }
      case 3 -> {
        short16(body, id);
        if (version == 5) {
          properties(body, random.nextBoolean() ? new byte[0] : new byte[] {0x0b, (byte) (1 + random.nextInt(100))});
        }
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
          string(body, random.nextBoolean() ? "fuzz/#" : "fuzz/+/" + random.nextInt(3));
          body.write(random.nextInt(version == 5 ? 0x30 : 3));
        }
        return packet(0x82, body.toByteArray());
      }
      case 4 -> {
        short16(body, id);
        if (version == 5) {
          properties(body, new byte[0]);
        }
        string(body, "fuzz/#");
        return packet(0xa2, body.toByteArray());
      }
      case 5, 6 -> {
        int[] types = {0x40, 0x50, 0x62, 0x70};
        short16(body, id);
        if (version == 5 && random.nextBoolean()) {
          body.write(random.nextBoolean() ? 0 : 0x10);
          properties(body, random.nextBoolean() ? new byte[0] : new byte[] {0x1f, 0, 2, 'o', 'k'});
        }
        return packet(types[random.nextInt(types.length)], body.toByteArray());
      }
      case 7 -> {
        return packet(0xc0, new byte[0]);
      }
      case 8 -> {
        if (version == 5) {
          body.write(random.nextBoolean() ? 0 : 0x04);
          properties(body, new byte[0]);
        }
        return packet(0xe0, body.toByteArray());
      }
      case 9 -> {
        body.write(0x18);
        properties(body, new byte[] {0x15, 0, 4, 'n', 'o', 'n', 'e'});
        return packet(0xf0, body.toByteArray());
      }
      default -> {
        return connect(random, version, "again");
      }
    }
  }

  /** Some of the properties a PUBLISH may have, a few of them repeated. */
  private static byte[] publishProperties(Random random) {
    ByteArrayOutputStream properties = new ByteArrayOutputStream();
    for (int n = random.nextInt(4); n > 0; n--) {
      switch (random.nextInt(6)) {
        case 0 -> properties.writeBytes(new byte[] {0x01, (byte) random.nextInt(2)});
        case 1 -> properties.writeBytes(new byte[] {0x02, 0, 0, 0, (byte) (1 + random.nextInt(100))});
        case 2 -> properties.writeBytes(new byte[] {0x23, 0, (byte) random.nextInt(70)});
        case 3 -> properties.writeBytes(new byte[] {0x03, 0, 4, 't', 'e', 'x', 't'});
        case 4 -> properties.writeBytes(new byte[] {0x26, 0, 1, 'k', 0, 1, 'v'});
        default -> properties.writeBytes(new byte[] {0x09, 0, 2, 1, 2});
      }
    }
    return properties.toByteArray();
  }

  /** One to three mutations of a well-formed packet. */
  static byte[] mutate(Random random, byte[] packet) {
    byte[] bytes = packet;
    for (int n = 1 + random.nextInt(3); n > 0; n--) {
      bytes = mutateOnce(random, bytes);
    }
    return bytes;
  }

  private static byte[] mutateOnce(Random random, byte[] packet) {
    byte[] bytes = packet.clone();
    int lengthBytes = lengthBytes(bytes);
    int body = 1 + lengthBytes;
    switch (random.nextInt(10)) {
      case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
      case 1 -> bytes[random.nextInt(bytes.length)] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
      case 2 -> bytes[0] = (byte) (random.nextBoolean() ? (bytes[0] & 0xf0) | random.nextInt(16) : random.nextInt(256));
      case 3 -> {
        // Another remaining length: smaller, larger, the largest, non-minimal, or five bytes long.
        byte[][] lengths = {{0}, {(byte) random.nextInt(128)}, {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f},
            {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01}, {(byte) (0x80 | bytes.length - body), 0},
            {(byte) 0xff, (byte) 0xff, 0x7f}, {(byte) 0x80}};
        byte[] length = lengths[random.nextInt(lengths.length)];
        bytes = concat(new byte[] {bytes[0]}, length, Arrays.copyOfRange(bytes, body, bytes.length));
      }
      case 4 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
      case 5 -> bytes = concat(bytes, randomBytes(random, 1 + random.nextInt(20)));
      case 6, 7 -> {
        // Ill-formed UTF-8 or U+0000 where the first string (a topic, a filter, the protocol name) is, lengths kept.
        byte[] bad = ILL_FORMED_UTF8[random.nextInt(ILL_FORMED_UTF8.length)];
        int at = body + 2 + random.nextInt(4);
        for (int i = 0; i < bad.length && at + i < bytes.length; i++) {
          bytes[at + i] = bad[i];
        }
      }
      case 8 -> {
        // Bytes in the middle (a property, an id, a length) set to what decoders trip on.
        if (bytes.length > body) {
          bytes[body + random.nextInt(bytes.length - body)] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
        }
      }
      default -> {
        // The body again after itself, with the remaining length following: a repeated property or field.
        byte[] rest = Arrays.copyOfRange(bytes, body, bytes.length);
        byte[] doubled = concat(rest, Arrays.copyOfRange(rest, 0, random.nextInt(rest.length + 1)));
        bytes = packet(bytes[0] & 0xff, doubled);
      }
    }
    return bytes.length == 0 ? new byte[] {0} : bytes;
  }

  private static int lengthBytes(byte[] packet) {
    int n = 0;
    while (1 + n < packet.length && n < 4) {
      if ((packet[1 + n++] & 0x80) == 0) {
        break;
      }
    }
    return n;
  }

  static byte[] packet(int header, byte[] body) {
    ByteArrayOutputStream packet = new ByteArrayOutputStream();
    packet.write(header);
    int rest = body.length;
    do {
      int digit = rest & 0x7f;
      rest >>>= 7;
      packet.write(rest > 0 ? digit | 0x80 : digit);
    } while (rest > 0);
    packet.writeBytes(body);
    return packet.toByteArray();
  }

  private static void properties(ByteArrayOutputStream body, byte[] properties) {
    body.write(properties.length);
    body.writeBytes(properties);
  }

  private static void string(ByteArrayOutputStream body, String text) {
    byte[] bytes = text.getBytes(UTF_8);
    short16(body, bytes.length);
    body.writeBytes(bytes);
  }

  private static void short16(ByteArrayOutputStream body, int value) {
    body.write(value >> 8);
    body.write(value);
  }

  private static byte[] randomBytes(Random random, int count) {
    byte[] bytes = new byte[count];
    random.nextBytes(bytes);
    return bytes;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  static String hex(byte[] bytes) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < Math.min(bytes.length, 64); i++) {
      text.append(String.format("%02x", bytes[i] & 0xff));
    }
    return bytes.length > 64 ? text + "... (" + bytes.length + " bytes)" : text.toString();
  }
}
