package io.streamgate.cluster;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntFunction;

/**
 * Hands out Kafka producer ids on this node from blocks it takes through the metadata log (Kafka's
 * {@code ProducerIdManager}): the log hands every block out once, across nodes and restarts, so no
 * two producers ever share an id. Ids left in a block when the node stops are never used. Requests
 * that find the block used up share one allocation. Thread-safe.
 */
final class ProducerIdBlocks {
  /** Ids taken at a time: one metadata write per thousand producers (Kafka's block size). */
  static final int BLOCK_SIZE = 1000;

  private final IntFunction<CompletableFuture<Long>> allocate;
  /** The block's unused ids: [next, end). */
  private long next;
  private long end;
  /** The allocation under way, if any. */
  private CompletableFuture<Void> refill;

  /** {@code allocate} takes a block of the given size and completes with its first id. */
  ProducerIdBlocks(IntFunction<CompletableFuture<Long>> allocate) {
    this.allocate = allocate;
  }

  synchronized CompletableFuture<Long> next() {
    if (next < end) {
      return CompletableFuture.completedFuture(next++);
    }
    if (refill == null || refill.isDone()) {
      refill = allocate.apply(BLOCK_SIZE).handle((first, failure) -> {
        if (failure != null) {
          throw new CompletionException(Failures.cause(failure));
        }
        synchronized (this) {
          next = first;
          end = first + BLOCK_SIZE;
        }
        return null;
      });
    }
    return refill.thenCompose(allocated -> next());
  }
}
