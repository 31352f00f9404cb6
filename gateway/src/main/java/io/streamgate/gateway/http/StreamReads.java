package io.streamgate.gateway.http;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.TopicConfigs.ValueFormat;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reads of the streams of one event loop, shared: streams that ask for the same partition at the
 * same offset while a read of it is in flight get that one read, decoded and rendered as record JSON
 * once (a fan-out of one topic to many subscribers wakes them all at the same offset). Nothing is
 * kept once a read has been handed out, so a stream never gets older data than its own read would
 * have returned. Confined to its event loop, like the sessions that use it.
 */
final class StreamReads {
  /** Bytes read from a partition at a time. */
  static final int CHUNK_BYTES = 256 * 1024;

  /**
   * Records at and after an offset, rendered: {@code json[i]} is the record at {@code offsets[i]};
   * {@code nextOffset} is where to read next (past offsets that compaction left empty at the end of
   * a batch, too); {@code bytes} is the UTF-8 size of all the JSON.
   */
  record Chunk(String[] json, long[] offsets, long nextOffset, long bytes) {
    int size() {
      return json.length;
    }
  }

  /** A read in flight; readers from different racks may be served by different replicas, so they do not share one. */
  private record Key(TopicPartition partition, long offset, ValueFormat format, String rack) {}

  private final PartitionService service;
  private final RecordDecoding decoding;
  private final Map<Key, Future<Chunk>> inFlight = new HashMap<>();

  StreamReads(PartitionService service, RecordDecoding decoding) {
    this.service = service;
    this.decoding = decoding;
  }

  /**
   * Records of {@code partition} from {@code offset}, up to {@link #CHUNK_BYTES} of log, from the
   * replica that serves readers in {@code rack} (null: this node's); completes on {@code context}.
   */
  Future<Chunk> read(TopicPartition partition, long offset, ValueFormat format, String rack, Context context) {
    Key key = new Key(partition, offset, format, rack);
    Future<Chunk> pending = inFlight.get(key);
    if (pending != null) {
      return pending;
    }
    Future<Chunk> read = Future.fromCompletionStage(service.read(partition, offset, CHUNK_BYTES, rack), context)
        .compose(result -> decoding.decode(result, records -> render(partition, offset, format, records)));
    inFlight.put(key, read);
    // Registered before any reader's handler, so the entry is gone before they go round again.
    read.onComplete(done -> inFlight.remove(key));
    return read;
  }

  int inFlight() {
    return inFlight.size();
  }

  private static Chunk render(TopicPartition partition, long from, ValueFormat format, ReadResult result) {
    RecordJsonWriter writer = new RecordJsonWriter(partition.topic(), format);
    List<String> json = new ArrayList<>();
    long[] offsets = new long[16];
    long next = from;
    long bytes = 0;
    for (RecordBatch batch : result.batchList()) {
      for (Record record : batch.records()) {
        if (record.offset() < from) {
          continue;
        }
        Buffer out = Buffer.buffer(256);
        writer.write(out, partition.partition(), record);
        if (json.size() == offsets.length) {
          offsets = java.util.Arrays.copyOf(offsets, offsets.length * 2);
        }
        offsets[json.size()] = record.offset();
        json.add(out.toString(StandardCharsets.UTF_8));
        bytes += out.length();
      }
      next = Math.max(next, batch.nextOffset());
    }
    return new Chunk(json.toArray(new String[0]), java.util.Arrays.copyOf(offsets, json.size()), next, bytes);
  }
}
