package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A node that cannot start says why, promptly, and leaves nothing behind: its port and data dir can be had again. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StartFailureTest {
  @TempDir Path dir;

  @Test
  void aTakenHttpPortFailsTheStartWithTheBindFailureAndTheDataDirCanBeOpenedAgain() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      GatewayConfig config = ConfigLoader.fromMap(Map.of("data-dir", dir.toString(), "node-id", "node-0",
          "http-host", "127.0.0.1", "http-port", String.valueOf(taken.getLocalPort()), "http-instances", "1",
          "cluster-port", "0", "mqtt-port", "0"));
      assertThatThrownBy(() -> StreamgateNode.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasRootCauseInstanceOf(BindException.class);
    }
    // The failed node closed its log (the data dir's lock is free) and its cluster member.
    StreamgateNode node = TestNodes.start(dir);
    try {
      assertThat(node.httpPort()).isPositive();
    } finally {
      TestNodes.stop(node);
    }
  }
}
