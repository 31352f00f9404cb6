package io.streamgate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
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
}
