package io.streamgate.gateway.cluster;

import io.streamgate.gateway.cluster.ClusterFailoverIT.Ack;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a cut-off leader acknowledged writes in a leadership the majority had already superseded
 * (two leaders at once), from the {@code acks=1} probe's acknowledgements and the partition as the
 * replicas store it afterwards. A pure function of the recorded timeline, so that it can be checked on
 * its own ({@code TwoLeaderCheckTest}).
 *
 * <p>The probe sends every write to the one node that is cut off, but a 200 from that node is not
 * always an acknowledgement by its own leadership: a node that no longer leads the partition forwards
 * the write to the leader the metadata names (any node serves any request), and passes that leader's
 * answer on. So each acknowledgement is attributed by the leader epoch stamped on the batch that holds
 * it, which the node that appended it wrote there:
 *
 * <ul>
 *   <li>the <em>old epoch</em> is the one the cut-off node led in at the cut: the epoch of the records
 *       it acknowledged before the cut, as stored;
 *   <li>an acknowledged record stored at its offset was made in its batch's epoch: by the old
 *       leadership if that is the old epoch (or an earlier one), else by a later leader (the
 *       successor the node forwarded to, or the node itself once elected again);
 *   <li>an acknowledged record not at its offset (lost) has no epoch left to read; it is counted as
 *       the old leadership's, which is what a lost {@code acks=1} write in these scenarios is, and
 *       so that no real overlap can hide behind a truncation.
 * </ul>
 *
 * <p>Two leaders: an acknowledgement made in the old epoch for a request <em>sent</em> after a node of
 * the majority had described another leader of the partition (the description comes after the
 * election's commit, so such an acknowledgement was made after the old epoch was superseded).
 * An old-epoch acknowledgement sent before the description and answered after it is ambiguous (made
 * before or after the election, the client cannot tell): it is reported, not counted. A real overlap
 * lasts as long as the old leader's lease runs on after the election, and the probe sends every
 * 50 ms, so it always shows in requests sent after the description too.
 */
final class TwoLeaderCheck {
  private TwoLeaderCheck() {}

  /** A record as a replica stores it: its offset, its value (as the probe sent it) and its batch's leader epoch. */
  record StoredInEpoch(long offset, String value, int leaderEpoch) {}

  /**
   * What the check found.
   *
   * @param oldEpoch the epoch the cut-off node led in at the cut, or empty if no record acknowledged before the cut
   *     is stored (then every acknowledgement counts as the old leadership's)
   * @param oldLeadership the acknowledgements made in the old epoch (or lost), sent after the cut
   * @param overlapping those sent after the majority had described another leader: two leaders at once
   * @param ambiguous those sent before that description and answered after it
   * @param lastOldLeadershipAckNanos when the last acknowledgement of the old leadership before the heal was answered
   * @param twoLeadersNanos from the description to the answer of the last overlapping acknowledgement; empty without
   *     a description, zero without an overlap
   */
  record Verdict(Optional<Integer> oldEpoch, List<Ack> oldLeadership, List<Ack> overlapping, List<Ack> ambiguous,
      Optional<Long> lastOldLeadershipAckNanos, Optional<Long> twoLeadersNanos) {}

  /**
   * @param acks the probe's acknowledgements (all of them, before the cut too)
   * @param stored the probed partition as stored after the run, settled and in sync
   * @param cutAtNanos when the cut began
   * @param healedAtNanos when the network was whole again
   * @param supersededAtNanos when a node of the majority first described another leader (or none) for the probed
   *     partition, if it did during the cut
   */
  static Verdict check(List<Ack> acks, List<StoredInEpoch> stored, long cutAtNanos, long healedAtNanos,
      Optional<Long> supersededAtNanos) {
    Map<Long, StoredInEpoch> byOffset = new HashMap<>();
    stored.forEach(r -> byOffset.put(r.offset(), r));
    Optional<Integer> oldEpoch = acks.stream().filter(a -> a.sentAtNanos() < cutAtNanos).map(a -> storedAs(a, byOffset))
        .flatMap(Optional::stream).map(StoredInEpoch::leaderEpoch).max(Integer::compare);
    List<Ack> oldLeadership = acks.stream().filter(a -> a.sentAtNanos() >= cutAtNanos)
        .filter(a -> storedAs(a, byOffset).map(r -> oldEpoch.isEmpty() || r.leaderEpoch() <= oldEpoch.get()).orElse(true))
        .toList();
    List<Ack> overlapping = supersededAtNanos.map(t -> oldLeadership.stream().filter(a -> a.sentAtNanos() >= t).toList())
        .orElse(List.of());
    List<Ack> ambiguous = supersededAtNanos
        .map(t -> oldLeadership.stream().filter(a -> a.sentAtNanos() < t && a.ackedAtNanos() >= t).toList()).orElse(List.of());
    Optional<Long> lastOldLeadershipAck = oldLeadership.stream().map(Ack::ackedAtNanos).filter(t -> t < healedAtNanos)
        .max(Long::compare);
    Optional<Long> twoLeaders = supersededAtNanos.map(t -> overlapping.stream().mapToLong(a -> a.ackedAtNanos() - t).max()
        .orElse(0));
    return new Verdict(oldEpoch, oldLeadership, overlapping, ambiguous, lastOldLeadershipAck, twoLeaders);
  }

  /** The stored record at the acknowledgement's offset, if it is the acknowledged one. */
  private static Optional<StoredInEpoch> storedAs(Ack ack, Map<Long, StoredInEpoch> byOffset) {
    return Optional.ofNullable(byOffset.get(ack.offset())).filter(r -> ack.value().equals(r.value()));
  }
}
