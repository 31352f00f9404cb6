package io.streamgate.cluster.metadata;

/**
 * The outcome of one applied {@link MetadataCommand}: accepted with the number it produced, or
 * refused with a reason. A refusal is a normal answer (the log entry is applied as a no-op), never an
 * exception in the state machine.
 */
public sealed interface MetadataReply {
  /**
   * The command took effect. {@code value} is what it produced: the topic's new version for topic
   * commands and {@code ChangeIsr}, the new leader epoch for {@code ElectLeader}, the lease epoch
   * for {@code RegisterNode} and {@code StopNode}, the node's renewal count in its lease epoch for {@code RenewLease}, the
   * first id for {@code AllocateProducerIds}, how many ACLs or keys it added or removed for the ACL and
   * API key commands, the number of partitions it took the node out of for {@code RemoveNode}.
   */
  record Accepted(long value) implements MetadataReply {}

  /** The command found the metadata other than it expected, and changed nothing. */
  record Refused(Reason reason, String detail) implements MetadataReply {}

  /** Why a command was refused. The numbers are on disk and on the wire: never change or reuse one. */
  enum Reason {
    TOPIC_EXISTS(1),
    TOPIC_NOT_FOUND(2),
    /** The topic is no longer at the expected version. */
    STALE_VERSION(3),
    /** The partition is no longer in the expected leader epoch. */
    STALE_EPOCH(4),
    /** The node re-registered since: its lease epoch moved. */
    STALE_LEASE(5),
    NODE_NOT_FOUND(6),
    /** The command contradicts itself or the topic (a leader that is no replica, a partition out of range). */
    INVALID(7),
    /** The entry's bytes could not be decoded (a newer node's command, or a bug). */
    MALFORMED(8),
    /** No API key has the id. */
    API_KEY_NOT_FOUND(9),
    /** The change would take the ACLs or API keys beyond a limit: how many there are, how long a name is. */
    BEYOND_LIMIT(10),
    /** The partition is moving already: a move is cancelled before another starts. */
    REASSIGNMENT_IN_PROGRESS(11),
    /** The partition is not moving: there is no move to cancel. */
    NO_REASSIGNMENT(12),
    // Codes from 90 on: the quorum membership's (snapshot format 9), apart so that parallel additions never share a number.
    /** The node was removed from the cluster for good: it can neither register nor renew again. */
    NODE_REMOVED(90),
    /** The node still holds replicas: it is removed only once drained, or forgotten. */
    NODE_HOLDS_REPLICAS(91),
    // Kafka's number for it (format 10), apart from parallel additions.
    /** A deletion by topic id found the name taken by another incarnation of the topic (deleted and created again). */
    UNKNOWN_TOPIC_ID(100);

    private final int code;

    Reason(int code) {
      this.code = code;
    }

    public int code() {
      return code;
    }

    static Reason forCode(int code) {
      for (Reason reason : values()) {
        if (reason.code == code) {
          return reason;
        }
      }
      throw new MetadataFormatException("unknown refusal reason " + code);
    }
  }

  default boolean accepted() {
    return this instanceof Accepted;
  }
}
