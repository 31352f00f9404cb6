package io.streamgate.cluster.security;

/**
 * The one question every edge asks before it touches a service: may this principal, connected from
 * this host, do this to this resource? Answered from memory (the committed ACLs), without blocking,
 * so that an event loop may ask it.
 */
@FunctionalInterface
public interface Authorizer {
  /** The authorizer of a node with authentication off: everything is allowed to everyone. */
  Authorizer ALLOW_ALL = (who, host, operation, type, name) -> true;

  boolean allows(Principal who, String host, AclOperation operation, ResourceType type, String name);
}
