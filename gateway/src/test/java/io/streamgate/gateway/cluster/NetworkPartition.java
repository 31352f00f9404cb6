package io.streamgate.gateway.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A private network for a {@link LocalCluster} whose links the test can cut and heal (issue #14):
 * each node runs in a network namespace of its own with one address, 10.99.N.2 for node index N-1,
 * on a veth link to a router namespace (10.99.N.1) that forwards between them. Cuts are iptables
 * DROP rules in the router's FORWARD chain, so they exist only inside the router's namespace,
 * never on the host, and vanish with it.
 *
 * <p>Why not one namespace with a loopback address per node: a socket that is not bound before it
 * connects takes the source address 127.0.0.1 on loopback, whatever the listener's own address.
 * Vert.x's event bus (which carries forwarded requests and the replicas' fetches) connects that
 * way, so rules between node addresses would let it through. With one interface per node, every
 * packet a node sends carries its own address.
 *
 * <p>The test, in the host's network, reaches each node's HTTP listener through {@link
 * SocketForward}: a loopback TCP port here, a Unix domain socket file, and a forwarding process
 * inside the router's namespace. The test's requests thus come from the router, on no side of any
 * cut: like a client that can reach every node.
 *
 * <p>Needs root (CAP_NET_ADMIN), {@code unshare}, {@code nsenter}, {@code ip} and {@code iptables}.
 * {@link #close()} kills every process it started (holders of the namespaces, forwarders), which
 * removes the namespaces, their links and rules; close the cluster first.
 */
final class NetworkPartition implements LocalCluster.Network, AutoCloseable {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

  private final int size;
  private final Path dir;
  private final Process router;
  private final List<Process> holders = new ArrayList<>();
  private final List<Process> forwarders = new ArrayList<>();
  private final List<SocketForward> hostForwards = new ArrayList<>();
  private final Thread killOnExit = new Thread(this::killAll, "network-partition-kill-on-exit");

  /** A router namespace and {@code size} node namespaces, linked and addressed, no cut yet. */
  NetworkPartition(int size) throws IOException {
    this.size = size;
    this.dir = Files.createTempDirectory("streamgate-netns-");
    Runtime.getRuntime().addShutdownHook(killOnExit);
    boolean built = false;
    try {
      router = holder();
      inRouter("ip", "link", "set", "lo", "up");
      inRouter("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
      for (int i = 0; i < size; i++) {
        Process node = holder();
        holders.add(node);
        String link = "r" + i;
        inRouter("ip", "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", Long.toString(node.pid()));
        inRouter("ip", "addr", "add", routerSide(i) + "/24", "dev", link);
        inRouter("ip", "link", "set", link, "up");
        in(node, "ip", "link", "set", "lo", "up");
        in(node, "ip", "addr", "add", host(i) + "/24", "dev", "eth0");
        in(node, "ip", "link", "set", "eth0", "up");
        in(node, "ip", "route", "add", "default", "via", routerSide(i));
      }
      built = true;
    } finally {
      if (!built) {
        close();
      }
    }
  }

  @Override
  public String host(int index) {
    return "10.99." + (index + 1) + ".2";
  }

  private static String routerSide(int index) {
    return "10.99." + (index + 1) + ".1";
  }

  @Override
  public List<String> launcher(int index) {
    return List.of("nsenter", "-t", Long.toString(holders.get(index).pid()), "-n");
  }

  /** Starts the forward to {@code index}'s HTTP listener: test → TCP → socket file → router → node. */
  @Override
  public InetSocketAddress httpAddressForTest(int index, int httpPort) throws IOException {
    Path socket = dir.resolve("node-" + index + ".sock");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of("nsenter", "-t", Long.toString(router.pid()), "-n", java, "-Xmx32m",
        "-XX:TieredStopAtLevel=1", "-cp", testClasses(), SocketForward.class.getName(), socket.toString(), host(index),
        Integer.toString(httpPort)));
    forwarders.add(new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("forward-" + index + ".log").toFile()).start());
    await("forward to node " + index + " listening at " + socket).atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50)).until(() -> Files.exists(socket));
    SocketForward forward = SocketForward.tcpToUnix(socket);
    hostForwards.add(forward);
    return forward.address();
  }

  private static String testClasses() {
    try {
      return Path.of(SocketForward.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------------------------------ cuts

  /** Drops every packet between node {@code index} and every other node, both ways. */
  void isolate(int index) throws IOException {
    for (int other = 0; other < size; other++) {
      if (other != index) {
        cut(index, other);
      }
    }
  }

  /** Drops every packet between nodes of different groups, both ways; a node in no group is cut from all. */
  @SafeVarargs
  final void split(Set<Integer>... groups) throws IOException {
    for (int a = 0; a < size; a++) {
      for (int b = a + 1; b < size; b++) {
        if (groupOf(a, groups) < 0 || groupOf(a, groups) != groupOf(b, groups)) {
          cut(a, b);
        }
      }
    }
  }

  private static int groupOf(int index, Set<Integer>[] groups) {
    for (int g = 0; g < groups.length; g++) {
      if (groups[g].contains(index)) {
        return g;
      }
    }
    return -1;
  }

  /** Drops every packet between nodes {@code a} and {@code b}, both ways. */
  void cut(int a, int b) throws IOException {
    inRouter("iptables", "-w", "-A", "FORWARD", "-s", host(a), "-d", host(b), "-j", "DROP");
    inRouter("iptables", "-w", "-A", "FORWARD", "-s", host(b), "-d", host(a), "-j", "DROP");
  }

  /** Removes every cut. */
  void heal() throws IOException {
    inRouter("iptables", "-w", "-F", "FORWARD");
  }

  /**
   * Cuts the link between {@code a} and {@code b} {@code times} times, each for {@code down}, with
   * {@code up} of working link after each; returns healed.
   */
  void flap(int a, int b, int times, Duration down, Duration up) throws IOException, InterruptedException {
    for (int i = 0; i < times; i++) {
      cut(a, b);
      hold(down);
      heal();
      hold(up);
    }
  }

  /** Lets a scenario's prescribed time pass (a cut's length); not a wait for a condition. */
  static void hold(Duration duration) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(duration.toMillis());
  }

  /** The router's FORWARD rules, for a test's log. */
  String rules() throws IOException {
    return inRouter("iptables", "-w", "-S", "FORWARD");
  }

  /**
   * Whether this machine lets the test make network namespaces and cut links in them: root, the
   * tools, and in a throwaway namespace a veth pair and an iptables rule (a container without
   * CAP_NET_ADMIN or the kernel's veth or netfilter support fails here, and the test is skipped).
   */
  static boolean available() {
    for (List<String> probe : List.of(List.of("nsenter", "--version"), List.of("unshare", "-n", "sh", "-c",
        "ip link add sg-probe0 type veth peer name sg-probe1 && iptables -w -A FORWARD -i sg-probe0 -j DROP"))) {
      try {
        Process p = new ProcessBuilder(probe).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
          p.destroyForcibly();
          return false;
        }
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  // ------------------------------------------------------------------------------------------ processes

  private Process holder() throws IOException {
    Process holder = new ProcessBuilder("unshare", "-n", "sleep", "infinity").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    // unshare execs sleep once the namespace exists; the namespace is there when nsenter finds it different from ours.
    await("network namespace of " + holder.pid()).atMost(COMMAND_TIMEOUT).pollInterval(Duration.ofMillis(20))
        .until(() -> !holder.isAlive() || !Files.readSymbolicLink(Path.of("/proc", Long.toString(holder.pid()), "ns", "net"))
            .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/net"))));
    if (!holder.isAlive()) {
      throw new IOException("unshare -n failed (exit " + holder.exitValue() + "); partition tests need root");
    }
    return holder;
  }

  private String inRouter(String... command) throws IOException {
    return in(router, command);
  }

  /** Runs {@code command} in {@code holder}'s network namespace; fails unless it exits 0. */
  private static String in(Process holder, String... command) throws IOException {
    List<String> full = new ArrayList<>(List.of("nsenter", "-t", Long.toString(holder.pid()), "-n"));
    full.addAll(Arrays.asList(command));
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException(full + " did not finish within " + COMMAND_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException(full + " interrupted", e);
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(full + " exited " + p.exitValue() + ": " + output);
    }
    return output;
  }

  private void killAll() {
    List<Process> all = new ArrayList<>(forwarders);
    all.addAll(holders);
    if (router != null) {
      all.add(router);
    }
    all.forEach(Process::destroyForcibly);
    for (Process p : all) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    for (SocketForward forward : hostForwards) {
      forward.close();
    }
    killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    LocalCluster.deleteRecursively(dir);
  }
}
