package io.streamgate.gateway.kafka;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

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

  /** The answer to {@code request}: a generated {@code *ResponseData} of its api, in its version, size prefix first. */
  static Buffer encode(KafkaRequest request, Object response) {
    short headerVersion = request.api() == KafkaApi.API_VERSIONS ? 0
        : ApiMessageType.fromApiKey(request.api().key()).responseHeaderVersion(request.version());
    return encode(request.correlationId(), headerVersion, (ApiMessage) response, request.version());
  }

  /**
   * The ApiVersions answer to a version this listener does not serve: v0, whatever was asked
   * (KIP-511), so that the client learns the ranges and asks again.
   */
  static Buffer encodeApiVersionsV0(int correlationId, ApiVersionsResponseData response) {
    return encode(correlationId, (short) 0, response, (short) 0);
  }

  private static Buffer encode(int correlationId, short headerVersion, ApiMessage body, short version) {
    ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
    ObjectSerializationCache cache = new ObjectSerializationCache();
    int size = header.size(cache, headerVersion) + body.size(cache, version);
    ByteBuffer out = ByteBuffer.allocate(4 + size);
    out.putInt(size);
    ByteBufferAccessor writer = new ByteBufferAccessor(out);
    header.write(writer, cache, headerVersion);
    body.write(writer, cache, version);
    return Buffer.buffer(out.array());
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

  /** Stored record batches as a response's record set (a Fetch partition's). */
  static BaseRecords records(ByteBuffer batches) {
    return MemoryRecords.readableRecords(batches);
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
