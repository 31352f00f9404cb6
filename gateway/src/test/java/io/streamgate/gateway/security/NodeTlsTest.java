package io.streamgate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.streamgate.cluster.security.AuthenticationException;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.ConfigLoader;
import io.streamgate.gateway.GatewayConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A node's TLS ({@link NodeTls}) on a plain Vert.x TCP server, with certificates from {@code
 * scripts/make-test-certs.sh}: client certificates asked for and checked, the principal they name,
 * and certificate files replaced (or broken) while the server runs.
 */
class NodeTlsTest {
  @TempDir static Path certsRoot;
  static TestCerts ours;
  static TestCerts others;
  static Vertx vertx;

  @TempDir Path work;
  private NodeTls tls;
  private NetServer server;
  /** The principal each accepted connection's certificate named (empty: none). */
  private final BlockingQueue<Optional<Principal>> principals = new LinkedBlockingQueue<>();
  /** Each accepted connection's TLS session. */
  private final BlockingQueue<SSLSession> sessions = new LinkedBlockingQueue<>();

  @BeforeAll
  static void makeCertificates() {
    ours = TestCerts.make(certsRoot.resolve("ours"), "alice bootstrap");
    others = TestCerts.make(certsRoot.resolve("others"));
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close().await(10, TimeUnit.SECONDS);
    }
    if (tls != null) {
      tls.close();
    }
  }

  @Test
  void aRequiredClientCertificateNamesThePrincipal() throws Exception {
    int port = serve(Map.of("tls-client-auth", "required"));

    assertThat(greeting(port, ours.as("alice"))).isEqualTo("ok");
    assertThat(principals.poll(10, TimeUnit.SECONDS)).contains(Principal.user("alice"));
  }

  @Test
  void requiredClientAuthRefusesAClientWithoutACertificate() throws Exception {
    int port = serve(Map.of("tls-client-auth", "required"));

    assertThatThrownBy(() -> greeting(port, ours.trustingCa())).isInstanceOf(IOException.class);
    assertThat(principals.poll(300, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void aClientCertificateOfAnotherCaIsRefused() throws Exception {
    int port = serve(Map.of("tls-client-auth", "required"));

    assertThatThrownBy(() -> greeting(port, others.as("alice", ours))).isInstanceOf(IOException.class);
    assertThat(principals.poll(300, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void requestedClientAuthNeverTakesACertificateOfAnotherCa() throws Exception {
    int port = serve(Map.of("tls-client-auth", "request"));

    // A JDK client sends no certificate the node's list of CAs does not name: served, as no one.
    assertThat(greeting(port, others.as("alice", ours))).isEqualTo("ok");
    assertThat(principals.poll(10, TimeUnit.SECONDS)).isEmpty();
    // A client that sends it anyway is refused at the handshake.
    assertThatThrownBy(() -> greeting(port, others.insistingAs("alice", ours))).isInstanceOf(IOException.class);
    assertThat(principals.poll(300, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void requestedClientAuthLetsAClientWithoutACertificateInWithNoPrincipal() throws Exception {
    int port = serve(Map.of("tls-client-auth", "request"));

    assertThat(greeting(port, ours.trustingCa())).isEqualTo("ok");
    assertThat(principals.poll(10, TimeUnit.SECONDS)).isEmpty();
    assertThat(greeting(port, ours.as("alice"))).isEqualTo("ok");
    assertThat(principals.poll(10, TimeUnit.SECONDS)).contains(Principal.user("alice"));
  }

  @Test
  void withAuthenticationOnAClientCertificateAuthenticatesAndItsAbsenceIsRefused() throws Exception {
    int port = serve(Map.of("tls-client-auth", "request"));
    // No JWTs and no keys asked for: a certificate alone names the principal.
    NodeSecurity security = new NodeSecurity(vertx, ConfigLoader.fromMap(Map.of("node-id", "tls-test", "auth", "on")).security(),
        () -> null);

    greeting(port, ours.as("alice"));
    assertThat(security.authenticateCertificate(sessions.poll(10, TimeUnit.SECONDS), "mqtt", "127.0.0.1:1").await(10, TimeUnit.SECONDS))
        .isEqualTo(Authenticated.lasting(Principal.user("alice")));
    greeting(port, ours.trustingCa());
    SSLSession withoutCertificate = sessions.poll(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> security.authenticateCertificate(withoutCertificate, "mqtt", "127.0.0.1:1").await(10, TimeUnit.SECONDS))
        .isInstanceOf(AuthenticationException.class);
  }

  @Test
  void aCertificateNamedLikeTheBootstrapSuperUserNamesNoPrincipal() throws Exception {
    int port = serve(Map.of("tls-client-auth", "required"));

    assertThat(greeting(port, ours.as("bootstrap"))).isEqualTo("ok");
    assertThat(principals.poll(10, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void aClientTrustingAnotherCaRefusesTheNode() throws Exception {
    int port = serve(Map.of());

    assertThatThrownBy(() -> greeting(port, others.trustingCa())).isInstanceOf(IOException.class);
    assertThat(greeting(port, ours.trustingCa())).isEqualTo("ok");
  }

  @Test
  void aPkcs12KeystoreServesItsCertificate() throws Exception {
    int port = serve(Map.of("tls-cert", "", "tls-key", "", "tls-keystore", ours.keystore("node").toString(),
        "tls-keystore-password", TestCerts.PASSWORD));

    assertThat(TestCerts.presentedBy(port)).isEqualTo(ours.certificate("node"));
    assertThat(greeting(port, ours.trustingCa())).isEqualTo("ok");
  }

  @Test
  void replacedCertificateFilesAreServedAtTheNextHandshake() throws Exception {
    Path cert = copy(ours.cert("node"), "node.pem");
    Path key = copy(ours.key("node"), "node.key");
    int port = serve(Map.of("tls-cert", cert.toString(), "tls-key", key.toString(), "tls-reload-interval-ms", "100"));
    assertThat(TestCerts.presentedBy(port)).isEqualTo(ours.certificate("node"));

    replace(key, others.key("node"));
    replace(cert, others.cert("node"));

    await().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(TestCerts.presentedBy(port)).isEqualTo(others.certificate("node")));
    assertThat(greeting(port, others.trustingCa())).isEqualTo("ok");
  }

  @Test
  void brokenFilesAreLoggedOnceAndThePreviousCertificateKept() throws Exception {
    Path cert = copy(ours.cert("node"), "node.pem");
    Path key = copy(ours.key("node"), "node.key");
    // Reloads only when the test asks (reloadIfChanged), so that it sees each step.
    int port = serve(Map.of("tls-cert", cert.toString(), "tls-key", key.toString(), "tls-reload-interval-ms", "86400000"));
    Logger logger = (Logger) LoggerFactory.getLogger(NodeTls.class);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
    try {
      // Half a replacement: the new certificate, still the old key.
      replace(cert, others.cert("node"));
      tls.reloadIfChanged();
      tls.reloadIfChanged();
      assertThat(TestCerts.presentedBy(port)).isEqualTo(ours.certificate("node"));
      assertThat(log.list).filteredOn(event -> event.getLevel() == Level.WARN).extracting(ILoggingEvent::getFormattedMessage)
          .singleElement().asString().contains("does not belong to the certificate").contains("keeps serving the previous certificate");

      Files.writeString(key, "not a key", StandardCharsets.US_ASCII);
      tls.reloadIfChanged();
      assertThat(TestCerts.presentedBy(port)).isEqualTo(ours.certificate("node"));
      assertThat(greeting(port, ours.trustingCa())).isEqualTo("ok");

      replace(key, others.key("node"));
      tls.reloadIfChanged();
      assertThat(TestCerts.presentedBy(port)).isEqualTo(others.certificate("node"));
      assertThat(log.list).filteredOn(event -> event.getLevel() == Level.WARN).hasSize(2);
    } finally {
      logger.detachAppender(log);
    }
  }

  @Test
  void unusableFilesAtStartAreRefusedNamingTheProblem() throws Exception {
    Path key = copy(others.key("node"), "node.key");
    GatewayConfig.Tls config = config(Map.of("tls-key", key.toString()));

    assertThatThrownBy(() -> NodeTls.start(config)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not belong to the certificate");
  }

  /** A TLS server with the node's TLS from our CA's files and {@code overrides}; it greets each client with "ok". */
  private int serve(Map<String, String> overrides) throws Exception {
    tls = NodeTls.start(config(overrides));
    NetServerOptions options = new NetServerOptions().setHost("127.0.0.1").setPort(0);
    tls.secure(options);
    server = vertx.createNetServer(options).connectHandler(socket -> {
      principals.add(TlsPrincipals.of(socket.sslSession()));
      sessions.add(socket.sslSession());
      socket.write(Buffer.buffer("ok"));
    }).listen().await(10, TimeUnit.SECONDS);
    return server.actualPort();
  }

  private static GatewayConfig.Tls config(Map<String, String> overrides) {
    Map<String, String> values = new HashMap<>(Map.of("node-id", "tls-test", "tls-cert", ours.cert("node").toString(), "tls-key",
        ours.key("node").toString(), "tls-ca", ours.ca().toString()));
    values.putAll(overrides);
    return ConfigLoader.fromMap(values).tls();
  }

  /** What the server says first to a client of {@code context}, after a full handshake. */
  private static String greeting(int port, SSLContext context) throws IOException {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      InputStream in = socket.getInputStream();
      byte[] greeting = in.readNBytes(2);
      if (greeting.length < 2) {
        throw new IOException("the server closed the connection");
      }
      return new String(greeting, StandardCharsets.US_ASCII);
    }
  }

  private Path copy(Path from, String name) throws IOException {
    return Files.copy(from, work.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  /** Replaces {@code target} as an operator's tool would, in one rename. */
  private static void replace(Path target, Path with) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.copy(with, temp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
