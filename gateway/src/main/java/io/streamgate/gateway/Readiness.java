package io.streamgate.gateway;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Whether a node can take any request, as named checks that are each up or down: {@code recovery}
 * (the data directory is recovered), {@code cluster} (the node has joined its cluster and sees a
 * majority of its nodes) and {@code serving} (the HTTP listeners are up and the node is not shutting down). The node
 * is ready when every check is up. {@code GET /health/ready} answers the checks. Thread-safe.
 */
public final class Readiness {
  public static final String RECOVERY = "recovery";
  public static final String CLUSTER = "cluster";
  public static final String SERVING = "serving";

  private final Map<String, Boolean> checks = new ConcurrentSkipListMap<>();

  /** A readiness whose checks are all down. */
  public Readiness() {
    for (String check : new String[] {RECOVERY, CLUSTER, SERVING}) {
      checks.put(check, false);
    }
  }

  public void set(String check, boolean up) {
    checks.put(check, up);
  }

  public boolean ready() {
    return !checks.containsValue(false);
  }

  /** Each check, by name, up or down. */
  public Map<String, Boolean> checks() {
    return new TreeMap<>(checks);
  }
}
