package io.streamgate.logstore.format;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import io.streamgate.logstore.CorruptRecordException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.xerial.snappy.SnappyOutputStream;

/**
 * Compresses and decompresses the records section of a batch the way Kafka does, so that either
 * side reads the other's batches: java.util.zip GZIP streams, xerial snappy framing, the LZ4 frame
 * format with 64 KiB independent blocks, and zstd frames. Stateless and thread-safe.
 */
final class CompressionCodec {
  /** Decompressed records above this size are treated as corrupt (a zip bomb, or garbage). */
  static final int MAX_DECOMPRESSED_BYTES = 64 << 20;

  /** Kafka's default zstd level; lz4 and gzip use their libraries' defaults, as Kafka does. */
  private static final int ZSTD_LEVEL = 3;

  private static final int STREAM_BUFFER_SIZE = 8 << 10;

  private CompressionCodec() {}

  /**
   * Compresses {@code src[offset, offset + length)} into a new heap buffer that begins with {@code
   * headerRoom} zero bytes, so the caller can write the batch header in front without copying the
   * compressed data. The result is positioned at 0 with its limit at the end of the data.
   */
  static ByteBuffer compress(
      Compression compression, byte[] src, int offset, int length, int headerRoom) {
    if (compression == Compression.ZSTD) {
      return compressZstd(src, offset, length, headerRoom);
    }
    ExposedByteArrayOutputStream out = new ExposedByteArrayOutputStream(headerRoom + length / 2);
    out.write(new byte[headerRoom], 0, headerRoom);
    try (OutputStream compressing = compressingStream(compression, out)) {
      compressing.write(src, offset, length);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory " + compression.configName() + " compression", e);
    }
    return out.toByteBuffer();
  }

  /**
   * Decompresses all of {@code compressed} (position to limit; the position is not moved) into a
   * new heap buffer positioned at 0.
   *
   * @throws CorruptRecordException if the data is not a valid stream of the codec or would
   *     decompress to more than {@link #MAX_DECOMPRESSED_BYTES}
   */
  static ByteBuffer decompress(Compression compression, ByteBuffer compressed) {
    try {
      if (compression == Compression.SNAPPY) {
        return XerialSnappy.decompress(compressed);
      }
      try (InputStream in =
          decompressingStream(compression, new ByteBufferInputStream(compressed))) {
        return readBounded(in, compressed.remaining());
      }
    } catch (CorruptRecordException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // The codec libraries report malformed input with assorted unchecked exceptions (lz4-java's
      // frame reader throws bare RuntimeException for a bad frame descriptor, for one).
      throw new CorruptRecordException(
          "cannot decompress " + compression.configName() + " records: " + e.getMessage(), e);
    }
  }

  private static OutputStream compressingStream(Compression compression, OutputStream out)
      throws IOException {
    return switch (compression) {
      case GZIP -> new GZIPOutputStream(out, STREAM_BUFFER_SIZE);
      case SNAPPY -> new SnappyOutputStream(out);
      case LZ4 ->
        new LZ4FrameOutputStream(
            out,
            LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
            LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
      case NONE, ZSTD -> throw new IllegalArgumentException("no stream codec for " + compression);
    };
  }

  private static InputStream decompressingStream(Compression compression, InputStream in)
      throws IOException {
    return switch (compression) {
      case GZIP -> new GZIPInputStream(in, STREAM_BUFFER_SIZE);
      case LZ4 -> new LZ4FrameInputStream(in);
      case ZSTD -> new ZstdInputStreamNoFinalizer(in);
      case NONE, SNAPPY -> throw new IllegalArgumentException("no stream codec for " + compression);
    };
  }

  private static ByteBuffer compressZstd(byte[] src, int offset, int length, int headerRoom) {
    byte[] out = new byte[headerRoom + Math.toIntExact(Zstd.compressBound(length))];
    long written =
        Zstd.compressByteArray(
            out, headerRoom, out.length - headerRoom, src, offset, length, ZSTD_LEVEL);
    if (Zstd.isError(written)) {
      throw new IllegalStateException("zstd compression failed: " + Zstd.getErrorName(written));
    }
    return ByteBuffer.wrap(out, 0, headerRoom + (int) written);
  }

  /** Reads the stream to its end, refusing to grow past {@link #MAX_DECOMPRESSED_BYTES}. */
  private static ByteBuffer readBounded(InputStream in, int compressedSize) throws IOException {
    BoundedBytes out = new BoundedBytes(4L * compressedSize);
    while (true) {
      if (out.size == MAX_DECOMPRESSED_BYTES) {
        // Exactly at the limit is fine; one byte more is not.
        if (in.read() < 0) {
          return out.toByteBuffer();
        }
        throw BoundedBytes.tooLarge();
      }
      out.ensureRoom(1);
      int n = in.read(out.bytes, out.size, out.bytes.length - out.size);
      if (n < 0) {
        return out.toByteBuffer();
      }
      out.size += n;
    }
  }

  /** A growable byte array that refuses to grow past {@link #MAX_DECOMPRESSED_BYTES}. */
  static final class BoundedBytes {
    byte[] bytes;
    int size;

    BoundedBytes(long initialCapacity) {
      bytes = new byte[(int) Math.min(MAX_DECOMPRESSED_BYTES, Math.max(256, initialCapacity))];
    }

    void ensureRoom(int needed) {
      if (needed > MAX_DECOMPRESSED_BYTES - size) {
        throw tooLarge();
      }
      if (size + needed > bytes.length) {
        long doubled = Math.max(2L * bytes.length, (long) size + needed);
        bytes = Arrays.copyOf(bytes, (int) Math.min(MAX_DECOMPRESSED_BYTES, doubled));
      }
    }

    ByteBuffer toByteBuffer() {
      return ByteBuffer.wrap(bytes, 0, size);
    }

    static CorruptRecordException tooLarge() {
      return new CorruptRecordException(
          "decompressed records exceed " + MAX_DECOMPRESSED_BYTES + " bytes");
    }
  }

  /** Hands out its internal array, sparing the copy that {@code toByteArray()} makes. */
  private static final class ExposedByteArrayOutputStream extends ByteArrayOutputStream {
    ExposedByteArrayOutputStream(int initialCapacity) {
      super(initialCapacity);
    }

    ByteBuffer toByteBuffer() {
      return ByteBuffer.wrap(buf, 0, count);
    }
  }

  /** Reads a buffer's remaining bytes without moving the buffer's own position. */
  private static final class ByteBufferInputStream extends InputStream {
    private final ByteBuffer source;

    ByteBufferInputStream(ByteBuffer source) {
      this.source = source.duplicate();
    }

    @Override
    public int read() {
      return source.hasRemaining() ? source.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] dst, int offset, int length) {
      if (length == 0) {
        return 0;
      }
      if (!source.hasRemaining()) {
        return -1;
      }
      int n = Math.min(length, source.remaining());
      source.get(dst, offset, n);
      return n;
    }

    @Override
    public int available() {
      return source.remaining();
    }
  }
}
