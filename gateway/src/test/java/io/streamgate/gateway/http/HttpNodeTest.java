package io.streamgate.gateway.http;

import static org.awaitility.Awaitility.await;

import io.streamgate.gateway.SharedNodeTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/** A test class whose tests share one node and call its HTTP API through {@link #api}. */
abstract class HttpNodeTest extends SharedNodeTest {
  Api api;

  HttpNodeTest() {
    this(Map.of());
  }

  HttpNodeTest(Map<String, String> config) {
    super(config);
  }

  @BeforeAll
  final void connectApi() {
    api = new Api(node);
  }

  /**
   * Waits until the tests before have left no long-poll or stream open (a client's close reaches
   * the node a moment later), so that a test counting the node's waiters counts only its own. Not
   * run for every class: it scrapes {@code /metrics}, a cost small tests notice.
   */
  final void awaitQuietNode() {
    await().atMost(Duration.ofSeconds(10))
        .until(() -> node.service().watcherCount() == 0 && api.metric("streamgate_streams_open", null) == 0);
  }
}
