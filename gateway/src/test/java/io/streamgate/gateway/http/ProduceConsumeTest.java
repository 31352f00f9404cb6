package io.streamgate.gateway.http;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.restassured.RestAssured;
import io.streamgate.gateway.SharedNodeTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProduceConsumeTest extends SharedNodeTest {
  @BeforeAll
  void pointRestAssured() {
    RestAssured.baseURI = "http://127.0.0.1";
    RestAssured.port = node.httpPort();
  }

  @Test
  void producedJsonIsConsumedAsWritten() {
    given().contentType("application/json").body("{\"name\":\"orders\",\"partitions\":2}")
        .post("/v1/topics").then().statusCode(201).body("name", equalTo("orders")).body("partitions", hasSize(2));
    given().contentType("application/json")
        .body("{\"records\":[{\"key\":\"k1\",\"value\":{\"a\":1,\"b\":[true,null]},\"headers\":{\"h\":\"v\"},\"partition\":0},"
            + "{\"value\":\"text\",\"partition\":0}]}")
        .post("/v1/topics/orders/records").then().statusCode(200)
        .body("offsets[0].offset", equalTo(0)).body("offsets[1].offset", equalTo(1));
    given().get("/v1/topics/orders/partitions/0/records?offset=earliest").then().statusCode(200)
        .body("records", hasSize(2))
        .body("records[0].key", equalTo("k1"))
        .body("records[0].value.b[0]", equalTo(true))
        .body("records[0].headers.h", equalTo("v"))
        .body("records[1].value", equalTo("text"))
        .body("nextOffset", equalTo(2)).body("highWatermark", equalTo(2));
  }

  @Test
  void unknownRouteIsAProblem() {
    given().get("/v1/nothing").then().statusCode(404).contentType("application/problem+json").body("status", equalTo(404));
    given().get("/v1/topics/missing/partitions/0/records").then().statusCode(404).body("code", equalTo("topic-not-found"));
  }
}
