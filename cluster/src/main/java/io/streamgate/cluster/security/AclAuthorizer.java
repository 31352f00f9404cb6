package io.streamgate.cluster.security;

import java.util.Collection;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Kafka's rules over a set of ACLs: a super-user may do everything; otherwise a DENY that matches
 * the principal, host, resource and operation (or ALL) forbids; otherwise an ALLOW whose operation
 * {@linkplain AclOperation#grants() grants} the one asked allows; otherwise it is forbidden (no ACL,
 * no access).
 */
public final class AclAuthorizer implements Authorizer {
  private final Set<Principal> superUsers;
  private final Supplier<? extends Collection<AclBinding>> acls;

  /** @param acls the ACLs in force, read at each question (the committed metadata's, on a node) */
  public AclAuthorizer(Set<Principal> superUsers, Supplier<? extends Collection<AclBinding>> acls) {
    this.superUsers = Set.copyOf(superUsers);
    this.acls = acls;
  }

  @Override
  public boolean allows(Principal who, String host, AclOperation operation, ResourceType type, String name) {
    if (superUsers.contains(who)) {
      return true;
    }
    boolean allowed = false;
    for (AclBinding acl : acls.get()) {
      if (!acl.matchesResource(type, name) || !acl.matchesPrincipal(who, host)) {
        continue;
      }
      if (acl.permission() == AclPermission.DENY) {
        if (acl.operation() == AclOperation.ALL || acl.operation() == operation) {
          return false;
        }
      } else if (acl.operation().grants().contains(operation)) {
        allowed = true;
      }
    }
    return allowed;
  }
}
