package io.streamgate.gateway.http;

import io.streamgate.cluster.groups.GroupService.Membership;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.security.Quotas;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * The streams' edge of {@link Quotas}, around a stream's sink: each record sent is charged to the
 * principal's consume quota, the bytes of its frame or event (as {@link HttpQuotas} charges a read
 * the bytes of its answer), and while the principal is in debt the sink reports itself full, so the
 * session stops as it does for a slow client. A timer ends the wait and wakes the session through its
 * drain handler; a stream opened in debt waits before its first record. The REQUEST a stream costs is
 * charged when it opens, by {@link HttpQuotas#requests()}. Confined to the connection's event loop;
 * {@link #close} cancels the timer.
 */
final class StreamQuota implements GroupStreamSession.Sink {
  private final GroupStreamSession.Sink sink;
  private final Quotas quotas;
  private final Principal principal;
  private final Vertx vertx;
  private Runnable onDrain = () -> {};
  /** The timer that ends the current wait; -1 when not waiting. */
  private long waitTimer = -1;
  private boolean closed;

  /** Made on the connection's event loop, which the wait's timer then runs on. */
  StreamQuota(GroupStreamSession.Sink sink, Quotas quotas, Principal principal, Vertx vertx) {
    this.sink = sink;
    this.quotas = quotas;
    this.principal = principal;
    this.vertx = vertx;
    // Opened in debt (another stream or read of the principal's): the first record waits too.
    if (quotas.any()) {
      waitFor(quotas.throttleMs(principal, Quotas.Kind.CONSUME_BYTES));
    }
  }

  @Override
  public int send(String recordJson, Supplier<String> position) {
    int bytes = sink.send(recordJson, position);
    if (quotas.any()) {
      waitFor(quotas.charge(principal, Quotas.Kind.CONSUME_BYTES, bytes));
    }
    return bytes;
  }

  @Override
  public void assignment(Membership membership) {
    sink.assignment(membership);
  }

  @Override
  public boolean writeQueueFull() {
    return waitTimer >= 0 || sink.writeQueueFull();
  }

  @Override
  public void drainHandler(Runnable onDrain) {
    this.onDrain = onDrain;
    sink.drainHandler(onDrain);
  }

  @Override
  public void fail(Throwable failure) {
    sink.fail(failure);
  }

  /** Ends any wait; nothing is woken after. */
  void close() {
    closed = true;
    if (waitTimer >= 0) {
      vertx.cancelTimer(waitTimer);
      waitTimer = -1;
    }
  }

  private void waitFor(long waitMs) {
    if (waitMs <= 0 || waitTimer >= 0 || closed) {
      return;
    }
    waitTimer = vertx.setTimer(waitMs, fired -> {
      waitTimer = -1;
      // The principal's other streams and requests may have charged it meanwhile: wait on if so.
      waitFor(quotas.throttleMs(principal, Quotas.Kind.CONSUME_BYTES));
      if (waitTimer < 0) {
        onDrain.run();
      }
    });
  }
}
