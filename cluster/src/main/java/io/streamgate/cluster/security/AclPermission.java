package io.streamgate.cluster.security;

/** Whether an ACL grants or forbids; a deny wins over any allow. */
public enum AclPermission {
  ALLOW,
  DENY
}
