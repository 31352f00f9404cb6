package io.streamgate.cluster.security;

import java.util.Objects;

/**
 * Who a request acts for, whatever the protocol it came by: an API key's owner, a token's subject, a
 * certificate's subject, a SASL user. Written as Kafka writes it, {@code type:name} ({@code User:alice}),
 * so that ACLs made with Kafka's tools name the same principals.
 */
public record Principal(String type, String name) {
  public static final String USER = "User";
  /** Every request when authentication is off, and no one when it is on. */
  public static final Principal ANONYMOUS = new Principal(USER, "ANONYMOUS");
  /** The holder of {@code auth-bootstrap-key}: a super-user. */
  public static final Principal BOOTSTRAP = new Principal(USER, "bootstrap");
  /** ACLs for {@code User:*} apply to every principal. */
  public static final String WILDCARD = "*";

  public Principal {
    Objects.requireNonNull(type);
    Objects.requireNonNull(name);
    if (type.isEmpty() || type.contains(":")) {
      throw new IllegalArgumentException("a principal's type must be non-empty and without ':', was '" + type + "'");
    }
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a principal needs a name");
    }
  }

  public static Principal user(String name) {
    return new Principal(USER, name);
  }

  /** Reads {@code type:name}; a name alone is a {@code User}. */
  public static Principal parse(String text) {
    int colon = text.indexOf(':');
    return colon < 0 ? user(text) : new Principal(text.substring(0, colon), text.substring(colon + 1));
  }

  @Override
  public String toString() {
    return type + ":" + name;
  }
}
