package io.streamgate.gateway.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * Certificates made by {@code scripts/make-test-certs.sh} (a CA of their own per directory), and the
 * client-side TLS contexts tests connect with.
 */
public record TestCerts(Path dir) {
  public static final String PASSWORD = "streamgate";
  private static final Path SCRIPT = Path.of("..", "scripts", "make-test-certs.sh");

  /** Runs the script into {@code dir}: a new CA, {@code node}, and clients alice and bob. */
  public static TestCerts make(Path dir) {
    return make(dir, "alice bob");
  }

  /** Runs the script into {@code dir}: a new CA, {@code node}, and a client per name in {@code clients} (space-separated). */
  public static TestCerts make(Path dir, String clients) {
    try {
      ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), dir.toString()).redirectErrorStream(true);
      builder.environment().put("CLIENTS", clients);
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("make-test-certs.sh failed: " + output);
      }
      return new TestCerts(dir);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Path ca() {
    return dir.resolve("ca.pem");
  }

  public Path cert(String name) {
    return dir.resolve(name + ".pem");
  }

  public Path key(String name) {
    return dir.resolve(name + ".key");
  }

  public Path keystore(String name) {
    return dir.resolve(name + ".p12");
  }

  public X509Certificate certificate(String name) {
    try (InputStream in = Files.newInputStream(cert(name))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A client context trusting this CA only, presenting no certificate. */
  public SSLContext trustingCa() {
    return context(null, this);
  }

  /** A client context trusting this CA and presenting {@code client}'s certificate. */
  public SSLContext as(String client) {
    return context(client, this);
  }

  /** A client context presenting this CA's {@code client} certificate to a server of {@code server}'s CA. */
  public SSLContext as(String client, TestCerts server) {
    return context(client, server);
  }

  /**
   * Like {@link #as(String, TestCerts)}, but presenting the certificate whatever CAs the server says
   * it accepts (a JDK client otherwise sends none the server's list does not name; other clients may).
   */
  public SSLContext insistingAs(String client, TestCerts server) {
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystore(client))) {
        keys.load(in, PASSWORD.toCharArray());
      }
      // SunX509 names entries by their keystore alias, which the script sets to the client's name.
      KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
      factory.init(keys, PASSWORD.toCharArray());
      X509ExtendedKeyManager keyManager = (X509ExtendedKeyManager) factory.getKeyManagers()[0];
      X509ExtendedKeyManager insisting = new X509ExtendedKeyManager() {
        @Override
        public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
          return client;
        }

        @Override
        public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
          return client;
        }

        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
          return new String[] {client};
        }

        @Override
        public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
          return null;
        }

        @Override
        public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
          return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
          return keyManager.getCertificateChain(alias);
        }

        @Override
        public java.security.PrivateKey getPrivateKey(String alias) {
          return keyManager.getPrivateKey(alias);
        }
      };
      SSLContext context = SSLContext.getInstance("TLS");
      TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", server.certificate("ca"));
      trustManagers.init(trust);
      context.init(new javax.net.ssl.KeyManager[] {insisting}, trustManagers.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private SSLContext context(String client, TestCerts trusted) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", trusted.certificate("ca"));
      TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
      trustManagers.init(trust);
      KeyManagerFactory keyManagers = null;
      if (client != null) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore(client))) {
          keys.load(in, PASSWORD.toCharArray());
        }
        keyManagers = KeyManagerFactory.getInstance("PKIX");
        keyManagers.init(keys, PASSWORD.toCharArray());
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The certificate a TLS server on {@code port} presents to a new client (a fresh context: no session
   * to resume), whatever CA signed it.
   */
  public static X509Certificate presentedBy(int port) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new javax.net.ssl.TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
