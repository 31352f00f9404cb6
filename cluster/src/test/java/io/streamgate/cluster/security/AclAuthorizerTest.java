package io.streamgate.cluster.security;

import static io.streamgate.cluster.security.AclOperation.ALL;
import static io.streamgate.cluster.security.AclOperation.ALTER_CONFIGS;
import static io.streamgate.cluster.security.AclOperation.CREATE;
import static io.streamgate.cluster.security.AclOperation.DESCRIBE;
import static io.streamgate.cluster.security.AclOperation.DESCRIBE_CONFIGS;
import static io.streamgate.cluster.security.AclOperation.READ;
import static io.streamgate.cluster.security.AclOperation.WRITE;
import static io.streamgate.cluster.security.AclPermission.ALLOW;
import static io.streamgate.cluster.security.AclPermission.DENY;
import static io.streamgate.cluster.security.PatternType.LITERAL;
import static io.streamgate.cluster.security.PatternType.PREFIXED;
import static io.streamgate.cluster.security.ResourceType.GROUP;
import static io.streamgate.cluster.security.ResourceType.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AclAuthorizerTest {
  private static final Principal ALICE = Principal.user("alice");
  private static final Principal BOB = Principal.user("bob");
  private final List<AclBinding> acls = new ArrayList<>();
  private final AclAuthorizer authorizer = new AclAuthorizer(Set.of(Principal.user("root")), () -> acls);

  private static AclBinding acl(ResourceType type, String name, PatternType pattern, String principal, AclOperation operation,
      AclPermission permission) {
    return new AclBinding(type, name, pattern, principal, AclBinding.ANY_HOST, operation, permission);
  }

  @Test
  void withoutAnAclNothingIsAllowedExceptToSuperUsers() {
    assertThat(authorizer.allows(ALICE, "10.0.0.1", READ, TOPIC, "orders")).isFalse();
    assertThat(authorizer.allows(Principal.user("root"), "10.0.0.1", ALL, TOPIC, "orders")).isTrue();
  }

  @Test
  void aLiteralAclAllowsItsOperationOnItsNameOnly() {
    acls.add(acl(TOPIC, "orders", LITERAL, "User:alice", WRITE, ALLOW));
    assertThat(authorizer.allows(ALICE, "h", WRITE, TOPIC, "orders")).isTrue();
    assertThat(authorizer.allows(ALICE, "h", READ, TOPIC, "orders")).isFalse();
    assertThat(authorizer.allows(ALICE, "h", WRITE, TOPIC, "orders2")).isFalse();
    assertThat(authorizer.allows(ALICE, "h", WRITE, GROUP, "orders")).isFalse();
    assertThat(authorizer.allows(BOB, "h", WRITE, TOPIC, "orders")).isFalse();
  }

  @Test
  void readWriteDeleteAndAlterGrantDescribeAsInKafka() {
    acls.add(acl(TOPIC, "orders", LITERAL, "User:alice", READ, ALLOW));
    acls.add(acl(TOPIC, "config", LITERAL, "User:alice", ALTER_CONFIGS, ALLOW));
    assertThat(authorizer.allows(ALICE, "h", DESCRIBE, TOPIC, "orders")).isTrue();
    assertThat(authorizer.allows(ALICE, "h", DESCRIBE_CONFIGS, TOPIC, "config")).isTrue();
    assertThat(authorizer.allows(ALICE, "h", DESCRIBE, TOPIC, "config")).isFalse();
    assertThat(authorizer.allows(ALICE, "h", CREATE, TOPIC, "orders")).isFalse();
  }

  @Test
  void prefixWildcardNameAndWildcardPrincipalMatch() {
    acls.add(acl(TOPIC, "sensors.", PREFIXED, "User:alice", READ, ALLOW));
    acls.add(acl(GROUP, "*", LITERAL, "User:*", READ, ALLOW));
    assertThat(authorizer.allows(ALICE, "h", READ, TOPIC, "sensors.kitchen")).isTrue();
    assertThat(authorizer.allows(ALICE, "h", READ, TOPIC, "sensors")).isFalse();
    assertThat(authorizer.allows(BOB, "h", READ, GROUP, "anything")).isTrue();
  }

  @Test
  void aDenyWinsOverAnyAllowButOnlyForItsOperation() {
    acls.add(acl(TOPIC, "*", LITERAL, "User:*", ALL, ALLOW));
    acls.add(acl(TOPIC, "secret.", PREFIXED, "User:bob", READ, DENY));
    assertThat(authorizer.allows(BOB, "h", READ, TOPIC, "secret.plans")).isFalse();
    assertThat(authorizer.allows(BOB, "h", DESCRIBE, TOPIC, "secret.plans")).isTrue();
    assertThat(authorizer.allows(ALICE, "h", READ, TOPIC, "secret.plans")).isTrue();
    acls.add(acl(TOPIC, "secret.", PREFIXED, "User:bob", ALL, DENY));
    assertThat(authorizer.allows(BOB, "h", DESCRIBE, TOPIC, "secret.plans")).isFalse();
  }

  @Test
  void anAclForAHostAppliesOnlyToClientsFromIt() {
    acls.add(new AclBinding(TOPIC, "orders", LITERAL, "User:alice", "10.0.0.1", READ, ALLOW));
    assertThat(authorizer.allows(ALICE, "10.0.0.1", READ, TOPIC, "orders")).isTrue();
    assertThat(authorizer.allows(ALICE, "10.0.0.2", READ, TOPIC, "orders")).isFalse();
  }

  @Test
  void malformedAclsAreRefused() {
    assertThatThrownBy(() -> acl(TOPIC, "*", PREFIXED, "User:alice", READ, ALLOW)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> acl(ResourceType.CLUSTER, "other", LITERAL, "User:alice", ALL, ALLOW))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> acl(TOPIC, "", LITERAL, "User:alice", READ, ALLOW)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void apiKeySecretsNameTheirKeyAndMatchOnlyThemselves() {
    String id = ApiKeySecrets.newId();
    String secret = ApiKeySecrets.newSecret(id);
    ApiKey key = new ApiKey(id, ALICE, 0, ApiKeySecrets.hash(secret));
    assertThat(ApiKeySecrets.idOf(secret)).contains(id);
    assertThat(ApiKeySecrets.matches(key, secret)).isTrue();
    assertThat(ApiKeySecrets.matches(key, ApiKeySecrets.newSecret(id))).isFalse();
    assertThat(ApiKeySecrets.idOf("Bearer something")).isEmpty();
  }
}
