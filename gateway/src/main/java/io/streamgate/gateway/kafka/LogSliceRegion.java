package io.streamgate.gateway.kafka;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import io.streamgate.logstore.LogSlice;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * A {@link LogSlice} as a Netty {@link FileRegion}: the transport hands the socket to the slice,
 * which sends its bytes from the segment file with {@code FileChannel.transferTo} ({@code sendfile}
 * on Linux), never copying them into the JVM. Plain connections only: a TLS handler cannot encrypt a
 * region.
 */
final class LogSliceRegion extends AbstractReferenceCounted implements FileRegion {
  private final LogSlice slice;
  private long transferred;

  LogSliceRegion(LogSlice slice) {
    this.slice = slice;
  }

  @Override
  public long position() {
    return 0;
  }

  @Override
  public long count() {
    return slice.sizeInBytes();
  }

  @Override
  public long transferred() {
    return transferred;
  }

  @Override
  @Deprecated
  public long transfered() {
    return transferred;
  }

  @Override
  public long transferTo(WritableByteChannel target, long position) throws IOException {
    long left = count() - position;
    if (left <= 0) {
      return 0;
    }
    long written = slice.transferTo(target, position, left);
    transferred += written;
    return written;
  }

  @Override
  public LogSliceRegion retain() {
    super.retain();
    return this;
  }

  @Override
  public LogSliceRegion retain(int increment) {
    super.retain(increment);
    return this;
  }

  @Override
  public LogSliceRegion touch() {
    return this;
  }

  @Override
  public LogSliceRegion touch(Object hint) {
    return this;
  }

  /** Nothing to free: the segment file is the log's, open for as long as the segment lives. */
  @Override
  protected void deallocate() {}
}
