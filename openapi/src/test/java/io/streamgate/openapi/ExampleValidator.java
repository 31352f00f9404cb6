package io.streamgate.openapi;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Checks every example of a resolved OpenAPI 3.1 document against the schema it illustrates.
 *
 * <p>Covered: {@code example} and {@code examples.*.value} of media types (request bodies and
 * responses), parameters and headers, and {@code examples} (and the deprecated {@code example}) of
 * every schema object reachable from them or from {@code components/schemas}. For a media type
 * that is not JSON the example must be a string; when the media type carries
 * {@code x-itemSchema} (this contract's stand-in for OpenAPI 3.2's {@code itemSchema}), each item
 * is parsed as JSON and checked against it: each line for {@code application/x-ndjson}, each
 * {@code data:} line for {@code text/event-stream}.
 *
 * <p>The document must already be resolved ({@code OpenAPIVersion.resolve}), so schemas are
 * inline; validation goes through {@link SchemaRepository#validator(JsonSchema)}, the same call
 * vertx-openapi uses for request and response bodies. One instance per run; not thread-safe. Public
 * (through this module's test-jar) for the gateway's contract tests, which use {@link #validate}.
 */
public final class ExampleValidator {

  private final SchemaRepository repository;
  private final List<String> failures = new ArrayList<>();
  private final List<String> checked = new ArrayList<>();
  private final Set<JsonObject> visitedSchemas = Collections.newSetFromMap(new IdentityHashMap<>());

  public ExampleValidator(SchemaRepository repository) {
    this.repository = repository;
  }

  /** Each failure: where, and why. Empty when every example fits. */
  public List<String> failures() {
    return failures;
  }

  /** The location of every value that was checked. */
  public List<String> checked() {
    return checked;
  }

  ExampleValidator checkDocument(JsonObject resolved) {
    JsonObject paths = resolved.getJsonObject("paths", new JsonObject());
    for (String path : ExampleValidator.names(paths)) {
      JsonObject item = paths.getJsonObject(path);
      String itemLocation = "paths." + path;
      checkParameters(item.getJsonArray("parameters"), itemLocation + ".parameters");
      for (String method : ContractDocument.HTTP_METHODS) {
        JsonObject operation = item.getJsonObject(method);
        if (operation != null) {
          checkOperation(operation, itemLocation + "." + method);
        }
      }
    }
    JsonObject components = resolved.getJsonObject("components", new JsonObject());
    forEachObject(components.getJsonObject("parameters"),
        (name, parameter) -> checkParameterLike(parameter, "components.parameters." + name));
    forEachObject(components.getJsonObject("headers"), (name, header) -> checkParameterLike(header, "components.headers." + name));
    forEachObject(components.getJsonObject("requestBodies"),
        (name, body) -> checkContent(body.getJsonObject("content"), "components.requestBodies." + name + ".content"));
    forEachObject(components.getJsonObject("responses"), (name, response) -> checkResponse(response, "components.responses." + name));
    forEachObject(components.getJsonObject("schemas"), (name, schema) -> checkSchemaExamples(schema, "components.schemas." + name));
    return this;
  }

  private void checkOperation(JsonObject operation, String location) {
    checkParameters(operation.getJsonArray("parameters"), location + ".parameters");
    JsonObject requestBody = operation.getJsonObject("requestBody");
    if (requestBody != null) {
      checkContent(requestBody.getJsonObject("content"), location + ".requestBody.content");
    }
    forEachObject(operation.getJsonObject("responses"), (status, response) -> checkResponse(response, location + ".responses." + status));
  }

  private void checkResponse(JsonObject response, String location) {
    forEachObject(response.getJsonObject("headers"), (name, header) -> checkParameterLike(header, location + ".headers." + name));
    checkContent(response.getJsonObject("content"), location + ".content");
  }

  private void checkParameters(JsonArray parameters, String location) {
    if (parameters == null) {
      return;
    }
    for (int i = 0; i < parameters.size(); i++) {
      JsonObject parameter = parameters.getJsonObject(i);
      checkParameterLike(parameter, location + "." + parameter.getString("name", String.valueOf(i)));
    }
  }

  /** Parameters and headers: {@code schema} with {@code example} / {@code examples}. */
  private void checkParameterLike(JsonObject parameter, String location) {
    JsonObject schema = parameter.getJsonObject("schema");
    if (schema == null) {
      return;
    }
    forEachExample(parameter, location, (value, where) -> validate(schema, value, where));
    checkSchemaExamples(schema, location + ".schema");
  }

  private void checkContent(JsonObject content, String location) {
    forEachObject(content, (mediaType, object) -> {
      String where = location + "." + mediaType;
      JsonObject schema = object.getJsonObject("schema");
      if (schema == null) {
        failures.add(where + ": media type without a schema");
        return;
      }
      JsonObject itemSchema = object.getJsonObject("x-itemSchema");
      forEachExample(object, where, (value, at) -> checkBody(mediaType, schema, itemSchema, value, at));
      checkSchemaExamples(schema, where + ".schema");
    });
  }

  private void checkBody(String mediaType, JsonObject schema, JsonObject itemSchema, Object value, String location) {
    validate(schema, value, location);
    if (isJson(mediaType)) {
      return;
    }
    if (!(value instanceof String text)) {
      failures.add(location + ": an example of " + mediaType + " must be a string (the body as sent)");
      return;
    }
    if (itemSchema == null) {
      return;
    }
    List<String> items = switch (mediaType) {
      case "application/x-ndjson" -> ndjsonLines(text);
      case "text/event-stream" -> sseData(text);
      default -> {
        failures.add(location + ": x-itemSchema on " + mediaType + ", which has no items");
        yield List.of();
      }
    };
    if (items.isEmpty()) {
      failures.add(location + ": no items in the example");
    }
    for (int i = 0; i < items.size(); i++) {
      String at = location + "[item " + i + "]";
      try {
        validate(itemSchema, Json.decodeValue(items.get(i)), at);
      } catch (DecodeException e) {
        failures.add(at + ": not JSON: " + e.getMessage());
      }
    }
  }

  private static boolean isJson(String mediaType) {
    return mediaType.equals("application/json") || mediaType.endsWith("+json");
  }

  public static List<String> ndjsonLines(String text) {
    List<String> lines = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      if (!line.isBlank()) {
        lines.add(line);
      }
    }
    return lines;
  }

  public static List<String> sseData(String text) {
    List<String> data = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      if (line.startsWith("data:")) {
        data.add(line.substring("data:".length()).strip());
      }
    }
    return data;
  }

  /** {@code examples} (and {@code example}) of a schema and of every schema inside it. */
  private void checkSchemaExamples(Object node, String location) {
    if (!(node instanceof JsonObject schema) || !visitedSchemas.add(schema)) {
      return;
    }
    if (schema.getValue("examples") instanceof JsonArray examples) {
      for (int i = 0; i < examples.size(); i++) {
        validate(schema, examples.getValue(i), location + ".examples[" + i + "]");
      }
    }
    if (schema.containsKey("example")) {
      validate(schema, schema.getValue("example"), location + ".example");
    }
    for (String keyword : List.of("properties", "patternProperties", "dependentSchemas", "$defs")) {
      forEachObject(schema.getJsonObject(keyword), (name, sub) -> checkSchemaExamples(sub, location + "." + keyword + "." + name));
    }
    for (String keyword : List.of("additionalProperties", "items", "not", "if", "then", "else", "contains",
        "propertyNames", "unevaluatedProperties", "unevaluatedItems")) {
      checkSchemaExamples(schema.getValue(keyword), location + "." + keyword);
    }
    for (String keyword : List.of("allOf", "anyOf", "oneOf", "prefixItems")) {
      if (schema.getValue(keyword) instanceof JsonArray list) {
        for (int i = 0; i < list.size(); i++) {
          checkSchemaExamples(list.getValue(i), location + "." + keyword + "[" + i + "]");
        }
      }
    }
  }

  private interface ExampleSink {
    void accept(Object value, String location);
  }

  /** {@code example}, and each {@code examples.NAME.value}, of a media type, parameter or header. */
  private void forEachExample(JsonObject holder, String location, ExampleSink sink) {
    if (holder.containsKey("example")) {
      sink.accept(holder.getValue("example"), location + ".example");
    }
    forEachObject(holder.getJsonObject("examples"), (name, example) -> {
      if (example.containsKey("value")) {
        sink.accept(example.getValue("value"), location + ".examples." + name);
      } else if (!example.containsKey("externalValue")) {
        failures.add(location + ".examples." + name + ": example without a value");
      }
    });
  }

  /** Validates one value; records the location, and the failure if any. */
  public void validate(JsonObject schema, Object value, String location) {
    checked.add(location);
    OutputUnit result = repository.validator(JsonSchema.of(schema)).validate(withoutAnnotations(value));
    if (!Boolean.TRUE.equals(result.getValid())) {
      failures.add(location + ": " + describe(result));
    }
  }

  /**
   * The names of an object of the resolved document, without the annotations ({@code __absolute_uri__}
   * and the like) that resolution adds to every object.
   */
  public static List<String> names(JsonObject object) {
    List<String> names = new ArrayList<>();
    for (String name : object.fieldNames()) {
      if (JsonSchema.EXCLUDE_ANNOTATIONS.test(name)) {
        names.add(name);
      }
    }
    return names;
  }

  /**
   * A copy of an example value without resolution's annotations. Resolution annotates example
   * values too; left in, they break {@code additionalProperties: false}, and vertx-json-schema
   * 5.0.7 throws a ClassCastException on {@code dependentRequired}.
   */
  public static Object withoutAnnotations(Object value) {
    if (value instanceof JsonObject object) {
      JsonObject copy = new JsonObject();
      for (String name : names(object)) {
        copy.put(name, withoutAnnotations(object.getValue(name)));
      }
      return copy;
    }
    if (value instanceof JsonArray array) {
      JsonArray copy = new JsonArray();
      array.forEach(item -> copy.add(withoutAnnotations(item)));
      return copy;
    }
    return value;
  }

  public static String describe(OutputUnit result) {
    List<OutputUnit> errors = result.getErrors();
    if (errors == null || errors.isEmpty()) {
      return result.getError() + " at " + result.getInstanceLocation();
    }
    List<String> lines = new ArrayList<>();
    for (OutputUnit error : errors) {
      lines.add(error.getError() + " (instance " + error.getInstanceLocation() + ", keyword " + error.getKeywordLocation() + ")");
    }
    return String.join("; ", lines);
  }

  private interface ObjectVisitor {
    void visit(String name, JsonObject object);
  }

  private static void forEachObject(JsonObject parent, ObjectVisitor visitor) {
    if (parent == null) {
      return;
    }
    for (String name : names(parent)) {
      if (parent.getValue(name) instanceof JsonObject child) {
        visitor.visit(name, child);
      }
    }
  }
}
