package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** A node's producer ids come from the blocks it took, one allocation shared by everyone waiting for it. */
class ProducerIdBlocksTest {
  private final List<CompletableFuture<Long>> allocations = new ArrayList<>();
  private final ProducerIdBlocks blocks = new ProducerIdBlocks(count -> {
    assertThat(count).isEqualTo(ProducerIdBlocks.BLOCK_SIZE);
    CompletableFuture<Long> allocation = new CompletableFuture<>();
    allocations.add(allocation);
    return allocation;
  });

  @Test
  void waitersShareOneAllocationAndTakeConsecutiveIdsFromItsBlock() {
    List<CompletableFuture<Long>> waiting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiting.add(blocks.next());
    }
    assertThat(allocations).hasSize(1);
    assertThat(waiting).noneMatch(CompletableFuture::isDone);

    allocations.get(0).complete(5000L);

    assertThat(waiting.stream().map(CompletableFuture::join)).containsExactlyInAnyOrder(5000L, 5001L, 5002L);
  }

  @Test
  void aUsedUpBlockIsFollowedByANewOne() {
    blocks.next();
    allocations.get(0).complete(0L);
    for (int i = 1; i < ProducerIdBlocks.BLOCK_SIZE; i++) {
      assertThat(blocks.next().join()).isEqualTo(i);
    }
    CompletableFuture<Long> past = blocks.next();
    assertThat(allocations).hasSize(2);
    allocations.get(1).complete(7000L);
    assertThat(past.join()).isEqualTo(7000L);
  }

  @Test
  void aFailedAllocationFailsItsWaitersAndTheNextCallAllocatesAgain() {
    CompletableFuture<Long> waiting = blocks.next();
    allocations.get(0).completeExceptionally(new ClusterException("no quorum"));
    assertThatThrownBy(waiting::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(ClusterException.class);

    CompletableFuture<Long> again = blocks.next();
    assertThat(allocations).hasSize(2);
    allocations.get(1).complete(1000L);
    assertThat(again.join()).isEqualTo(1000L);
  }
}
