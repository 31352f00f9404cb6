package io.streamgate.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference for reads: one thread reading the fixture's segment files sequentially in 1 MiB
 * chunks into one reused heap buffer, with plain positional {@link FileChannel} reads, no index
 * look-ups and no parsing. Records are derived from the bytes (the fixture holds one batch shape).
 */
final class RawReadLoad extends Load {
  private final List<FileChannel> channels = new ArrayList<>();
  private final double recordsPerByte;
  private Thread thread;

  RawReadLoad(ReadFixture fixture, int batchSize) throws IOException {
    for (Path file : fixture.segmentFiles()) {
      channels.add(FileChannel.open(file, StandardOpenOption.READ));
    }
    this.recordsPerByte = (double) fixture.recordsPerBatch() / batchSize;
  }

  @Override
  void start() {
    running = true;
    thread = new Thread(this::readLoop, "raw-reader");
    thread.setDaemon(true);
    thread.start();
  }

  private void readLoop() {
    ByteBuffer buffer = ByteBuffer.allocate(LogReadLoad.MAX_BYTES);
    double records = 0;
    long counted = 0;
    try {
      while (running) {
        for (FileChannel channel : channels) {
          long size = channel.size();
          for (long position = 0; position < size && running;) {
            long begin = System.nanoTime();
            buffer.clear();
            int read = channel.read(buffer, position);
            if (read <= 0) {
              break;
            }
            position += read;
            records += read * recordsPerByte;
            long whole = (long) records;
            completed(whole - counted, read, begin);
            counted = whole;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      failed(e);
    }
  }

  @Override
  void stop() throws InterruptedException {
    running = false;
    thread.join();
  }

  @Override
  public void close() throws IOException {
    for (FileChannel channel : channels) {
      channel.close();
    }
  }
}
