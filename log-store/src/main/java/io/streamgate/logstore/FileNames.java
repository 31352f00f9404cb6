package io.streamgate.logstore;

import java.nio.file.Path;

/** The names of a partition's files: segments are named by their 20-digit base offset, as Kafka names them. */
final class FileNames {
  static final String LOG_SUFFIX = ".log";
  static final String INDEX_SUFFIX = ".index";
  static final String TIME_INDEX_SUFFIX = ".timeindex";
  /** A compacted copy of a segment, being written; deleted at recovery. */
  static final String CLEANED_SUFFIX = ".cleaned";
  /** A compacted copy of a segment, complete and fsynced, waiting to replace the original. */
  static final String SWAP_SUFFIX = ".swap";
  static final String TMP_SUFFIX = ".tmp";
  /**
   * A segment file taken out of service, to be removed; deleted at recovery if still there. Named
   * {@code <file>.<n>.deleted}, {@code n} numbering the retirements of the process.
   */
  static final String DELETED_SUFFIX = ".deleted";
  /** A partition directory being deleted: {@code <topic>-<partition>.<id>-delete}. */
  static final String DELETE_DIR_SUFFIX = "-delete";

  static final String LEADER_EPOCH_CHECKPOINT = "leader-epoch-checkpoint";
  static final String PARTITION_CONFIG = "partition.properties";
  static final String PARTITION_METADATA = "partition.metadata";
  static final String RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
  static final String LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";
  static final String HIGH_WATERMARK_CHECKPOINT = "replication-offset-checkpoint";
  static final String CLEAN_SHUTDOWN_MARKER = ".clean-shutdown";
  static final String LOCK_FILE = ".lock";

  private FileNames() {}

  /** Longest file name most file systems allow, in bytes (topic names are ASCII). */
  static final int MAX_FILE_NAME = 255;

  /**
   * The name a partition directory is renamed to for deletion: {@code <topic>-<partition>.<id>-delete},
   * with the topic cut short if needed to fit in a file name, as Kafka does (a legal topic name may
   * have 249 characters). Never parsed back: recovery deletes every directory with this suffix.
   */
  static String deleteDirName(TopicPartition tp, String uniqueId) {
    String suffix = "-" + tp.partition() + "." + uniqueId + DELETE_DIR_SUFFIX;
    return tp.topic().substring(0, Math.min(tp.topic().length(), MAX_FILE_NAME - suffix.length())) + suffix;
  }

  static String baseName(long baseOffset) {
    return String.format("%020d", baseOffset);
  }

  static Path logFile(Path dir, long baseOffset) {
    return dir.resolve(baseName(baseOffset) + LOG_SUFFIX);
  }

  static Path indexFile(Path dir, long baseOffset) {
    return dir.resolve(baseName(baseOffset) + INDEX_SUFFIX);
  }

  static Path timeIndexFile(Path dir, long baseOffset) {
    return dir.resolve(baseName(baseOffset) + TIME_INDEX_SUFFIX);
  }

  /** The name {@code file} takes when its segment is retired, the {@code retirement}-th time this process retires one. */
  static Path retiredFile(Path file, long retirement) {
    return file.resolveSibling(file.getFileName() + "." + retirement + DELETED_SUFFIX);
  }

  /** The base offset in a file name such as {@code 00000000000000000042.log}, or -1 if it is not one. */
  static long baseOffsetOf(String fileName, String suffix) {
    if (!fileName.endsWith(suffix)) {
      return -1;
    }
    String digits = fileName.substring(0, fileName.length() - suffix.length());
    if (digits.length() != 20 || !digits.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Long.parseLong(digits);
  }
}
