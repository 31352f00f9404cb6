package io.streamgate.cluster.metadata;

/**
 * Hears the committed metadata change. {@link MetadataQuorum} calls it on one thread of its own, in
 * log order, never on Ratis' apply thread; it may take its time, but holds up the calls after it.
 */
public interface MetadataListener {
  /** The entry at {@code index} was applied: {@code state} is the metadata after it. Refused commands are heard too. */
  void applied(long index, MetadataCommand command, MetadataReply reply, MetadataState state);

  /** The whole state was replaced from a snapshot (at start, or one sent by the leader to a lagging voter). */
  default void restored(MetadataState state) {}
}
