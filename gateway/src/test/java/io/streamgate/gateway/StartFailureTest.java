package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
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
          "cluster-port", "0", "mqtt-port", "0", "kafka-port", "0"));
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

  @Test
  void aDataDirOfTheMetadataBeforeTheMetadataLogIsRefusedAndItsLogsAreKept() throws Exception {
    // What a node before the metadata log left: its metadata copy, and a partition's log.
    Files.createDirectories(dir.resolve("meta").resolve("topics"));
    Files.writeString(dir.resolve("meta").resolve("topics").resolve("orders.json"), "{}");
    Path partitionLog = Files.createDirectories(dir.resolve("log").resolve("orders-0"))
        .resolve("00000000000000000000.log");
    Files.write(partitionLog, new byte[] {1, 2, 3});
    GatewayConfig config = ConfigLoader.fromMap(Map.of("data-dir", dir.toString(), "node-id", "node-0",
        "http-host", "127.0.0.1", "http-port", "0", "http-instances", "1", "cluster-port", "0", "mqtt-port", "0", "kafka-port", "0"));

    assertThatThrownBy(() -> StreamgateNode.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .rootCause().hasMessageContaining("before the metadata log").hasMessageContaining("start on a new data dir");
    assertThat(Files.readAllBytes(partitionLog)).as("the old partition log").containsExactly(1, 2, 3);
  }
}
