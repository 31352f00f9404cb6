package io.streamgate.cluster.security;

import java.util.EnumSet;
import java.util.Set;

/** What a principal does to a resource: Kafka's operations, those Streamgate has. */
public enum AclOperation {
  ALL,
  READ,
  WRITE,
  CREATE,
  DELETE,
  ALTER,
  DESCRIBE,
  CLUSTER_ACTION,
  DESCRIBE_CONFIGS,
  ALTER_CONFIGS,
  IDEMPOTENT_WRITE;

  /**
   * The operations an ALLOW for this one also grants, itself included: as in Kafka, who may read,
   * write, delete or alter a resource may describe it, who may alter its configuration may describe
   * it, and ALL grants everything.
   */
  public Set<AclOperation> grants() {
    return switch (this) {
      case ALL -> EnumSet.allOf(AclOperation.class);
      case READ, WRITE, DELETE, ALTER -> EnumSet.of(this, DESCRIBE);
      case ALTER_CONFIGS -> EnumSet.of(this, DESCRIBE_CONFIGS);
      default -> EnumSet.of(this);
    };
  }
}
