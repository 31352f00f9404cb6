package io.streamgate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.AuthenticationException;
import io.streamgate.cluster.security.NewApiKey;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node started with {@code auth=on}: its NodeSecurity authenticates the keys and answers by the
 * ACLs of the node's metadata log, and takes the JWTs of the configured key; a restarted node still
 * has its keys and ACLs.
 */
class NodeSecurityWiringTest {
  @TempDir Path dir;

  private static <T> T await(Future<T> future) {
    return future.toCompletionStage().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  @Test
  void keysAclsAndTokensOfARunningNodeAndAfterItsRestart() throws Exception {
    Vertx vertx = Vertx.vertx();
    JwtTokens issuer = JwtTokens.rsa(vertx, null);
    Path key = Files.writeString(dir.resolve("issuer.pem"), issuer.publicKeyPem());
    Map<String, String> overrides = Map.of("auth", "on", "auth-bootstrap-key", "bootstrap-secret-0123", "auth-jwt-public-key",
        key.toString(), "auth-jwt-issuer", "https://issuer.test", "auth-jwt-audience", "streamgate");
    Path data = dir.resolve("data");
    AclBinding aliceReads = new AclBinding(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", "*", AclOperation.READ,
        AclPermission.ALLOW);
    StreamgateNode node = TestNodes.start(data, overrides);
    NewApiKey alice;
    try {
      NodeSecurity security = node.security();
      alice = security.accessControl().createApiKey(Principal.user("alice")).get(20, TimeUnit.SECONDS);
      security.accessControl().createAcls(List.of(aliceReads)).get(20, TimeUnit.SECONDS);

      assertThat(await(security.authenticate(alice.secret(), "http", "127.0.0.1:1")).principal()).isEqualTo(Principal.user("alice"));
      assertThat(await(security.authenticate("bootstrap-secret-0123", "http", "127.0.0.1:1")).principal()).isEqualTo(Principal.BOOTSTRAP);
      assertThat(await(security.authenticate(issuer.sign(JwtTokens.claims("alice")), "http", "127.0.0.1:1")).principal())
          .isEqualTo(Principal.user("alice"));
      assertThat(security.authorize(Principal.user("alice"), "http", "127.0.0.1:1", AclOperation.READ, ResourceType.TOPIC, "orders"))
          .isTrue();
      assertThat(security.authorize(Principal.user("alice"), "http", "127.0.0.1:1", AclOperation.WRITE, ResourceType.TOPIC, "orders"))
          .isFalse();
    } finally {
      TestNodes.stop(node);
    }

    StreamgateNode again = TestNodes.start(data, overrides);
    try {
      NodeSecurity security = again.security();
      assertThat(await(security.authenticate(alice.secret(), "kafka", "127.0.0.1:2")).principal()).isEqualTo(Principal.user("alice"));
      assertThat(security.accessControl().acls()).containsExactly(aliceReads);
      security.accessControl().revokeApiKey(alice.key().id()).get(20, TimeUnit.SECONDS);
      assertThat(security.authenticate(alice.secret(), "kafka", "127.0.0.1:2").toCompletionStage().toCompletableFuture()
          .handle((principal, failure) -> failure).join()).isInstanceOf(AuthenticationException.class);
    } finally {
      TestNodes.stop(again);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
