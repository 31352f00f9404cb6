package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.testing.ListenPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What operators watch on {@code /metrics} of a two-node cluster in this JVM: each follower's lag
 * behind the partitions a node leads, the lag of the groups a node coordinates (the numbers
 * {@code GET /v1/groups/{g}} answers), the controller role on exactly one node; and the Grafana
 * dashboard in {@code docs/grafana}, which must query only metrics a node exports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterMetricsTest {
  private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "streamgate-cluster.json");
  /** A metric name in PromQL: ours, Vert.x's, the JVM's and the process's. */
  private static final Pattern METRIC_NAME = Pattern.compile("\\b(?:streamgate|vertx|jvm|process)_[a-zA-Z0-9_]+\\b");

  @TempDir static Path dir;
  private final List<StreamgateNode> nodes = new ArrayList<>();
  private final List<Api> apis = new ArrayList<>();

  @BeforeAll
  void startCluster() {
    int clusterPort = ListenPorts.next();
    List<Integer> metadataPorts = List.of(ListenPorts.next(), ListenPorts.next());
    String voters = "node-1@127.0.0.1:" + metadataPorts.get(0) + ",node-2@127.0.0.1:" + metadataPorts.get(1);
    // Started together: each node's metadata voter needs the other's to make a majority.
    List<CompletableFuture<StreamgateNode>> starting = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      Map<String, String> config = Map.of("node-id", "node-" + i, "cluster-port", i == 1 ? String.valueOf(clusterPort) : "0",
          "join", i == 1 ? "" : "127.0.0.1:" + clusterPort, "metadata-port", String.valueOf(metadataPorts.get(i - 1)),
          "metadata-voters", voters, "failure-detection-ms", "2000", "mqtt-port", "-1");
      Path data = dir.resolve("node-" + i);
      starting.add(CompletableFuture.supplyAsync(() -> TestNodes.start(data, config)));
    }
    starting.forEach(node -> nodes.add(node.join()));
    nodes.forEach(node -> apis.add(new Api(node)));
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(apis)
        .allSatisfy(api -> assertThat(api.get("/health/ready").status()).isEqualTo(200)));
  }

  @AfterAll
  void stopCluster() {
    nodes.forEach(TestNodes::stop);
  }

  @Test
  void oneNodeIsControllerAndLeadersReportEachFollowersLag() {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(apis.stream().mapToDouble(api -> api.metric("streamgate_controller_active", null)).sum()).isEqualTo(1);
      for (Api api : apis) {
        // An odd count of changes: it became controller and has not stopped since.
        assertThat(api.metric("streamgate_controller_changes_total", null) % 2 == 1)
            .isEqualTo(api.metric("streamgate_controller_active", null) == 1);
        assertThat(api.metric("streamgate_partitions_offline", null)).isZero();
      }
    });

    createReplicatedTopic("followed", 2);
    apis.get(0).produce("followed", "{\"records\":[{\"value\":\"a\",\"partition\":0},{\"value\":\"b\",\"partition\":0},"
        + "{\"value\":\"c\",\"partition\":1}]}");
    // Each node leads one partition (leaders spread) and reports the other node's lag on it: none once it fetched.
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      for (int partition = 0; partition < 2; partition++) {
        String leader = apis.get(0).describe("followed").get("partitions").get(partition).get("leader").asText();
        int leading = leader.equals("node-1") ? 0 : 1;
        String follower = leading == 0 ? "node-2" : "node-1";
        String series = "streamgate_replication_follower_lag{follower=\"" + follower + "\",partition=\"" + partition
            + "\",topic=\"followed\"}";
        assertThat(scrape(apis.get(leading))).as("on %s", leader).contains(series + " 0.0");
        assertThat(scrape(apis.get(1 - leading))).as("on the follower %s", follower).doesNotContain(series);
      }
    });

    // A deleted topic leaves no lag behind (its traffic counters stay: they count what passed).
    assertThat(apis.get(1).delete("/v1/topics/followed").status()).isEqualTo(204);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(apis).allSatisfy(api -> assertThat(scrape(api).lines())
        .noneMatch(line -> line.startsWith("streamgate_replication_follower_lag{") && line.contains("topic=\"followed\""))));
  }

  @Test
  void theCoordinatorReportsAGroupsLagPerPartitionAsTheGroupsDescriptionDoesUntilItIsDeleted() {
    createReplicatedTopic("consumed", 2);
    apis.get(1).produce("consumed", "{\"records\":[" + "{\"value\":\"a\",\"partition\":0},".repeat(5)
        + "{\"value\":\"b\",\"partition\":1},".repeat(2) + "{\"value\":\"c\",\"partition\":1}]}");
    assertThat(apis.get(0).postJson("/v1/groups/readers/offsets", "{\"topic\":\"consumed\",\"to\":2}").status()).isEqualTo(200);
    JsonNode described = apis.get(1).get("/v1/groups/readers").json().get("offsets");
    assertThat(described.findValuesAsText("lag")).containsExactly("3", "1");

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<String> reported = apis.stream().flatMap(api -> scrape(api).lines())
          .filter(line -> line.startsWith("streamgate_group_lag{group=\"readers\"")).toList();
      assertThat(reported).as("one node, the coordinator, reports readers' lag per partition").containsExactly(
          "streamgate_group_lag{group=\"readers\",partition=\"0\",topic=\"consumed\"} 3.0",
          "streamgate_group_lag{group=\"readers\",partition=\"1\",topic=\"consumed\"} 1.0");
    });

    assertThat(apis.get(1).delete("/v1/groups/readers").status()).isEqualTo(204);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(apis)
        .allSatisfy(api -> assertThat(scrape(api)).doesNotContain("group=\"readers\"")));
  }

  @Test
  void theDashboardIsImportableAndQueriesOnlyMetricsTheNodesExport() throws IOException {
    JsonNode dashboard = Api.JSON.readTree(Files.readAllBytes(DASHBOARD));
    assertThat(dashboard.get("__inputs").findValuesAsText("name")).containsExactly("DS_PROMETHEUS");
    List<JsonNode> panels = new ArrayList<>();
    dashboard.get("panels").forEach(panels::add);
    assertThat(panels).isNotEmpty().allSatisfy(panel -> {
      assertThat(panel.path("title").asText()).isNotBlank();
      if (!panel.path("type").asText().equals("row")) {
        assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText()).isEqualTo("${DS_PROMETHEUS}");
        assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
      }
    });
    Set<String> queried = new TreeSet<>();
    for (String expr : dashboard.findValuesAsText("expr")) {
      Matcher names = METRIC_NAME.matcher(expr);
      while (names.find()) {
        queried.add(names.group());
      }
    }
    for (String query : dashboard.path("templating").findValuesAsText("query")) {
      Matcher names = METRIC_NAME.matcher(query);
      while (names.find()) {
        queried.add(names.group());
      }
    }
    assertThat(queried).contains("streamgate_replication_follower_lag", "streamgate_group_lag", "streamgate_partitions_offline",
        "streamgate_controller_active");

    // Every series the dashboard shows exists once the cluster has a replicated topic, traffic and a group.
    createReplicatedTopic("dashboard", 2);
    apis.get(0).produce("dashboard", "{\"records\":[{\"value\":\"a\",\"partition\":0},{\"value\":\"b\",\"partition\":1}]}");
    apis.get(1).fetch("dashboard", 0, "offset=0");
    assertThat(apis.get(0).postJson("/v1/groups/watchers/offsets", "{\"topic\":\"dashboard\",\"to\":0}").status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Set<String> exported = apis.stream().flatMap(api -> scrape(api).lines()).filter(line -> !line.startsWith("#"))
          .map(line -> line.split("[{ ]", 2)[0]).collect(Collectors.toSet());
      Set<String> missing = new TreeSet<>(queried);
      missing.removeAll(exported);
      assertThat(missing).as("metrics the dashboard queries that no node exports").isEmpty();
    });
  }

  private void createReplicatedTopic(String name, int partitions) {
    Api.Response created = apis.get(0).postJson("/v1/topics", "{\"name\":\"" + name + "\",\"partitions\":" + partitions
        + ",\"replicationFactor\":2}");
    assertThat(created.status()).as("create %s: %s", name, created).isEqualTo(201);
    // The creation is committed; each node takes it up from the metadata log a moment later.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(apis).allSatisfy(api -> {
      Api.Response described = api.get("/v1/topics/" + name);
      assertThat(described.status()).isEqualTo(200);
      assertThat(described.json().get("partitions").findValuesAsText("leader")).hasSize(partitions).doesNotContain("null");
    }));
  }

  private static String scrape(Api api) {
    Api.Response response = api.get("/metrics");
    assertThat(response.status()).isEqualTo(200);
    return response.text();
  }
}
