package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.gateway.http.Api.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members consume a topic while they join, leave, crash (stop polling) and rejoin, and while poll
 * answers are dropped on purpose (the client retries with the cursor it had). Checked: every record
 * is processed at least once; a record is processed again only if it was not committed when it was
 * delivered again; within a generation no two members are ever told they own one partition.
 */
class GroupChaosTest {
  private static final int PARTITIONS = 6;
  private static final int RECORDS = 600;
  private static final long SESSION_MS = 1000;

  @TempDir Path dir;
  private StreamgateNode node;
  private Api api;

  @BeforeEach
  void start() {
    node = TestNodes.start(dir);
    api = new Api(node);
  }

  @AfterEach
  void stop() {
    TestNodes.stop(node);
  }

  /** A simulated client: its member id and the cursor of the last answer it processed. */
  private static final class Client {
    final String id;
    String cursor;
    boolean crashed;

    Client(String id) {
      this.id = id;
    }
  }

  private final Map<String, Long> committed = new HashMap<>();
  private final Map<String, Integer> processed = new HashMap<>();
  private final Map<String, String> ownerInGeneration = new HashMap<>();
  private final List<String> violations = new ArrayList<>();

  @Test
  void membersComeAndGoAndAnswersGetLostYetEveryRecordIsProcessed() {
    api.createTopic("chaos", PARTITIONS);
    for (int i = 0; i < RECORDS; i += 50) {
      StringBuilder batch = new StringBuilder("{\"records\":[");
      for (int j = i; j < i + 50; j++) {
        batch.append(j == i ? "" : ",").append("{\"value\":\"r").append(j).append("\",\"partition\":").append(j % PARTITIONS).append('}');
      }
      api.produce("chaos", batch.append("]}").toString());
    }
    Random random = new Random(42);
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      clients.add(join());
    }
    long deadline = System.currentTimeMillis() + 60_000;
    int steps = 0;
    while (processed.size() < RECORDS && System.currentTimeMillis() < deadline) {
      steps++;
      List<Client> live = clients.stream().filter(c -> !c.crashed).toList();
      int action = random.nextInt(100);
      if (live.isEmpty() || action < 3 && live.size() < 5) {
        clients.add(join());
      } else if (action < 5 && live.size() > 1) {
        Client leaving = live.get(random.nextInt(live.size()));
        api.delete("/v1/groups/g/members/" + leaving.id);
        leaving.crashed = true;
      } else if (action < 7 && live.size() > 1) {
        // Crashes: never polls or commits again; its session runs out.
        live.get(random.nextInt(live.size())).crashed = true;
      } else {
        Client client = live.get(random.nextInt(live.size()));
        boolean dropAnswer = random.nextInt(100) < 20;
        poll(client, dropAnswer);
        if (random.nextInt(100) < 30) {
          commit(client);
        }
      }
    }
    assertThat(violations).isEmpty();
    assertThat(processed).as("records processed after %d steps", steps).hasSize(RECORDS);
    assertThat(processed.values().stream().filter(n -> n > 1).count()).as("records processed more than once")
        .isLessThan(RECORDS);
  }

  private Client join() {
    Response joined = api.postJson("/v1/groups/g/members",
        "{\"topics\":[\"chaos\"],\"autoOffsetReset\":\"earliest\",\"sessionTimeoutMs\":" + SESSION_MS + "}");
    assertThat(joined.status()).as("%s", joined).isEqualTo(201);
    Client client = new Client(joined.json().get("memberId").asText());
    client.cursor = joined.json().get("cursor").asText();
    return client;
  }

  private void poll(Client client, boolean dropAnswer) {
    String query = "maxRecords=20&timeoutMs=50" + (client.cursor == null ? "" : "&cursor=" + URLEncoder.encode(client.cursor,
        StandardCharsets.UTF_8));
    Response answer = api.get("/v1/groups/g/members/" + client.id + "/records?" + query);
    if (answer.status() == 404) {
      // Timed out while "slow": it must rejoin, as a new member.
      client.crashed = true;
      return;
    }
    assertThat(answer.status()).as("%s", answer).isEqualTo(200);
    JsonNode json = answer.json();
    int generation = json.get("generation").asInt();
    for (JsonNode p : json.get("assignment")) {
      String key = generation + "/" + p.get("partition").asInt();
      String previous = ownerInGeneration.putIfAbsent(key, client.id);
      if (previous != null && !previous.equals(client.id)) {
        violations.add("generation " + generation + ": partition " + p.get("partition").asInt() + " owned by " + previous
            + " and " + client.id);
      }
    }
    if (dropAnswer) {
      // The answer is lost on its way: the client never saw it, and polls again with its old cursor.
      return;
    }
    for (JsonNode record : json.get("records")) {
      String partition = record.get("partition").asText();
      long offset = record.get("offset").asLong();
      if (offset < committed.getOrDefault(partition, 0L)) {
        violations.add("offset " + offset + " of partition " + partition + " delivered again though committed up to "
            + committed.get(partition));
      }
      processed.merge(partition + "@" + offset, 1, Integer::sum);
    }
    client.cursor = json.get("cursor").asText();
  }

  private void commit(Client client) {
    if (client.cursor == null) {
      return;
    }
    // What the client has processed: the answer its cursor came with (a lost answer is not included).
    Response committedAnswer = api.postJson("/v1/groups/g/members/" + client.id + "/commit",
        "{\"cursor\":\"" + client.cursor + "\"}");
    if (committedAnswer.status() == 404) {
      client.crashed = true;
      return;
    }
    assertThat(committedAnswer.status()).as("%s", committedAnswer).isEqualTo(200);
    Map<String, Long> now = new LinkedHashMap<>();
    api.get("/v1/groups/g").json().get("offsets").forEach(o -> {
      if (!o.get("committed").isNull()) {
        now.put(o.get("partition").asText(), o.get("committed").asLong());
      }
    });
    committed.putAll(now);
  }
}
