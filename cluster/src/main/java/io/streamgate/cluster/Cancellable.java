package io.streamgate.cluster;

/** A registration that can be withdrawn. Cancelling twice, or after it fired, is harmless. */
@FunctionalInterface
public interface Cancellable {
  void cancel();
}
