package io.streamgate.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The admin subcommands of the jar, {@code api-key}, {@code acl}, {@code node}, {@code reassign} and
 * {@code cluster}: each is one or a few calls to a node's REST admin API ({@code /v1/api-keys},
 * {@code /v1/acls}, {@code /v1/cluster/nodes}, {@code /v1/cluster/reassignments}, {@code /v1/cluster/plan})
 * with the JDK's HTTP client, and prints what the node answered. The flags of {@code acl} are those of
 * Kafka's {@code kafka-acls}.
 * Exit status: 0 done, 1 the node refused or could not be reached, 2 a usage error.
 */
public final class AdminCli {
  public static final Set<String> COMMANDS = Set.of("api-key", "acl", "node", "reassign", "cluster");
  static final String DEFAULT_SERVER = "http://127.0.0.1:8080";
  static final String KEY_ENV = "STREAMGATE_KEY";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String USAGE = """
      Usage:
        java -jar streamgate.jar api-key create --principal User:alice
        java -jar streamgate.jar api-key list
        java -jar streamgate.jar api-key revoke <id>
        java -jar streamgate.jar acl add (--allow-principal P | --deny-principal P) --operation OP [--operation OP ...]
                                         (--topic T | --group G | --cluster) [--resource-pattern-type literal|prefixed] [--host H]
        java -jar streamgate.jar acl list [--principal P] [--topic T | --group G | --cluster] [--operation OP]
                                          [--resource-pattern-type literal|prefixed]
        java -jar streamgate.jar acl remove (same filter flags as list; at least one)
        java -jar streamgate.jar node remove <id> [--forget]
                                         (a node holding no replicas; --forget: a node dead for good, its replicas dropped)
        java -jar streamgate.jar reassign start --topic T --partition P --replicas NODE[,NODE...]
                                         (another count of replicas changes the partition's replication factor;
                                         a moving partition's move is replaced)
        java -jar streamgate.jar reassign list
        java -jar streamgate.jar reassign cancel --topic T --partition P
        java -jar streamgate.jar reassign throttle --bytes-per-second N   (0 lifts it)
        java -jar streamgate.jar node drain <id>
                                         (starts moving every replica off the node; follow on GET /v1/cluster/reassignments)
        java -jar streamgate.jar cluster plan [--node ID ...] [--execute]
                                         (the moves that spread replicas evenly over the nodes, default every node
                                         not stopping; --execute starts them)
      Every command also takes --server URL (default %s) and --key SECRET (default: the environment
      variable %s), a key whose principal may ALTER (changes) or DESCRIBE (reads) the cluster.
      Operations: %s.
      """;

  private final Map<String, List<String>> flags = new LinkedHashMap<>();
  private final List<String> positional = new ArrayList<>();
  private final PrintStream out;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
  private String server;
  private String key;

  private AdminCli(PrintStream out) {
    this.out = out;
  }

  /** Runs {@code args} ({@code api-key ...} or {@code acl ...}); answers the exit status. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      usage(out);
      return 0;
    }
    AdminCli cli = new AdminCli(out);
    try {
      cli.parse(args, env);
      cli.dispatch();
      return 0;
    } catch (UsageException e) {
      err.println("streamgate: " + e.getMessage());
      usage(err);
      return 2;
    } catch (RefusedException e) {
      err.println("streamgate: " + e.getMessage());
      return 1;
    }
  }

  private static void usage(PrintStream to) {
    to.printf(USAGE, DEFAULT_SERVER, KEY_ENV, "all, read, write, create, delete, alter, describe, cluster_action, describe_configs, "
        + "alter_configs, idempotent_write");
  }

  private void parse(String[] args, Map<String, String> env) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--cluster") || arg.equals("--forget") || arg.equals("--execute")) {
        flags.computeIfAbsent(arg, f -> new ArrayList<>()).add("");
      } else if (arg.startsWith("--")) {
        if (i + 1 >= args.length) {
          throw new UsageException(arg + " needs a value");
        }
        flags.computeIfAbsent(arg, f -> new ArrayList<>()).add(args[++i]);
      } else {
        positional.add(arg);
      }
    }
    server = stripSlash(one("--server", DEFAULT_SERVER));
    key = one("--key", env.getOrDefault(KEY_ENV, ""));
  }

  private void dispatch() {
    String command = positional.size() < 2 ? "" : positional.get(0) + " " + positional.get(1);
    switch (command) {
      case "api-key create" -> apiKeyCreate();
      case "api-key list" -> apiKeyList();
      case "api-key revoke" -> apiKeyRevoke();
      case "acl add" -> aclAdd();
      case "acl list" -> aclList();
      case "acl remove" -> aclRemove();
      case "node remove" -> nodeRemove();
      case "reassign start" -> reassignStart();
      case "reassign list" -> reassignList();
      case "reassign cancel" -> reassignCancel();
      case "reassign throttle" -> reassignThrottle();
      case "node drain" -> nodeDrain();
      case "cluster plan" -> clusterPlan();
      default -> throw new UsageException("unknown command '" + String.join(" ", positional) + "'");
    }
  }

  private void apiKeyCreate() {
    expect(Set.of("--principal", "--server", "--key"), 2);
    ObjectNode body = JSON.createObjectNode().put("principal", required("--principal"));
    JsonNode made = call("POST", "/v1/api-keys", body);
    out.println("id: " + made.path("id").asText());
    out.println("principal: " + made.path("principal").asText());
    out.println("secret: " + made.path("secret").asText());
    out.println("(the secret is shown this once: keep it now)");
  }

  private void apiKeyList() {
    expect(Set.of("--server", "--key"), 2);
    for (JsonNode k : call("GET", "/v1/api-keys", null)) {
      out.println(k.path("id").asText() + "\t" + k.path("principal").asText() + "\tcreated " + k.path("createdMs").asLong());
    }
  }

  private void apiKeyRevoke() {
    expect(Set.of("--server", "--key"), 3);
    String id = positional.get(2);
    call("DELETE", "/v1/api-keys/" + encode(id), null);
    out.println("revoked " + id);
  }

  private void nodeRemove() {
    expect(Set.of("--forget", "--server", "--key"), 3);
    String id = positional.get(2);
    boolean forget = flags.containsKey("--forget");
    JsonNode removed = call("DELETE", "/v1/cluster/nodes/" + encode(id) + (forget ? "?forget=true" : ""), null);
    out.println((forget ? "forgot " : "removed ") + id + " for good (taken out of " + removed.path("partitionsLeft").asInt()
        + " partitions); it cannot join again with this id");
  }

  private void nodeDrain() {
    expect(Set.of("--server", "--key"), 3);
    String id = positional.get(2);
    JsonNode drain = call("POST", "/v1/cluster/nodes/" + encode(id) + "/drain", null);
    printMoves(drain.path("moves"), "draining " + id + ": ");
  }

  private void clusterPlan() {
    expect(Set.of("--node", "--execute", "--server", "--key"), 2);
    ObjectNode body = JSON.createObjectNode();
    if (!all("--node").isEmpty()) {
      ArrayNode nodes = body.putArray("nodes");
      all("--node").forEach(nodes::add);
    }
    boolean execute = flags.containsKey("--execute");
    body.put("execute", execute);
    printMoves(call("POST", "/v1/cluster/plan", body).path("moves"), execute ? "started: " : "proposed (nothing moved): ");
  }

  /** One line per move, {@code topic-partition [from] -> [to]}, after a line saying how many. */
  private void printMoves(JsonNode moves, String what) {
    out.println(what + moves.size() + (moves.size() == 1 ? " move" : " moves"));
    for (JsonNode move : moves) {
      out.println(move.path("topic").asText() + "-" + move.path("partition").asInt() + "\t" + move.path("from") + " -> "
          + move.path("to"));
    }
  }

  private void aclAdd() {
    expect(Set.of("--allow-principal", "--deny-principal", "--operation", "--topic", "--group", "--cluster",
        "--resource-pattern-type", "--host", "--server", "--key"), 2);
    List<String> operations = all("--operation");
    if (operations.isEmpty()) {
      throw new UsageException("acl add needs --operation");
    }
    if (all("--allow-principal").isEmpty() && all("--deny-principal").isEmpty()) {
      throw new UsageException("acl add needs --allow-principal or --deny-principal");
    }
    Map<String, String> resource = resource(true);
    ArrayNode acls = JSON.createArrayNode();
    for (String permission : List.of("ALLOW", "DENY")) {
      for (String principal : all(permission.equals("ALLOW") ? "--allow-principal" : "--deny-principal")) {
        for (String operation : operations) {
          ObjectNode acl = acls.addObject();
          resource.forEach(acl::put);
          acl.put("principal", principal).put("operation", operation).put("permission", permission)
              .put("host", one("--host", "*"));
        }
      }
    }
    printAcls("added", call("POST", "/v1/acls", JSON.createObjectNode().set("acls", acls)));
  }

  private void aclList() {
    expect(Set.of("--principal", "--operation", "--topic", "--group", "--cluster", "--resource-pattern-type", "--server", "--key"),
        2);
    printAcls(null, call("GET", "/v1/acls" + filterQuery(), null));
  }

  private void aclRemove() {
    expect(Set.of("--principal", "--operation", "--topic", "--group", "--cluster", "--resource-pattern-type", "--server", "--key"),
        2);
    String query = filterQuery();
    if (query.isEmpty()) {
      throw new UsageException("acl remove needs at least one of --principal, --operation, --topic, --group, --cluster");
    }
    printAcls("removed", call("DELETE", "/v1/acls" + query, null));
  }

  private void reassignStart() {
    expect(Set.of("--topic", "--partition", "--replicas", "--server", "--key"), 2);
    ObjectNode move = JSON.createObjectNode().put("topic", required("--topic")).put("partition", partition());
    ArrayNode replicas = move.putArray("replicas");
    for (String node : required("--replicas").split(",")) {
      replicas.add(node.trim());
    }
    ObjectNode body = JSON.createObjectNode();
    body.putArray("partitions").add(move);
    printMoves(call("POST", "/v1/cluster/reassignments", body));
  }

  private void reassignList() {
    expect(Set.of("--server", "--key"), 2);
    printMoves(call("GET", "/v1/cluster/reassignments", null));
  }

  private void reassignCancel() {
    expect(Set.of("--topic", "--partition", "--server", "--key"), 2);
    String topic = required("--topic");
    int partition = partition();
    call("DELETE", "/v1/cluster/reassignments/" + encode(topic) + "/" + partition, null);
    out.println("cancelled the move of " + topic + "-" + partition);
  }

  private void reassignThrottle() {
    expect(Set.of("--bytes-per-second", "--server", "--key"), 2);
    long rate;
    try {
      rate = Long.parseLong(required("--bytes-per-second"));
    } catch (NumberFormatException e) {
      throw new UsageException("--bytes-per-second must be a whole number");
    }
    JsonNode set = call("PUT", "/v1/cluster/replication-throttle", JSON.createObjectNode().put("bytesPerSecond", rate));
    out.println("replication throttle: " + set.path("bytesPerSecond").asLong() + " bytes/s");
  }

  private int partition() {
    try {
      return Integer.parseInt(required("--partition"));
    } catch (NumberFormatException e) {
      throw new UsageException("--partition must be a whole number");
    }
  }

  private void printMoves(JsonNode moves) {
    out.println("replication throttle: " + moves.path("throttleBytesPerSecond").asLong() + " bytes/s");
    for (JsonNode move : moves.path("partitions")) {
      StringBuilder line = new StringBuilder(move.path("topic").asText() + "-" + move.path("partition").asInt() + "	"
          + join(move.path("replicas")) + " -> " + join(move.path("targetReplicas")) + "	leader " + move.path("leader").asText());
      for (JsonNode adding : move.path("addingReplicas")) {
        line.append("	").append(adding.path("node").asText()).append(adding.path("inSync").asBoolean() ? " in sync"
            : " behind " + adding.path("lagRecords").asText("?") + " records, " + adding.path("lagBytes").asText("?") + " bytes");
      }
      out.println(line);
    }
  }

  private static String join(JsonNode names) {
    List<String> items = new ArrayList<>();
    names.forEach(name -> items.add(name.asText()));
    return String.join(",", items);
  }

  /** {@code --topic}, {@code --group} or {@code --cluster} (one at most; {@code required}: exactly one) as ACL fields. */
  private Map<String, String> resource(boolean required) {
    Map<String, String> fields = new LinkedHashMap<>();
    int given = 0;
    for (String[] kind : new String[][] {{"--topic", "TOPIC"}, {"--group", "GROUP"}, {"--cluster", "CLUSTER"}}) {
      List<String> names = all(kind[0]);
      if (names.size() > 1) {
        throw new UsageException(kind[0] + " may be given once");
      }
      if (!names.isEmpty()) {
        given++;
        fields.put("resourceType", kind[1]);
        fields.put("resourceName", kind[1].equals("CLUSTER") ? "kafka-cluster" : names.get(0));
      }
    }
    if (given > 1 || (required && given == 0)) {
      throw new UsageException("give " + (required ? "one" : "at most one") + " of --topic, --group, --cluster");
    }
    String pattern = one("--resource-pattern-type", null);
    if (pattern != null) {
      fields.put("patternType", pattern);
    }
    return fields;
  }

  private String filterQuery() {
    Map<String, String> filter = resource(false);
    String principal = one("--principal", null);
    if (principal != null) {
      filter.put("principal", principal);
    }
    String operation = one("--operation", null);
    if (operation != null) {
      filter.put("operation", operation);
    }
    StringBuilder query = new StringBuilder();
    filter.forEach((name, value) -> query.append(query.length() == 0 ? "?" : "&").append(name).append('=').append(encode(value)));
    return query.toString();
  }

  private void printAcls(String verb, JsonNode acls) {
    if (verb != null) {
      out.println(verb + " " + acls.size() + " ACL" + (acls.size() == 1 ? "" : "s"));
    }
    for (JsonNode acl : acls) {
      out.println(acl.path("permission").asText() + "\t" + acl.path("principal").asText() + "\t" + acl.path("operation").asText()
          + "\t" + acl.path("resourceType").asText() + ":" + acl.path("patternType").asText() + ":" + acl.path("resourceName").asText()
          + "\tfrom " + acl.path("host").asText());
    }
  }

  /** One request; the answer's JSON (empty for 204), or a {@link RefusedException} naming the node's problem. */
  private JsonNode call(String method, String path, JsonNode body) {
    HttpRequest.Builder request;
    try {
      request = HttpRequest.newBuilder(URI.create(server + path)).timeout(TIMEOUT);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--server must be a URL such as " + DEFAULT_SERVER + ": " + e.getMessage());
    }
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (!key.isEmpty()) {
      request.header("Authorization", "Bearer " + key);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new RefusedException(
          "cannot reach " + server + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RefusedException("interrupted");
    }
    JsonNode answer;
    try {
      answer = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      throw new RefusedException(method + " " + path + " answered " + response.statusCode() + ", not JSON: " + response.body());
    }
    if (response.statusCode() >= 300) {
      throw new RefusedException(response.statusCode() + " " + answer.path("code").asText("error") + ": "
          + answer.path("detail").asText(response.body()) + (response.statusCode() == 401 && key.isEmpty()
              ? " (give --key or set " + KEY_ENV + ")" : ""));
    }
    return answer;
  }

  private void expect(Set<String> allowed, int positionals) {
    for (String flag : flags.keySet()) {
      if (!allowed.contains(flag)) {
        throw new UsageException(String.join(" ", positional.subList(0, 2)) + " does not take " + flag);
      }
    }
    if (positional.size() != positionals) {
      throw new UsageException(String.join(" ", positional.subList(0, 2))
          + (positionals > 2 ? " needs one argument" : " takes no argument: " + positional.subList(2, positional.size())));
    }
  }

  private String required(String flag) {
    String value = one(flag, null);
    if (value == null) {
      throw new UsageException(String.join(" ", positional.subList(0, 2)) + " needs " + flag);
    }
    return value;
  }

  private String one(String flag, String defaultValue) {
    List<String> values = all(flag);
    if (values.size() > 1) {
      throw new UsageException(flag + " may be given once");
    }
    return values.isEmpty() ? defaultValue : values.get(0);
  }

  private List<String> all(String flag) {
    return flags.getOrDefault(flag, List.of());
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message, null, false, false);
    }
  }

  private static final class RefusedException extends RuntimeException {
    RefusedException(String message) {
      super(message, null, false, false);
    }
  }
}
