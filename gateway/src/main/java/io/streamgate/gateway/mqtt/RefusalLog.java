package io.streamgate.gateway.mqtt;

import org.slf4j.Logger;

/**
 * The WARN lines of one connection's refusals that leave it open (a refused topic filter), rate
 * limited so that a client repeating them cannot fill the disk: {@link #BURST} lines at once, then
 * one per {@link #INTERVAL_MS}; the others go to DEBUG and are counted in the next WARN line.
 * Confined to the connection's event loop.
 */
final class RefusalLog {
  static final int BURST = 10;
  static final long INTERVAL_MS = 10_000;

  private final Logger log;
  private double tokens = BURST;
  private long refilledAt = System.currentTimeMillis();
  private int suppressed;

  RefusalLog(Logger log) {
    this.log = log;
  }

  /** A refusal line, as {@link Logger#warn(String, Object...)} takes it; its arguments name the client. */
  void warn(String format, Object... arguments) {
    long now = System.currentTimeMillis();
    tokens = Math.min(BURST, tokens + (now - refilledAt) / (double) INTERVAL_MS);
    refilledAt = now;
    if (tokens < 1) {
      suppressed++;
      log.debug(format, arguments);
      return;
    }
    tokens--;
    if (suppressed > 0) {
      log.warn(format + " ({} more refusals of this connection not logged)", append(arguments, suppressed));
      suppressed = 0;
    } else {
      log.warn(format, arguments);
    }
  }

  private static Object[] append(Object[] arguments, Object last) {
    Object[] all = java.util.Arrays.copyOf(arguments, arguments.length + 1);
    all[arguments.length] = last;
    return all;
  }
}
