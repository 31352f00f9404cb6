package io.streamgate.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The reference for appends: one thread writing the same batch bytes back to back into a new file
 * with positional {@link FileChannel} writes from a heap buffer (as the log store writes), optionally
 * calling {@code force(false)} (fdatasync) after every batch. Nothing is copied or validated per write.
 */
final class RawWriteLoad extends Load {
  private final Path dir;
  private final FileChannel channel;
  private final byte[] batchBytes;
  private final int recordsPerBatch;
  private final boolean force;
  private Thread thread;

  RawWriteLoad(Path dir, byte[] batchBytes, int recordsPerBatch, boolean force) throws IOException {
    this.dir = Files.createDirectories(dir);
    this.batchBytes = batchBytes;
    this.recordsPerBatch = recordsPerBatch;
    this.force = force;
    this.channel = FileChannel.open(dir.resolve("raw.log"), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
  }

  @Override
  void start() {
    running = true;
    thread = new Thread(this::writeLoop, "raw-writer");
    thread.setDaemon(true);
    thread.start();
  }

  private void writeLoop() {
    ByteBuffer buffer = ByteBuffer.wrap(batchBytes);
    long position = 0;
    try {
      while (running) {
        long start = System.nanoTime();
        buffer.clear();
        while (buffer.hasRemaining()) {
          position += channel.write(buffer, position);
        }
        if (force) {
          channel.force(false);
        }
        completed(recordsPerBatch, batchBytes.length, start);
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
    channel.close();
    TempDirs.deleteRecursively(dir);
  }
}
