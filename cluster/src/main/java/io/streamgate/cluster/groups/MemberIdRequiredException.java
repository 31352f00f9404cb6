package io.streamgate.cluster.groups;

import io.streamgate.cluster.ClusterException;

/**
 * A Kafka client's first JoinGroup (no member id, {@code requireKnownMemberId}) gets a member id and
 * must join again with it within its session. Kafka's MEMBER_ID_REQUIRED; the id travels beside
 * the message, so the catalogue does not rebuild this exception on another node.
 */
public class MemberIdRequiredException extends ClusterException {
  private final String memberId;

  public MemberIdRequiredException(String message, String memberId) {
    super(message);
    this.memberId = memberId;
  }

  /** The id the member must join again with. */
  public String memberId() {
    return memberId;
  }
}
