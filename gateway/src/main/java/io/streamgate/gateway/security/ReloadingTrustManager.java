package io.streamgate.gateway.security;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks a peer's certificate chain (PKIX: signatures, validity, a path to a trusted CA) against the
 * CAs of {@code tls-ca}, swapped by {@link #use}. With no CA configured it trusts nothing. Thread-safe.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
  /** Null: no CA configured. */
  private volatile X509ExtendedTrustManager current;

  ReloadingTrustManager(TlsMaterial material) {
    current = of(material.trustedCas());
  }

  void use(TlsMaterial material) {
    current = of(material.trustedCas());
  }

  private static X509ExtendedTrustManager of(List<X509Certificate> cas) {
    if (cas.isEmpty()) {
      return null;
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        store.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(store);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JDK's PKIX trust manager factory made no X509ExtendedTrustManager");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalArgumentException("the CA certificates cannot be used for TLS: " + e.getMessage(), e);
    }
  }

  private X509ExtendedTrustManager trusting() throws CertificateException {
    X509ExtendedTrustManager trusting = current;
    if (trusting == null) {
      throw new CertificateException("no CA is trusted (tls-ca is not set)");
    }
    return trusting;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    trusting().checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    trusting().checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    trusting().checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    trusting().checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    trusting().checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    trusting().checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    X509ExtendedTrustManager trusting = current;
    return trusting == null ? new X509Certificate[0] : trusting.getAcceptedIssuers();
  }
}
