package io.streamgate.gateway.http;

import static io.streamgate.gateway.http.Api.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.gateway.StreamgateNode;
import io.streamgate.gateway.TestNodes;
import io.streamgate.gateway.http.Api.Response;
import io.streamgate.logstore.TopicPartition;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/groups}: shared consumption with committed offsets, safe polls, rebalances, lag. */
class GroupsApiTest {
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

  private String join(String group, String topic, String extra) {
    Response joined = api.postJson("/v1/groups/" + group + "/members",
        "{\"topics\":[\"" + topic + "\"],\"autoOffsetReset\":\"earliest\"" + extra + "}");
    assertThat(joined.status()).as("%s", joined).isEqualTo(201);
    assertThat(joined.headers().firstValue("Location"))
        .hasValue("/v1/groups/" + group + "/members/" + joined.json().get("memberId").asText());
    return joined.json().get("memberId").asText();
  }

  private JsonNode poll(String group, String member, String query) {
    Response answer = api.get("/v1/groups/" + group + "/members/" + member + "/records?" + query);
    assertThat(answer.status()).as("%s", answer).isEqualTo(200);
    return answer.json();
  }

  private static Set<String> assignment(JsonNode answer) {
    Set<String> partitions = new TreeSet<>();
    answer.get("assignment").forEach(p -> partitions.add(p.get("topic").asText() + "-" + p.get("partition").asInt()));
    return partitions;
  }

  private static List<String> values(JsonNode answer) {
    List<String> values = new ArrayList<>();
    answer.get("records").forEach(r -> values.add(r.get("value").asText()));
    return values;
  }

  private void produce(String topic, int partitions, int count, String prefix) {
    for (int i = 0; i < count; i++) {
      api.produce(topic, "{\"records\":[{\"value\":\"" + prefix + i + "\",\"partition\":" + (i % partitions) + "}]}");
    }
  }

  @Test
  void twoMembersShareThePartitionsDisjointlyAndCoverThem() {
    api.createTopic("t", 4);
    produce("t", 4, 40, "v");
    String a = join("g", "t", "");
    assertThat(assignment(poll("g", a, "timeoutMs=0"))).hasSize(4);
    String b = join("g", "t", "");

    // a sees the rebalance and lets go; then b gets what a gave up.
    JsonNode fromA = poll("g", a, "timeoutMs=0&maxRecords=1");
    JsonNode fromB = poll("g", b, "timeoutMs=0&maxRecords=1");
    Set<String> ownedByA = assignment(fromA);
    Set<String> ownedByB = assignment(fromB);
    assertThat(ownedByA).hasSize(2);
    assertThat(ownedByB).hasSize(2).doesNotContainAnyElementsOf(ownedByA);
    assertThat(fromA.get("generation").asInt()).isEqualTo(fromB.get("generation").asInt());

    JsonNode group = api.get("/v1/groups/g").json();
    assertThat(group.get("members")).hasSize(2);
    assertThat(group.get("state").asText()).isEqualTo("Stable");
  }

  @Test
  void consumptionResumesAfterTheCommittedOffsetAndLagIsReported() {
    api.createTopic("t", 1);
    produce("t", 1, 10, "r");
    String member = join("g", "t", "");
    assertThat(values(poll("g", member, "maxRecords=4"))).containsExactly("r0", "r1", "r2", "r3");
    // Empty body: commit what was delivered.
    Response committed = api.post("/v1/groups/g/members/" + member + "/commit", "application/json", "");
    assertThat(committed.status()).as("%s", committed).isEqualTo(200);

    JsonNode lag = api.get("/v1/groups/g").json();
    assertThat(lag.get("offsets").get(0).get("committed").asLong()).isEqualTo(4);
    assertThat(lag.get("offsets").get(0).get("latest").asLong()).isEqualTo(10);
    assertThat(lag.get("offsets").get(0).get("lag").asLong()).isEqualTo(6);
    assertThat(lag.get("lag").asLong()).isEqualTo(6);

    // The member reads two more, uncommitted, then leaves; a new member resumes at the commit.
    assertThat(values(poll("g", member, "maxRecords=2"))).containsExactly("r4", "r5");
    assertThat(api.delete("/v1/groups/g/members/" + member).status()).isEqualTo(204);
    String next = join("g", "t", "");
    assertThat(values(poll("g", next, "maxRecords=100"))).containsExactly("r4", "r5", "r6", "r7", "r8", "r9");
  }

  @Test
  void aPollRetriedWithItsCursorGetsTheLostRecordsAgain() {
    api.createTopic("t", 2);
    produce("t", 2, 12, "c");
    String member = join("g", "t", "");
    JsonNode first = poll("g", member, "maxRecords=3");
    String cursor = first.get("cursor").asText();

    JsonNode lost = poll("g", member, "maxRecords=3&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
    JsonNode retried = poll("g", member, "maxRecords=3&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
    assertThat(values(retried)).isEqualTo(values(lost)).hasSize(3).doesNotContainAnyElementsOf(values(first));
    // Without a cursor, the member simply continues after what was delivered last.
    JsonNode next = poll("g", member, "maxRecords=100");
    Set<String> all = new HashSet<>(values(first));
    all.addAll(values(retried));
    all.addAll(values(next));
    assertThat(all).hasSize(12);
    assertProblem(api.get("/v1/groups/g/members/" + member + "/records?cursor=not-a-cursor!"), 400, "invalid-request");
  }

  @Test
  void aLongPollAnswersAsSoonAsRecordsArrive() throws Exception {
    api.createTopic("t", 1);
    String member = join("g", "t", "");
    var pending = api.sendAsync(api.request("/v1/groups/g/members/" + member + "/records?timeoutMs=20000").GET().build());
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !pending.isDone());
    produce("t", 1, 1, "late");
    Response answer = pending.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(values(answer.json())).containsExactly("late0");
  }

  @Test
  void aLatestMemberGetsTheRecordThatEndsItsWaitNotOnlyTheOnesAfterIt() throws Exception {
    api.createTopic("t", 1);
    produce("t", 1, 3, "old");
    Response joined = api.postJson("/v1/groups/late/members", "{\"topics\":[\"t\"],\"autoOffsetReset\":\"latest\"}");
    String member = joined.json().get("memberId").asText();
    var pending = api.sendAsync(api.request("/v1/groups/late/members/" + member + "/records?timeoutMs=20000").GET().build());
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !pending.isDone());
    produce("t", 1, 1, "new");
    assertThat(values(pending.get(10, java.util.concurrent.TimeUnit.SECONDS).json())).containsExactly("new0");
  }

  @Test
  void aMemberThatStopsPollingIsReplacedAfterItsSessionTimeout() {
    api.createTopic("t", 2);
    produce("t", 2, 4, "s");
    String quiet = join("g", "t", ",\"sessionTimeoutMs\":1000");
    poll("g", quiet, "maxRecords=1");
    String active = join("g", "t", "");

    await().atMost(Duration.ofSeconds(10)).until(() -> assignment(poll("g", active, "timeoutMs=200")).size() == 2);
    assertProblem(api.get("/v1/groups/g/members/" + quiet + "/records"), 404, "member-not-found");
    assertProblem(api.post("/v1/groups/g/members/" + quiet + "/commit", "application/json", ""), 404, "member-not-found");
  }

  @Test
  void staleOrForeignCommitsAreConflictsAndWriteNothing() {
    api.createTopic("t", 2);
    produce("t", 2, 4, "x");
    String a = join("g", "t", "");
    JsonNode polled = poll("g", a, "");
    int generation = polled.get("generation").asInt();
    String b = join("g", "t", "");
    poll("g", a, "timeoutMs=0");
    JsonNode bPoll = poll("g", b, "timeoutMs=0");
    int foreign = bPoll.get("assignment").get(0).get("partition").asInt();

    assertProblem(api.postJson("/v1/groups/g/members/" + a + "/commit",
        "{\"generation\":" + generation + ",\"offsets\":[]}"), 409, "stale-assignment");
    assertProblem(api.postJson("/v1/groups/g/members/" + a + "/commit",
        "{\"offsets\":[{\"topic\":\"t\",\"partition\":" + foreign + ",\"offset\":1}]}"), 409, "stale-assignment");
    api.get("/v1/groups/g").json().get("offsets").forEach(o -> assertThat(o.get("committed").isNull()).isTrue());
  }

  @Test
  void offsetsOfAnEmptyGroupCanBeResetAndTheGroupDeleted() {
    api.createTopic("t", 1);
    produce("t", 1, 5, "o");
    String member = join("g", "t", "");
    assertProblem(api.postJson("/v1/groups/g/offsets", "{\"topic\":\"t\",\"to\":\"latest\"}"), 409, "group-not-empty");
    assertProblem(api.delete("/v1/groups/g"), 409, "group-not-empty");
    api.delete("/v1/groups/g/members/" + member);

    Response reset = api.postJson("/v1/groups/g/offsets", "{\"topic\":\"t\",\"to\":3}");
    assertThat(reset.status()).as("%s", reset).isEqualTo(200);
    assertThat(reset.json().get("offsets").get(0).get("committed").asLong()).isEqualTo(3);
    String next = join("g", "t", "");
    assertThat(values(poll("g", next, ""))).containsExactly("o3", "o4");
    api.delete("/v1/groups/g/members/" + next);

    assertThat(api.delete("/v1/groups/g").status()).isEqualTo(204);
    assertProblem(api.get("/v1/groups/g"), 404, "group-not-found");
    assertThat(api.get("/v1/groups").json()).isEmpty();
  }

  private Response commit(String group, String member, String body) {
    return api.post("/v1/groups/" + group + "/members/" + member + "/commit", "application/json", body);
  }

  private JsonNode committedOffset(String group) {
    return api.get("/v1/groups/" + group).json().get("offsets").get(0).get("committed");
  }

  private static String cursor(int generation, String positions) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString((generation + ";" + positions).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aCommitPastTheLogEndIsRefusedAndTheGroupKeepsConsuming() {
    api.createTopic("t", 1);
    produce("t", 1, 5, "e");
    String member = join("g", "t", "");
    assertThat(values(poll("g", member, "maxRecords=2"))).containsExactly("e0", "e1");
    assertThat(commit("g", member, "{\"offsets\":[{\"topic\":\"t\",\"partition\":0,\"offset\":2}]}").status()).isEqualTo(200);

    assertProblem(commit("g", member, "{\"offsets\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1000}]}"), 400, "invalid-request");
    assertProblem(commit("g", member, "{\"offsets\":[{\"topic\":\"t\",\"partition\":0,\"offset\":" + Long.MAX_VALUE + "}]}"),
        400, "invalid-request");
    // The end itself is a valid commit: everything read.
    assertThat(commit("g", member, "{\"offsets\":[{\"topic\":\"t\",\"partition\":0,\"offset\":5}]}").status()).isEqualTo(200);
    assertThat(committedOffset("g").asLong()).isEqualTo(5);

    // A new member resumes at the commit and sees what arrives next.
    api.delete("/v1/groups/g/members/" + member);
    String next = join("g", "t", "");
    produce("t", 1, 2, "n");
    assertThat(values(poll("g", next, "maxRecords=100"))).containsExactly("n0", "n1");
    assertThat(api.get("/v1/groups/g").json().get("lag").asLong()).isEqualTo(2);
  }

  @Test
  void aForgedCursorPastTheLogEndIsRefusedAndMovesNothing() {
    api.createTopic("t", 1);
    produce("t", 1, 5, "f");
    String member = join("g", "t", "");
    JsonNode first = poll("g", member, "maxRecords=2");
    assertThat(values(first)).containsExactly("f0", "f1");
    String forged = cursor(first.get("generation").asInt(), "t/0=1000");

    assertProblem(api.get("/v1/groups/g/members/" + member + "/records?cursor=" + forged), 400, "invalid-request");
    assertProblem(commit("g", member, "{\"cursor\":\"" + forged + "\"}"), 400, "invalid-request");
    // What the member was really delivered is what an empty commit stores.
    assertThat(commit("g", member, "").status()).isEqualTo(200);
    assertThat(committedOffset("g").asLong()).isEqualTo(2);

    produce("t", 1, 1, "g");
    assertThat(values(poll("g", member, "maxRecords=100"))).containsExactly("f2", "f3", "f4", "g0");
    // A cursor within the log is the client's to give: it reads from there again.
    assertThat(values(poll("g", member, "maxRecords=100&cursor=" + cursor(first.get("generation").asInt(), "t/0=4"))))
        .containsExactly("f4", "g0");
  }

  @Test
  void aCommitOfATopicMadeAgainIsNoneSoTheGroupStartsByThePolicyAndNothingIsReportedAsReset() {
    api.createTopic("t", 1);
    produce("t", 1, 8, "old");
    String member = join("g", "t", "");
    assertThat(values(poll("g", member, "maxRecords=100"))).hasSize(8);
    assertThat(commit("g", member, "").status()).isEqualTo(200);
    api.delete("/v1/groups/g/members/" + member);
    // The topic is made again: the group's commit of 8 is the old topic's (its id), not one of the new.
    assertThat(api.delete("/v1/topics/t").status()).isEqualTo(204);
    api.createTopic("t", 1);
    produce("t", 1, 2, "new");

    String next = join("g", "t", "");
    JsonNode answer = poll("g", next, "maxRecords=100");
    assertThat(values(answer)).containsExactly("new0", "new1");
    assertThat(answer.has("offsetResets")).as("no position of this topic was moved").isFalse();

    assertThat(commit("g", next, "").status()).isEqualTo(200);
    assertThat(committedOffset("g").asLong()).isEqualTo(2);
    produce("t", 1, 1, "more");
    assertThat(values(poll("g", next, "maxRecords=100"))).containsExactly("more0");
  }

  @Test
  void aPositionBelowTheLogStartResetsToTheLatestForALatestMember() throws Exception {
    api.createTopic("t", 1);
    produce("t", 1, 6, "r");
    Response joined = api.postJson("/v1/groups/g/members", "{\"topics\":[\"t\"],\"autoOffsetReset\":\"latest\"}");
    String member = joined.json().get("memberId").asText();
    assertThat(commit("g", member, "{\"offsets\":[{\"topic\":\"t\",\"partition\":0,\"offset\":1}]}").status()).isEqualTo(200);
    api.delete("/v1/groups/g/members/" + member);
    // Retention passes the committed offset.
    node.service().logManager().partition(new TopicPartition("t", 0)).deleteRecordsBefore(4).get(10, TimeUnit.SECONDS);

    String next = api.postJson("/v1/groups/g/members", "{\"topics\":[\"t\"],\"autoOffsetReset\":\"latest\"}")
        .json().get("memberId").asText();
    JsonNode answer = poll("g", next, "maxRecords=100");
    assertThat(values(answer)).isEmpty();
    JsonNode reset = answer.get("offsetResets").get(0);
    assertThat(reset.get("from").asLong()).isEqualTo(1);
    assertThat(reset.get("to").asLong()).isEqualTo(6);
    assertThat(reset.get("policy").asText()).isEqualTo("latest");
    produce("t", 1, 1, "after");
    assertThat(values(poll("g", next, "maxRecords=100"))).containsExactly("after0");
  }

  @Test
  void badRequestsAreProblems() {
    api.createTopic("t", 1);
    assertProblem(api.postJson("/v1/groups/g/members", "{\"topics\":[]}"), 400, "invalid-request");
    assertProblem(api.postJson("/v1/groups/g/members", "{\"topics\":[\"missing\"]}"), 404, "topic-not-found");
    assertProblem(api.postJson("/v1/groups/g/members", "{\"topics\":[\"t\"],\"sessionTimeoutMs\":10}"), 400, "invalid-request");
    assertProblem(api.postJson("/v1/groups/g/members", "{\"topics\":[\"t\"],\"assignmentStrategy\":\"best\"}"), 400, "invalid-request");
    assertProblem(api.postJson("/v1/groups/bad%20name/members", "{\"topics\":[\"t\"]}"), 400, "invalid-request");
    // A member's request to a group with no members: join again.
    assertProblem(api.get("/v1/groups/g/members/nobody/records"), 404, "member-not-found");
  }
}
