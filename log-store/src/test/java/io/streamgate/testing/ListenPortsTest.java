package io.streamgate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ListenPortsTest {
  @Test
  void portsAreDistinctOutsideTheEphemeralRangeAndCanBeBound() throws IOException {
    int[] ephemeral = ListenPorts.ephemeralRange();
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      int port = ListenPorts.next();
      assertThat(port).satisfiesAnyOf(p -> assertThat(p).isLessThan(ephemeral[0]),
          p -> assertThat(p).isGreaterThan(ephemeral[1]));
      assertThat(ports.add(port)).as("port %d handed out twice", port).isTrue();
    }
    try (ServerSocket socket = new ServerSocket(ListenPorts.next(), 1, InetAddress.getLoopbackAddress())) {
      assertThat(socket.isBound()).isTrue();
    }
  }

  @Test
  void aPortClaimedByAnotherLiveJvmIsNotClaimedUntilThatJvmExits() throws Exception {
    int port = ListenPorts.next() + 1; // not handed out here, so only the other JVM claims it first
    Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ClaimAndWait.class.getName(), Integer.toString(port))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("claimed " + port);
      assertThat(ListenPorts.claim(port)).as("claimed while the other JVM holds it").isFalse();
    } finally {
      other.getOutputStream().close(); // ClaimAndWait exits at the end of its input
      assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(ListenPorts.claim(port)).as("claimed once the other JVM is gone").isTrue();
  }

  /** Claims the port it is given, says so, and holds the claim until its input ends. */
  static final class ClaimAndWait {
    public static void main(String[] args) throws IOException {
      int port = Integer.parseInt(args[0]);
      System.out.println((ListenPorts.claim(port) ? "claimed " : "refused ") + port);
      System.out.flush();
      System.in.readAllBytes();
    }
  }
}
