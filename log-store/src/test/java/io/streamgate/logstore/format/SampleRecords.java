package io.streamgate.logstore.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Record inputs shared by the format tests, covering the awkward cases of the encoding. */
final class SampleRecords {
  /** What one appends; the expected content of one decoded record. */
  record Input(long timestamp, byte[] key, byte[] value, List<Header> headers) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Input i
          && timestamp == i.timestamp
          && Arrays.equals(key, i.key)
          && Arrays.equals(value, i.value)
          && headers.equals(i.headers);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(timestamp) ^ Arrays.hashCode(key) ^ Arrays.hashCode(value);
    }
  }

  static final long BASE_TIMESTAMP = 1_700_000_000_000L;

  private SampleRecords() {}

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Null key, null value, empty value, headers with null values, a unicode header key. */
  static List<Input> edgeCases() {
    return List.of(
        new Input(BASE_TIMESTAMP, utf8("key-0"), utf8("value-0"), List.of()),
        new Input(BASE_TIMESTAMP + 5, null, utf8("no key"), List.of()),
        new Input(BASE_TIMESTAMP + 3, utf8("tombstone"), null, List.of()),
        new Input(BASE_TIMESTAMP + 9, null, null, List.of()),
        new Input(BASE_TIMESTAMP + 10, new byte[0], new byte[0], List.of()),
        new Input(
            BASE_TIMESTAMP + 11,
            utf8("with-headers"),
            utf8("v"),
            List.of(
                new Header("trace-id", utf8("abc")),
                new Header("null-value", null),
                new Header("", new byte[0]),
                new Header("ключ-🔑-鍵", utf8("ünïcödé")),
                new Header("trace-id", utf8("duplicate keys keep their order")))));
  }

  /**
   * Edge cases plus many records of varied size, with one large incompressible value and one large
   * compressible value so that codecs cross their block sizes (snappy 32 KiB, lz4 64 KiB).
   */
  static List<Input> many(int count, long seed) {
    Random random = new Random(seed);
    List<Input> inputs = new ArrayList<>(edgeCases());
    byte[] incompressible = new byte[200_000];
    random.nextBytes(incompressible);
    inputs.add(new Input(BASE_TIMESTAMP + 20, utf8("random"), incompressible, List.of()));
    inputs.add(new Input(BASE_TIMESTAMP + 21, utf8("zeros"), new byte[150_000], List.of()));
    for (int i = 0; i < count; i++) {
      byte[] value = new byte[random.nextInt(300)];
      random.nextBytes(value);
      List<Header> headers = i % 7 == 0 ? List.of(new Header("h" + i, utf8("hv" + i))) : List.of();
      inputs.add(
          new Input(
              BASE_TIMESTAMP + random.nextInt(100_000),
              i % 5 == 0 ? null : utf8("key-" + i),
              value,
              headers));
    }
    return inputs;
  }

  static RecordBatchBuilder appendAll(RecordBatchBuilder builder, List<Input> inputs) {
    for (Input input : inputs) {
      builder.append(input.timestamp(), input.key(), input.value(), input.headers());
    }
    return builder;
  }

  static Input asInput(Record record) {
    return new Input(record.timestamp(), record.keyBytes(), record.valueBytes(), record.headers());
  }
}
