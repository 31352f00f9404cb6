package io.streamgate.openapi;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the contract from the classpath and derives the view of it that vertx-openapi 5.0.x can
 * load. Test support only; stateless and thread-safe. Public because the gateway's contract tests
 * use it too, through this module's test-jar.
 */
public final class ContractDocument {

  /** Where the contract lives in the jar (and on the test classpath). */
  public static final String RESOURCE = "openapi/streamgate.yaml";

  public static final List<String> HTTP_METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  /** The base URI vertx-openapi uses for a contract's schema repository. */
  public static final String BASE_URI = "app://";

  private ContractDocument() {}

  /** A schema repository for OpenAPI 3.1 documents, to validate values against resolved schemas. */
  public static Future<SchemaRepository> repository(Vertx vertx) {
    return OpenAPIVersion.V3_1.getRepository(vertx, BASE_URI);
  }

  /** {@code document} with every {@code $ref} replaced by its target, as vertx-openapi resolves it. */
  public static Future<JsonObject> resolve(Vertx vertx, JsonObject document) {
    OpenAPIVersion version = OpenAPIVersion.fromContract(document);
    return version.getRepository(vertx, BASE_URI).compose(repository -> version.resolve(vertx, repository, document.copy()));
  }

  /**
   * The contract as JSON. Strict on purpose: a duplicate key, a non-string key (an unquoted status
   * code) or a YAML-only scalar (a date) is an error here rather than a silent surprise in a client.
   */
  public static JsonObject load() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    try (InputStream in = ContractDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the classpath");
      }
      Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
      Object tree = new Yaml(new SafeConstructor(options)).load(reader);
      return (JsonObject) toJson(tree, "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object toJson(Object node, String location) {
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> object = new LinkedHashMap<>();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!(entry.getKey() instanceof String key)) {
          throw new IllegalStateException("non-string key " + entry.getKey() + " at " + location + " (quote it)");
        }
        object.put(key, toJson(entry.getValue(), location + "/" + key));
      }
      return new JsonObject(object);
    }
    if (node instanceof List<?> list) {
      List<Object> array = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        array.add(toJson(list.get(i), location + "/" + i));
      }
      return new JsonArray(array);
    }
    if (node == null || node instanceof String || node instanceof Boolean || node instanceof Integer
        || node instanceof Long || node instanceof Double) {
      return node;
    }
    throw new IllegalStateException("not a JSON value at " + location + ": " + node.getClass().getName());
  }

  /**
   * A copy of the contract without the media types that vertx-openapi 5.0.x refuses to load.
   *
   * <p>{@code OpenAPIContract.from} in Vert.x 5.0.x fails on any media type outside
   * {@link MediaType#SUPPORTED_MEDIA_TYPES} (plus {@code application/vnd.*+json}), and this contract
   * needs {@code application/problem+json}, {@code application/x-ndjson}, {@code text/event-stream}
   * and {@code application/yaml}. The view drops those entries from every request-body and
   * response {@code content} map (and drops a {@code content} map left empty), and changes nothing
   * else, so routes, parameters and the JSON bodies keep their schemas. Bodies of the dropped
   * media types must be checked another way, for example with {@link ExampleValidator}'s approach:
   * the schema from the resolved document and {@code SchemaRepository.validator(JsonSchema)}.
   * Vert.x 5.1 adds a media-type registry that makes this view unnecessary.
   */
  public static JsonObject loadableView(JsonObject contract) {
    JsonObject view = contract.copy();
    JsonObject paths = view.getJsonObject("paths", new JsonObject());
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : HTTP_METHODS) {
        JsonObject operation = item.getJsonObject(method);
        if (operation == null) {
          continue;
        }
        pruneContent(operation.getJsonObject("requestBody"));
        JsonObject responses = operation.getJsonObject("responses", new JsonObject());
        for (String status : responses.fieldNames()) {
          pruneContent(responses.getJsonObject(status));
        }
      }
    }
    JsonObject components = view.getJsonObject("components", new JsonObject());
    for (String section : List.of("requestBodies", "responses")) {
      JsonObject objects = components.getJsonObject(section, new JsonObject());
      for (String name : objects.fieldNames()) {
        pruneContent(objects.getJsonObject(name));
      }
    }
    return view;
  }

  private static void pruneContent(JsonObject holder) {
    if (holder == null || !(holder.getValue("content") instanceof JsonObject content)) {
      return;
    }
    content.fieldNames().removeIf(mediaType -> !MediaType.isMediaTypeSupported(mediaType));
    if (content.isEmpty()) {
      holder.remove("content");
    }
  }
}
