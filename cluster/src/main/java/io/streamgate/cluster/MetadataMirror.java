package io.streamgate.cluster;

import java.io.IOException;
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
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * This node's copy of the cluster metadata on disk, so that a cold restart of the whole cluster
 * (when Hazelcast's in-memory maps are gone) recovers it: one JSON file per topic in
 * {@code <meta-dir>/topics/} ({@link TopicState}, tombstones included), and the ids of every node
 * that ever joined in {@code <meta-dir>/nodes}. Files are written atomically (temp file, fsync,
 * rename, fsync of the directory). Writes are serialized by the caller's single metadata thread.
 *
 * <p>A file is named after its topic ({@code <name>.json}) when that fits in a file name; a longer
 * legal name (up to 249 characters) is shortened and given a hash of the whole name. The name
 * itself is always read from inside the file.
 */
final class MetadataMirror {
  private static final String SUFFIX = ".json";
  /** Longest topic name used whole in a file name: with {@code .json.tmp} it stays well under 255 bytes. */
  private static final int MAX_NAME_IN_FILE = 230;
  /** Of a longer name, the prefix kept, followed by {@code ~} (never in a topic name) and a hash. */
  private static final int SHORTENED_PREFIX = 200;

  private final Path topicsDir;
  private final Path nodesFile;

  MetadataMirror(Path metaDir) {
    this.topicsDir = metaDir.resolve("topics");
    this.nodesFile = metaDir.resolve("nodes");
    try {
      Files.createDirectories(topicsDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + topicsDir, e);
    }
  }

  /** Every topic this node last knew of, tombstones included. */
  Map<String, TopicState> topics() {
    Map<String, TopicState> topics = new HashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(topicsDir, "*" + SUFFIX)) {
      for (Path file : files) {
        TopicState topic = TopicState.fromJson(Files.readString(file, StandardCharsets.UTF_8));
        topics.put(topic.name(), topic);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the topic metadata in " + topicsDir, e);
    }
    return topics;
  }

  void write(TopicState topic) {
    writeAtomically(topicsDir, fileBase(topic.name()) + SUFFIX, topic.toJson());
  }

  /** The ids of every node that ever joined this cluster, as this node last knew them. */
  Set<String> nodes() {
    try {
      Set<String> nodes = new TreeSet<>();
      if (Files.exists(nodesFile)) {
        for (String line : Files.readAllLines(nodesFile, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            nodes.add(line.trim());
          }
        }
      }
      return nodes;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + nodesFile, e);
    }
  }

  void writeNodes(Set<String> nodes) {
    writeAtomically(nodesFile.getParent(), nodesFile.getFileName().toString(), String.join("\n", new TreeSet<>(nodes)) + "\n");
  }

  private static void writeAtomically(Path dir, String name, String text) {
    Path file = dir.resolve(name);
    Path tmp = dir.resolve(name + ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        channel.write(StandardCharsets.UTF_8.encode(text));
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
        directory.force(true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
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
}
