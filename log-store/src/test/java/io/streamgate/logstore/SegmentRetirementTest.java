package io.streamgate.logstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentRetirementTest {
  private static final int INDEX_INTERVAL_BYTES = 4096;

  @TempDir Path dir;

  /**
   * Compaction retires a segment and puts its cleaned copy under the same name; a retention or a
   * deleteRecords may retire that copy while the maintenance thread still deletes the first one's
   * files. Both must go, without either step failing on the other's files.
   */
  @Test
  void aSegmentRetiredWhileAnEarlierOneOfItsNameIsBeingDeletedIsRetiredToo() throws Exception {
    CyclicBarrier bothReady = new CyclicBarrier(2);
    for (int round = 0; round < 300; round++) {
      Segment compactedAway = Segment.create(dir, 0, INDEX_INTERVAL_BYTES, 0);
      compactedAway.markDeleted();
      Segment cleanedCopy = Segment.create(dir, 0, INDEX_INTERVAL_BYTES, 0);
      CompletableFuture<Void> deletion = CompletableFuture.runAsync(() -> {
        try {
          bothReady.await();
          compactedAway.deleteMarked();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      bothReady.await();
      cleanedCopy.markDeleted();
      deletion.join();
      cleanedCopy.deleteMarked();
      try (Stream<Path> left = Files.list(dir)) {
        assertThat(left).as("round %d", round).isEmpty();
      }
    }
  }
}
