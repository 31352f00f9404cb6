package io.streamgate.logstore.format;

import io.streamgate.logstore.CorruptRecordException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.xerial.snappy.Snappy;
import org.xerial.snappy.SnappyCodec;

/**
 * Reads the xerial snappy-java stream framing that Kafka's snappy batches use: a 16-byte header
 * (magic, version, compatible version) followed by chunks of [int32 big-endian length, raw snappy
 * block]. Accepts what {@code SnappyInputStream} accepts: repeated headers from concatenated
 * streams, and input without a header read as one raw snappy block.
 *
 * <p>Parsed here rather than through {@code SnappyInputStream} because that stream allocates
 * whatever chunk size the bytes claim (up to 512 MiB) and throws {@code SnappyError}, an {@code
 * Error}, on bad chunk sizes; here every length is checked against the input and the output cap
 * first. Stateless and thread-safe.
 */
final class XerialSnappy {
  private static final byte[] MAGIC = SnappyCodec.getMagicHeader();
  private static final int HEADER_SIZE = SnappyCodec.headerSize();
  private static final int CHUNK_LENGTH_SIZE = 4;

  private XerialSnappy() {}

  /** Decompresses {@code compressed} (position to limit; its position is not moved). */
  static ByteBuffer decompress(ByteBuffer compressed) throws IOException {
    byte[] in;
    int pos;
    int end;
    if (compressed.hasArray()) {
      in = compressed.array();
      pos = compressed.arrayOffset() + compressed.position();
    } else {
      in = new byte[compressed.remaining()];
      compressed.get(compressed.position(), in);
      pos = 0;
    }
    end = pos + compressed.remaining();

    CompressionCodec.BoundedBytes out = new CompressionCodec.BoundedBytes(4L * (end - pos));
    if (!hasMagicAt(in, pos, end)) {
      uncompressBlock(in, pos, end - pos, out);
      return out.toByteBuffer();
    }
    while (pos < end) {
      if (hasMagicAt(in, pos, end)) {
        pos += HEADER_SIZE;
        continue;
      }
      if (end - pos < CHUNK_LENGTH_SIZE) {
        throw new CorruptRecordException("snappy stream ends inside a chunk length");
      }
      int chunkLength = ByteBuffer.wrap(in, pos, CHUNK_LENGTH_SIZE).getInt();
      pos += CHUNK_LENGTH_SIZE;
      if (chunkLength < 0 || chunkLength > end - pos) {
        throw new CorruptRecordException(
            "snappy chunk length " + chunkLength + " but " + (end - pos) + " bytes remain");
      }
      uncompressBlock(in, pos, chunkLength, out);
      pos += chunkLength;
    }
    return out.toByteBuffer();
  }

  private static void uncompressBlock(
      byte[] in, int offset, int length, CompressionCodec.BoundedBytes out) throws IOException {
    if (length == 0) {
      return;
    }
    int uncompressedLength = Snappy.uncompressedLength(in, offset, length);
    if (uncompressedLength < 0) {
      throw CompressionCodec.BoundedBytes.tooLarge();
    }
    out.ensureRoom(uncompressedLength);
    out.size += Snappy.uncompress(in, offset, length, out.bytes, out.size);
  }

  private static boolean hasMagicAt(byte[] in, int pos, int end) {
    return end - pos >= HEADER_SIZE
        && Arrays.equals(in, pos, pos + MAGIC.length, MAGIC, 0, MAGIC.length);
  }
}
