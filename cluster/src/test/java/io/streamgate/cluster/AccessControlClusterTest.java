package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.TestCluster.Node;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AccessControlLimitException;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclFilter;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.ApiKeyNotFoundException;
import io.streamgate.cluster.security.NewApiKey;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACLs and API keys in the metadata log, on nodes in one JVM: made through any node, the same on
 * every node, revoked everywhere, and still there after the nodes restart.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AccessControlClusterTest {
  private static final Duration SPREAD = Duration.ofSeconds(20);

  @TempDir Path dataDir;

  private TestCluster cluster;

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static AccessControl access(Node node) {
    return node.service().accessControl();
  }

  private static <T> T get(CompletableFuture<T> future) {
    try {
      return future.get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static AclBinding allow(String principal, AclOperation operation, String topic) {
    return new AclBinding(ResourceType.TOPIC, topic, PatternType.LITERAL, principal, "*", operation, AclPermission.ALLOW);
  }

  @Test
  void keysAndAclsMadeOnOneNodeHoldOnEveryNodeUntilRevokedAndAcrossARestart() {
    cluster = TestCluster.start(dataDir, 3);
    Node first = cluster.node("node-1");
    Node second = cluster.node("node-2");
    Node third = cluster.node("node-3");

    NewApiKey alice = get(access(first).createApiKey(Principal.user("alice")));
    NewApiKey bob = get(access(second).createApiKey(Principal.user("bob")));
    // The proposer answers once it applied the change: its own reads see it at once.
    assertThat(access(first).authenticate(alice.secret())).contains(Principal.user("alice"));
    for (Node node : cluster.alive()) {
      await(node.id()).atMost(SPREAD).until(() -> access(node).authenticate(alice.secret()).isPresent()
          && access(node).authenticate(bob.secret()).isPresent());
      assertThat(access(node).authenticate(alice.secret())).contains(Principal.user("alice"));
      assertThat(access(node).authenticate(bob.secret())).contains(Principal.user("bob"));
      assertThat(access(node).authenticate(alice.secret() + "x")).as("a wrong secret for alice's key id").isEmpty();
      assertThat(access(node).apiKeys()).extracting(key -> key.id()).containsExactlyInAnyOrder(alice.key().id(), bob.key().id());
    }

    List<AclBinding> acls = List.of(allow("User:alice", AclOperation.READ, "orders"), allow("User:alice", AclOperation.WRITE, "orders"),
        allow("User:bob", AclOperation.READ, "orders"));
    get(access(second).createAcls(acls));
    get(access(third).createAcls(List.of(acls.get(0)))); // there already: kept once
    List<AclBinding> removed = get(access(third).deleteAcls(new AclFilter(Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.of("User:alice"), Optional.empty(), Optional.of(AclOperation.WRITE), Optional.empty())));
    assertThat(removed).containsExactly(acls.get(1));
    List<AclBinding> expected = List.of(acls.get(0), acls.get(2));
    for (Node node : cluster.alive()) {
      await(node.id()).atMost(SPREAD).until(() -> access(node).acls().equals(expected));
    }

    get(access(third).revokeApiKey(alice.key().id()));
    for (Node node : cluster.alive()) {
      await(node.id()).atMost(SPREAD).until(() -> access(node).authenticate(alice.secret()).isEmpty());
      assertThat(access(node).authenticate(bob.secret())).contains(Principal.user("bob"));
    }
    assertThatThrownBy(() -> access(first).revokeApiKey(alice.key().id()).get(20, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ApiKeyNotFoundException.class);

    // A node back from a crash has them from its own log (and the others' for what it missed).
    cluster.kill(second.id());
    NewApiKey carol = get(access(first).createApiKey(Principal.user("carol")));
    Node back = cluster.restart(second.id());
    await(back.id()).atMost(SPREAD).until(() -> access(back).authenticate(carol.secret()).isPresent());
    assertThat(access(back).authenticate(bob.secret())).contains(Principal.user("bob"));
    assertThat(access(back).authenticate(alice.secret())).isEmpty();
    assertThat(access(back).acls()).isEqualTo(expected);
  }

  @Test
  void aSingleNodeKeepsItsKeysAndAclsOverARestartAndRefusesWhatIsBeyondTheLimits() {
    cluster = TestCluster.start(dataDir, 1);
    Node node = cluster.node("node-1");
    NewApiKey alice = get(access(node).createApiKey(Principal.user("alice")));
    AclBinding acl = new AclBinding(ResourceType.GROUP, "billing-", PatternType.PREFIXED, "User:alice", "*", AclOperation.READ,
        AclPermission.ALLOW);
    get(access(node).createAcls(List.of(acl)));

    AclBinding tooLong = allow("User:alice", AclOperation.READ, "t".repeat(256));
    assertThatThrownBy(() -> access(node).createAcls(List.of(tooLong)).get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(AccessControlLimitException.class).hasMessageContaining("at most 255 characters");
    assertThatThrownBy(() -> access(node).createApiKey(Principal.user("a".repeat(300))).get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(AccessControlLimitException.class);
    assertThatThrownBy(() -> access(node).createApiKey(Principal.BOOTSTRAP).get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(AccessControlLimitException.class).hasMessageContaining("reserved User:bootstrap");
    assertThat(access(node).apiKeys()).hasSize(1);

    cluster.kill(node.id());
    Node back = cluster.restart(node.id());
    assertThat(access(back).authenticate(alice.secret())).contains(Principal.user("alice"));
    assertThat(access(back).acls()).containsExactly(acl);
  }
}
