package io.streamgate.logstore;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A partition's {@link LogConfig}, kept in its directory ({@code partition.properties}) so that the
 * store reopens every partition with its own settings, with no help from the cluster layer.
 */
final class PartitionConfigFile {
  private PartitionConfigFile() {}

  static void write(Path partitionDir, LogConfig config) {
    Properties properties = new Properties();
    properties.putAll(config.toMap());
    StringWriter text = new StringWriter();
    try {
      properties.store(text, "Streamgate log config");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    CheckpointFile.writeAtomically(partitionDir.resolve(FileNames.PARTITION_CONFIG), text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The stored config, or {@code fallback} when the file is missing (a directory from an older version or a crash at creation). */
  static LogConfig read(Path partitionDir, LogConfig fallback) {
    Path file = partitionDir.resolve(FileNames.PARTITION_CONFIG);
    try {
      Properties properties = new Properties();
      properties.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
      Map<String, String> values = new HashMap<>();
      properties.stringPropertyNames().stream().filter(LogConfig.KEYS::contains)
          .forEach(key -> values.put(key, properties.getProperty(key)));
      return fallback.with(values);
    } catch (NoSuchFileException e) {
      return fallback;
    } catch (IOException e) {
      throw new LogStorageException("cannot read " + file, e);
    }
  }
}
