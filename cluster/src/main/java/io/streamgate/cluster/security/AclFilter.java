package io.streamgate.cluster.security;

import java.util.Optional;

/**
 * Which ACLs a describe or a delete is about: each field empty matches any value (Kafka's ANY), a
 * present one only that value (exactly: a filter for topic {@code orders} does not match an ACL on
 * {@code *}).
 */
public record AclFilter(Optional<ResourceType> resourceType, Optional<String> resourceName, Optional<PatternType> patternType,
    Optional<String> principal, Optional<String> host, Optional<AclOperation> operation, Optional<AclPermission> permission) {
  public static final AclFilter ANY = new AclFilter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
      Optional.empty(), Optional.empty(), Optional.empty());

  public boolean matches(AclBinding acl) {
    return resourceType.map(acl.resourceType()::equals).orElse(true)
        && resourceName.map(acl.resourceName()::equals).orElse(true)
        && patternType.map(acl.patternType()::equals).orElse(true)
        && principal.map(acl.principal()::equals).orElse(true)
        && host.map(acl.host()::equals).orElse(true)
        && operation.map(acl.operation()::equals).orElse(true)
        && permission.map(acl.permission()::equals).orElse(true);
  }
}
