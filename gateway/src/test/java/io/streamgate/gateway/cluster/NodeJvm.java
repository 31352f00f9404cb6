package io.streamgate.gateway.cluster;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a {@link LocalCluster} node's JVM is started so that it starts with less CPU, which the
 * cluster tests spend again and again starting three nodes at once on two cores: C1 alone (a test
 * node never runs long enough to repay C2's compiling) and the jar's classes mapped from an AppCDS
 * archive instead of loaded and verified from the jar. One node's start to ready took 3.3 s of CPU
 * with the JVM's defaults, 1.9 s with C1 alone and 0.9 s with the archive too (the 2-core build
 * machine). Thread-safe.
 */
final class NodeJvm {
  /** The jar's classes as a node loads them, archived once per build of the jar. */
  private static final Path ARCHIVE = Path.of("target", "streamgate.jsa").toAbsolutePath();
  /** The archive once made (or found) in this JVM; empty if this JDK could not make one. */
  private static Optional<Path> archive;

  private NodeJvm() {}

  /** {@code java} with the options a node runs with. */
  static List<String> command() throws IOException {
    List<String> command = c1Only();
    archive().ifPresent(found -> command.add("-XX:SharedArchiveFile=" + found));
    return command;
  }

  /** {@code java} with the options of the node whose JVM writes the classes it loaded to {@code file} as it exits. */
  static List<String> archivingTo(Path file) {
    List<String> command = c1Only();
    command.add("-XX:ArchiveClassesAtExit=" + file);
    return command;
  }

  private static List<String> c1Only() {
    return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1"));
  }

  /**
   * The archive, made if it is missing or older than the jar: a node with every listener on is
   * started alone and stopped (JDK 17 has no {@code -XX:+AutoCreateSharedArchive}). One JVM makes it
   * while others (failsafe's other fork) wait on a file lock. Empty if no archive came of it (a JDK
   * without its base archive): nodes then load their classes from the jar.
   */
  private static synchronized Optional<Path> archive() throws IOException {
    if (archive == null) {
      try (FileChannel lockFile = FileChannel.open(ARCHIVE.resolveSibling("streamgate.jsa.lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
          FileLock held = lockFile.lock()) {
        if (!Files.exists(ARCHIVE) || Files.getLastModifiedTime(ARCHIVE).compareTo(Files.getLastModifiedTime(LocalCluster.JAR)) < 0) {
          Path made = ARCHIVE.resolveSibling("streamgate.jsa.tmp");
          Files.deleteIfExists(made);
          try (LocalCluster lone = new LocalCluster("class-archive", 1).archivingClassesTo(made)) {
            lone.withMqtt().withKafka().startAll();
            lone.stopAll();
          }
          if (Files.exists(made)) {
            Files.move(made, ARCHIVE, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          }
        }
        archive = Optional.of(ARCHIVE).filter(Files::exists);
      }
    }
    return archive;
  }
}
