package io.streamgate.gateway.security;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The node's key and certificate for every handshake, swapped whole by {@link #use}. A handshake
 * asks for an alias, then for that alias's chain and key: the alias names the generation it came
 * from, so a swap between the questions cannot pair one generation's chain with another's key.
 * Thread-safe.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final char[] IN_MEMORY = "in-memory".toCharArray();

  /** One reading of the files: its number prefixes the aliases it hands out. */
  private record Generation(long number, TlsMaterial material, X509ExtendedKeyManager keys) {
    String alias(String alias) {
      return alias == null ? null : number + "/" + alias;
    }
  }

  private volatile Generation current;
  private volatile Generation previous;

  ReloadingKeyManager(TlsMaterial material) {
    current = generation(0, material);
  }

  TlsMaterial current() {
    return current.material();
  }

  synchronized void use(TlsMaterial material) {
    Generation next = generation(current.number() + 1, material);
    previous = current;
    current = next;
  }

  private static Generation generation(long number, TlsMaterial material) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("node", material.key(), IN_MEMORY, material.chain());
      KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
      factory.init(store, IN_MEMORY);
      return new Generation(number, material, (X509ExtendedKeyManager) factory.getKeyManagers()[0]);
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalArgumentException("the key and certificate cannot be used for TLS: " + e.getMessage(), e);
    }
  }

  /** The generation an alias came from: the current one, or the one before it for a handshake that straddled a swap. */
  private Generation of(String alias) {
    Generation now = current;
    Generation before = previous;
    int slash = alias == null ? -1 : alias.indexOf('/');
    if (slash < 0) {
      return null;
    }
    String number = alias.substring(0, slash);
    if (number.equals(Long.toString(now.number()))) {
      return now;
    }
    return before != null && number.equals(Long.toString(before.number())) ? before : null;
  }

  private static String inner(String alias) {
    return alias.substring(alias.indexOf('/') + 1);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Generation generation = of(alias);
    return generation == null ? null : generation.keys().getCertificateChain(inner(alias));
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Generation generation = of(alias);
    return generation == null ? null : generation.keys().getPrivateKey(inner(alias));
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    Generation generation = current;
    return prefixed(generation, generation.keys().getClientAliases(keyType, issuers));
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    Generation generation = current;
    return prefixed(generation, generation.keys().getServerAliases(keyType, issuers));
  }

  private static String[] prefixed(Generation generation, String[] aliases) {
    if (aliases == null) {
      return null;
    }
    String[] named = new String[aliases.length];
    for (int i = 0; i < aliases.length; i++) {
      named[i] = generation.alias(aliases[i]);
    }
    return named;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    Generation generation = current;
    return generation.alias(generation.keys().chooseClientAlias(keyTypes, issuers, socket));
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    Generation generation = current;
    return generation.alias(generation.keys().chooseServerAlias(keyType, issuers, socket));
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    Generation generation = current;
    return generation.alias(generation.keys().chooseEngineClientAlias(keyTypes, issuers, engine));
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    Generation generation = current;
    return generation.alias(generation.keys().chooseEngineServerAlias(keyType, issuers, engine));
  }
}
