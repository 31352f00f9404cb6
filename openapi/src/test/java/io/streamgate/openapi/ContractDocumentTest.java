package io.streamgate.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIContractException;
import io.vertx.openapi.contract.OpenAPIVersion;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableResponse;
import io.vertx.openapi.validation.ValidatorException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keeps {@code openapi/streamgate.yaml} honest: it is valid OpenAPI 3.1, vertx-openapi can load it,
 * every operation and status the API promises is there, every error is a problem, and every
 * example matches its schema (so the examples cannot rot).
 */
@ExtendWith(VertxExtension.class)
class ContractDocumentTest {

  /** The base URI vertx-openapi uses for a contract's schema repository. */
  private static final String BASE_URI = "app://";

  /** Every operation and its explicit statuses (besides {@code default}), as the API promises. */
  private static final Map<String, Set<String>> OPERATIONS = new TreeMap<>(Map.ofEntries(
      Map.entry("createTopic", Set.of("201", "400", "409", "429")),
      Map.entry("listTopics", Set.of("200", "429")),
      Map.entry("describeTopic", Set.of("200", "400", "404", "429")),
      Map.entry("updateTopic", Set.of("200", "400", "403", "404", "429")),
      Map.entry("deleteTopic", Set.of("204", "400", "403", "404", "429")),
      Map.entry("produce", Set.of("200", "202", "400", "403", "404", "413", "415", "422", "429", "503")),
      Map.entry("consume", Set.of("200", "400", "404", "406", "416", "429")),
      Map.entry("getOffsets", Set.of("200", "400", "404", "429")),
      Map.entry("deleteRecords", Set.of("200", "400", "403", "404", "416", "429", "503")),
      Map.entry("streamTopic", Set.of("101", "200", "400", "404", "406", "416", "426", "429")),
      Map.entry("joinGroup", Set.of("201", "400", "404", "409", "429")),
      Map.entry("pollGroup", Set.of("200", "400", "404", "429")),
      Map.entry("commitGroup", Set.of("200", "400", "404", "409", "429")),
      Map.entry("leaveGroup", Set.of("204", "400", "404", "429")),
      Map.entry("listGroups", Set.of("200", "429")),
      Map.entry("describeGroup", Set.of("200", "400", "404", "429")),
      Map.entry("deleteGroup", Set.of("204", "400", "404", "409", "429")),
      Map.entry("resetGroupOffsets", Set.of("200", "400", "404", "409", "429")),
      Map.entry("describeCluster", Set.of("200", "429")),
      Map.entry("describeClusterStats", Set.of("200", "429")),
      Map.entry("rebalanceLeaders", Set.of("200", "429")),
      Map.entry("removeNode", Set.of("200", "409", "429")),
      Map.entry("listReassignments", Set.of("200", "429")),
      Map.entry("startReassignments", Set.of("202", "429")),
      Map.entry("cancelReassignment", Set.of("204", "429")),
      Map.entry("getReplicationThrottle", Set.of("200", "429")),
      Map.entry("setReplicationThrottle", Set.of("200", "429")),
      Map.entry("planMoves", Set.of("200", "202", "429")),
      Map.entry("drainNode", Set.of("202", "409", "429")),
      Map.entry("createStreamTicket", Set.of("201", "429")),
      Map.entry("createAcls", Set.of("201", "400", "429")),
      Map.entry("listAcls", Set.of("200", "400", "429")),
      Map.entry("deleteAcls", Set.of("200", "400", "429")),
      Map.entry("createApiKey", Set.of("201", "400", "429")),
      Map.entry("listApiKeys", Set.of("200", "429")),
      Map.entry("revokeApiKey", Set.of("204", "429")),
      Map.entry("live", Set.of("200")),
      Map.entry("ready", Set.of("200", "503")),
      Map.entry("metrics", Set.of("200", "429")),
      Map.entry("openapi", Set.of("200"))));

  private static final String PROBLEM_JSON = "application/problem+json";

  private JsonObject raw;

  @BeforeEach
  void load() {
    raw = ContractDocument.load();
  }

  @Test
  void isValidOpenApi31(Vertx vertx) {
    assertThat(raw.getString("openapi")).isEqualTo("3.1.0");
    OpenAPIVersion version = OpenAPIVersion.fromContract(raw);
    assertThat(version).isEqualTo(OpenAPIVersion.V3_1);

    SchemaRepository repository = await(version.getRepository(vertx, BASE_URI));
    OutputUnit result = await(version.validateContract(vertx, repository, raw.copy()));

    assertThat(result.getValid())
        .as("the document against the OpenAPI 3.1 schema: %s", ExampleValidator.describe(result))
        .isTrue();
  }

  @Test
  void loadsAsVertxContractWithEveryOperation(Vertx vertx) {
    OpenAPIContract contract = await(OpenAPIContract.from(vertx, ContractDocument.loadableView(raw)));

    assertThat(contract.getVersion()).isEqualTo(OpenAPIVersion.V3_1);
    assertThat(contract.operations()).extracting(Operation::getOperationId)
        .containsExactlyInAnyOrderElementsOf(OPERATIONS.keySet());
    OPERATIONS.forEach((operationId, statuses) -> {
      Operation operation = contract.operation(operationId);
      assertThat(operation.getDefaultResponse()).as("%s default response", operationId).isNotNull();
      for (String status : statuses) {
        assertThat(operation.getResponse(Integer.parseInt(status))).as("%s %s", operationId, status).isNotNull();
      }
    });
    assertThat(contract.findOperation("/v1/topics/orders/records", HttpMethod.POST).getOperationId()).isEqualTo("produce");
    assertThat(contract.findOperation("/v1/topics/orders/partitions/2/records", HttpMethod.GET).getOperationId())
        .isEqualTo("consume");
    assertThat(contract.findOperation("/v1/groups/billing/members/5b0e8f3a/records", HttpMethod.GET).getOperationId())
        .isEqualTo("pollGroup");
    assertThat(contract.findOperation("/v1/groups/billing/members/5b0e8f3a", HttpMethod.DELETE).getOperationId())
        .isEqualTo("leaveGroup");
    assertThat(contract.findOperation("/v1/groups/billing", HttpMethod.DELETE).getOperationId()).isEqualTo("deleteGroup");
    assertThat(contract.operation("produce").getRequestBody().getContent())
        .containsOnlyKeys("application/json", "text/plain", "application/octet-stream");
  }

  /**
   * Documents why {@link ContractDocument#loadableView} exists. When this starts failing (a Vert.x
   * that loads these media types), drop the view and load the document as it is.
   */
  @Test
  void vertx50RefusesTheDocumentOnlyForItsMediaTypes(Vertx vertx) {
    assertThatThrownBy(() -> await(OpenAPIContract.from(vertx, raw.copy())))
        .isInstanceOf(OpenAPIContractException.class)
        .hasMessageContaining("unsupported media type");
  }

  @Test
  void everyOperationIsPromisedAndAnswersProblemsByDefault() {
    Map<String, Set<String>> found = new TreeMap<>();
    forEachOperation(raw, (id, operation) -> {
      JsonObject responses = operation.getJsonObject("responses");
      Set<String> statuses = new TreeSet<>(responses.fieldNames());
      assertThat(statuses.remove("default")).as("%s has a default response", id).isTrue();
      found.put(id, statuses);
    });
    assertThat(found).isEqualTo(OPERATIONS);
  }

  @Test
  void everyErrorResponseIsAProblem(Vertx vertx) {
    JsonObject resolved = resolve(vertx);
    forEachOperation(resolved, (id, operation) -> {
      JsonObject responses = operation.getJsonObject("responses");
      for (String status : ExampleValidator.names(responses)) {
        boolean error = status.equals("default") || status.startsWith("4") || status.startsWith("5");
        boolean readinessReport = id.equals("ready") && status.equals("503");
        if (error && !readinessReport) {
          assertThat(ExampleValidator.names(responses.getJsonObject(status).getJsonObject("content")))
              .as("%s %s", id, status).containsExactly(PROBLEM_JSON);
        }
      }
    });
  }

  @Test
  void everyBodyHasExamples(Vertx vertx) {
    List<String> missing = new ArrayList<>();
    forEachOperation(resolve(vertx), (id, operation) -> {
      JsonObject requestBody = operation.getJsonObject("requestBody");
      if (requestBody != null) {
        requireExamples(requestBody.getJsonObject("content"), id + " request", missing);
      }
      JsonObject responses = operation.getJsonObject("responses");
      for (String status : ExampleValidator.names(responses)) {
        requireExamples(responses.getJsonObject(status).getJsonObject("content"), id + " " + status, missing);
      }
    });
    assertThat(missing).as("bodies without examples").isEmpty();
  }

  @Test
  void everyExampleMatchesItsSchema(Vertx vertx) {
    ExampleValidator validator = validatorFor(vertx).checkDocument(resolve(vertx));

    assertThat(validator.failures()).as("examples that do not match their schema").isEmpty();
    assertThat(validator.checked())
        .as("reached examples of request bodies, responses, stream items, parameters, headers and schemas")
        .contains(
            "paths./v1/topics/{topic}/records.post.requestBody.content.application/json.examples.batch",
            "paths./v1/topics/{topic}/records.post.requestBody.content.application/x-ndjson.examples.readings[item 2]",
            "paths./v1/topics/{topic}/partitions/{partition}/records.get.responses.416.content.application/problem+json.examples.belowStart",
            "paths./v1/topics/{topic}/stream.get.responses.200.content.text/event-stream.examples.twoEvents[item 1]",
            "paths./v1/topics/{topic}/stream.get.parameters.resume.example",
            "components.headers.RetryAfter.example",
            "components.schemas.Record.examples[1]")
        .hasSizeGreaterThan(100);
  }

  /**
   * The gateway's tests hold responses against the contract this way. JSON bodies go through
   * vertx-openapi's {@code ResponseValidator} on the loadable view; problem bodies (and the other
   * media types the view drops) need the schema check of {@link ExampleValidator#validate}.
   */
  @Test
  void responsesCanBeValidatedAgainstTheContract(Vertx vertx) {
    OpenAPIContract contract = await(OpenAPIContract.from(vertx, ContractDocument.loadableView(raw)));
    ResponseValidator validator = ResponseValidator.create(vertx, contract);
    Buffer good = new JsonObject().put("topic", "orders")
        .put("offsets", new JsonArray().add(new JsonObject().put("partition", 0).put("offset", 42))).toBuffer();
    Buffer bad = new JsonObject().put("topic", "orders")
        .put("offsets", new JsonArray().add(new JsonObject().put("partition", 0).put("offset", "42"))).toBuffer();

    await(validator.validate(ValidatableResponse.create(200, good, "application/json"), "produce"));
    assertThatThrownBy(() -> await(validator.validate(ValidatableResponse.create(200, bad, "application/json"), "produce")))
        .isInstanceOf(SchemaValidationException.class);
    // An undeclared status falls back to `default`, whose problem+json content the view drops: it
    // passes unchecked. Gateway tests must check the status and the problem body themselves.
    await(validator.validate(ValidatableResponse.create(201, good, "application/json"), "produce"));
    // A media type the response does not declare is refused.
    assertThatThrownBy(() -> await(validator.validate(ValidatableResponse.create(200, good, "text/plain"), "produce")))
        .isInstanceOf(ValidatorException.class);
  }

  /** The validator must be able to fail: a wrong example in a copy of the document is reported. */
  @Test
  void aWrongExampleIsRejected(Vertx vertx) {
    JsonObject broken = raw.copy();
    JsonObject produce200 = broken.getJsonObject("paths").getJsonObject("/v1/topics/{topic}/records")
        .getJsonObject("post").getJsonObject("responses").getJsonObject("200").getJsonObject("content")
        .getJsonObject("application/json").getJsonObject("examples");
    produce200.getJsonObject("oneRecord").getJsonObject("value").getJsonArray("offsets").getJsonObject(0)
        .put("offset", "forty-two");
    JsonObject consumeNdjson = broken.getJsonObject("paths").getJsonObject("/v1/topics/{topic}/partitions/{partition}/records")
        .getJsonObject("get").getJsonObject("responses").getJsonObject("200").getJsonObject("content")
        .getJsonObject("application/x-ndjson").getJsonObject("examples").getJsonObject("twoRecords");
    consumeNdjson.put("value", consumeNdjson.getString("value") + "{\"topic\":\"logs\",\"partition\":0}\n");

    ExampleValidator validator = validatorFor(vertx).checkDocument(resolve(vertx, broken));

    assertThat(validator.failures()).hasSize(2);
    assertThat(validator.failures().get(0)).startsWith(
        "paths./v1/topics/{topic}/records.post.responses.200.content.application/json.examples.oneRecord:");
    assertThat(validator.failures().get(1)).startsWith(
        "paths./v1/topics/{topic}/partitions/{partition}/records.get.responses.200.content.application/x-ndjson.examples.twoRecords[item 2]:");
  }

  @Test
  void theProblemSchemaRejectsAProblemWithoutCode(Vertx vertx) {
    JsonObject problemSchema = resolve(vertx).getJsonObject("components").getJsonObject("schemas").getJsonObject("Problem");
    ExampleValidator validator = validatorFor(vertx);
    JsonObject problem = new JsonObject()
        .put("type", "urn:streamgate:problem:topic-not-found").put("title", "Topic not found").put("status", 404)
        .put("detail", "Topic payments does not exist.").put("code", "topic-not-found").put("retryable", false);

    validator.validate(problemSchema, problem, "complete");
    validator.validate(problemSchema, problem.copy().put("status", 200), "status 200");
    problem.remove("code");
    validator.validate(problemSchema, problem, "without code");

    assertThat(validator.failures()).hasSize(2);
    assertThat(validator.failures().get(0)).startsWith("status 200:");
    assertThat(validator.failures().get(1)).startsWith("without code:");
  }

  /**
   * The error codes are documented once, in the table of {@code Problem.code}. Every code there is
   * illustrated by an example whose status, retryable flag and type agree with the table, and no
   * example uses a code outside it.
   */
  @Test
  void errorCodeTableAgreesWithTheExamples(Vertx vertx) {
    String description = raw.getJsonObject("components").getJsonObject("schemas").getJsonObject("Problem")
        .getJsonObject("properties").getJsonObject("code").getString("description");
    Matcher row = Pattern.compile("^\\| `([a-z-]+)` \\| (\\d{3}) \\| (yes|no) \\|", Pattern.MULTILINE).matcher(description);
    Map<String, JsonObject> table = new LinkedHashMap<>();
    while (row.find()) {
      table.put(row.group(1), new JsonObject().put("status", Integer.parseInt(row.group(2))).put("retryable", row.group(3).equals("yes")));
    }
    assertThat(table).hasSizeGreaterThanOrEqualTo(17);

    Map<String, JsonObject> examples = new TreeMap<>();
    collectProblemExamples(resolve(vertx), examples);
    assertThat(examples.keySet()).as("codes used by examples").isSubsetOf(table.keySet());
    assertThat(examples.keySet()).as("codes with an example").containsAll(table.keySet());
    examples.forEach((code, problem) -> {
      assertThat(problem.getInteger("status")).as("%s status", code).isEqualTo(table.get(code).getInteger("status"));
      assertThat(problem.getBoolean("retryable")).as("%s retryable", code).isEqualTo(table.get(code).getBoolean("retryable"));
      assertThat(problem.getString("type")).isEqualTo("urn:streamgate:problem:" + code);
    });
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static <T> T await(Future<T> future) {
    try {
      return future.await(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out", e);
    }
  }

  private JsonObject resolve(Vertx vertx) {
    return resolve(vertx, raw);
  }

  /** The document with every {@code $ref} replaced by its target, as vertx-openapi resolves it. */
  private static JsonObject resolve(Vertx vertx, JsonObject document) {
    OpenAPIVersion version = OpenAPIVersion.fromContract(document);
    SchemaRepository repository = await(version.getRepository(vertx, BASE_URI));
    return await(version.resolve(vertx, repository, document.copy()));
  }

  private static ExampleValidator validatorFor(Vertx vertx) {
    return new ExampleValidator(await(OpenAPIVersion.V3_1.getRepository(vertx, BASE_URI)));
  }

  private interface OperationVisitor {
    void visit(String operationId, JsonObject operation);
  }

  private static void forEachOperation(JsonObject document, OperationVisitor visitor) {
    JsonObject paths = document.getJsonObject("paths");
    for (String path : ExampleValidator.names(paths)) {
      for (String method : ContractDocument.HTTP_METHODS) {
        JsonObject operation = paths.getJsonObject(path).getJsonObject(method);
        if (operation != null) {
          visitor.visit(operation.getString("operationId"), operation);
        }
      }
    }
  }

  private static void requireExamples(JsonObject content, String where, List<String> missing) {
    if (content == null) {
      return;
    }
    for (String mediaType : ExampleValidator.names(content)) {
      JsonObject object = content.getJsonObject(mediaType);
      JsonObject examples = object.getJsonObject("examples");
      if (!object.containsKey("example") && (examples == null || ExampleValidator.names(examples).isEmpty())) {
        missing.add(where + " " + mediaType);
      }
    }
  }

  /** Every {@code examples.*.value} under an {@code application/problem+json} media type, by code. */
  private static void collectProblemExamples(Object node, Map<String, JsonObject> byCode) {
    if (node instanceof JsonObject object) {
      if (object.getValue(PROBLEM_JSON) instanceof JsonObject mediaType
          && mediaType.getValue("examples") instanceof JsonObject examples) {
        for (String name : ExampleValidator.names(examples)) {
          JsonObject problem = examples.getJsonObject(name).getJsonObject("value");
          byCode.put(problem.getString("code"), problem);
        }
      }
      object.forEach(entry -> collectProblemExamples(entry.getValue(), byCode));
    } else if (node instanceof JsonArray array) {
      array.forEach(item -> collectProblemExamples(item, byCode));
    }
  }
}
