package io.streamgate.gateway.security;

import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.ApiKey;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Tells long-lived sessions (streams, MQTT and Kafka connections) when to ask again whether their
 * client may go on: once when they start to be watched, when this node's ACLs or API keys changed,
 * and once their credential's expiry has passed. The metadata state is immutable snapshots, so one
 * node-wide timer compares the ACL list and the key map by identity every {@code intervalMs}, and
 * only while sessions are watched: a change reaches them at most that late. A session's
 * {@code recheck} runs on its own context, never on the metadata log's thread; the session decides
 * what the change means to it. A spurious call (a snapshot copied without a change) costs only the
 * recheck. Thread-safe.
 */
public final class AccessWatch {
  /** What a session cancels when it ends. */
  public interface Watch {
    Watch NONE = () -> {};

    void cancel();
  }

  private final Vertx vertx;
  /**
   * Where the timer runs: a context of its own, taken when the watch is made (at the node's start,
   * off any event loop), so that no verticle's undeployment cancels it under the others' sessions.
   */
  private final Context timerContext;
  private final Supplier<AccessControl> accessControl;
  private final long intervalMs;
  private final LongSupplier clockMs;
  private final Set<Registration> watching = ConcurrentHashMap.newKeySet();
  /** The timer while anything is watched, else -1; and what it saw last. On the timer's context only. */
  private long timer = -1;
  private List<AclBinding> seenAcls;
  private Map<String, ApiKey> seenKeys;

  public AccessWatch(Vertx vertx, Supplier<AccessControl> accessControl, long intervalMs, LongSupplier clockMs) {
    this.vertx = vertx;
    this.timerContext = vertx.getOrCreateContext();
    this.accessControl = accessControl;
    this.intervalMs = intervalMs;
    this.clockMs = clockMs;
  }

  private final class Registration implements Watch {
    final Context context;
    final Runnable recheck;
    final long expiresAtMs;
    /** On the timer's context only. */
    boolean expiryTold;

    Registration(Context context, Runnable recheck, long expiresAtMs) {
      this.context = context;
      this.recheck = recheck;
      this.expiresAtMs = expiresAtMs;
    }

    @Override
    public void cancel() {
      if (watching.remove(this)) {
        timerContext.runOnContext(v -> timerWhileWatched());
      }
    }

    void tell() {
      context.runOnContext(v -> {
        if (watching.contains(this)) {
          recheck.run();
        }
      });
    }
  }

  /**
   * Runs {@code recheck} on {@code context} once at first, after each change to the ACLs or API
   * keys, and once {@code who}'s credential has expired; until the answer is cancelled. The first
   * run follows the timer's first look, so a change made between the session's authorization and
   * this call is seen by one or the other.
   */
  public Watch watch(Context context, Authenticated who, Runnable recheck) {
    Registration registration = new Registration(context, recheck, who.expiresAtMs());
    watching.add(registration);
    timerContext.runOnContext(v -> {
      timerWhileWatched();
      registration.tell();
    });
    return registration;
  }

  /** How many sessions are watched now. */
  public int watched() {
    return watching.size();
  }

  /** A timer while anything is watched, none otherwise. On the timer's context. */
  private void timerWhileWatched() {
    if (!watching.isEmpty() && timer < 0) {
      seenAcls = accessControl.get().acls();
      seenKeys = accessControl.get().apiKeysById();
      timer = vertx.setPeriodic(intervalMs, id -> tick());
    } else if (watching.isEmpty() && timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void tick() {
    List<AclBinding> acls = accessControl.get().acls();
    Map<String, ApiKey> keys = accessControl.get().apiKeysById();
    boolean changed = acls != seenAcls || keys != seenKeys;
    seenAcls = acls;
    seenKeys = keys;
    long now = clockMs.getAsLong();
    for (Registration registration : watching) {
      boolean expired = !registration.expiryTold && now >= registration.expiresAtMs;
      if (expired) {
        registration.expiryTold = true;
      }
      if (changed || expired) {
        registration.tell();
      }
    }
  }
}
