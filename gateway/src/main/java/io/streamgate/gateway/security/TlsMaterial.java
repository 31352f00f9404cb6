package io.streamgate.gateway.security;

import io.streamgate.gateway.GatewayConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node's key and certificate chain and the CAs it trusts, as read from the configured files at
 * one moment, with a digest of those files' bytes (a changed digest: files to read again). Reading
 * checks that the key belongs to the certificate, so that a certificate replaced before its key
 * reads as broken rather than as a node that fails every handshake. Blocking (file reads).
 */
record TlsMaterial(PrivateKey key, X509Certificate[] chain, List<X509Certificate> trustedCas, String digest) {
  private static final Pattern PEM_KEY =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");

  /** The digest of the configured files as they are now, to tell whether {@link #read} would read something new. */
  static String digestOf(GatewayConfig.Tls config) throws IOException {
    MessageDigest sha256 = sha256();
    for (Path file : files(config)) {
      sha256.update(Files.readAllBytes(file));
    }
    return Base64.getEncoder().encodeToString(sha256.digest());
  }

  /** Reads the configured files; an {@link IllegalArgumentException} or {@link IOException} says what is wrong with which. */
  static TlsMaterial read(GatewayConfig.Tls config) throws IOException {
    MessageDigest sha256 = sha256();
    List<Path> files = files(config);
    byte[][] contents = new byte[files.size()][];
    for (int i = 0; i < contents.length; i++) {
      contents[i] = Files.readAllBytes(files.get(i));
      sha256.update(contents[i]);
    }
    String digest = Base64.getEncoder().encodeToString(sha256.digest());
    PrivateKey key;
    X509Certificate[] chain;
    int next = 0;
    if (config.certPath() != null) {
      chain = certificates(contents[next++], config.certPath()).toArray(X509Certificate[]::new);
      key = pemKey(contents[next++], config.keyPath());
    } else {
      KeyEntry entry = pkcs12(contents[next++], config.keystorePath(), config.keystorePassword());
      chain = entry.chain();
      key = entry.key();
    }
    if (chain.length == 0) {
      throw new IllegalArgumentException("no certificate in " + (config.certPath() != null ? config.certPath() : config.keystorePath()));
    }
    checkPair(key, chain[0]);
    List<X509Certificate> cas = config.caPath() == null ? List.of() : certificates(contents[next], config.caPath());
    if (config.caPath() != null && cas.isEmpty()) {
      throw new IllegalArgumentException("no certificate in " + config.caPath());
    }
    return new TlsMaterial(key, chain, cas, digest);
  }

  private static List<Path> files(GatewayConfig.Tls config) {
    List<Path> files = new ArrayList<>();
    if (config.certPath() != null) {
      files.add(config.certPath());
      files.add(config.keyPath());
    } else {
      files.add(config.keystorePath());
    }
    if (config.caPath() != null) {
      files.add(config.caPath());
    }
    return files;
  }

  private static List<X509Certificate> certificates(byte[] pem, Path file) {
    try {
      Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
      return read.stream().map(X509Certificate.class::cast).toList();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(file + " does not hold PEM certificates: " + e.getMessage());
    }
  }

  /** A PKCS#8 PEM key ({@code BEGIN PRIVATE KEY}), RSA, EC or EdDSA. */
  private static PrivateKey pemKey(byte[] pem, Path file) {
    Matcher matcher = PEM_KEY.matcher(new String(pem, StandardCharsets.US_ASCII));
    if (!matcher.find()) {
      throw new IllegalArgumentException(file + " holds no PEM private key");
    }
    if (!matcher.group(1).isEmpty()) {
      throw new IllegalArgumentException(file + " holds a " + matcher.group(1).trim() + " key; give it as unencrypted PKCS#8 "
          + "(openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8)");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(matcher.group(2)));
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException notThisOne) {
        // Try the next algorithm.
      }
    }
    throw new IllegalArgumentException(file + " holds a private key that is not RSA, EC or EdDSA");
  }

  private record KeyEntry(PrivateKey key, X509Certificate[] chain) {}

  private static KeyEntry pkcs12(byte[] bytes, Path file, String password) throws IOException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(new ByteArrayInputStream(bytes), password.toCharArray());
      for (Enumeration<String> aliases = store.aliases(); aliases.hasMoreElements();) {
        String alias = aliases.nextElement();
        if (store.isKeyEntry(alias)) {
          Certificate[] chain = store.getCertificateChain(alias);
          return new KeyEntry((PrivateKey) store.getKey(alias, password.toCharArray()),
              chain == null ? new X509Certificate[0] : java.util.Arrays.copyOf(chain, chain.length, X509Certificate[].class));
        }
      }
      throw new IllegalArgumentException(file + " holds no private key entry");
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(file + " is not a PKCS#12 keystore this password opens: " + e.getMessage());
    }
  }

  /** The key must sign what the certificate's public key verifies. */
  private static void checkPair(PrivateKey key, X509Certificate certificate) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> key.getAlgorithm();
    };
    try {
      byte[] probe = "streamgate".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      if (verifier.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // A key of another type than the certificate's: not its key.
    }
    throw new IllegalArgumentException("the private key does not belong to the certificate " + certificate.getSubjectX500Principal());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
