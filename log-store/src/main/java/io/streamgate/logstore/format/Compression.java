package io.streamgate.logstore.format;

import io.streamgate.logstore.CorruptRecordException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The compression codec of a record batch, stored in bits 0-2 of the batch attributes. Ids and
 * config names are Kafka's, so batches and configuration move between the two unchanged.
 */
public enum Compression {
  NONE(0, "none"),
  GZIP(1, "gzip"),
  SNAPPY(2, "snappy"),
  LZ4(3, "lz4"),
  ZSTD(4, "zstd");

  private static final Compression[] BY_ID = values();

  private final int id;
  private final String configName;

  Compression(int id, String configName) {
    this.id = id;
    this.configName = configName;
  }

  /** The codec id as written into the batch attributes. */
  public int id() {
    return id;
  }

  /** The lower-case name used in configuration, as in Kafka's {@code compression.type}. */
  public String configName() {
    return configName;
  }

  /**
   * The codec for an attributes id. An unknown id can only come from damaged or foreign bytes,
   * hence {@link CorruptRecordException}.
   */
  public static Compression forId(int id) {
    if (id < 0 || id >= BY_ID.length) {
      throw new CorruptRecordException("unknown compression codec id " + id);
    }
    return BY_ID[id];
  }

  /** The codec for a configuration name (exact, lower case, as Kafka accepts it). */
  public static Compression forName(String name) {
    for (Compression compression : BY_ID) {
      if (compression.configName.equals(name)) {
        return compression;
      }
    }
    throw new IllegalArgumentException(
        "unknown compression '"
            + name
            + "'; valid names: "
            + Arrays.stream(BY_ID).map(Compression::configName).collect(Collectors.joining(", ")));
  }
}
