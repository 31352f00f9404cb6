package io.streamgate.gateway;

import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.RecordBatch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where the edges decode and render the records of a read: small uncompressed reads on the calling
 * event loop (their records are views over the read's bytes, cheap), any other on the node's
 * {@value #POOL_NAME} worker pool, so that a read of up to max-fetch-bytes of compressed batches
 * does not stall every connection of the event loop. A compressed read goes to the pool whatever
 * its stored size: a batch of a few KiB may decompress to 64 MiB, so its stored size says nothing
 * about the work. Results come back on the caller's context; callers write their answers there.
 */
public final class RecordDecoding {
  /** The worker pool's name; every instance of a node shares the one pool of that name. */
  static final String POOL_NAME = "streamgate-decode";

  /** Decodes at once at most; more wait in the pool's queue, not on an event loop. */
  static final int POOL_SIZE = 2;

  /** Uncompressed reads up to this many stored bytes are rendered on the event loop. */
  public static final int INLINE_MAX_BYTES = 256 * 1024;

  /**
   * Test seam (package-private; tests use HeldDecodes): run at the start of every decode, on the thread
   * that decodes (null: nothing).
   * Lets a test hold a decode and see what else its event loop still answers.
   */
  static volatile Runnable decodeHook;

  private final WorkerExecutor pool;

  private RecordDecoding(WorkerExecutor pool) {
    this.pool = pool;
  }

  /**
   * Uses the node's shared decode pool. Call from a verticle's start: the handle is closed with the
   * verticle, and the pool with its last handle.
   */
  public static RecordDecoding create(Vertx vertx) {
    return new RecordDecoding(vertx.createSharedWorkerExecutor(POOL_NAME, POOL_SIZE));
  }

  /**
   * {@code render(result)}, on the calling event loop or on the pool (see the class comment); the
   * future completes on the calling context. Call on a Vert.x context. A failure of {@code render}
   * (a corrupt batch) fails the future.
   */
  public <T> Future<T> decode(ReadResult result, Function<ReadResult, T> render) {
    return decode(List.of(result.batches()), () -> render.apply(result));
  }

  /**
   * {@code render()}, which decodes the stored batches {@code reads} (a group poll's partitions, say),
   * on the calling event loop or on the pool as {@link #decode(ReadResult, Function)} does, judged by
   * the reads together.
   */
  public <T> Future<T> decode(List<ByteBuffer> reads, Supplier<T> render) {
    if (cheap(reads)) {
      try {
        return Future.succeededFuture(run(render));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    return pool.executeBlocking(() -> run(render), false);
  }

  /** True when {@code reads} are rendered on the event loop: small and uncompressed. */
  static boolean cheap(List<ByteBuffer> reads) {
    long bytes = 0;
    for (ByteBuffer read : reads) {
      bytes += read.remaining();
    }
    if (bytes > INLINE_MAX_BYTES) {
      return false;
    }
    for (ByteBuffer read : reads) {
      for (RecordBatch batch : RecordBatch.iterate(read.duplicate())) {
        if (batch.compression() != Compression.NONE) {
          return false;
        }
      }
    }
    return true;
  }

  private static <T> T run(Supplier<T> render) {
    Runnable hook = decodeHook;
    if (hook != null) {
      hook.run();
    }
    return render.get();
  }
}
