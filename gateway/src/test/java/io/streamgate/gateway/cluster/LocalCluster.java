package io.streamgate.gateway.cluster;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.LogManagerConfig;
import io.streamgate.logstore.PartitionLog;
import io.streamgate.logstore.ReadResult;
import io.streamgate.logstore.TopicPartition;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.testing.ListenPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A cluster of real Streamgate processes for integration tests, on loopback unless a test places
 * them in a {@link Network} of its own (such as {@link NetworkPartition}): each node is a child JVM
 * running the shaded jar ({@code target/streamgate.jar}, built by {@code package} before failsafe
 * runs), as {@code scripts/cluster.sh} starts them. Ports are picked free once and kept, so a node
 * restarts on the same ports and data dir. Child output goes to {@code target/cluster-it/NAME/node-I.log}
 * (appended across restarts) for diagnosis. {@link #close()} kills every child, even after a failure,
 * and deletes the data dirs (set {@code -Dstreamgate.it.keep-data=true} to keep them).
 *
 * <p>Also the HTTP and on-disk views the cluster tests share: JSON GET/POST against a node, the
 * cluster's and a topic's description from any live node, and a node's log read straight from disk.
 */
final class LocalCluster implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path JAR = Path.of("target", "streamgate.jar");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private final List<Node> nodes = new ArrayList<>();
  /** The nodes the cluster was made with: its first metadata voters, which every node names. */
  private final int founders;
  private final Path dataRoot;
  private final Path logDir;
  private final List<String> extraArgs;
  private final Network network;
  /** Whether nodes run their MQTT listener (on {@link Node#mqttPort}); off unless a test asks. */
  private boolean mqtt;
  /** Whether nodes run their Kafka listener (on {@link Node#kafkaPort}); off unless a test asks. */
  private boolean kafka;
  /** Node i's rack is {@code racks.get(i)}; empty: no racks. */
  private List<String> racks = List.of();
  /** Where the nodes' JVMs write the classes they loaded as they exit: only the node that makes {@link NodeJvm}'s archive. */
  private Path archiveClassesAt;
  private final Thread killOnExit = new Thread(this::killAll, "local-cluster-kill-on-exit");
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * Where the nodes' processes run and how the test reaches them: {@link #LOOPBACK} (every node on
   * 127.0.0.1 in the test's own network) unless a test brings its own, such as {@link NetworkPartition}.
   */
  interface Network {
    /** The address node {@code index} binds its HTTP, MQTT and cluster listeners to. */
    String host(int index);

    /** What comes before {@code java} on node {@code index}'s command line (entering a namespace, say). */
    List<String> launcher(int index);

    /** Where the test connects to reach node {@code index}'s HTTP listener, which listens on {@code httpPort}. */
    InetSocketAddress httpAddressForTest(int index, int httpPort) throws IOException;
  }

  static final Network LOOPBACK = new Network() {
    @Override
    public String host(int index) {
      return "127.0.0.1";
    }

    @Override
    public List<String> launcher(int index) {
      return List.of();
    }

    @Override
    public InetSocketAddress httpAddressForTest(int index, int httpPort) {
      return new InetSocketAddress("127.0.0.1", httpPort);
    }
  };

  /** One node: fixed id, ports and data dir; a new process on each start. */
  final class Node {
    final int index;
    final String id;
    final int httpPort;
    final int clusterPort;
    final int metadataPort;
    final int mqttPort;
    final int kafkaPort;
    final Path dataDir;
    final Path logFile;
    final String host;
    private final InetSocketAddress httpForTest;
    private volatile Process process;

    private Node(int index, int httpPort, int clusterPort, int metadataPort, int mqttPort, int kafkaPort) throws IOException {
      this.index = index;
      this.host = network.host(index);
      this.httpForTest = network.httpAddressForTest(index, httpPort);
      this.id = "node-" + index;
      this.httpPort = httpPort;
      this.clusterPort = clusterPort;
      this.metadataPort = metadataPort;
      this.mqttPort = mqttPort;
      this.kafkaPort = kafkaPort;
      this.dataDir = dataRoot.resolve(id);
      this.logFile = logDir.resolve(id + ".log");
    }

    URI uri(String pathAndQuery) {
      return URI.create("http://" + httpForTest.getHostString() + ":" + httpForTest.getPort() + pathAndQuery);
    }

    boolean alive() {
      Process p = process;
      return p != null && p.isAlive();
    }

    long pid() {
      Process p = process;
      return p == null ? -1 : p.pid();
    }

    @Override
    public String toString() {
      return id + "(http " + httpPort + ", pid " + pid() + ")";
    }
  }

  /**
   * A cluster of {@code size} nodes, none started yet; {@code name} names its log directory under
   * {@code target/cluster-it}; {@code extraArgs} go to every node.
   */
  LocalCluster(String name, int size, String... extraArgs) throws IOException {
    this(name, size, LOOPBACK, extraArgs);
  }

  /** As {@link #LocalCluster(String, int, String...)}, with the nodes placed in {@code network}. */
  LocalCluster(String name, int size, Network network, String... extraArgs) throws IOException {
    this.network = network;
    this.dataRoot = Files.createTempDirectory("streamgate-" + name + "-");
    this.logDir = Path.of("target", "cluster-it", name).toAbsolutePath();
    deleteRecursively(logDir); // this run's logs only
    Files.createDirectories(logDir);
    this.extraArgs = List.of(extraArgs);
    this.founders = size;
    for (int i = 0; i < size; i++) {
      addNode();
    }
    Runtime.getRuntime().addShutdownHook(killOnExit); // if the test JVM is stopped mid-test
  }

  /**
   * A new node, not started, ports of its own: started while others run, it joins them as a new
   * metadata voter (it is not among the voters every node names). Answers its index.
   */
  int addNode() throws IOException {
    int index = nodes.size();
    nodes.add(new Node(index, ListenPorts.next(), ListenPorts.next(), ListenPorts.next(), ListenPorts.next(), ListenPorts.next()));
    return index;
  }

  /** Nodes started from now on run their MQTT listener on loopback, port {@link Node#mqttPort}. */
  LocalCluster withMqtt() {
    mqtt = true;
    return this;
  }

  /** Nodes started from now on run their Kafka listener, port {@link Node#kafkaPort}. */
  LocalCluster withKafka() {
    kafka = true;
    return this;
  }

  /** Nodes started from now on are in these racks, node i in {@code racks[i]} (its {@code --rack}). */
  LocalCluster withRacks(String... racks) {
    if (racks.length != nodes.size()) {
      throw new IllegalArgumentException(racks.length + " racks for " + nodes.size() + " nodes");
    }
    this.racks = List.of(racks);
    return this;
  }

  List<Node> nodes() {
    return List.copyOf(nodes);
  }

  Node node(int index) {
    return nodes.get(index);
  }

  Node node(String id) {
    return nodes.stream().filter(n -> n.id.equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no node with id " + id + " in " + nodes));
  }

  List<Node> liveNodes() {
    return nodes.stream().filter(Node::alive).toList();
  }

  Set<String> ids() {
    return nodes.stream().map(n -> n.id).collect(Collectors.toCollection(TreeSet::new));
  }

  Path logDir() {
    return logDir;
  }

  // ------------------------------------------------------------------------------------------ lifecycle

  /**
   * A fresh cluster: node 0 alone first (the oldest Hazelcast member, which the others join), then
   * the others together. A cold restart (data dirs exist): all at once, each joining the others, since a node
   * is ready only once it sees a majority of its cluster.
   */
  void startAll() throws IOException {
    if (nodes.stream().anyMatch(n -> Files.exists(n.dataDir))) {
      for (Node node : nodes) {
        launch(node, true);
      }
      nodes.forEach(this::awaitReady);
      return;
    }
    // Node 0 is ready only once a majority of the metadata voters runs: the others join it as soon
    // as it answers at all.
    launch(nodes.get(0), false);
    awaitLive(nodes.get(0));
    for (Node node : nodes.subList(1, nodes.size())) {
      launch(node, true);
    }
    nodes.forEach(this::awaitReady);
  }

  /**
   * (Re)starts a node with its data dir and ports, joining every other node when any of them runs
   * (or when it is not node 0), and waits until it answers ready.
   */
  void start(int index) throws IOException {
    Node node = nodes.get(index);
    boolean othersRun = nodes.stream().anyMatch(n -> n != node && n.alive());
    launch(node, othersRun || index != 0);
    awaitReady(node);
  }

  /** SIGKILL, and wait until the process is gone. */
  void kill(int index) {
    Node node = nodes.get(index);
    Process p = node.process;
    if (p != null) {
      p.destroyForcibly();
      waitFor(node, p, STOP_TIMEOUT);
      appendToLog(node, "killed with SIGKILL by the test");
    }
  }

  /** SIGSTOP: the node is frozen (it answers nothing, renews nothing) until {@link #resume}. */
  void pause(int index) throws IOException, InterruptedException {
    signal(nodes.get(index), "STOP");
  }

  /** SIGCONT after {@link #pause}. */
  void resume(int index) throws IOException, InterruptedException {
    signal(nodes.get(index), "CONT");
  }

  private void signal(Node node, String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.pid())).inheritIO().start();
    if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + signal + " " + node + " failed");
    }
    appendToLog(node, "sent SIG" + signal + " by the test");
  }

  /** SIGTERM, and wait until the process has stopped. */
  void stop(int index) {
    stopAll(List.of(nodes.get(index)));
  }

  /** SIGTERM to every live node at once (no leadership moving node by node), then wait for each. */
  void stopAll() {
    stopAll(nodes);
  }

  private void stopAll(List<Node> which) {
    List<Node> stopping = which.stream().filter(Node::alive).toList();
    stopping.forEach(n -> n.process.destroy());
    for (Node node : stopping) {
      waitFor(node, node.process, STOP_TIMEOUT);
      appendToLog(node, "stopped with SIGTERM by the test, exit " + node.process.exitValue());
    }
  }

  /** Every live node, SIGKILL at once. */
  void killAll() {
    nodes.stream().filter(Node::alive).forEach(n -> n.process.destroyForcibly());
    for (Node node : nodes) {
      Process p = node.process;
      if (p != null) {
        waitFor(node, p, STOP_TIMEOUT);
      }
    }
  }

  /** Deletes a stopped node's data dir, as a replaced disk would leave it. */
  void wipe(int index) throws IOException {
    Node node = nodes.get(index);
    if (node.alive()) {
      throw new IllegalStateException(node + " is running");
    }
    deleteRecursively(node.dataDir);
    appendToLog(node, "data dir " + node.dataDir + " wiped by the test");
  }

  @Override
  public void close() throws IOException {
    killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    if (!Boolean.getBoolean("streamgate.it.keep-data")) {
      deleteRecursively(dataRoot);
    }
  }

  private void launch(Node node, boolean join) throws IOException {
    if (node.alive()) {
      throw new IllegalStateException(node + " is running already");
    }
    List<String> command = new ArrayList<>(network.launcher(node.index));
    command.addAll(java());
    command.addAll(List.of("-Xmx384m", "-jar", JAR.toAbsolutePath().toString(),
        "--node-id", node.id, "--data-dir", node.dataDir.toString(),
        "--http-host", node.host, "--http-port", String.valueOf(node.httpPort), "--http-instances", "1",
        "--mqtt-host", node.host, "--mqtt-port", mqtt ? String.valueOf(node.mqttPort) : "0", "--mqtt-instances", "1",
        "--kafka-host", node.host, "--kafka-port", kafka ? String.valueOf(node.kafkaPort) : "0", "--kafka-instances", "1",
        "--cluster-host", node.host, "--cluster-port", String.valueOf(node.clusterPort),
        "--metadata-voters", nodes.subList(0, founders).stream().map(n -> n.id + "@" + n.host + ":" + n.metadataPort)
            .collect(Collectors.joining(",")),
        "--metadata-port", String.valueOf(node.metadataPort),
        "--shutdown-grace-ms", "1000",
        // A 3 s lease, not the 5 s default: failovers, which these tests wait for again and again,
        // take seconds less; leases renewed late on a starved machine answer 503s the tests retry.
        "--failure-detection-ms", "3000"));
    if (join && nodes.size() > 1) {
      command.add("--join");
      command.add(nodes.stream().filter(n -> n != node).map(n -> n.host + ":" + n.clusterPort)
          .collect(Collectors.joining(",")));
    }
    if (!racks.isEmpty()) {
      command.addAll(List.of("--rack", racks.get(node.index)));
    }
    command.addAll(extraArgs);
    appendToLog(node, "starting: " + String.join(" ", command));
    node.process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(node.logFile.toFile())).start();
  }

  /** {@code java} and its options for a node's process ({@link NodeJvm}). */
  private List<String> java() throws IOException {
    return archiveClassesAt == null ? NodeJvm.command() : NodeJvm.archivingTo(archiveClassesAt);
  }

  /** Nodes started from now on write the classes they loaded to {@code file} as they exit (for {@link NodeJvm}). */
  LocalCluster archivingClassesTo(Path file) {
    archiveClassesAt = file;
    return this;
  }

  /** Starts a node with its data dir and ports, joining the others, and returns at once (it may never be ready). */
  void launchWithoutWaiting(int index) throws IOException {
    launch(nodes.get(index), true);
  }

  /**
   * Starts a node that must refuse to run (a node removed for good, say): answers its exit status
   * once it exited; fails if it is still running after the ready timeout.
   */
  int startExpectingExit(int index) throws IOException, InterruptedException {
    Node node = nodes.get(index);
    launch(node, true);
    Process p = node.process;
    if (!p.waitFor(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(node + " still runs " + READY_TIMEOUT + " after its start; log " + node.logFile);
    }
    appendToLog(node, "exited by itself, status " + p.exitValue());
    return p.exitValue();
  }

  /** What a run of the jar as a command printed (stdout and stderr), and its exit status. */
  record CommandRun(int exitStatus, String output) {}

  /** Runs {@code java -jar streamgate.jar args...} (an offline subcommand), waiting up to a minute. */
  CommandRun runJar(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(java());
    command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes(); // to its end: the process exited or closed it
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
    }
    return new CommandRun(p.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  /** Waits until the node answers {@code GET /health/ready} with 200; fails at once if it dies. */
  private void awaitLive(Node node) {
    await("live: " + node).atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
      if (!node.alive()) {
        throw new AssertionError(node + " died before it answered; log " + node.logFile + ":\n" + tail(node.logFile, 40));
      }
      return status(node, "/health/live") == 200;
    });
  }

  void awaitReady(Node node) {
    await("ready: " + node).atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
      if (!node.alive()) {
        throw new AssertionError(node + " died before it was ready; log " + node.logFile + ":\n" + tail(node.logFile, 40));
      }
      return status(node, "/health/ready") == 200;
    });
  }

  private static void waitFor(Node node, Process p, Duration timeout) {
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(node + " did not stop within " + timeout + "; killed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }

  private void appendToLog(Node node, String line) {
    try {
      Files.writeString(node.logFile, "=== " + Instant.now() + " " + line + System.lineSeparator(), StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  // ------------------------------------------------------------------------------------------ HTTP

  /** The status of a GET, or -1 when the node does not answer. */
  int status(Node node, String path) {
    try {
      return http.send(HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  HttpResponse<String> get(Node node, String path) throws IOException, InterruptedException {
    return get(node, path, Duration.ofSeconds(10));
  }

  HttpResponse<String> get(Node node, String path, Duration timeout) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(node.uri(path)).timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> delete(Node node, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(60)).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(Node node, String path, Object body) throws IOException, InterruptedException {
    return post(node, path, body, java.util.Map.of());
  }

  HttpResponse<String> post(Node node, String path, Object body, java.util.Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> put(Node node, String path, Object body) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** GET expecting 200, as JSON. */
  JsonNode getJson(Node node, String path) throws IOException, InterruptedException {
    HttpResponse<String> response = get(node, path);
    if (response.statusCode() != 200) {
      throw new AssertionError("GET " + path + " on " + node + ": " + response.statusCode() + " " + response.body());
    }
    return JSON.readTree(response.body());
  }

  /**
   * GET expecting 200, as JSON, asking again after a retriable 503 for up to 30 s, as a client does:
   * a leader that has just moved, or a lease renewed late on a starved machine, answers 503 for a moment.
   */
  JsonNode getJsonRetrying(Node node, String path) {
    java.util.concurrent.atomic.AtomicReference<JsonNode> answer = new java.util.concurrent.atomic.AtomicReference<>();
    await("GET " + path + " on " + node + " answered").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          HttpResponse<String> response = get(node, path);
          if (response.statusCode() == 503) {
            return false;
          }
          if (response.statusCode() != 200) {
            throw new AssertionError("GET " + path + " on " + node + ": " + response.statusCode() + " " + response.body());
          }
          answer.set(JSON.readTree(response.body()));
          return true;
        });
    return answer.get();
  }

  /** The first live node that answers {@code path} with 200, as JSON. */
  JsonNode getJsonFromAnyNode(String path) {
    return getJsonFromAnyNode(path, Duration.ofSeconds(10));
  }

  /**
   * The first live node that answers {@code path} with 200, as JSON, asking every live node again
   * while all that answered said 503 (retriable), for up to 30 s, as a client does: a lease renewed
   * late on a starved machine makes a leader answer 503 for a moment.
   */
  JsonNode getJsonFromAnyNodeRetrying(String path) {
    java.util.concurrent.atomic.AtomicReference<JsonNode> answer = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicReference<AssertionError> last = new java.util.concurrent.atomic.AtomicReference<>();
    try {
      await("GET " + path + " answered by a live node").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            try {
              answer.set(getJsonFromAnyNode(path));
              return true;
            } catch (AssertionError e) {
              if (!e.getMessage().contains(": 503 ")) {
                throw e;
              }
              last.set(e);
              return false;
            }
          });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(last.get().getMessage() + "\nlease lines of the node logs:\n" + leaseLines(), e);
    }
    return answer.get();
  }

  /** What the nodes logged about their leases and metadata roles: why a leader answered 503. */
  private String leaseLines() {
    StringBuilder lines = new StringBuilder();
    for (Node node : nodes) {
      try (java.util.stream.Stream<String> log = Files.lines(node.logFile, StandardCharsets.UTF_8)) {
        log.filter(line -> line.contains("lease") || line.contains("controller") || line.contains("changes role"))
            .forEach(line -> lines.append(node.id).append(": ").append(line).append(System.lineSeparator()));
      } catch (IOException | java.io.UncheckedIOException e) {
        lines.append(node.id).append(": log unreadable: ").append(e).append(System.lineSeparator());
      }
    }
    return lines.toString();
  }

  /** The first live node that answers {@code path} with 200 within {@code timeout}, as JSON. */
  JsonNode getJsonFromAnyNode(String path, Duration timeout) {
    List<String> failures = new ArrayList<>();
    for (Node node : liveNodes()) {
      try {
        HttpResponse<String> response = get(node, path, timeout);
        if (response.statusCode() == 200) {
          return JSON.readTree(response.body());
        }
        failures.add(node.id + ": " + response.statusCode() + " " + response.body());
      } catch (IOException e) {
        failures.add(node.id + ": " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("no live node answered GET " + path + ": " + failures);
  }

  /** Creates a topic through {@code node}; fails unless 201. */
  void createTopic(Node node, String name, int partitions, int replicationFactor, Object config)
      throws IOException, InterruptedException {
    HttpResponse<String> response = post(node, "/v1/topics", java.util.Map.of("name", name, "partitions", partitions,
        "replicationFactor", replicationFactor, "config", config));
    if (response.statusCode() != 201) {
      throw new AssertionError("creating " + name + " on " + node + ": " + response.statusCode() + " " + response.body());
    }
  }

  /** The id of the node {@code GET /v1/cluster} names as the controller, asked of any live node. */
  Optional<String> controllerId() {
    for (JsonNode n : getJsonFromAnyNodeRetrying("/v1/cluster").path("nodes")) {
      if (n.path("isController").asBoolean(false)) {
        return Optional.of(n.path("id").asText());
      }
    }
    return Optional.empty();
  }

  /** {@code GET /v1/topics/{topic}} from any live node. */
  TopicView topic(String topic) {
    return TopicView.of(getJsonFromAnyNodeRetrying("/v1/topics/" + topic));
  }

  /**
   * Polls {@code GET /v1/topics/{topic}} (from any live node) until {@code condition} holds; on
   * timeout fails with the last description seen, or the last error.
   */
  TopicView awaitTopic(String topic, String description, Duration timeout, java.util.function.Predicate<TopicView> condition) {
    TopicView[] last = new TopicView[1];
    try {
      await(description).atMost(timeout).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
        last[0] = topic(topic);
        return condition.test(last[0]);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(description + ": not within " + timeout + "; last seen: "
          + (last[0] == null ? "nothing" : last[0].json()), e);
    }
    return last[0];
  }

  /**
   * Waits until every live node describes {@code topic} alike (leaders, replicas, ISR), with all
   * {@code partitions} led by their preferred replica and every replica in sync: the steady state
   * that auto-rebalance converges to, after which leadership stays put. Fails with what each node
   * said last.
   */
  void awaitSettled(String topic, int partitions, Duration timeout) {
    awaitAgreed(topic, partitions, timeout, "settled", PartitionView::settled);
  }

  /**
   * Waits until every live node describes {@code topic} alike, with all {@code partitions} led and
   * every replica in sync, wherever the leaders are: the steady state of a cluster without
   * auto-rebalance. Fails with what each node said last.
   */
  void awaitInSync(String topic, int partitions, Duration timeout) {
    awaitAgreed(topic, partitions, timeout, "fully in sync", PartitionView::fullyInSync);
  }

  /**
   * Waits until every live node answers {@code /metrics} and reports no under-replicated partition,
   * of any topic (the internal {@code __groups} too): what {@code scripts/cluster.sh roll} waits for
   * before it stops the next node, since a node stopped while another's replicas lag may leave a
   * partition with too few copies in sync. Fails with what each node reported last.
   */
  void awaitNoUnderReplicated(Duration timeout) {
    java.util.Map<String, String> lastSeen = new java.util.TreeMap<>();
    try {
      await("no under-replicated partition on any node").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
        lastSeen.clear();
        for (Node node : liveNodes()) {
          try {
            HttpResponse<String> metrics = get(node, "/metrics");
            long underReplicated = (long) metric(metrics.body(), "streamgate_partitions_under_replicated", "");
            lastSeen.put(node.id, metrics.statusCode() + ": " + underReplicated + " under-replicated");
          } catch (IOException e) {
            lastSeen.put(node.id, e.toString());
          }
        }
        return lastSeen.size() == liveNodes().size() && lastSeen.values().stream().allMatch(seen -> seen.equals("200: 0 under-replicated"));
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("partitions still under-replicated after " + timeout + "; last seen, by node: " + lastSeen, e);
    }
  }

  /**
   * The sum of metric {@code name}'s series on {@code node}'s {@code /metrics} whose labels include
   * {@code label} (such as {@code topic="t"}; empty: every series), 0 when it has none.
   */
  double metric(Node node, String name, String label) throws IOException, InterruptedException {
    HttpResponse<String> metrics = get(node, "/metrics");
    if (metrics.statusCode() != 200) {
      throw new AssertionError(node + " answered /metrics " + metrics.statusCode() + ": " + metrics.body());
    }
    return metric(metrics.body(), name, label);
  }

  private static double metric(String scrape, String name, String label) {
    return scrape.lines()
        .filter(line -> (line.startsWith(name + " ") && label.isEmpty()) || (line.startsWith(name + "{") && line.contains(label)))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
  }

  private void awaitAgreed(String topic, int partitions, Duration timeout, String what,
      java.util.function.Predicate<PartitionView> condition) {
    java.util.Map<String, String> lastSeen = new java.util.TreeMap<>();
    try {
      await(topic + " " + what + " on every node").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
        lastSeen.clear();
        java.util.Set<String> shapes = new HashSet<>();
        boolean settled = true;
        for (Node node : liveNodes()) {
          HttpResponse<String> response;
          try {
            response = get(node, "/v1/topics/" + topic);
          } catch (IOException e) {
            lastSeen.put(node.id, e.toString());
            settled = false;
            continue;
          }
          if (response.statusCode() != 200) {
            lastSeen.put(node.id, response.statusCode() + " " + response.body());
            settled = false;
            continue;
          }
          TopicView view = TopicView.of(JSON.readTree(response.body()));
          String shape = view.partitions().stream().map(v -> v.partition() + ":" + v.leader() + v.replicas() + new TreeSet<>(v.isr()))
              .collect(Collectors.joining(" "));
          lastSeen.put(node.id, shape);
          shapes.add(shape);
          settled &= view.partitions().size() == partitions && view.partitions().stream().allMatch(condition);
        }
        return settled && shapes.size() == 1;
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(topic + " not " + what + " on every node within " + timeout + "; last seen, by node: " + lastSeen, e);
    }
  }

  /** A topic's description: per partition its leader (null while electing), replicas, ISR and latest offset. */
  record TopicView(JsonNode json, List<PartitionView> partitions) {
    static TopicView of(JsonNode json) {
      List<PartitionView> partitions = new ArrayList<>();
      for (JsonNode p : json.path("partitions")) {
        partitions.add(new PartitionView(p.path("partition").asInt(), p.path("leader").isTextual() ? p.path("leader").asText() : null,
            strings(p.path("replicas")), strings(p.path("isr")), p.path("latestOffset").asLong(-1)));
      }
      partitions.sort(Comparator.comparingInt(PartitionView::partition));
      return new TopicView(json, partitions);
    }

    PartitionView partition(int p) {
      return partitions.stream().filter(v -> v.partition() == p).findFirst()
          .orElseThrow(() -> new AssertionError("no partition " + p + " in " + json));
    }

    private static List<String> strings(JsonNode array) {
      List<String> values = new ArrayList<>();
      array.forEach(v -> values.add(v.asText()));
      return values;
    }
  }

  record PartitionView(int partition, String leader, List<String> replicas, List<String> isr, long latestOffset) {
    boolean fullyInSync() {
      return leader != null && new HashSet<>(isr).containsAll(replicas);
    }

    /** Led by its preferred replica (the first), with every replica in sync. */
    boolean settled() {
      return fullyInSync() && !replicas.isEmpty() && leader.equals(replicas.get(0));
    }
  }

  /** A record as stored, comparable between nodes: key and value as text (they are UTF-8 here). */
  record StoredRecord(long offset, String key, String value) {}

  /**
   * Every record of {@code topic}-{@code partition} as {@code node} serves it over HTTP, from
   * offset 0 up to its high watermark, paging with {@code nextOffset}.
   */
  /**
   * Writes one record (key {@code k}, {@code value} a JSON text) to {@code topic}'s {@code partition}
   * with {@code acks}, through the live nodes in turn, asking again with the same
   * {@code Idempotency-Key} while the answer is retriable (as a client does), up to a minute; answers
   * the acknowledged offset. Fails on an answer that is not retriable.
   */
  long produceAcknowledged(String topic, int partition, String value, String acks) throws IOException {
    java.util.Map<String, Object> record = java.util.Map.of("key", "k", "partition", partition, "value", JSON.readTree(value));
    String idempotencyKey = topic + "-" + java.util.UUID.randomUUID();
    List<String> failures = new ArrayList<>();
    long[] offset = {-1};
    int[] attempt = {0};
    await("produce to " + topic + "-" + partition).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .failFast("a non-retriable answer", () -> !failures.isEmpty() && failures.get(failures.size() - 1).startsWith("FATAL"))
        .until(() -> {
          List<Node> live = liveNodes();
          Node via = live.get(attempt[0]++ % live.size());
          try {
            HttpResponse<String> response = post(via, "/v1/topics/" + topic + "/records?acks=" + acks,
                java.util.Map.of("records", List.of(record)), java.util.Map.of("Idempotency-Key", idempotencyKey));
            if (response.statusCode() == 200) {
              offset[0] = JSON.readTree(response.body()).path("offsets").get(0).path("offset").asLong();
              return true;
            }
            boolean retriable = JSON.readTree(response.body()).path("retryable").asBoolean(false);
            failures.add((retriable ? "" : "FATAL ") + via.id + ": " + response.statusCode() + " " + response.body());
          } catch (IOException e) {
            failures.add(via.id + ": " + e);
          }
          return false;
        });
    return offset[0];
  }

  /** Until every live node reports {@code voters} metadata voters ({@code streamgate_metadata_voters}). */
  void awaitVoters(int voters, Duration timeout) {
    await(voters + " metadata voters on every live node").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
      for (Node node : liveNodes()) {
        if (gauge(node, "streamgate_metadata_voters") != voters) {
          return false;
        }
      }
      return true;
    });
  }

  /** The value of an unlabelled gauge on {@code node}'s {@code /metrics}, or -1 if it reports none. */
  double gauge(Node node, String name) throws IOException, InterruptedException {
    return get(node, "/metrics").body().lines().filter(line -> line.startsWith(name + " ")).findFirst()
        .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).orElse(-1.0);
  }

  /**
   * Offset → value of every record of {@code topic}-{@code partition} as {@code node} serves it
   * ({@link #readPartition}); fails on an offset read twice.
   */
  java.util.SortedMap<Long, String> readValuesByOffset(Node node, String topic, int partition) throws IOException, InterruptedException {
    java.util.SortedMap<Long, String> read = new java.util.TreeMap<>();
    for (StoredRecord record : readPartition(node, topic, partition)) {
      if (read.put(record.offset(), record.value()) != null) {
        throw new AssertionError("offset " + record.offset() + " of " + topic + "-" + partition + " read twice through " + node);
      }
    }
    return read;
  }

  List<StoredRecord> readPartition(Node node, String topic, int partition) throws IOException, InterruptedException {
    List<StoredRecord> records = new ArrayList<>();
    long offset = 0;
    while (true) {
      JsonNode page = getJsonRetrying(node, "/v1/topics/" + topic + "/partitions/" + partition + "/records?offset=" + offset
          + "&maxRecords=5000");
      for (JsonNode r : page.path("records")) {
        records.add(new StoredRecord(r.path("offset").asLong(), r.path("key").isNull() ? null : r.path("key").asText(),
            JSON.writeValueAsString(r.path("value"))));
      }
      long next = page.path("nextOffset").asLong();
      if (next >= page.path("highWatermark").asLong() || next == offset && page.path("records").isEmpty()) {
        return records;
      }
      offset = next;
    }
  }

  // ------------------------------------------------------------------------------------------ on disk

  /** A record exactly as a replica holds it on disk (timestamp and headers too), for comparing replicas. */
  record DiskRecord(long offset, long timestamp, String keyBase64, String valueBase64, List<String> headers) {
    String valueText() {
      return valueBase64 == null ? null : new String(Base64.getDecoder().decode(valueBase64), StandardCharsets.UTF_8);
    }

    String keyText() {
      return keyBase64 == null ? null : new String(Base64.getDecoder().decode(keyBase64), StandardCharsets.UTF_8);
    }
  }

  /**
   * Reads each of {@code partitions} of {@code topic} from a stopped node's {@code <data-dir>/log}
   * with the log store itself, from the log start to the log end (not only to the high watermark);
   * a partition the node does not hold reads as null.
   */
  List<List<DiskRecord>> readFromDisk(Node node, String topic, int partitions) {
    if (node.alive()) {
      throw new IllegalStateException(node + " is running; stop it before reading its data dir");
    }
    try (LogManager logs = LogManager.open(LogManagerConfig.defaults(node.dataDir.resolve("log")))) {
      return IntStream.range(0, partitions).mapToObj(p -> logs.get(new TopicPartition(topic, p)).map(LocalCluster::readAll)
          .orElse(null)).toList();
    }
  }

  /**
   * One partition of {@code topic} as a stopped node stores it, each record with the leader epoch
   * stamped on its batch (by the leader that appended it) and its value as compact JSON text; empty
   * if the node does not hold the partition.
   */
  List<TwoLeaderCheck.StoredInEpoch> readEpochsFromDisk(Node node, String topic, int partition) {
    if (node.alive()) {
      throw new IllegalStateException(node + " is running; stop it before reading its data dir");
    }
    List<TwoLeaderCheck.StoredInEpoch> records = new ArrayList<>();
    try (LogManager logs = LogManager.open(LogManagerConfig.defaults(node.dataDir.resolve("log")))) {
      Optional<PartitionLog> found = logs.get(new TopicPartition(topic, partition));
      if (found.isEmpty()) {
        return records;
      }
      PartitionLog log = found.get();
      long offset = log.logStartOffset();
      while (offset < log.logEndOffset()) {
        ReadResult read = log.read(offset, 1 << 20, Long.MAX_VALUE);
        if (read.isEmpty()) {
          break;
        }
        for (RecordBatch batch : read.batchList()) {
          for (Record r : batch.records()) {
            if (r.offset() >= offset) {
              String value = r.valueBytes() == null ? null : new String(r.valueBytes(), StandardCharsets.UTF_8);
              records.add(new TwoLeaderCheck.StoredInEpoch(r.offset(), ClusterFailoverIT.normalized(value),
                  batch.partitionLeaderEpoch()));
            }
          }
        }
        offset = read.nextOffset();
      }
    }
    return records;
  }

  private static List<DiskRecord> readAll(PartitionLog log) {
    List<DiskRecord> records = new ArrayList<>();
    long offset = log.logStartOffset();
    while (offset < log.logEndOffset()) {
      ReadResult read = log.read(offset, 1 << 20, Long.MAX_VALUE);
      if (read.isEmpty()) {
        break;
      }
      for (Record r : read.records()) {
        List<String> headers = new ArrayList<>();
        for (Header h : r.headers()) {
          headers.add(h.key() + "=" + (h.value() == null ? "null" : Base64.getEncoder().encodeToString(h.value())));
        }
        records.add(new DiskRecord(r.offset(), r.timestamp(), base64(r.keyBytes()), base64(r.valueBytes()), headers));
      }
      offset = read.nextOffset();
    }
    return records;
  }

  private static String base64(byte[] bytes) {
    return bytes == null ? null : Base64.getEncoder().encodeToString(bytes);
  }
}
