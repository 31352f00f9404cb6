package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamgate.cluster.Murmur2Partitioner;
import io.streamgate.gateway.SharedNodeTest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mirror's futures complete on their caller's context: an MQTT connection that waits for a
 * session save or a retained message must go on on its own event loop, never on the mirror's (where
 * it raced its own close: vertx-mqtt's "Connection not accepted yet", {@code mqtt.fuzz.seed=61894251743410}).
 */
class CompactedTopicMirrorTest extends SharedNodeTest {
  private CompactedTopicMirror mirror;

  @BeforeAll
  void startMirror() throws Exception {
    mirror = new CompactedTopicMirror(node.vertx(), node.service(), "__mirror_test",
        () -> node.service().ensureInternalTopic("__mirror_test", 2));
    mirror.start();
    mirror.loaded().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  void closeMirror() {
    mirror.close();
  }

  @Test
  void aPutCompletesOnItsCallersContext() throws Exception {
    assertThat(contextCompletedOn(() -> mirror.put("a", "1".getBytes(UTF_8)))).isTrue();
    assertThat(mirror.get("a")).hasValueSatisfying(value -> assertThat(new String(value, UTF_8)).isEqualTo("1"));
  }

  @Test
  void appliedCompletesOnItsCallersContext() throws Exception {
    CompactedTopicMirror.Position written = mirror.put("b", "2".getBytes(UTF_8)).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    // Past what is written: completes once a later record is applied, on the mirror's context.
    CompactedTopicMirror.Position next = new CompactedTopicMirror.Position(written.partition(), written.offset() + 1);
    CompletableFuture<Boolean> onCaller = startOnCaller(() -> mirror.applied(next));
    mirror.put(keyOn(written.partition()), "3".getBytes(UTF_8)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(onCaller.get(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void loadedCompletesOnItsCallersContext() throws Exception {
    CompactedTopicMirror loading = new CompactedTopicMirror(node.vertx(), node.service(), "__mirror_test_loading",
        () -> node.service().ensureInternalTopic("__mirror_test_loading", 1));
    try {
      CompletableFuture<Boolean> onCaller = startOnCaller(loading::loaded);
      loading.start();
      assertThat(onCaller.get(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      loading.close();
    }
  }

  /** A key of another name that goes to {@code partition}. */
  private String keyOn(int partition) {
    for (int i = 0;; i++) {
      String key = "c" + i;
      if (new Murmur2Partitioner().partitionForKey(key.getBytes(UTF_8), 2) == partition) {
        return key;
      }
    }
  }

  private boolean contextCompletedOn(Supplier<Future<?>> call) throws Exception {
    return startOnCaller(call).get(30, TimeUnit.SECONDS);
  }

  /** Calls on a context of its own; completes with whether the call's future completed on that context. */
  private CompletableFuture<Boolean> startOnCaller(Supplier<Future<?>> call) throws Exception {
    Context caller = node.vertx().getOrCreateContext();
    CompletableFuture<Boolean> onCaller = new CompletableFuture<>();
    CompletableFuture<Void> called = new CompletableFuture<>();
    caller.runOnContext(v -> {
      call.get().onComplete(done -> {
        if (done.failed()) {
          onCaller.completeExceptionally(done.cause());
        } else {
          onCaller.complete(Vertx.currentContext() == caller);
        }
      });
      called.complete(null);
    });
    called.get(30, TimeUnit.SECONDS);
    return onCaller;
  }
}
