package io.streamgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.gateway.cluster.LocalCluster.Node;
import io.streamgate.gateway.console.Chromium;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console against a three-node cluster of real processes, through one node: every node
 * listed with the controller; a replicated topic's partitions led across the nodes; throughput
 * charted per node for traffic produced through each of them; a killed node shown down.
 */
class ConsoleClusterIT {
  private static final String TOPIC = "traffic";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static LocalCluster cluster;
  private static ChromeDriver driver;
  private static String base;

  @BeforeAll
  static void start() throws IOException, InterruptedException {
    cluster = new LocalCluster("console-cluster", 3);
    cluster.startAll();
    cluster.createTopic(cluster.node(0), TOPIC, 3, 3, Map.of("value.format", "string"));
    cluster.awaitSettled(TOPIC, 3, WAIT);
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
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void showsTheClusterItsPartitionsAndEachNodesTrafficAndANodeGoingDown() throws Exception {
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

    cluster.kill(2);
    Chromium.open(driver, base, "#/cluster");
    wait.until(d -> Chromium.text(d, "#cluster-summary").contains("2 / 3") && Chromium.text(d, "#cluster-nodes table").contains("down"));
    Chromium.screenshot(driver, "cluster-node-down");
  }

  /** Segments of the records-in line of a node's chart; read in one script, since charts are redrawn every sample. */
  private static int inLineSegments(String nodeId) {
    Object segments = driver.executeScript("const line = document.querySelector(arguments[0]);"
        + "return line ? line.getAttribute('d').split('L').length - 1 : 0", "[data-chart='Node " + nodeId + "'] svg path.line");
    return ((Number) segments).intValue();
  }
}
