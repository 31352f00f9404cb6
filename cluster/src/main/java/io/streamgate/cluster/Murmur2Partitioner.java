package io.streamgate.cluster;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kafka's default partitioning, so that a key lands on the same partition here as a Kafka producer
 * would put it: {@code toPositive(murmur2(key)) % partitions}. Records without a key stick to one
 * partition per request, chosen round-robin across requests (Kafka's sticky partitioning, per
 * request instead of per producer batch). Here, below the edges, so that every edge that picks a
 * partition (HTTP, MQTT, the coming Kafka listener) picks the same one. Thread-safe.
 */
public final class Murmur2Partitioner {
  private final AtomicInteger roundRobin = new AtomicInteger();

  public int partitionForKey(byte[] key, int partitions) {
    return (murmur2(key) & 0x7fffffff) % partitions;
  }

  /** The partition keyless records of one request go to. */
  public int stickyPartition(int partitions) {
    return (roundRobin.getAndIncrement() & 0x7fffffff) % partitions;
  }

  /** Kafka's {@code Utils.murmur2}: MurmurHash2, seed 0x9747b28c, bytes read little-endian. */
  static int murmur2(byte[] data) {
    int length = data.length;
    final int m = 0x5bd1e995;
    final int r = 24;
    int h = 0x9747b28c ^ length;
    int whole = length / 4;
    for (int i = 0; i < whole; i++) {
      int i4 = i * 4;
      int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
      k *= m;
      k ^= k >>> r;
      k *= m;
      h *= m;
      h ^= k;
    }
    int tail = length & ~3;
    switch (length % 4) {
      case 3:
        h ^= (data[tail + 2] & 0xff) << 16;
        // fall through
      case 2:
        h ^= (data[tail + 1] & 0xff) << 8;
        // fall through
      case 1:
        h ^= data[tail] & 0xff;
        h *= m;
        break;
      default:
        break;
    }
    h ^= h >>> 13;
    h *= m;
    h ^= h >>> 15;
    return h;
  }
}
