package io.streamgate.cluster.security;

/** How an ACL's resource name matches: the name itself (or {@code *}, every name), or every name it starts. */
public enum PatternType {
  LITERAL,
  PREFIXED
}
