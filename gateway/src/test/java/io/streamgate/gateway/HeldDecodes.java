package io.streamgate.gateway;

import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds the decodes the node runs on its decode pool until released, so that a test sees what an
 * event loop still answers meanwhile. Decodes rendered inline on an event loop (small uncompressed
 * reads, such as an empty poll) are not held: holding one would block the loop the test watches.
 * One at a time per JVM; close it after the test.
 */
public final class HeldDecodes implements AutoCloseable {
  private final CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  private HeldDecodes() {}

  public static HeldDecodes hold() {
    HeldDecodes decodes = new HeldDecodes();
    RecordDecoding.decodeHook = decodes::waitForRelease;
    return decodes;
  }

  /** Waits until a decode is being held on the pool: fails if none comes (it ran elsewhere, or not at all). */
  public void awaitHeld(Duration atMost) {
    await().atMost(atMost).until(() -> held.getCount() == 0);
  }

  public void release() {
    release.countDown();
  }

  @Override
  public void close() {
    release();
    RecordDecoding.decodeHook = null;
  }

  private void waitForRelease() {
    if (Context.isOnEventLoopThread()) {
      return;
    }
    held.countDown();
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
