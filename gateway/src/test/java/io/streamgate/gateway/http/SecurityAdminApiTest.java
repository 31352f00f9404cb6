package io.streamgate.gateway.http;

import static io.restassured.RestAssured.given;
import static io.streamgate.gateway.http.HttpAuthTest.BOOTSTRAP;
import static io.streamgate.gateway.http.HttpAuthTest.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.restassured.RestAssured;
import io.streamgate.gateway.SharedNodeTest;
import io.streamgate.gateway.security.AuditLog;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The REST admin API of API keys and ACLs with {@code auth=on}: an admin makes a key (its secret
 * shown once), grants it ACLs, takes them away and revokes the key, each step visible to the key's
 * holder at once and each written to the audit log; a principal without ALTER or DESCRIBE on the
 * cluster may do none of it.
 */
class SecurityAdminApiTest extends SharedNodeTest {
  SecurityAdminApiTest() {
    super(Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP));
  }

  @BeforeAll
  void pointRestAssured() {
    RestAssured.baseURI = "http://127.0.0.1";
    RestAssured.port = node.httpPort();
  }

  @Test
  void anAdminMakesAKeyGrantsItAclsTakesThemBackAndRevokesIt() {
    String topic = unique("ledger");
    as(BOOTSTRAP).contentType("application/json").body("{\"name\":\"" + topic + "\"}").post("/v1/topics").then().statusCode(201);
    try (LogCapture log = new LogCapture()) {
      var made = as(BOOTSTRAP).contentType("application/json").body("{\"principal\":\"User:erin\"}").post("/v1/api-keys").then()
          .statusCode(201).body("principal", equalTo("User:erin")).extract().jsonPath();
      String id = made.getString("id");
      String secret = made.getString("secret");
      assertThat(secret).startsWith("sgk_" + id + "_");
      as(BOOTSTRAP).get("/v1/api-keys").then().statusCode(200).body("id", hasItem(id)).body("find { it.id == '" + id + "' }.secret",
          equalTo(null));

      // erin is someone, and may do nothing yet.
      as(secret).get("/v1/topics").then().statusCode(200).body("name", not(hasItem(topic)));
      as(secret).get("/v1/cluster").then().statusCode(403);
      as(secret).get("/v1/acls").then().statusCode(403).body("code", equalTo("forbidden"));
      as(secret).contentType("application/json").body("{\"principal\":\"User:erin\"}").post("/v1/api-keys").then().statusCode(403);

      as(BOOTSTRAP).contentType("application/json").body("{\"acls\":[{\"resourceType\":\"topic\",\"resourceName\":\"" + topic
          + "\",\"principal\":\"User:erin\",\"operation\":\"read\"},{\"resourceType\":\"CLUSTER\",\"principal\":\"User:erin\","
          + "\"operation\":\"DESCRIBE\"}]}").post("/v1/acls").then().statusCode(201)
          .body("size()", equalTo(2)).body("[0].patternType", equalTo("LITERAL")).body("[0].host", equalTo("*"))
          .body("[0].permission", equalTo("ALLOW")).body("[1].resourceName", equalTo("kafka-cluster"));
      as(secret).get("/v1/topics").then().statusCode(200).body("name", hasItem(topic));
      as(secret).get("/v1/cluster").then().statusCode(200);
      as(secret).get("/v1/acls?principal=User:erin").then().statusCode(200).body("size()", equalTo(2));
      as(secret).get("/v1/acls?principal=User:erin&resourceType=TOPIC").then().statusCode(200).body("size()", equalTo(1))
          .body("[0].operation", equalTo("READ"));

      as(BOOTSTRAP).delete("/v1/acls?principal=User:erin&operation=describe").then().statusCode(200).body("size()", equalTo(1))
          .body("[0].resourceType", equalTo("CLUSTER"));
      as(secret).get("/v1/cluster").then().statusCode(403);
      as(secret).get("/v1/topics/" + topic).then().statusCode(200);

      as(BOOTSTRAP).delete("/v1/api-keys/" + id).then().statusCode(204);
      as(secret).get("/v1/topics").then().statusCode(401);
      as(BOOTSTRAP).delete("/v1/api-keys/" + id).then().statusCode(404).body("code", equalTo("not-found"));

      List<String> audit = log.events().stream().filter(e -> e.getLoggerName().equals(AuditLog.LOGGER))
          .map(ILoggingEvent::getFormattedMessage).filter(m -> m.startsWith("event=admin")).toList();
      assertThat(audit).anySatisfy(line -> assertThat(line).contains("action=create-api-key", "User:bootstrap", id))
          .anySatisfy(line -> assertThat(line).contains("action=create-acl", "User:erin", topic))
          .anySatisfy(line -> assertThat(line).contains("action=delete-acl", "CLUSTER"))
          .anySatisfy(line -> assertThat(line).contains("action=revoke-api-key", id))
          .noneSatisfy(line -> assertThat(line).contains(secret));
    }
  }

  @Test
  void badAdminRequestsAre400AndChangeNothing() {
    int before = as(BOOTSTRAP).get("/v1/acls").then().statusCode(200).extract().jsonPath().getList("$").size();
    for (String body : List.of("{\"resourceType\":\"TOPIC\",\"resourceName\":\"t\",\"principal\":\"User:x\",\"operation\":\"FLY\"}",
        "{\"resourceType\":\"TOPIC\",\"principal\":\"User:x\",\"operation\":\"READ\"}",
        "{\"resourceType\":\"CLUSTER\",\"resourceName\":\"other\",\"principal\":\"User:x\",\"operation\":\"ALTER\"}",
        "{\"resourceType\":\"TOPIC\",\"resourceName\":\"*\",\"patternType\":\"PREFIXED\",\"principal\":\"User:x\",\"operation\":\"READ\"}",
        "{\"resourceType\":\"TOPIC\",\"resourceName\":\"t\",\"principal\":\":x\",\"operation\":\"READ\"}",
        "{\"acls\":[]}", "{\"resourceType\":\"TOPIC\",\"resourceName\":\"t\",\"principal\":\"User:x\",\"operation\":\"READ\",\"x\":1}")) {
      as(BOOTSTRAP).contentType("application/json").body(body).post("/v1/acls").then().statusCode(400)
          .contentType("application/problem+json").body("code", equalTo("invalid-request"));
    }
    as(BOOTSTRAP).delete("/v1/acls").then().statusCode(400).body("code", equalTo("invalid-request"));
    as(BOOTSTRAP).get("/v1/acls?operation=FLY").then().statusCode(400);
    as(BOOTSTRAP).contentType("application/json").body("{}").post("/v1/api-keys").then().statusCode(400);
    as(BOOTSTRAP).get("/v1/acls").then().statusCode(200).body("size()", equalTo(before));
    given().get("/v1/api-keys").then().statusCode(401);
  }
}
