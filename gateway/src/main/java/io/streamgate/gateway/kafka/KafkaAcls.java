package io.streamgate.gateway.kafka;

import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclFilter;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.ResourceType;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Kafka's ACL codes (resource type, pattern type, operation, permission, as {@code
 * org.apache.kafka.common.acl} and {@code .resource} number them) to the cluster's ACL model and
 * back, by name: the model has Kafka's names for what it has. What it does not have (the resource
 * types TRANSACTIONAL_ID, DELEGATION_TOKEN and USER, the operations on tokens and two-phase
 * commit, the pattern type MATCH, an UNKNOWN code) is refused with a message naming it. In a filter,
 * ANY (and a null name, principal or host) matches every value. Stateless.
 */
final class KafkaAcls {
  private KafkaAcls() {}

  /** The ACL a CreateAcls creation asks for. @throws InvalidAclException if the model cannot hold it */
  static AclBinding binding(byte resourceType, String name, byte patternType, String principal, String host, byte operation,
      byte permission) {
    try {
      return new AclBinding(
          fromKafka(resourceType(resourceType), ResourceType.class, "resource type"), name,
          fromKafka(patternType(patternType), PatternType.class, "pattern type"), principal, host,
          fromKafka(operation(operation), AclOperation.class, "operation"),
          fromKafka(permission(permission), AclPermission.class, "permission"));
    } catch (IllegalArgumentException | NullPointerException invalid) {
      throw new InvalidAclException(invalid.getMessage() == null ? "an ACL needs every field" : invalid.getMessage());
    }
  }

  /** The filter of a DescribeAcls or DeleteAcls. @throws InvalidAclException for a value the model does not have */
  static AclFilter filter(byte resourceType, String name, byte patternType, String principal, String host, byte operation,
      byte permission) {
    return new AclFilter(
        anyOr(resourceType(resourceType), org.apache.kafka.common.resource.ResourceType.ANY, ResourceType.class, "resource type"),
        Optional.ofNullable(name),
        anyOr(patternType(patternType), org.apache.kafka.common.resource.PatternType.ANY, PatternType.class, "pattern type"),
        Optional.ofNullable(principal), Optional.ofNullable(host),
        anyOr(operation(operation), org.apache.kafka.common.acl.AclOperation.ANY, AclOperation.class, "operation"),
        anyOr(permission(permission), org.apache.kafka.common.acl.AclPermissionType.ANY, AclPermission.class, "permission"));
  }

  static byte code(ResourceType type) {
    return org.apache.kafka.common.resource.ResourceType.valueOf(type.name()).code();
  }

  static byte code(PatternType type) {
    return org.apache.kafka.common.resource.PatternType.valueOf(type.name()).code();
  }

  static byte code(AclOperation operation) {
    return org.apache.kafka.common.acl.AclOperation.valueOf(operation.name()).code();
  }

  static byte code(AclPermission permission) {
    return org.apache.kafka.common.acl.AclPermissionType.valueOf(permission.name()).code();
  }

  private static org.apache.kafka.common.resource.ResourceType resourceType(byte code) {
    return org.apache.kafka.common.resource.ResourceType.fromCode(code);
  }

  private static org.apache.kafka.common.resource.PatternType patternType(byte code) {
    return org.apache.kafka.common.resource.PatternType.fromCode(code);
  }

  private static org.apache.kafka.common.acl.AclOperation operation(byte code) {
    return org.apache.kafka.common.acl.AclOperation.fromCode(code);
  }

  private static org.apache.kafka.common.acl.AclPermissionType permission(byte code) {
    return org.apache.kafka.common.acl.AclPermissionType.fromCode(code);
  }

  /** The model's value of Kafka's {@code value}, the same name. */
  private static <E extends Enum<E>> E fromKafka(Enum<?> value, Class<E> model, String what) {
    for (E candidate : model.getEnumConstants()) {
      if (candidate.name().equals(value.name())) {
        return candidate;
      }
    }
    throw new InvalidAclException(what + " " + value.name() + " is not supported (" + supported(model) + ")");
  }

  private static <E extends Enum<E>> Optional<E> anyOr(Enum<?> value, Enum<?> any, Class<E> model, String what) {
    return value == any ? Optional.empty() : Optional.of(fromKafka(value, model, what));
  }

  private static <E extends Enum<E>> String supported(Class<E> model) {
    return "supported: " + Arrays.stream(model.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "));
  }

  /** An ACL or a filter the model cannot hold: the item's INVALID_REQUEST, with this message. */
  static final class InvalidAclException extends IllegalArgumentException {
    InvalidAclException(String message) {
      super(message);
    }
  }
}
