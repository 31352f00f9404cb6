package io.streamgate.cluster.security;

import java.util.Objects;

/**
 * One ACL: {@code principal} (or {@code User:*}) may, or may not, do {@code operation} to the
 * resources of {@code resourceType} that {@code resourceName} matches by {@code patternType}, from
 * {@code host} ({@code *}: any). Kafka's model, so that Kafka's ACL requests map to it one to one.
 */
public record AclBinding(ResourceType resourceType, String resourceName, PatternType patternType, String principal,
    String host, AclOperation operation, AclPermission permission) {
  public static final String ANY_HOST = "*";

  public AclBinding {
    Objects.requireNonNull(resourceType);
    Objects.requireNonNull(resourceName);
    Objects.requireNonNull(patternType);
    Objects.requireNonNull(principal);
    Objects.requireNonNull(host);
    Objects.requireNonNull(operation);
    Objects.requireNonNull(permission);
    if (resourceName.isEmpty()) {
      throw new IllegalArgumentException("an ACL needs a resource name ('*' for every one)");
    }
    if (patternType == PatternType.PREFIXED && resourceName.equals(Principal.WILDCARD)) {
      throw new IllegalArgumentException("a prefixed ACL cannot have the name '*'; use a literal '*'");
    }
    if (resourceType == ResourceType.CLUSTER && !resourceName.equals(ResourceType.CLUSTER_NAME)) {
      throw new IllegalArgumentException("the cluster resource is named '" + ResourceType.CLUSTER_NAME + "'");
    }
    Principal.parse(principal); // validates
    if (host.isEmpty()) {
      throw new IllegalArgumentException("an ACL needs a host ('*' for any)");
    }
  }

  /** Whether this ACL is about {@code name} of {@code type}. */
  public boolean matchesResource(ResourceType type, String name) {
    if (type != resourceType) {
      return false;
    }
    return switch (patternType) {
      case LITERAL -> resourceName.equals(Principal.WILDCARD) || resourceName.equals(name);
      case PREFIXED -> name.startsWith(resourceName);
    };
  }

  /** Whether this ACL is about {@code who}, connected from {@code fromHost}. */
  public boolean matchesPrincipal(Principal who, String fromHost) {
    boolean principalMatches = principal.equals(who.toString())
        || (principal.endsWith(":" + Principal.WILDCARD) && Principal.parse(principal).type().equals(who.type()));
    return principalMatches && (host.equals(ANY_HOST) || host.equals(fromHost));
  }
}
