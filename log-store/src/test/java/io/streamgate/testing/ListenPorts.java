package io.streamgate.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for test servers whose port others must know before they start: metadata voters,
 * the nodes of a multi-process cluster. A port got by binding port 0 and releasing it comes from the
 * kernel's ephemeral range, which every other bind to port 0 (a Hazelcast member, an event bus) and
 * every outgoing connection draws from, so it can be taken between the pick and the server's bind —
 * a CI run lost a metadata voter's port so. These come from outside that range, and never twice on
 * this machine while the JVM that got one lives: test JVMs run side by side (surefire forks), so a
 * port is also claimed with a lock on a file named after it, which the OS drops when its JVM exits,
 * however it exits.
 */
public final class ListenPorts {
  private static final int LOWEST = 20_000;
  private static final int HIGHEST = 65_535;
  private static final int ATTEMPTS = 1_000;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
  private static final Path CLAIMS = Path.of(System.getProperty("java.io.tmpdir"), "streamgate-test-ports");
  /** The claims this JVM holds: kept referenced until it exits, so that their locks are never released. */
  private static final Set<FileLock> CLAIMED = ConcurrentHashMap.newKeySet();
  private static final int[] EPHEMERAL = ephemeralRange();

  private ListenPorts() {}

  /** A loopback port outside the ephemeral range, free when picked and not handed out before in this JVM. */
  public static int next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port = random.nextInt(LOWEST, HIGHEST + 1);
      if (port >= EPHEMERAL[0] && port <= EPHEMERAL[1]) {
        continue;
      }
      if (isFree(port) && HANDED_OUT.add(port) && claim(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port outside the ephemeral range " + EPHEMERAL[0] + "-" + EPHEMERAL[1]
        + " after " + ATTEMPTS + " attempts");
  }

  /** The kernel's ephemeral range, [low, high]; Linux's default where it cannot be read. */
  static int[] ephemeralRange() {
    try {
      String[] bounds = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
      return new int[] {Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1])};
    } catch (IOException | RuntimeException e) {
      return new int[] {32_768, 60_999};
    }
  }

  /** Whether this JVM could claim {@code port} against every other JVM on the machine. */
  static boolean claim(int port) {
    try {
      Files.createDirectories(CLAIMS);
      FileChannel channel = FileChannel.open(CLAIMS.resolve(port + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        return false;
      }
      CLAIMED.add(lock);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot claim port " + port + " under " + CLAIMS, e);
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
