package io.streamgate.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclFilter;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.ApiKey;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The REST admin API of ACLs ({@code /v1/acls}) and API keys ({@code /v1/api-keys}), over the
 * cluster's {@link AccessControl}. The routes ask ALTER (changes) or DESCRIBE (reads) on the cluster
 * first; every change is written to the audit log. An ACL in JSON has Kafka's fields:
 * {@code resourceType}, {@code resourceName}, {@code patternType}, {@code principal}, {@code host},
 * {@code operation}, {@code permission}.
 */
final class SecurityAdminHandler {
  /** ACLs one request may create. */
  static final int MAX_ACLS_PER_REQUEST = 1000;
  private static final List<String> ACL_FIELDS =
      List.of("resourceType", "resourceName", "patternType", "principal", "host", "operation", "permission");

  private final AccessControl access;

  SecurityAdminHandler(AccessControl access) {
    this.access = access;
  }

  /** {@code POST /v1/acls}: one ACL, or {@code {"acls":[...]}}; answers the ACLs, 201. */
  void createAcls(RoutingContext ctx) {
    JsonNode body = JsonBodies.object(ctx);
    List<AclBinding> acls = new ArrayList<>();
    if (body.has("acls")) {
      JsonBodies.allowOnly(body, List.of("acls"));
      JsonNode many = body.get("acls");
      if (!many.isArray() || many.isEmpty() || many.size() > MAX_ACLS_PER_REQUEST) {
        throw ApiException.badRequest("'acls' must be an array of 1 to " + MAX_ACLS_PER_REQUEST + " ACLs");
      }
      many.forEach(acl -> acls.add(acl(acl)));
    } else {
      acls.add(acl(body));
    }
    Caller caller = Caller.of(ctx);
    answer(ctx, access.createAcls(acls).thenApply(done -> acls), 201, created -> {
      created.forEach(acl -> audit(caller, "create-acl", describe(acl)));
      return aclsJson(created);
    });
  }

  /** {@code GET /v1/acls?filter}: the ACLs the filter matches. */
  void listAcls(RoutingContext ctx) {
    AclFilter filter = filter(ctx);
    json(ctx, 200, aclsJson(access.acls().stream().filter(filter::matches).toList()));
  }

  /** {@code DELETE /v1/acls?filter}: removes what the filter matches (at least one field, so that no typo removes every ACL). */
  void deleteAcls(RoutingContext ctx) {
    AclFilter filter = filter(ctx);
    if (filter.equals(AclFilter.ANY)) {
      throw ApiException.badRequest("give at least one filter field (" + String.join(", ", ACL_FIELDS) + ") of the ACLs to delete");
    }
    Caller caller = Caller.of(ctx);
    answer(ctx, access.deleteAcls(filter), 200, removed -> {
      removed.forEach(acl -> audit(caller, "delete-acl", describe(acl)));
      return aclsJson(removed);
    });
  }

  /** {@code POST /v1/api-keys {"principal":"User:alice"}}: answers the key with its secret, this once. */
  void createApiKey(RoutingContext ctx) {
    JsonNode body = JsonBodies.object(ctx);
    JsonBodies.allowOnly(body, List.of("principal"));
    Principal owner = principal(JsonBodies.requiredText(body, "principal"));
    Caller caller = Caller.of(ctx);
    answer(ctx, access.createApiKey(owner), 201, made -> {
      audit(caller, "create-api-key", made.key().id() + " for " + owner);
      return keyJson(made.key()).put("secret", made.secret());
    });
  }

  /** {@code GET /v1/api-keys}: every key, never a secret. */
  void listApiKeys(RoutingContext ctx) {
    JsonArray keys = new JsonArray();
    access.apiKeys().forEach(key -> keys.add(keyJson(key)));
    json(ctx, 200, keys);
  }

  /** {@code DELETE /v1/api-keys/{id}}: revokes; 404 for a key that is not there. */
  void revokeApiKey(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (access.apiKeys().stream().noneMatch(key -> key.id().equals(id))) {
      throw new ApiException(StreamgateError.NOT_FOUND, "no API key '" + id + "'");
    }
    Caller caller = Caller.of(ctx);
    Future.fromCompletionStage(access.revokeApiKey(id), ctx.vertx().getOrCreateContext()).onSuccess(done -> {
      audit(caller, "revoke-api-key", id);
      ctx.response().setStatusCode(204).end();
    }).onFailure(ctx::fail);
  }

  private static void audit(Caller caller, String action, String target) {
    caller.security().audit().adminAction(caller.principal(), caller.protocol(), caller.remote(), action, target);
  }

  private static AclBinding acl(JsonNode node) {
    if (!node.isObject()) {
      throw ApiException.badRequest("an ACL must be an object");
    }
    JsonBodies.allowOnly(node, ACL_FIELDS);
    ResourceType type = word(ResourceType.class, "resourceType", JsonBodies.requiredText(node, "resourceType"));
    String name = JsonBodies.optionalText(node, "resourceName", type == ResourceType.CLUSTER ? ResourceType.CLUSTER_NAME : null);
    if (name == null) {
      throw ApiException.badRequest("'resourceName' is required (a name, a prefix, or '*' for every one)");
    }
    PatternType pattern = word(PatternType.class, "patternType", JsonBodies.optionalText(node, "patternType", "LITERAL"));
    String principal = principal(JsonBodies.requiredText(node, "principal")).toString();
    String host = JsonBodies.optionalText(node, "host", AclBinding.ANY_HOST);
    AclOperation operation = word(AclOperation.class, "operation", JsonBodies.requiredText(node, "operation"));
    AclPermission permission = word(AclPermission.class, "permission", JsonBodies.optionalText(node, "permission", "ALLOW"));
    try {
      return new AclBinding(type, name, pattern, principal, host, operation, permission);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  private static AclFilter filter(RoutingContext ctx) {
    Function<String, Optional<String>> param = name -> Optional.ofNullable(QueryParams.single(ctx.request(), name));
    return new AclFilter(param.apply("resourceType").map(v -> word(ResourceType.class, "resourceType", v)),
        param.apply("resourceName"),
        param.apply("patternType").map(v -> word(PatternType.class, "patternType", v)),
        param.apply("principal").map(v -> principal(v).toString()),
        param.apply("host"),
        param.apply("operation").map(v -> word(AclOperation.class, "operation", v)),
        param.apply("permission").map(v -> word(AclPermission.class, "permission", v)));
  }

  /** An enum constant by its name in any case ({@code read}, {@code READ}; {@code alter_configs} or {@code alter-configs}). */
  private static <E extends Enum<E>> E word(Class<E> type, String field, String text) {
    try {
      return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      List<String> names = new ArrayList<>();
      for (E constant : type.getEnumConstants()) {
        names.add(constant.name());
      }
      throw ApiException.badRequest("'" + field + "' must be one of " + names + ", was '" + text + "'");
    }
  }

  private static Principal principal(String text) {
    try {
      return Principal.parse(text);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("'principal' must be type:name (User:alice): " + e.getMessage());
    }
  }

  private static JsonArray aclsJson(List<AclBinding> acls) {
    JsonArray array = new JsonArray();
    acls.forEach(acl -> array.add(new JsonObject().put("resourceType", acl.resourceType().name()).put("resourceName", acl.resourceName())
        .put("patternType", acl.patternType().name()).put("principal", acl.principal()).put("host", acl.host())
        .put("operation", acl.operation().name()).put("permission", acl.permission().name())));
    return array;
  }

  private static String describe(AclBinding acl) {
    return acl.permission() + " " + acl.principal() + " " + acl.operation() + " " + acl.resourceType() + ":" + acl.patternType() + ":"
        + acl.resourceName() + " from " + acl.host();
  }

  private static JsonObject keyJson(ApiKey key) {
    return new JsonObject().put("id", key.id()).put("principal", key.principal().toString()).put("createdMs", key.createdMs());
  }

  private static <T> void answer(RoutingContext ctx, CompletableFuture<T> result, int status, Function<T, Object> render) {
    Future.fromCompletionStage(result, ctx.vertx().getOrCreateContext()).onSuccess(value -> json(ctx, status, render.apply(value)))
        .onFailure(ctx::fail);
  }

  private static void json(RoutingContext ctx, int status, Object body) {
    String text = body instanceof JsonArray array ? array.encode() : ((JsonObject) body).encode();
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(text);
  }
}
