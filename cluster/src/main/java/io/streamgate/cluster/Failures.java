package io.streamgate.cluster;

import java.util.concurrent.CompletionException;

/** The failure a future stands for, under the {@link CompletionException}s that composing futures wraps it in. */
public final class Failures {
  private Failures() {}

  public static Throwable cause(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
