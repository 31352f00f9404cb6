package io.streamgate.gateway.security;

import io.streamgate.cluster.security.Principal;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The principal a client certificate names: {@code User:<CN>}, the most specific common name of the
 * certificate's subject. Only a certificate the handshake verified counts (a session has peer
 * certificates only then). The names the node gives itself ({@code ANONYMOUS}, {@code bootstrap})
 * are never taken from a certificate: a CA that signs one would otherwise mint a super-user.
 */
public final class TlsPrincipals {
  private static final List<Principal> RESERVED = List.of(Principal.ANONYMOUS, Principal.BOOTSTRAP);

  private TlsPrincipals() {}

  /** The principal of the session's verified client certificate; empty without one, or when its subject has no usable CN. */
  public static Optional<Principal> of(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException noCertificate) {
      return Optional.empty();
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
      return Optional.empty();
    }
    return commonName(certificate.getSubjectX500Principal().getName()).map(Principal::user)
        .filter(principal -> !RESERVED.contains(principal));
  }

  /** The most specific CN of an RFC 2253 name ({@code CN=alice,OU=ops,O=example}: alice). */
  static Optional<String> commonName(String distinguishedName) {
    List<Rdn> rdns;
    try {
      rdns = new LdapName(distinguishedName).getRdns();
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
    // LdapName lists the least specific first.
    for (int i = rdns.size() - 1; i >= 0; i--) {
      if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
        String name = String.valueOf(rdns.get(i).getValue()).trim();
        return name.isEmpty() ? Optional.empty() : Optional.of(name);
      }
    }
    return Optional.empty();
  }
}
