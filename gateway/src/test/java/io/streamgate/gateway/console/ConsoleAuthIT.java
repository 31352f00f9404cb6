package io.streamgate.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console on a node with authentication on, in headless Chromium: it asks for credentials, refuses
 * a wrong key, shows a principal only the topics it may describe, tails one over a ticketed WebSocket,
 * shows the server's 403 for a drain the principal may not do, keeps the secret out of the URL and out
 * of localStorage, and forgets it on log out.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleAuthIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String BOOTSTRAP = "console-bootstrap-key-0123456789";
  private static final String VISIBLE = "alice-orders";
  private static final String HIDDEN = "payroll";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir static Path dir;
  private static StreamgateNode node;
  private static ChromeDriver driver;
  private static WebDriverWait wait;
  private static String base;
  private static String aliceKey;

  @BeforeAll
  static void start() throws Exception {
    node = TestNodes.start(dir.resolve("node"), Map.of("auth", "on", "auth-bootstrap-key", BOOTSTRAP));
    base = "http://127.0.0.1:" + node.httpPort();
    for (String topic : List.of(VISIBLE, HIDDEN)) {
      HttpResponse<String> created = send("POST", "/v1/topics", BOOTSTRAP, "{\"name\":\"" + topic + "\",\"partitions\":1}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }
    aliceKey = node.security().accessControl().createApiKey(Principal.user("alice")).get().secret();
    node.security().accessControl().createAcls(List.of(
        new AclBinding(ResourceType.TOPIC, VISIBLE, PatternType.LITERAL, "User:alice", AclBinding.ANY_HOST, AclOperation.READ,
            AclPermission.ALLOW),
        new AclBinding(ResourceType.CLUSTER, ResourceType.CLUSTER_NAME, PatternType.LITERAL, "User:alice", AclBinding.ANY_HOST,
            AclOperation.DESCRIBE, AclPermission.ALLOW)))
        .get();
    driver = Chromium.start();
    wait = new WebDriverWait(driver, WAIT);
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    TestNodes.stop(node);
  }

  @Test
  @Order(1)
  void withoutCredentialsTheConsoleAsksForThemAndRefusesAWrongKey() {
    driver.get(base + "/console/#/topics");
    wait.until(ExpectedConditions.urlToBe(base + "/console/#/login"));
    logIn("sgk_nosuchkey_" + "x".repeat(43));
    WebElement title = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#problems .problem-title")));
    assertThat(title.getText()).isEqualTo("Not accepted");
    assertThat(storedCredential()).isNull();
    Chromium.screenshot(driver, "login-refused");
  }

  @Test
  @Order(2)
  void aPrincipalSeesOnlyTheTopicsItMayDescribeAndNeverTheSecretInTheUrl() {
    logIn(aliceKey);
    // Back to the view the node first refused.
    wait.until(ExpectedConditions.urlToBe(base + "/console/#/topics"));
    WebElement list = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#topic-list table")));
    wait.until(d -> list.getText().contains(VISIBLE));
    assertThat(list.getText()).doesNotContain(HIDDEN);
    assertThat(driver.getCurrentUrl()).doesNotContain(aliceKey);
    assertThat(((JavascriptExecutor) driver).executeScript("return JSON.stringify(localStorage)")).asString().doesNotContain(aliceKey);
    assertThat(driver.findElement(By.id("logout")).isDisplayed()).isTrue();
    Chromium.screenshot(driver, "login-topics");
  }

  @Test
  @Order(3)
  void theLiveTailOpensWithATicketAndShowsWhatIsWritten() {
    Chromium.open(driver, base, "#/topics/" + VISIBLE + "/tail");
    wait.until(ExpectedConditions.attributeToBe(By.id("tail-status"), "data-state", "live"));
    HttpResponse<String> produced = send("POST", "/v1/topics/" + VISIBLE + "/records", BOOTSTRAP,
        "{\"records\":[{\"key\":\"k\",\"value\":\"for alice\"}]}");
    assertThat(produced.statusCode()).as(produced.body()).isEqualTo(200);
    WebElement record =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#tail-records li[data-partition='0'][data-offset='0']")));
    assertThat(record.getText()).contains("for alice");
  }

  /** Alice may describe the cluster but not alter it: the console offers the drain, and shows the server's refusal. */
  @Test
  @Order(4)
  void aDrainThePrincipalMayNotDoShowsTheServersRefusal() throws Exception {
    Chromium.open(driver, base, "#/cluster");
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button[data-drain='node-0']"))).click();
    wait.until(ExpectedConditions.elementToBeClickable(By.id("confirm-drain"))).click();
    HttpResponse<String> refused = send("POST", "/v1/cluster/nodes/node-0/drain", aliceKey, null);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    JsonNode problem = new ObjectMapper().readTree(refused.body());
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#problems .problem-title"), problem.path("title").asText()));
    assertThat(driver.findElement(By.cssSelector("#problems .problem-detail")).getText()).isEqualTo(problem.path("detail").asText());
    assertThat(driver.findElement(By.id("cluster-action")).getText()).isEmpty();
  }

  @Test
  @Order(5)
  void logOutForgetsTheSecret() {
    driver.findElement(By.id("logout")).click();
    wait.until(ExpectedConditions.urlToBe(base + "/console/#/login"));
    assertThat(storedCredential()).isNull();
    Chromium.open(driver, base, "#/topics");
    wait.until(ExpectedConditions.urlToBe(base + "/console/#/login"));
  }

  private static void logIn(String secret) {
    WebElement field = wait.until(ExpectedConditions.elementToBeClickable(By.id("login-secret")));
    field.clear();
    field.sendKeys(secret);
    driver.findElement(By.cssSelector("#login button[type=submit]")).click();
  }

  private static Object storedCredential() {
    return ((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('streamgate.credential')");
  }

  private static HttpResponse<String> send(String method, String path, String secret, String json) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(WAIT)
        .header("Authorization", "Bearer " + secret);
    request = json == null ? request.method(method, BodyPublishers.noBody())
        : request.header("Content-Type", "application/json").method(method, BodyPublishers.ofString(json));
    try {
      return HTTP.send(request.build(), BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path, e);
    }
  }
}
