package io.streamgate.gateway.kafka;

import io.streamgate.logstore.LogSlice;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

/**
 * Kafka's wire format, by kafka-clients' generated message classes: the one class that imports
 * their {@code protocol}, {@code requests} and {@code record} packages, which are not public API and
 * move between Kafka versions (docs/decisions.md). A frame is the request without its size prefix.
 * Stateless and thread-safe.
 *
 * <p>Request header: api key (int16), api version (int16), correlation id (int32), client id;
 * its version follows from the key and version ({@code ApiMessageType.requestHeaderVersion}). The
 * response header is the correlation id, with tagged fields for flexible versions, except that
 * ApiVersions answers always carry header v0 (KIP-511: a client that sent a version the server does
 * not know must still read the answer).
 */
final class KafkaCodec {
  /** Api key, api version and correlation id: a frame shorter than this is no request. */
  static final int MIN_FRAME_BYTES = 8;

  private KafkaCodec() {}

  static short apiKey(ByteBuffer frame) {
    return frame.getShort(0);
  }

  static short apiVersion(ByteBuffer frame) {
    return frame.getShort(2);
  }

  static int correlationId(ByteBuffer frame) {
    return frame.getInt(4);
  }

  /**
   * The request in {@code frame}, whose api and version the caller checked are served. The body's
   * record sets are views over the frame's bytes.
   *
   * @throws RuntimeException (of the generated readers) when the frame does not hold such a request
   */
  static KafkaRequest decode(KafkaApi api, ByteBuffer frame) {
    short version = apiVersion(frame);
    ApiMessageType type = ApiMessageType.fromApiKey(api.key());
    ByteBufferAccessor reader = new ByteBufferAccessor(frame.duplicate());
    RequestHeaderData header = new RequestHeaderData(reader, type.requestHeaderVersion(version));
    ApiMessage body = type.newRequest();
    body.read(reader, version);
    return new KafkaRequest(api, version, header.correlationId(), header.clientId(), body);
  }

  /**
   * The answer to {@code request}: a generated {@code *ResponseData} of its api, in its version, size
   * prefix first; record sets made by {@link #records(LogSlice)} stay in their files.
   */
  static KafkaAnswer encode(KafkaRequest request, Object response) {
    short headerVersion = request.api() == KafkaApi.API_VERSIONS ? 0
        : ApiMessageType.fromApiKey(request.api().key()).responseHeaderVersion(request.version());
    return encode(request.correlationId(), headerVersion, (ApiMessage) response, request.version());
  }

  /**
   * The ApiVersions answer to a version this listener does not serve: v0, whatever was asked
   * (KIP-511), so that the client learns the ranges and asks again.
   */
  static KafkaAnswer encodeApiVersionsV0(int correlationId, ApiVersionsResponseData response) {
    return encode(correlationId, (short) 0, response, (short) 0);
  }

  private static KafkaAnswer encode(int correlationId, short headerVersion, ApiMessage body, short version) {
    ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
    ObjectSerializationCache cache = new ObjectSerializationCache();
    MessageSizeAccumulator bodySize = new MessageSizeAccumulator();
    body.addSize(bodySize, cache, version);
    int size = header.size(cache, headerVersion) + bodySize.totalSize();
    // The record sets are all zero-copy bytes (SlicingWriter): the buffer holds the rest.
    ByteBuffer out = ByteBuffer.allocate(4 + size - (bodySize.totalSize() - bodySize.sizeExcludingZeroCopy()));
    out.putInt(size);
    SlicingWriter writer = new SlicingWriter(out);
    header.write(writer, cache, headerVersion);
    body.write(writer, cache, version);
    return writer.answer();
  }

  /**
   * Writes a message into a buffer, except for its record sets, which stay in their files: where one
   * goes, the buffer is cut, and the slice is sent there in its place. Answers carry no record bytes
   * in memory (Fetch's empty sets are {@link MemoryRecords#EMPTY}).
   */
  private static final class SlicingWriter extends ByteBufferAccessor {
    private final ByteBuffer out;
    private final List<Integer> cuts = new ArrayList<>();
    private final List<LogSlice> slices = new ArrayList<>();

    SlicingWriter(ByteBuffer out) {
      super(out);
      this.out = out;
    }

    @Override
    public void writeRecords(BaseRecords records) {
      if (records instanceof SliceRecords sliced) {
        cuts.add(out.position());
        slices.add(sliced.slice);
      } else if (records.sizeInBytes() > 0) {
        throw new IllegalStateException("an answer's record set must be a slice of the log, not " + records.getClass().getName());
      }
    }

    KafkaAnswer answer() {
      Buffer whole = Buffer.buffer(out.array());
      List<Buffer> buffers = new ArrayList<>();
      int from = 0;
      for (int cut : cuts) {
        buffers.add(whole.slice(from, cut));
        from = cut;
      }
      buffers.add(whole.slice(from, out.position()));
      return new KafkaAnswer(buffers, slices);
    }
  }

  /** A record set left in its segment file, written by {@link SlicingWriter} only. */
  private record SliceRecords(LogSlice slice) implements BaseRecords {
    @Override
    public int sizeInBytes() {
      return slice.sizeInBytes();
    }

    @Override
    public RecordsSend<? extends BaseRecords> toSend() {
      throw new UnsupportedOperationException("a slice is sent by the codec's writer, not by Kafka's Send");
    }
  }

  /** The bytes of a request's record set (a Produce partition's), as sent; empty for none. */
  static ByteBuffer recordBytes(Object records) {
    if (records == null) {
      return ByteBuffer.allocate(0);
    }
    if (!(records instanceof MemoryRecords memory)) {
      throw new IllegalArgumentException("not an in-memory record set: " + records.getClass().getName());
    }
    return memory.buffer();
  }

  /** Batches left in their segment file as a response's record set (a Fetch partition's), sent from the file. */
  static BaseRecords records(LogSlice slice) {
    return slice.isEmpty() ? noRecords() : new SliceRecords(slice);
  }

  /** An empty record set. */
  static BaseRecords noRecords() {
    return MemoryRecords.EMPTY;
  }

  /** The length of a response's record set. */
  static int sizeInBytes(Object records) {
    return records == null ? 0 : ((BaseRecords) records).sizeInBytes();
  }

  /**
   * The refusal of a Produce request of version 0, 1 or 2 (advertised, not served; see {@link
   * KafkaApi}): every partition it names answered UNSUPPORTED_VERSION, written by hand since the
   * generated classes no longer know these versions. Null for acks=0, which is never answered.
   * Layouts (Kafka's ProduceRequest/ProduceResponse v0-2): request {@code acks:int16 timeout:int32
   * [topic:string [partition:int32 records:bytes]]}; response {@code [topic:string [partition:int32
   * error:int16 base_offset:int64 (v2: log_append_time:int64)]] (v1+: throttle_time_ms:int32)}.
   *
   * @throws RuntimeException when the frame does not hold such a request
   */
  static Buffer refuseLegacyProduce(ByteBuffer frame, short errorCode) {
    ByteBuffer in = frame.duplicate();
    short version = apiVersion(in);
    int correlationId = correlationId(in);
    in.position(MIN_FRAME_BYTES);
    in.position(in.position() + 2 + Math.max(0, in.getShort()));  // client id
    short acks = in.getShort();
    in.getInt();
    Buffer body = Buffer.buffer();
    int topics = in.getInt();
    body.appendInt(topics);
    for (int t = 0; t < topics; t++) {
      byte[] name = new byte[in.getShort()];
      in.get(name);
      body.appendShort((short) name.length).appendBytes(name);
      int partitions = in.getInt();
      body.appendInt(partitions);
      for (int p = 0; p < partitions; p++) {
        body.appendInt(in.getInt()).appendShort(errorCode).appendLong(-1);
        if (version >= 2) {
          body.appendLong(-1);
        }
        in.position(in.position() + Math.max(0, in.getInt()));
      }
    }
    if (version >= 1) {
      body.appendInt(0);
    }
    if (acks == 0) {
      return null;
    }
    return Buffer.buffer().appendInt(4 + body.length()).appendInt(correlationId).appendBuffer(body);
  }
}
