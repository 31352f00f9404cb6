package io.streamgate.gateway;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class whose tests share one node (see {@link TestNodes}), started before its first test
 * and stopped after its last. Tests keep out of each other's way by names of their own
 * ({@link #unique}), never by a fresh node; a test that needs other configuration, a restart or a
 * kill starts its own node beside this one. A subclass passes its node's configuration to the
 * constructor.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// A client that waits for an answer that never comes must fail the test, not hang the build.
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class SharedNodeTest {
  private final Map<String, String> config;
  private final AtomicInteger names = new AtomicInteger();
  /**
   * The test class's own directory (JUnit sets it for each class before its {@code @BeforeAll}):
   * the node's data under {@code node/}, anything else beside it.
   */
  @TempDir protected static Path dir;
  protected StreamgateNode node;

  protected SharedNodeTest() {
    this(Map.of());
  }

  protected SharedNodeTest(Map<String, String> config) {
    this.config = config;
  }

  @BeforeAll
  protected final void startNode() {
    node = TestNodes.start(dir.resolve("node"), nodeConfig());
  }

  /**
   * The node's configuration: by default what the constructor was given. A subclass whose
   * configuration names files it writes in {@link #dir} (which is set only now) overrides it.
   */
  protected Map<String, String> nodeConfig() {
    return config;
  }

  @AfterAll
  protected final void stopNode() {
    TestNodes.stop(node);
  }

  /** A topic or group name that no other test of the class uses: {@code base-n}. */
  protected final String unique(String base) {
    return base + "-" + names.incrementAndGet();
  }
}
