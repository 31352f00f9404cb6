package io.streamgate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.config.Config;
import io.streamgate.cluster.ClusterOptions;
import io.streamgate.cluster.HazelcastSetup;
import io.streamgate.gateway.ConfigLoader;
import io.streamgate.testing.ListenPorts;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node-to-node security, on clustered Vert.x instances built as {@code StreamgateNode} builds its
 * own (Hazelcast from {@link HazelcastSetup}, the event bus made TLS by {@link NodeTls}): nodes with
 * certificates of the cluster's CA talk over the event bus, a member with a certificate of another CA
 * is refused both ways; a node without the cluster secret stays out of the membership.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterTlsTest {
  private static final String SECRET = "a-cluster-secret-of-this-test";
  private static final DeliveryOptions SHORT = new DeliveryOptions().setSendTimeout(3000);

  @TempDir static Path certsRoot;
  static TestCerts ours;
  static TestCerts others;

  private final List<Runnable> cleanups = new ArrayList<>();

  private record Node(Vertx vertx, HazelcastClusterManager membership) {
    int members() {
      return membership.getNodes().size();
    }
  }

  @BeforeAll
  static void makeCertificates() {
    ours = TestCerts.make(certsRoot.resolve("ours"));
    others = TestCerts.make(certsRoot.resolve("others"));
  }

  @AfterEach
  void stopNodes() {
    // Last started first.
    for (int i = cleanups.size() - 1; i >= 0; i--) {
      cleanups.get(i).run();
    }
  }

  @Test
  void nodesOfTheClustersCaTalkOverTlsAndAMemberOfAnotherCaIsRefused() throws Exception {
    int port = ListenPorts.next();
    Node a = start("a", port, List.of(), ours, "", Map.of());
    Node b = start("b", 0, List.of("127.0.0.1:" + port), ours, "", Map.of());
    Node c = start("c", 0, List.of("127.0.0.1:" + port), others, "", Map.of());
    // All three share the membership: what refuses c below is the event bus's TLS.
    await().atMost(Duration.ofSeconds(30)).until(() -> a.members() == 3 && c.members() == 3);
    AtomicInteger reachedB = new AtomicInteger();
    AtomicInteger reachedC = new AtomicInteger();
    a.vertx().eventBus().consumer("echo-a", message -> message.reply("a")).completion().await(10, TimeUnit.SECONDS);
    b.vertx().eventBus().consumer("echo-b", message -> {
      reachedB.incrementAndGet();
      message.reply("b");
    }).completion().await(10, TimeUnit.SECONDS);
    c.vertx().eventBus().consumer("echo-c", message -> {
      reachedC.incrementAndGet();
      message.reply("c");
    }).completion().await(10, TimeUnit.SECONDS);

    assertThat(a.vertx().eventBus().request("echo-b", "hi").await(10, TimeUnit.SECONDS).body()).isEqualTo("b");
    assertThat(b.vertx().eventBus().request("echo-a", "hi").await(10, TimeUnit.SECONDS).body()).isEqualTo("a");

    assertThatThrownBy(() -> a.vertx().eventBus().request("echo-c", "hi", SHORT).await(10, TimeUnit.SECONDS))
        .hasMessageContaining("Timed out");
    assertThatThrownBy(() -> c.vertx().eventBus().request("echo-b", "hi", SHORT).await(10, TimeUnit.SECONDS))
        .hasMessageContaining("Timed out");
    assertThat(reachedC).hasValue(0);
    assertThat(reachedB).hasValue(1);
  }

  @Test
  void aNodeWithoutTheClusterSecretStaysOutOfTheMembership() throws Exception {
    int port = ListenPorts.next();
    Node a = start("a", port, List.of(), ours, SECRET, Map.of());
    Node b = start("b", 0, List.of("127.0.0.1:" + port), ours, SECRET, Map.of());
    await().atMost(Duration.ofSeconds(30)).until(() -> a.members() == 2);
    // Gives up on its join within seconds, and starts a cluster of its own.
    Node stranger = start("stranger", 0, List.of("127.0.0.1:" + port), ours, "not-the-cluster-secret", Map.of("hazelcast.max.join.seconds",
        "5"));

    assertThat(stranger.members()).isEqualTo(1);
    assertThat(a.members()).isEqualTo(2);
    assertThat(b.members()).isEqualTo(2);
  }

  private Node start(String id, int port, List<String> join, TestCerts certs, String secret, Map<String, String> hazelcastProperties)
      throws Exception {
    ClusterOptions options = new ClusterOptions("127.0.0.1", port, join, 5000, 10000, true, 0, List.of());
    Config membership = HazelcastSetup.config(id, options, secret);
    hazelcastProperties.forEach(membership::setProperty);
    HazelcastClusterManager manager = new HazelcastClusterManager(membership);
    NodeTls tls = NodeTls.start(ConfigLoader.fromMap(Map.of("node-id", id, "tls-cert", certs.cert("node").toString(), "tls-key",
        certs.key("node").toString(), "tls-ca", certs.ca().toString(), "cluster-tls", "true")).tls());
    cleanups.add(tls::close);
    EventBusOptions eventBus = new EventBusOptions().setHost("127.0.0.1").setPort(0);
    tls.secure(eventBus);
    Vertx vertx = Vertx.builder().with(new VertxOptions().setEventBusOptions(eventBus)).withClusterManager(manager).buildClustered()
        .await(90, TimeUnit.SECONDS);
    cleanups.add(() -> {
      try {
        vertx.close().await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(id + " did not close", e);
      }
    });
    return new Node(vertx, manager);
  }
}
