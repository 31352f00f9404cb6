package io.streamgate.gateway.security;

import io.streamgate.gateway.GatewayConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for a node's listeners and its event bus: one key manager and one trust manager that every
 * TLS server of the node shares, over the certificate, key and CAs of the configured files. A thread
 * of its own ({@code streamgate-tls-reload}) reads the files every {@code tls-reload-interval-ms}; when
 * their bytes changed and read well, the next handshake of every listener uses them (no restart, no
 * new server options: an MQTT server has no {@code updateSSLOptions}); when they read badly, the
 * reason is logged and the previous ones stay. The event bus reads the files once, at start (see
 * {@link #secure(EventBusOptions)}). Thread-safe.
 */
public final class NodeTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeTls.class);

  /** A node without a certificate: no listener encrypts. */
  public static final NodeTls NONE = new NodeTls(null, null, null, null);

  private final GatewayConfig.Tls config;
  private final ReloadingKeyManager keys;
  private final ReloadingTrustManager trust;
  private final ScheduledExecutorService reloader;
  /** The reason the files last failed to read, logged once until it changes; touched by the reload thread only. */
  private String lastFailure;
  private String failedDigest;

  private NodeTls(GatewayConfig.Tls config, ReloadingKeyManager keys, ReloadingTrustManager trust, ScheduledExecutorService reloader) {
    this.config = config;
    this.keys = keys;
    this.trust = trust;
    this.reloader = reloader;
  }

  /**
   * Reads the configured files (blocking) and starts watching them; {@link #NONE} when no certificate
   * is configured.
   *
   * @throws IllegalArgumentException or {@link IOException} naming the file that cannot be used
   */
  public static NodeTls start(GatewayConfig.Tls config) throws IOException {
    if (!config.configured()) {
      return NONE;
    }
    TlsMaterial material = TlsMaterial.read(config);
    ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "streamgate-tls-reload");
      thread.setDaemon(true);
      return thread;
    });
    NodeTls tls = new NodeTls(config, new ReloadingKeyManager(material), new ReloadingTrustManager(material), reloader);
    LOG.info("TLS certificate {}", describe(material));
    reloader.scheduleWithFixedDelay(tls::reloadIfChanged, config.reloadIntervalMs(), config.reloadIntervalMs(), TimeUnit.MILLISECONDS);
    return tls;
  }

  /** Whether the HTTP listener (REST, WebSocket, SSE) encrypts. */
  public boolean http() {
    return config != null && config.http();
  }

  /** Whether the MQTT listeners (TCP and WebSocket) encrypt. */
  public boolean mqtt() {
    return config != null && config.mqtt();
  }

  /** Whether the Kafka listener encrypts. */
  public boolean kafka() {
    return config != null && config.kafka();
  }

  /** Whether the event bus between nodes encrypts, with a certificate on both ends. */
  public boolean cluster() {
    return config != null && config.cluster();
  }

  /** Makes {@code options} a TLS server's with the node's certificate, asking clients for theirs as configured. */
  public void secure(NetServerOptions options) {
    options.setSsl(true).setKeyCertOptions(KeyCertOptions.wrap(keys)).setClientAuth(config.clientAuth());
    if (config.caPath() != null) {
      options.setTrustOptions(TrustOptions.wrap(trust));
    }
  }

  /**
   * Makes the event bus TLS both ways: each node presents its certificate and checks its peer's
   * against {@code tls-ca}. Vert.x copies the event bus's options through JSON, which keeps file
   * options only: the event bus reads the files when it starts, and a reload does not reach it.
   */
  public void secure(EventBusOptions options) {
    options.setSsl(true).setTrustOptions(new PemTrustOptions().addCertPath(config.caPath().toString()))
        .setClientAuth(ClientAuth.REQUIRED);
    if (config.certPath() != null) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.certPath().toString())
          .setKeyPath(config.keyPath().toString()));
    } else {
      options.setKeyCertOptions(new PfxOptions().setPath(config.keystorePath().toString()).setPassword(config.keystorePassword()));
    }
  }

  /** Reads the files again if their bytes changed since they last read well (or badly). Runs on the reload thread. */
  void reloadIfChanged() {
    try {
      String digest = TlsMaterial.digestOf(config);
      if (digest.equals(keys.current().digest()) || digest.equals(failedDigest)) {
        return;
      }
      TlsMaterial material;
      try {
        material = TlsMaterial.read(config);
      } catch (IOException | RuntimeException e) {
        failedDigest = digest;
        throw e;
      }
      keys.use(material);
      trust.use(material);
      failedDigest = null;
      lastFailure = null;
      LOG.info("TLS certificate reloaded: {}", describe(material));
    } catch (IOException | RuntimeException e) {
      String failure = Objects.toString(e.getMessage(), e.toString());
      if (!failure.equals(lastFailure)) {
        lastFailure = failure;
        LOG.warn("TLS files changed but cannot be used ({}); the node keeps serving the previous certificate", failure);
      }
    }
  }

  private static String describe(TlsMaterial material) {
    var certificate = material.chain()[0];
    return "subject \"" + certificate.getSubjectX500Principal() + "\", serial " + certificate.getSerialNumber().toString(16)
        + ", valid until " + certificate.getNotAfter().toInstant() + ", " + material.trustedCas().size() + " trusted CA(s)";
  }

  @Override
  public void close() {
    if (reloader != null) {
      reloader.shutdownNow();
    }
  }
}
