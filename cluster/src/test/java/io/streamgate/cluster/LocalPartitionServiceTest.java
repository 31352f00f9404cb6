package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.streamgate.logstore.AppendResult;
import io.streamgate.logstore.InvalidConfigException;
import io.streamgate.logstore.TestBatches;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Record;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalPartitionServiceTest {
  private static final TopicPartition T0 = new TopicPartition("t", 0);

  @TempDir Path dir;
  LocalPartitionService service;

  @BeforeEach
  void open() {
    service = LocalPartitionService.open(dir, "node-a", 2);
  }

  @AfterEach
  void close() {
    service.close();
  }

  @Test
  void appendedRecordsAreCommittedAndReadBackInOrder() {
    service.createTopic(new TopicSpec("t", 2, 1, Map.of())).join();
    for (int i = 0; i < 10; i++) {
      AppendResult result = service.append(T0, TestBatches.values(1000 + i, "v" + i), Acks.ALL).join();
      assertThat(result.baseOffset()).isEqualTo(i);
    }
    List<Record> records = service.read(T0, 0, 1 << 20).join().records();
    assertThat(records).extracting(r -> TestBatches.string(r.value())).containsExactly(
        "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
    PartitionOffsets offsets = service.offsets(T0, OptionalLong.of(1005)).join();
    assertThat(offsets.earliest()).isZero();
    assertThat(offsets.latest()).isEqualTo(10);
    assertThat(offsets.forTimestamp()).get().extracting(hit -> hit.offset()).isEqualTo(5L);
    assertThat(service.describeTopic("t").join().partitions()).extracting(PartitionDescription::latestOffset)
        .containsExactly(10L, 0L);
  }

  @Test
  void topicsAndTheirDataSurviveARestart() {
    service.createTopic(new TopicSpec("kept", 3, 1, Map.of("retention.ms", "1000000"))).join();
    service.append(new TopicPartition("kept", 2), TestBatches.values(1, "a", "b"), Acks.ALL).join();
    service.close();
    service = LocalPartitionService.open(dir, "node-a", 2);
    TopicMetadata topic = service.cachedTopic("kept").orElseThrow();
    assertThat(topic.partitions()).isEqualTo(3);
    assertThat(topic.config()).containsEntry("retention.ms", "1000000");
    assertThat(service.offsets(new TopicPartition("kept", 2), OptionalLong.empty()).join().latest()).isEqualTo(2);
  }

  @Test
  void aWatchFiresOnceTheHighWatermarkPassesItsOffset() throws Exception {
    service.createTopic(new TopicSpec("t", 1, 1, Map.of())).join();
    CountDownLatch woken = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    service.watch(T0, 0, () -> {
      calls.incrementAndGet();
      woken.countDown();
    });
    assertThat(woken.getCount()).isEqualTo(1);
    service.append(T0, TestBatches.values(1, "x"), Acks.ALL).join();
    assertThat(woken.await(10, TimeUnit.SECONDS)).isTrue();
    service.append(T0, TestBatches.values(1, "y"), Acks.ALL).join();
    assertThat(calls).hasValue(1);
  }

  @Test
  void aCancelledWatchNeverFires() {
    service.createTopic(new TopicSpec("t", 1, 1, Map.of())).join();
    AtomicInteger calls = new AtomicInteger();
    service.watch(T0, 0, calls::incrementAndGet).cancel();
    service.append(T0, TestBatches.values(1, "x"), Acks.ALL).join();
    assertThat(calls).hasValue(0);
    assertThat(service.watcherCount()).isZero();
  }

  @Test
  void deletingATopicWakesItsWatchersAndForgetsItsData() {
    service.createTopic(new TopicSpec("t", 1, 1, Map.of())).join();
    service.append(T0, TestBatches.values(1, "old"), Acks.ALL).join();
    AtomicInteger woken = new AtomicInteger();
    service.watch(T0, 5, woken::incrementAndGet);
    service.deleteTopic("t").join();
    await().atMost(Duration.ofSeconds(10)).untilAtomic(woken, org.hamcrest.Matchers.equalTo(1));
    assertThat(service.cachedTopic("t")).isEmpty();
    assertThatThrownBy(() -> service.read(T0, 0, 100).join()).hasCauseInstanceOf(TopicNotFoundException.class);
    service.createTopic(new TopicSpec("t", 1, 1, Map.of())).join();
    assertThat(service.offsets(T0, OptionalLong.empty()).join().latest()).isZero();
  }

  @Test
  void badTopicRequestsAreRefusedWithTheirOwnErrors() {
    assertThat(cause(() -> service.createTopic(new TopicSpec("..", 1, 1, Map.of())).join())).isInstanceOf(InvalidTopicNameException.class);
    assertThat(cause(() -> service.createTopic(new TopicSpec("__internal", 1, 1, Map.of())).join())).isInstanceOf(InvalidTopicNameException.class);
    assertThat(cause(() -> service.createTopic(new TopicSpec("t", 0, 1, Map.of())).join())).isInstanceOf(InvalidPartitionsException.class);
    assertThat(cause(() -> service.createTopic(new TopicSpec("t", 1, 2, Map.of())).join())).isInstanceOf(InvalidReplicationFactorException.class);
    assertThat(cause(() -> service.createTopic(new TopicSpec("t", 1, 1, Map.of("nope", "1"))).join())).isInstanceOf(InvalidConfigException.class);
    service.createTopic(new TopicSpec("t", 2, 1, Map.of())).join();
    assertThat(cause(() -> service.createTopic(new TopicSpec("t", 2, 1, Map.of())).join())).isInstanceOf(TopicExistsException.class);
    assertThat(cause(() -> service.updateTopic("t", OptionalInt.of(1), Map.of()).join())).isInstanceOf(InvalidPartitionsException.class);
    assertThat(cause(() -> service.describeTopic("missing").join())).isInstanceOf(TopicNotFoundException.class);
    assertThat(service.listTopics().join()).extracting(TopicSummary::name).containsExactly("t");
  }

  @Test
  void addedPartitionsAreUsableAndConfigChangesPersist() {
    service.createTopic(new TopicSpec("t", 1, 1, Map.of())).join();
    TopicDescription updated = service.updateTopic("t", OptionalInt.of(3), Map.of("retention.bytes", 12345)).join();
    assertThat(updated.partitions()).hasSize(3);
    assertThat(updated.config()).containsEntry("retention.bytes", "12345");
    service.append(new TopicPartition("t", 2), TestBatches.values(1, "new"), Acks.LEADER).join();
    assertThat(service.read(new TopicPartition("t", 2), 0, 100).join().records()).hasSize(1);
  }

  private static Throwable cause(Runnable call) {
    try {
      call.run();
    } catch (CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }
}
