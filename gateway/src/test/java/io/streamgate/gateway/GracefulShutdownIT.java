package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar, as a user starts it: SIGTERM stops it cleanly (the log store writes its
 * clean-shutdown marker), and the next start serves every acknowledged record without recovery.
 */
class GracefulShutdownIT {
  private static final Path JAR = Path.of("target", "streamgate.jar");
  private static final Pattern READY = Pattern.compile("ready: HTTP on [^:]+:(\\d+)");

  @TempDir Path dataDir;
  private Process node;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void kill() {
    if (node != null) {
      node.destroyForcibly();
    }
  }

  @Test
  void sigtermStopsCleanlyAndTheNextStartServesEverything() throws Exception {
    Path log = dataDir.resolve("node.log");
    int port = start(log);
    for (int i = 0; i < 50; i++) {
      HttpResponse<String> produced = post(port, "/v1/topics/shutdown/records",
          "{\"records\":[{\"key\":\"k\",\"value\":{\"n\":" + i + "}}]}");
      assertThat(produced.statusCode()).isEqualTo(200);
    }

    node.destroy(); // SIGTERM
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(log)).contains("stopped cleanly");
    assertThat(dataDir.resolve("data").resolve("log").resolve(".clean-shutdown")).exists();

    Path secondLog = dataDir.resolve("node2.log");
    port = start(secondLog);
    HttpResponse<String> read = get(port, "/v1/topics/shutdown/partitions/0/records?offset=earliest&maxRecords=100");
    assertThat(read.statusCode()).isEqualTo(200);
    for (int i = 0; i < 50; i++) {
      assertThat(read.body()).contains("\"offset\":" + i + ",").contains("{\"n\":" + i + "}");
    }
    assertThat(read.body()).contains("\"nextOffset\":50");
    assertThat(Files.readString(secondLog)).contains("after a clean shutdown").doesNotContain("recovered");
  }

  /** Starts the jar on a free port and returns the port once the node says it is ready. */
  private int start(Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    node = new ProcessBuilder(List.of(java, "-Xmx256m", "-jar", JAR.toString(), "--http-host", "127.0.0.1",
        "--http-port", "0", "--http-instances", "1", "--mqtt-port", "0", "--kafka-port", "0", "--data-dir",
        dataDir.resolve("data").toString(),
        "--shutdown-grace-ms", "1000"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    int[] port = new int[1];
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      Matcher ready = READY.matcher(Files.readString(log, StandardCharsets.UTF_8));
      if (ready.find()) {
        port[0] = Integer.parseInt(ready.group(1));
        return true;
      }
      assertThat(node.isAlive()).as("node died; log:%n%s", Files.readString(log)).isTrue();
      return false;
    });
    return port[0];
  }

  private HttpResponse<String> post(int port, String path, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
