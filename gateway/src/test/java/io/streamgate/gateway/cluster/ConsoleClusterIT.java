package io.streamgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.cluster.LocalCluster.Node;
import io.streamgate.gateway.cluster.LocalCluster.StoredRecord;
import io.streamgate.gateway.cluster.LocalCluster.TopicView;
import io.streamgate.gateway.console.Chromium;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console against a three-node cluster of real processes, through one node: every node
 * listed with the controller; a replicated topic's partitions led across the nodes; throughput
 * charted per node for traffic produced through each of them; each node's load (replicas,
 * leaderships, bytes on disk); a drain dismissed that sends nothing, a drain confirmed whose moves
 * the page shows in progress (held back by the replication throttle), refused while they go on, one
 * of them cancelled, and the node left holding nothing with every record still there; a killed node
 * shown down.
 */
class ConsoleClusterIT {
  private static final String TOPIC = "traffic";
  private static final int PARTITIONS = 3;
  /** Two copies on three nodes, so that a drained node's replicas fit on the other two. */
  private static final int REPLICATION_FACTOR = 2;
  private static final String DRAINED = "node-2";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static LocalCluster cluster;
  private static ChromeDriver driver;
  private static String base;

  @BeforeAll
  static void start() throws IOException, InterruptedException {
    cluster = new LocalCluster("console-cluster", 3);
    cluster.startAll();
    cluster.createTopic(cluster.node(0), TOPIC, PARTITIONS, REPLICATION_FACTOR, Map.of("value.format", "string"));
    cluster.awaitSettled(TOPIC, PARTITIONS, WAIT);
    driver = Chromium.start();
    base = "http://127.0.0.1:" + cluster.node(0).httpPort;
  }

  @AfterAll
  static void stop() throws IOException {
    if (driver != null) {
      driver.quit();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void showsTheClusterItsPartitionsEachNodesTrafficAndLoadDrainsANodeAndShowsANodeGoingDown() throws Exception {
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    Chromium.open(driver, base, "#/cluster");
    wait.until(d -> {
      String nodes = Chromium.text(d, "#cluster-nodes table");
      return List.of("node-0", "node-1", "node-2").stream().allMatch(nodes::contains) && nodes.contains("controller")
          && Chromium.text(d, "#cluster-summary").contains("3 / 3");
    });
    Chromium.screenshot(driver, "cluster-3-nodes");

    Chromium.open(driver, base, "#/topics/" + TOPIC);
    wait.until(d -> {
      String table = Chromium.text(d, "#partition-table tbody");
      // The preferred leaders are spread: each node leads one partition, all replicas in sync.
      return List.of("node-0", "node-1", "node-2").stream().allMatch(table::contains) && !table.contains("out of sync");
    });
    Chromium.screenshot(driver, "topic-3-nodes");

    // Produces through each node in turn until every node's chart shows records coming in, as a line
    // of a few rates (a rate needs two samples, two seconds apart).
    Chromium.open(driver, base, "#/charts");
    AtomicInteger request = new AtomicInteger();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
      Node through = cluster.node(request.getAndIncrement() % 3);
      assertThat(cluster.post(through, "/v1/topics/" + TOPIC + "/records",
          Map.of("records", List.of(Map.of("key", "k" + request.get(), "value", "v")))).statusCode()).isEqualTo(200);
      return List.of("node-0", "node-1", "node-2").stream().allMatch(id -> !Chromium.text(driver, "[data-chart='Node " + id + "'] .rate-in")
          .matches("|0/s") && inLineSegments(id) >= 3);
    });
    driver.executeScript("document.getElementById('charts-nodes').scrollIntoView()");
    Chromium.screenshot(driver, "charts-3-nodes");

    showsEachNodesLoad(wait);
    aDismissedDrainSendsNothing(wait);
    aConfirmedDrainMovesEveryReplicaOffTheNode(wait);

    cluster.kill(2);
    Chromium.open(driver, base, "#/cluster");
    wait.until(d -> Chromium.text(d, "#cluster-summary").contains("2 / 3") && Chromium.text(d, "#cluster-nodes table").contains("down"));
    Chromium.screenshot(driver, "cluster-node-down");
  }

  /** Each node's replicas and leaderships as the API describes them, and its replicas' bytes on disk. */
  private void showsEachNodesLoad(WebDriverWait wait) {
    Chromium.open(driver, base, "#/cluster");
    TopicView topic = cluster.topic(TOPIC);
    wait.until(d -> List.of("node-0", "node-1", "node-2").stream().allMatch(id -> {
      List<String> row = nodeRow(id);
      return row.size() == 9 && row.get(5).equals(String.valueOf(replicasOn(topic, id)))
          && row.get(6).equals(String.valueOf(topic.partitions().stream().filter(p -> id.equals(p.leader())).count()))
          && row.get(7).matches("[0-9.]+ (B|KiB|MiB)") && !row.get(7).equals("0 B");
    }));
    Chromium.screenshot(driver, "cluster-load");
  }

  /** Dismissing the drain dialog sends nothing: the page's requests after it are its refreshes, and nothing moves. */
  private void aDismissedDrainSendsNothing(WebDriverWait wait) throws Exception {
    driver.executeScript("window.sent = []; const fetchAsBefore = window.fetch;"
        + "window.fetch = (url, init) => { window.sent.push(((init && init.method) || 'GET') + ' ' + url); return fetchAsBefore(url, init); };");
    WebElement dialog = openDrainDialog(wait);
    assertThat(dialog.findElement(By.tagName("h2")).getText()).isEqualTo("Drain node " + DRAINED + "?");
    TopicView topic = cluster.topic(TOPIC);
    long leads = topic.partitions().stream().filter(p -> DRAINED.equals(p.leader())).count();
    assertThat(dialog.getText()).contains(DRAINED + " holds " + counted(replicasOn(topic, DRAINED), "replica") + " and leads "
        + counted(leads, "partition") + ".");
    Chromium.screenshot(driver, "cluster-drain-dialog");
    dialog.findElement(By.cssSelector("button[value='dismiss']")).click();
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("dialog"), 0));
    // Two refreshes later anything sent on dismissal would have been recorded.
    int sentBefore = sent().size();
    wait.until(d -> sent().stream().skip(sentBefore).filter(r -> r.endsWith("/v1/cluster/reassignments")).count() >= 2);
    assertThat(sent()).isNotEmpty().allMatch(request -> request.startsWith("GET "));
    assertThat(moving()).isEmpty();
    assertThat(replicasOn(cluster.topic(TOPIC), DRAINED)).isPositive();
  }

  /**
   * With the replication throttle at 1 byte/s (each partition holds several batches, sent one by
   * one), a confirmed drain's moves stay in progress until the throttle is lifted: the page shows
   * them with their new replicas' lag, shows the refusal of a second drain meanwhile, and cancels
   * one move; once lifted the moves finish and a second drain moves the cancelled partition too.
   */
  private void aConfirmedDrainMovesEveryReplicaOffTheNode(WebDriverWait wait) throws Exception {
    for (int p = 0; p < PARTITIONS; p++) {
      for (int i = 0; i < 5; i++) {
        assertThat(cluster.post(cluster.node(0), "/v1/topics/" + TOPIC + "/records",
            Map.of("records", List.of(Map.of("key", "p" + p, "partition", p, "value", "before the drain " + i)))).statusCode())
            .isEqualTo(200);
      }
    }
    Map<Integer, List<StoredRecord>> written = records();
    TopicView before = cluster.topic(TOPIC);
    assertThat(cluster.put(cluster.node(0), "/v1/cluster/replication-throttle", Map.of("bytesPerSecond", 1)).statusCode()).isEqualTo(200);

    confirm(openDrainDialog(wait), "confirm-drain");
    // Every partition the node held moves off it (the planner may also reorder others' replicas to even out leaderships).
    List<String> heldByDrained = before.partitions().stream().filter(p -> p.replicas().contains(DRAINED))
        .map(p -> TOPIC + "-" + p.partition()).toList();
    wait.until(d -> Chromium.text(d, "#cluster-action").startsWith("Draining " + DRAINED + ": "));
    assertThat(startedMoves()).containsKeys(heldByDrained.toArray(String[]::new))
        .allSatisfy((partition, line) -> assertThat(line.substring(line.indexOf('→'))).doesNotContain(DRAINED));
    assertThat(moving()).containsAll(heldByDrained);
    wait.until(d -> {
      String moves = Chromium.text(d, "#cluster-moves");
      return moves.contains("Replication throttle: 1 B/s") && heldByDrained.stream().allMatch(moves::contains) && moves.contains("behind");
    });
    // The drain's answer, the nodes and the moves in one picture, below the sticky header.
    driver.executeScript("window.scrollTo(0, document.getElementById('cluster-action').getBoundingClientRect().top + window.scrollY - 70)");
    Chromium.screenshot(driver, "cluster-draining");
    driver.executeScript("window.scrollTo(0, 0)");

    // A second drain while the first's moves go on: the page shows the API's refusal, and nothing changes.
    confirm(openDrainDialog(wait), "confirm-drain");
    JsonNode refusal =
        LocalCluster.JSON.readTree(cluster.post(cluster.node(1), "/v1/cluster/nodes/" + DRAINED + "/drain", Map.of()).body());
    assertThat(refusal.path("status").asInt()).isEqualTo(409);
    wait.until(ExpectedConditions.textToBe(By.cssSelector("#problems .problem-title"), refusal.path("title").asText()));
    assertThat(moving()).containsAll(heldByDrained);
    driver.findElement(By.cssSelector("#problems .problem button")).click();

    String cancelled = heldByDrained.get(0);
    WebElement cancel = wait.until(ExpectedConditions.elementToBeClickable(
        By.cssSelector("button[aria-label='Cancel the move of " + cancelled + "']")));
    cancel.click();
    confirm(wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("dialog"))), "confirm-cancel-move");
    wait.until(d -> Chromium.text(d, "#cluster-action").equals("The move of " + cancelled + " is cancelled.")
        && !Chromium.text(d, "#cluster-moves").contains(cancelled));
    assertThat(moving()).doesNotContain(cancelled).containsAll(heldByDrained.subList(1, heldByDrained.size()));

    assertThat(cluster.put(cluster.node(0), "/v1/cluster/replication-throttle", Map.of("bytesPerSecond", 0)).statusCode()).isEqualTo(200);
    wait.until(d -> Chromium.text(d, "#cluster-moves").contains("No partition is moving.") && nodeRow(DRAINED).get(5).equals("1"));
    confirm(openDrainDialog(wait), "confirm-drain");
    wait.until(d -> Chromium.text(d, "#cluster-action").startsWith("Draining " + DRAINED + ": "));
    assertThat(startedMoves()).containsKey(cancelled);
    wait.until(d -> Chromium.text(d, "#cluster-moves").contains("No partition is moving.")
        && nodeRow(DRAINED).get(5).equals("0") && nodeRow(DRAINED).get(6).equals("0"));
    Chromium.screenshot(driver, "cluster-drained");

    TopicView after = cluster.topic(TOPIC);
    assertThat(after.partitions()).allSatisfy(p -> assertThat(p.replicas()).doesNotContain(DRAINED).hasSize(REPLICATION_FACTOR));
    cluster.awaitInSync(TOPIC, PARTITIONS, WAIT);
    assertThat(records()).as("every record, in order, after the moves").isEqualTo(written);
  }

  /** The moves the drain's answer lists on the page: "topic-partition" → "node-2, node-0 → node-0, node-1". */
  @SuppressWarnings("unchecked")
  private static Map<String, String> startedMoves() {
    Map<String, String> moves = new HashMap<>();
    for (String line : (List<String>) driver
        .executeScript("return [...document.querySelectorAll('#cluster-action li')].map(li => li.innerText)")) {
      moves.put(line.substring(0, line.indexOf(':')), line.substring(line.indexOf(':') + 2));
    }
    return moves;
  }

  private static WebElement openDrainDialog(WebDriverWait wait) {
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button[data-drain='" + DRAINED + "']"))).click();
    return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("dialog")));
  }

  private static void confirm(WebElement dialog, String confirmId) {
    dialog.findElement(By.id(confirmId)).click();
  }

  /** The nodes table's cells in node {@code id}'s row, as shown; empty when there is none. */
  @SuppressWarnings("unchecked")
  private static List<String> nodeRow(String id) {
    return (List<String>) driver.executeScript("const row = [...document.querySelectorAll('#cluster-nodes tbody tr')]"
        + ".find(r => r.cells[0].innerText.split(' ')[0] === arguments[0]);"
        + "return row ? [...row.cells].map(c => c.innerText) : []", id);
  }

  @SuppressWarnings("unchecked")
  private static List<String> sent() {
    return (List<String>) driver.executeScript("return window.sent || []");
  }

  /** As the console says it: "1 replica", "2 replicas". */
  private static String counted(long n, String noun) {
    return n + " " + (n == 1 ? noun : noun + "s");
  }

  private static long replicasOn(TopicView topic, String id) {
    return topic.partitions().stream().filter(p -> p.replicas().contains(id)).count();
  }

  /** The partitions moving, as {@code GET /v1/cluster/reassignments} says: "topic-partition". */
  private static List<String> moving() {
    List<String> names = new ArrayList<>();
    cluster.getJsonFromAnyNode("/v1/cluster/reassignments").path("partitions")
        .forEach(p -> names.add(p.path("topic").asText() + "-" + p.path("partition").asInt()));
    return names;
  }

  private static Map<Integer, List<StoredRecord>> records() throws IOException, InterruptedException {
    Map<Integer, List<StoredRecord>> byPartition = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      byPartition.put(p, cluster.readPartition(cluster.node(0), TOPIC, p));
    }
    return byPartition;
  }

  /** Segments of the records-in line of a node's chart; read in one script, since charts are redrawn every sample. */
  private static int inLineSegments(String nodeId) {
    Object segments = driver.executeScript("const line = document.querySelector(arguments[0]);"
        + "return line ? line.getAttribute('d').split('L').length - 1 : 0", "[data-chart='Node " + nodeId + "'] svg path.line");
    return ((Number) segments).intValue();
  }
}
