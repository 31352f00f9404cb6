package io.streamgate.cluster;

/** When a produce request is answered: Kafka's {@code acks}. */
public enum Acks {
  /** Once every in-sync replica has the records (the high watermark passed them). */
  ALL("all"),
  /** Once the leader has appended them. */
  LEADER("1"),
  /** At once, before anything is written; the client gets no offsets. */
  NONE("0");

  private final String wireName;

  Acks(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** Parses {@code all}, {@code -1}, {@code 1} or {@code 0}. */
  public static Acks parse(String text) {
    switch (text) {
      case "all":
      case "-1":
        return ALL;
      case "1":
        return LEADER;
      case "0":
        return NONE;
      default:
        throw new IllegalArgumentException("acks must be all, 1 or 0, was '" + text + "'");
    }
  }
}
