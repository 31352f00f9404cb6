package io.streamgate.cluster.groups;

import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.format.RecordBatch;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * What a {@link GroupCoordinator} needs of the {@code __groups} partitions its node leads: whether
 * (and in which leader epoch) it leads one, its whole content to rebuild the groups from, and
 * committed appends. Implemented by the cluster over the node's local replicas.
 */
public interface GroupLog {
  /** The leader epoch if this node leads {@code __groups} partition {@code partition}, else empty. */
  OptionalInt leaderEpoch(int partition);

  /** Every batch of the partition, from its start to its end. Reads disk. */
  List<RecordBatch> readAll(int partition);

  /** Appends as leader and completes once committed ({@code acks=all}). */
  CompletableFuture<AppendResult> append(int partition, RecordBatch batch);
}
