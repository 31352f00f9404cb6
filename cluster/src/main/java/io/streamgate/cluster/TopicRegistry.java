package io.streamgate.cluster;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's topic metadata: name, partition count, replication factor and configuration, one
 * properties file per topic in {@code <meta-dir>/topics/}, written atomically. Reads are lock-free
 * lookups in memory; writes are synchronized and persist before they are visible.
 *
 * <p>A file is named after its topic ({@code <name>.properties}) when that fits in a file name;
 * a longer legal name (up to 249 characters) is shortened and given a hash of the whole name. The
 * name itself is always read from inside the file.
 */
final class TopicRegistry {
  private static final String SUFFIX = ".properties";
  /** Longest topic name used whole in a file name: with {@code .properties.tmp} it stays well under 255 bytes. */
  private static final int MAX_NAME_IN_FILE = 230;
  /** Of a longer name, the prefix kept, followed by {@code ~} (never in a topic name) and a hash. */
  private static final int SHORTENED_PREFIX = 200;

  private final Path dir;
  private final Map<String, TopicMetadata> topics = new ConcurrentHashMap<>();

  TopicRegistry(Path metaDir) {
    this.dir = metaDir.resolve("topics");
    try {
      Files.createDirectories(dir);
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
        for (Path file : files) {
          TopicMetadata topic = load(file);
          topics.put(topic.name(), topic);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the topic metadata in " + dir, e);
    }
  }

  Optional<TopicMetadata> get(String name) {
    return Optional.ofNullable(topics.get(name));
  }

  List<TopicMetadata> all() {
    return topics.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
  }

  /** Adds a topic; false if one of that name exists. */
  synchronized boolean add(TopicMetadata topic) {
    if (topics.containsKey(topic.name())) {
      return false;
    }
    store(topic);
    topics.put(topic.name(), topic);
    return true;
  }

  synchronized void replace(TopicMetadata topic) {
    store(topic);
    topics.put(topic.name(), topic);
  }

  /** Removes a topic; false if there was none. */
  synchronized boolean remove(String name) {
    if (topics.remove(name) == null) {
      return false;
    }
    try {
      Files.deleteIfExists(dir.resolve(fileBase(name) + SUFFIX));
      fsync(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the metadata of topic " + name, e);
    }
    return true;
  }

  private void store(TopicMetadata topic) {
    Properties properties = new Properties();
    properties.setProperty("name", topic.name());
    properties.setProperty("partitions", String.valueOf(topic.partitions()));
    properties.setProperty("replicationFactor", String.valueOf(topic.replicationFactor()));
    topic.config().forEach((key, value) -> properties.setProperty("config." + key, value));
    StringWriter text = new StringWriter();
    try {
      properties.store(text, "Streamgate topic");
      Path file = dir.resolve(fileBase(topic.name()) + SUFFIX);
      Path tmp = dir.resolve(fileBase(topic.name()) + SUFFIX + ".tmp");
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        channel.write(StandardCharsets.UTF_8.encode(text.toString()));
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      fsync(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the metadata of topic " + topic.name(), e);
    }
  }

  /** The topic's file name without suffix: the name itself, or for a long name a prefix and a hash of the whole. */
  static String fileBase(String name) {
    if (name.length() <= MAX_NAME_IN_FILE) {
      return name;
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return name.substring(0, SHORTENED_PREFIX) + "~" + HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static TopicMetadata load(Path file) throws IOException {
    Properties properties = new Properties();
    properties.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
    Map<String, String> config = new LinkedHashMap<>();
    for (String key : properties.stringPropertyNames()) {
      if (key.startsWith("config.")) {
        config.put(key.substring("config.".length()), properties.getProperty(key));
      }
    }
    return new TopicMetadata(properties.getProperty("name"), Integer.parseInt(properties.getProperty("partitions")),
        Integer.parseInt(properties.getProperty("replicationFactor")), config);
  }

  private static void fsync(Path directory) throws IOException {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
