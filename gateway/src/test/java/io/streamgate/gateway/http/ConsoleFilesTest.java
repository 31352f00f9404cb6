package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The web console's files at /console/: what is served, with which type and caching, and what is not. */
class ConsoleFilesTest extends HttpNodeTest {
  @Test
  void consoleRedirectsToItsDirectory() {
    Api.Response response = api.get("/console");
    assertThat(response.status()).isEqualTo(302);
    assertThat(response.headers().firstValue("location")).hasValue("/console/");
  }

  @Test
  void servesTheShellAndItsModulesWithTheirTypesAndRevalidation() {
    Api.Response index = api.get("/console/");
    assertThat(index.status()).isEqualTo(200);
    assertThat(index.contentType()).startsWith("text/html");
    assertThat(index.text()).contains("<script type=\"module\" src=\"js/app.js\"></script>");
    assertThat(index.headers().firstValue("cache-control").orElseThrow()).contains("max-age=0");
    String lastModified = index.headers().firstValue("last-modified").orElseThrow();
    assertThat(api.get("/console/", "If-Modified-Since", lastModified).status()).isEqualTo(304);

    for (String module : List.of("app.js", "api.js", "dom.js", "format.js", "chart.js", "views/cluster.js", "views/topics.js",
        "views/topic.js", "views/tail.js", "views/groups.js", "views/charts.js")) {
      Api.Response js = api.get("/console/js/" + module);
      assertThat(js.status()).as(module).isEqualTo(200);
      assertThat(js.contentType()).as(module).startsWith("text/javascript");
    }
    assertThat(api.get("/console/css/console.css").contentType()).startsWith("text/css");
  }

  @Test
  void missingFilesDirectoriesAndOtherMethodsAreProblems() {
    for (String path : List.of("/console/nothing.js", "/console/js/", "/console/../openapi/streamgate.yaml")) {
      Api.Response response = api.get(path);
      assertThat(response.status()).as(path).isEqualTo(404);
      assertThat(response.contentType()).as(path).isEqualTo("application/problem+json");
    }
    Api.Response post = api.postJson("/console/index.html", "{}");
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
  }
}
