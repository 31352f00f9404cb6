package io.streamgate.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
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
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser: Debian's headless Chromium, driven by chromedriver, against a
 * node started in this JVM. One walk through every view, in order: the cluster, creating a topic
 * from the form, an API problem shown as its title and detail, producing from the form and seeing
 * the record arrive in a live tail open in another tab, pause, resume and seek, a consumer group's
 * lag, the throughput charts, a table refreshed in place under a text selection, a failing refresh
 * shown once, a phone-sized pass, and deleting the topic. Each view leaves a
 * screenshot in {@code target/console-screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String TOPIC = "console-orders";
  private static final String GROUP = "console-billing";

  @TempDir static Path dir;
  private static StreamgateNode node;
  private static ChromeDriver driver;
  private static WebDriverWait wait;
  private static String base;
  /** The console tab that tails the topic while another tab produces. */
  private static String tailTab;

  @BeforeAll
  static void start() throws IOException {
    node = TestNodes.start(dir.resolve("node"), Map.of("kafka-port", "-1", "group-initial-rebalance-delay-ms", "0"));
    base = "http://127.0.0.1:" + node.httpPort();
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
  void clusterViewShowsTheNodeAsControllerAndReady() {
    driver.get(base + "/console");
    wait.until(ExpectedConditions.urlToBe(base + "/console/"));
    WebElement nodes = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#cluster-nodes table")));
    wait.until(d -> nodes.getText().contains("node-0") && nodes.getText().contains("controller") && nodes.getText().contains("alive"));
    assertThat(nodes.getText()).contains("127.0.0.1:" + node.httpPort());
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("cluster-health"), "ready"));
    assertThat(driver.findElement(By.cssSelector("nav a[aria-current=page]")).getText()).isEqualTo("Cluster");
    screenshot("cluster");
    // The same page for a reader who prefers dark (prefers-color-scheme).
    driver.executeCdpCommand("Emulation.setEmulatedMedia",
        Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
    try {
      wait.until(d -> ((JavascriptExecutor) d).executeScript("return matchMedia('(prefers-color-scheme: dark)').matches").equals(true));
      screenshot("cluster-dark");
    } finally {
      driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
    }
  }

  @Test
  @Order(2)
  void createsATopicFromTheFormAndShowsItsPartitions() {
    open("#/topics");
    type(By.id("topic-name"), TOPIC);
    type(By.id("topic-partitions"), "3");
    new Select(driver.findElement(By.id("topic-format"))).selectByValue("json");
    type(By.id("topic-config"), "min.insync.replicas=1");
    driver.findElement(By.cssSelector("#create-topic button[type=submit]")).click();

    wait.until(ExpectedConditions.urlToBe(base + "/console/#/topics/" + TOPIC));
    wait.until(d -> rows("#partition-table tbody tr").size() == 3);
    for (WebElement row : rows("#partition-table tbody tr")) {
      List<WebElement> cells = row.findElements(By.tagName("td"));
      assertThat(cells.get(1).getText()).as("leader").isEqualTo("node-0");
      assertThat(cells.get(2).getText()).as("replicas").isEqualTo("node-0");
      assertThat(cells.get(3).getText()).as("ISR").isEqualTo("node-0");
      assertThat(cells.get(4).getText()).as("earliest").isEqualTo("0");
      assertThat(cells.get(5).getText()).as("latest").isEqualTo("0");
    }
    assertThat(get("/v1/topics/" + TOPIC).path("partitions").size()).isEqualTo(3);
  }

  @Test
  @Order(3)
  void showsAnApiProblemAsItsTitleAndDetail() throws IOException {
    open("#/topics");
    type(By.id("topic-name"), "no spaces allowed");
    driver.findElement(By.cssSelector("#create-topic button[type=submit]")).click();

    WebElement title = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#problems .problem-title")));
    JsonNode problem = JSON.readTree(send("POST", "/v1/topics", "{\"name\":\"no spaces allowed\"}").body());
    assertThat(problem.path("status").asInt()).isEqualTo(400);
    assertThat(title.getText()).isEqualTo(problem.path("title").asText());
    assertThat(driver.findElement(By.cssSelector("#problems .problem-detail")).getText()).isEqualTo(problem.path("detail").asText());
    assertThat(driver.findElement(By.cssSelector("#problems .problem")).getAttribute("role")).isEqualTo("alert");
    screenshot("problem");
  }

  @Test
  @Order(4)
  void aRecordProducedFromTheFormArrivesInTheLiveTailOfAnotherTab() {
    open("#/topics/" + TOPIC + "/tail");
    wait.until(ExpectedConditions.attributeToBe(By.id("tail-status"), "data-state", "live"));
    tailTab = driver.getWindowHandle();

    driver.switchTo().newWindow(WindowType.TAB);
    driver.get(base + "/console/#/topics/" + TOPIC);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("produce-form")));
    type(By.id("produce-key"), "alice");
    type(By.id("produce-value"), "{\"item\":\"book\",\"qty\":2,\"tags\":[\"gift\"]}");
    type(By.id("produce-headers"), "source: console");
    new Select(driver.findElement(By.id("produce-partition"))).selectByValue("1");
    driver.findElement(By.cssSelector("#produce-form button[type=submit]")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("produce-result"), "Written to partition 1 at offset 0."));
    wait.until(d -> cellText("#partition-table tbody tr:nth-child(2) td:nth-child(6)").equals("1"));
    screenshot("topic");
    driver.close();

    driver.switchTo().window(tailTab);
    WebElement record =
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#tail-records li[data-partition='1'][data-offset='0']")));
    assertThat(record.getText()).contains("key alice", "source: console", "JSON");
    // Pretty-printed: one member a line.
    assertThat(record.findElement(By.cssSelector("pre.value-json")).getText()).isEqualTo("""
        {
          "item": "book",
          "qty": 2,
          "tags": [
            "gift"
          ]
        }""");
  }

  @Test
  @Order(5)
  void pauseHoldsRecordsBackAtTheServerAndResumeDeliversThem() {
    driver.findElement(By.id("tail-pause")).click();
    wait.until(ExpectedConditions.attributeToBe(By.id("tail-status"), "data-state", "paused"));
    assertThat(driver.findElement(By.id("tail-pause")).getAttribute("aria-pressed")).isEqualTo("true");

    produce("{\"key\":\"bob\",\"value\":{\"item\":\"pen\"},\"partition\":1}");
    By pen = By.cssSelector("#tail-records li[data-partition='1'][data-offset='1']");
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> driver.findElements(pen).isEmpty());

    driver.findElement(By.id("tail-pause")).click();
    wait.until(ExpectedConditions.attributeToBe(By.id("tail-status"), "data-state", "live"));
    assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(pen)).getText()).contains("key bob", "pen");
  }

  @Test
  @Order(6)
  void seeksByOffsetAndByTime() {
    produce("{\"key\":\"carol\",\"value\":\"a plain string\",\"partition\":0}");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#tail-records li[data-partition='0'][data-offset='0']")));

    // From offset 1 of partition 1: only bob's record.
    new Select(driver.findElement(By.id("tail-from"))).selectByValue("offset");
    new Select(driver.findElement(By.id("tail-partition"))).selectByValue("1");
    type(By.id("tail-offset"), "1");
    driver.findElement(By.id("tail-seek")).click();
    wait.until(d -> positions().equals(List.of("1@1")));

    // From a time before the first record, over every partition: all three, newest first per arrival.
    new Select(driver.findElement(By.id("tail-from"))).selectByValue("time");
    new Select(driver.findElement(By.id("tail-partition"))).selectByValue("");
    ((JavascriptExecutor) driver).executeScript("arguments[0].value = arguments[1]", driver.findElement(By.id("tail-time")),
        "2020-01-01T00:00:00");
    driver.findElement(By.id("tail-seek")).click();
    wait.until(d -> positions().size() == 3);
    assertThat(positions()).containsExactlyInAnyOrder("1@0", "1@1", "0@0");
    assertThat(driver.findElement(By.cssSelector("#tail-records li[data-partition='0'] pre")).getText()).isEqualTo("a plain string");

    // A time after every record: nothing yet, and the next record live.
    ((JavascriptExecutor) driver).executeScript("arguments[0].value = arguments[1]", driver.findElement(By.id("tail-time")),
        "2999-01-01T00:00:00");
    driver.findElement(By.id("tail-seek")).click();
    wait.until(ExpectedConditions.attributeToBe(By.id("tail-status"), "data-state", "live"));
    assertThat(positions()).isEmpty();
    produce("{\"key\":\"dave\",\"value\":{\"item\":\"lamp\"},\"partition\":2}");
    wait.until(d -> positions().equals(List.of("2@0")));

    new Select(driver.findElement(By.id("tail-from"))).selectByValue("earliest");
    driver.findElement(By.id("tail-seek")).click();
    wait.until(d -> positions().size() == 4);
    screenshot("tail");
  }

  @Test
  @Order(7)
  void showsAConsumerGroupsMembersAndLag() throws IOException {
    var joined = send("POST", "/v1/groups/" + GROUP + "/members", "{\"topics\":[\"" + TOPIC + "\"],\"autoOffsetReset\":\"earliest\"}");
    assertThat(joined.statusCode()).isEqualTo(201);
    String member = JSON.readTree(joined.body()).path("memberId").asText();
    String memberPath = "/v1/groups/" + GROUP + "/members/" + member;
    try {
      // Commit partition 1 up to bob (offset 2): partition 0 (1 record) and 2 (1 record) lag.
      assertThat(send("GET", memberPath + "/records?timeoutMs=0", null).statusCode()).isEqualTo(200);
      var committed = send("POST", memberPath + "/commit", "{\"offsets\":[{\"topic\":\"" + TOPIC + "\",\"partition\":1,\"offset\":2}]}");
      assertThat(committed.statusCode()).as(committed.body()).isEqualTo(200);
      long lag = get("/v1/groups/" + GROUP).path("lag").asLong();
      assertThat(lag).isEqualTo(2);

      open("#/groups");
      wait.until(ExpectedConditions.elementToBeClickable(By.linkText(GROUP))).click();
      wait.until(ExpectedConditions.textToBe(By.id("group-lag"), "2"));
      wait.until(d -> rows("#group-offsets tbody tr").size() == 3);
      List<String> partition1 =
          rows("#group-offsets tbody tr").get(1).findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
      assertThat(partition1.subList(0, 2)).containsExactly(TOPIC, "1");
      assertThat(partition1.subList(3, 6)).as("committed, latest, lag").containsExactly("2", "2", "0");
      assertThat(driver.findElement(By.id("group-members")).getText()).contains(member, TOPIC + "-0", TOPIC + "-1", TOPIC + "-2");
      screenshot("group");
    } finally {
      send("DELETE", memberPath, null);
    }
  }

  @Test
  @Order(8)
  void showsAKafkaConsumersGroupAsItShowsAnHttpOne() {
    String group = "console-kafka";
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.kafkaPort(),
        ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(TOPIC));
      await().atMost(WAIT).until(() -> {
        consumer.poll(Duration.ofMillis(100));
        return consumer.assignment().size() == 3;
      });
      consumer.commitSync(Map.of(new TopicPartition(TOPIC, 1), new OffsetAndMetadata(1)));
      String member = consumer.groupMetadata().memberId();

      open("#/groups");
      wait.until(ExpectedConditions.elementToBeClickable(By.linkText(group))).click();
      wait.until(d -> d.findElement(By.id("group-members")).getText().contains(member));
      assertThat(driver.findElement(By.id("group-members")).getText()).contains(TOPIC + "-0", TOPIC + "-1", TOPIC + "-2");
      wait.until(d -> rows("#group-offsets tbody tr").size() == 3);
      List<String> partition1 =
          rows("#group-offsets tbody tr").get(1).findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
      assertThat(partition1.subList(0, 2)).containsExactly(TOPIC, "1");
      assertThat(partition1.get(2)).as("owner: the end of the member id, its start being the client id")
          .isEqualTo(member.substring(member.length() - 8));
      assertThat(partition1.get(3)).as("committed").isEqualTo("1");
      screenshot("kafka-group");
    }
  }

  @Test
  @Order(9)
  void chartsThroughputPerTopicAndNode() {
    open("#/charts");
    String topicChart = "[data-chart='Topic " + TOPIC + "']";
    // Keeps producing until the charts show it: a rate needs two samples two seconds apart, and the
    // screenshot a line of a few rates.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(150)).until(() -> {
      produce("{\"key\":\"load\",\"value\":{\"n\":1}}");
      // Read in one script: the charts are redrawn every sample, which makes elements found before stale.
      Object lineSegments = ((JavascriptExecutor) driver).executeScript(
          "const lines = document.querySelectorAll(arguments[0]);"
              + "return lines.length === 2 ? lines[0].getAttribute('d').split('L').length - 1 : 0",
          topicChart + " svg path.line");
      return !cellText(topicChart + " .rate-in").matches("|0/s") && ((Number) lineSegments).intValue() >= 3
          && driver.findElements(By.cssSelector("[data-chart='Node node-0'] svg path.line")).size() == 2;
    });
    assertThat(cellText("[data-chart='All topics, all nodes'] .rate-in")).isNotEqualTo("0/s");
    screenshot("charts");
  }

  @Test
  @Order(10)
  void aRefreshUpdatesThePartitionTableInPlaceSoASelectionSurvives() {
    open("#/topics/" + TOPIC);
    wait.until(d -> rows("#partition-table tbody tr").size() == 3);
    String latest = "#partition-table tbody tr:nth-child(1) td:nth-child(6)";
    long before = Long.parseLong(cellText(latest));
    WebElement row = driver.findElement(By.cssSelector("#partition-table tbody tr:nth-child(1)"));
    WebElement leader = row.findElement(By.cssSelector("td:nth-child(2)"));
    JavascriptExecutor js = driver;
    assertThat(js.executeScript("getSelection().selectAllChildren(arguments[0]); return getSelection().toString()", leader))
        .isEqualTo("node-0");

    // A record in partition 0 changes that row's latest offset: seeing it proves a refresh ran.
    produce("{\"key\":\"erin\",\"value\":{\"item\":\"mug\"},\"partition\":0}");
    wait.until(d -> cellText(latest).equals(String.valueOf(before + 1)));

    assertThat(js.executeScript("return arguments[0].isConnected && arguments[1].isConnected", row, leader))
        .as("the row and the cell shown before the refresh are still on the page").isEqualTo(true);
    assertThat(js.executeScript("return getSelection().toString()")).as("the selection").isEqualTo("node-0");
    assertThat(js.executeScript("return arguments[0].contains(getSelection().anchorNode)", leader)).isEqualTo(true);
  }

  @Test
  @Order(11)
  void aRefreshThatKeepsFailingShowsItsProblemOnce() {
    open("#/topics/no-such-topic");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#problems .problem-title")));
    // Counts the view's requests from here on: refreshes that fail again must not add a banner.
    JavascriptExecutor js = driver;
    js.executeScript("""
        window.topicRequests = 0;
        const fetchBefore = window.fetch;
        window.fetch = (path, init) => {
          if (String(path).endsWith('/v1/topics/no-such-topic')) window.topicRequests++;
          return fetchBefore(path, init);
        };""");
    // A refresh starts only after the one before has finished, so by the third request two more
    // have failed and been handled.
    await().atMost(WAIT).until(() -> ((Number) js.executeScript("return window.topicRequests")).intValue() >= 3);
    assertThat(rows("#problems .problem")).hasSize(1);
    assertThat(cellText("#problems .problem-title")).isEqualTo(problemTitle("/v1/topics/no-such-topic"));
  }

  @Test
  @Order(12)
  void fitsAPhoneSizedWindow() {
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
    try {
      open("#/topics/" + TOPIC);
      wait.until(d -> rows("#partition-table tbody tr").size() == 3);
      assertThat(pageOverflowsSideways()).as("the page scrolls sideways").isFalse();
      assertThat(driver.findElement(By.cssSelector("nav a[href='#/groups']")).isDisplayed()).isTrue();
      screenshot("phone-topic");
      open("#/topics/" + TOPIC + "/tail");
      new Select(driver.findElement(By.id("tail-from"))).selectByValue("earliest");
      driver.findElement(By.id("tail-seek")).click();
      wait.until(d -> positions().size() >= 4);
      assertThat(pageOverflowsSideways()).as("the page scrolls sideways").isFalse();
      screenshot("phone-tail");
    } finally {
      driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));
    }
  }

  @Test
  @Order(13)
  void deletesTheTopicAfterConfirmation() {
    open("#/topics/" + TOPIC);
    wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//button[text()='Delete topic']"))).click();
    WebElement confirm = wait.until(ExpectedConditions.elementToBeClickable(By.id("confirm-delete")));
    assertThat(driver.findElement(By.cssSelector("dialog h2")).getText()).isEqualTo("Delete topic " + TOPIC + "?");
    screenshot("delete");
    confirm.click();
    wait.until(ExpectedConditions.urlToBe(base + "/console/#/topics"));
    wait.until(d -> !driver.findElement(By.id("topic-list")).getText().contains("Loading"));
    assertThat(driver.findElement(By.id("topic-list")).getText()).doesNotContain(TOPIC);
    assertThat(send("GET", "/v1/topics/" + TOPIC, null).statusCode()).isEqualTo(404);
  }

  // ------------------------------------------------------------------------------------ helpers

  private static void open(String route) {
    Chromium.open(driver, base, route);
  }

  private static void type(By field, String text) {
    WebElement element = wait.until(ExpectedConditions.elementToBeClickable(field));
    element.clear();
    element.sendKeys(text);
  }

  private static List<WebElement> rows(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  private static String cellText(String css) {
    return Chromium.text(driver, css);
  }

  /** The tail's records as partition@offset, top (newest) first; re-read on every call. */
  private static List<String> positions() {
    @SuppressWarnings("unchecked")
    List<String> found = (List<String>) ((JavascriptExecutor) driver).executeScript(
        "return [...document.querySelectorAll('#tail-records li')].map(li => li.dataset.partition + '@' + li.dataset.offset)");
    return found;
  }

  private static boolean pageOverflowsSideways() {
    return (Boolean) ((JavascriptExecutor) driver).executeScript(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth");
  }

  private static void screenshot(String name) {
    Chromium.screenshot(driver, name);
  }

  private static void produce(String recordJson) {
    var answer = send("POST", "/v1/topics/" + TOPIC + "/records", "{\"records\":[" + recordJson + "]}");
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private static JsonNode get(String path) {
    var answer = send("GET", path, null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    try {
      return JSON.readTree(answer.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The title of the problem the API answers for a GET of path. */
  private static String problemTitle(String path) {
    var answer = send("GET", path, null);
    assertThat(answer.statusCode()).as(answer.body()).isGreaterThanOrEqualTo(400);
    try {
      return JSON.readTree(answer.body()).path("title").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static java.net.http.HttpResponse<String> send(String method, String path, String json) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(WAIT);
    request = json == null ? request.method(method, BodyPublishers.noBody())
        : request.method(method, BodyPublishers.ofString(json)).header("Content-Type", "application/json");
    try {
      return HTTP.send(request.build(), BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
