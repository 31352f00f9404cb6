package io.streamgate.logstore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All the partitions of one data directory. Opening it takes an exclusive lock on the directory
 * (two processes never share one), loads every partition in parallel, and recovers what an unclean
 * shutdown may have left damaged. It owns the directory's single writer thread (see {@link
 * LogWriter}), one maintenance thread for retention, compaction and interval flushes, and one
 * checkpoint thread: a checkpoint is three files, each with a file and a directory fsync, and on the
 * writer it would stall every append of the directory. Closing it finishes queued appends, flushes everything and leaves a clean-shutdown
 * marker, so the next start skips recovery.
 *
 * <p>Thread-safety: every public method may be called from any thread.
 */
public final class LogManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);

  /**
   * The data directories open in this JVM, by real path. The directory lock cannot refuse a second
   * open from this same process by itself: Java sees the overlap, but closing the refused open's
   * channel releases the OS lock of the first (POSIX locks belong to the process, not the channel),
   * and another process could then open the directory too.
   */
  private static final Set<Path> OPEN_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

  private final LogManagerConfig config;
  private final Path dataDir;
  private final Path claimedDir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final LogWriter writer;
  private final ScheduledExecutorService maintenanceThread;
  private final ScheduledExecutorService checkpointThread;
  /** The checkpoint queued on the checkpoint thread and not yet started; null if none. Guarded by {@code checkpointLock}. */
  private CompletableFuture<Void> queuedCheckpoint;
  private final Object checkpointLock = new Object();
  private final Compactor compactor;
  private final Map<TopicPartition, PartitionLog> partitions = new ConcurrentHashMap<>();
  private final Map<TopicPartition, Long> truncatedAtRecovery = new HashMap<>();
  private final PartitionLog.Maintenance maintenance;
  private volatile boolean closed;
  /** Runs before each checkpoint write; tests block or fail checkpoints with it. */
  volatile Runnable beforeCheckpointWrite = () -> {};

  private LogManager(LogManagerConfig config, Path claimedDir, FileChannel lockChannel, FileLock lock) {
    this.config = config;
    this.dataDir = config.dataDir();
    this.claimedDir = claimedDir;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.writer = new LogWriter("streamgate-log-writer", config.maxPendingWriteBytes());
    this.maintenanceThread = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "streamgate-log-maintenance");
      thread.setDaemon(true);
      return thread;
    });
    this.checkpointThread = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "streamgate-log-checkpoint");
      thread.setDaemon(true);
      return thread;
    });
    this.compactor = new Compactor();
    this.maintenance = new PartitionLog.Maintenance() {
      @Override
      public void execute(Runnable task) {
        if (!maintenanceThread.isShutdown()) {
          maintenanceThread.execute(task);
        }
      }

      @Override
      public CompletableFuture<Void> logStartOffsetChanged(PartitionLog log) {
        return checkpointSoon();
      }
    };
  }

  /** Opens (creating if needed) the data directory of {@code config}, recovering it if the last run did not close cleanly. */
  public static LogManager open(LogManagerConfig config) {
    Path claimed = claimInThisJvm(config.dataDir());
    try {
      return openClaimed(config, claimed);
    } catch (RuntimeException e) {
      OPEN_IN_THIS_JVM.remove(claimed);
      throw e;
    }
  }

  /** Creates the directory if needed and marks it open in this JVM, or refuses if it is already. */
  private static Path claimInThisJvm(Path dir) {
    Path claimed;
    try {
      Files.createDirectories(dir);
      claimed = dir.toRealPath();
    } catch (IOException e) {
      throw new LogStorageException("cannot open data directory " + dir, e);
    }
    if (!OPEN_IN_THIS_JVM.add(claimed)) {
      throw new LogStoreException("data directory " + dir + " is in use by another LogManager in this process");
    }
    return claimed;
  }

  private static LogManager openClaimed(LogManagerConfig config, Path claimed) {
    Path dir = config.dataDir();
    FileChannel lockChannel = null;
    try {
      lockChannel = FileChannel.open(dir.resolve(FileNames.LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = tryLock(lockChannel);
      if (lock == null) {
        throw new LogStoreException("data directory " + dir + " is in use by another Streamgate process");
      }
      LogManager manager = new LogManager(config, claimed, lockChannel, lock);
      manager.loadAll();
      manager.startMaintenance();
      return manager;
    } catch (IOException e) {
      closeQuietly(lockChannel);
      throw new LogStorageException("cannot open data directory " + dir, e);
    } catch (RuntimeException e) {
      closeQuietly(lockChannel);
      throw e;
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // held by this same JVM
    }
  }

  private void loadAll() throws IOException {
    Path marker = dataDir.resolve(FileNames.CLEAN_SHUTDOWN_MARKER);
    boolean clean = Files.exists(marker);
    Map<TopicPartition, Long> recoveryPoints = readOffsets(FileNames.RECOVERY_POINT_CHECKPOINT);
    Map<TopicPartition, Long> logStarts = readOffsets(FileNames.LOG_START_OFFSET_CHECKPOINT);
    Map<TopicPartition, Long> highWatermarks = readOffsets(FileNames.HIGH_WATERMARK_CHECKPOINT);

    List<Path> dirs = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dataDir, Files::isDirectory)) {
      stream.forEach(dirs::add);
    }
    ExecutorService loaders =
        Executors.newFixedThreadPool(config.recoveryThreads(), runnable -> new Thread(runnable, "streamgate-log-loader"));
    try {
      Map<TopicPartition, Future<LogLoader.Loaded>> loading = new HashMap<>();
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (name.endsWith(FileNames.DELETE_DIR_SUFFIX)) {
          loaders.submit(() -> deleteRecursively(dir));
          continue;
        }
        TopicPartition tp;
        try {
          tp = TopicPartition.fromDirectoryName(name);
        } catch (IllegalArgumentException e) {
          LOG.warn("ignoring {}: not a partition directory", dir);
          continue;
        }
        LogLoader.Checkpoints checkpoints = new LogLoader.Checkpoints(clean, recoveryPoints.getOrDefault(tp, 0L),
            logStarts.getOrDefault(tp, 0L), highWatermarks.getOrDefault(tp, 0L));
        loading.put(tp, loaders.submit(() -> LogLoader.load(tp, dir, LogConfig.DEFAULT, config.clock(), writer, maintenance, checkpoints,
            newProducerStateTable())));
      }
      for (Map.Entry<TopicPartition, Future<LogLoader.Loaded>> entry : loading.entrySet()) {
        LogLoader.Loaded loaded = entry.getValue().get();
        partitions.put(entry.getKey(), loaded.log());
        if (loaded.truncatedBytes() > 0 || loaded.droppedSegments() > 0) {
          truncatedAtRecovery.put(entry.getKey(), loaded.truncatedBytes());
        }
      }
    } catch (ExecutionException e) {
      partitions.values().forEach(this::closeQuietly);
      writer.close();
      throw e.getCause() instanceof IOException io ? new LogStorageException("cannot load " + dataDir, io)
          : e.getCause() instanceof RuntimeException runtime ? runtime : new LogStoreException("cannot load " + dataDir, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LogStoreException("interrupted while loading " + dataDir, e);
    } finally {
      loaders.shutdown();
    }
    // From here on, a crash is an unclean shutdown.
    Files.deleteIfExists(marker);
    CheckpointFile.fsyncDirectory(dataDir);
    writeCheckpointsOrLog();
    LOG.info("opened {} with {} partition(s){}", dataDir, partitions.size(),
        clean ? " after a clean shutdown" : partitions.isEmpty() ? "" : ", recovered after an unclean shutdown");
  }

  private void startMaintenance() {
    long interval = config.maintenanceIntervalMs();
    // An exception escaping a scheduled task would cancel its later runs silently.
    maintenanceThread.scheduleWithFixedDelay(this::runMaintenance, interval, interval, TimeUnit.MILLISECONDS);
    maintenanceThread.scheduleWithFixedDelay(() -> {
      try {
        flushDueIntervals();
      } catch (RuntimeException e) {
        LOG.error("the interval flush of {} failed; it runs again in 50 ms", dataDir, e);
      }
    }, 50, 50, TimeUnit.MILLISECONDS);
    long checkpointInterval = config.checkpointIntervalMs();
    checkpointThread.scheduleWithFixedDelay(this::checkpointSoon, checkpointInterval, checkpointInterval, TimeUnit.MILLISECONDS);
  }

  /**
   * Checkpoints every partition as it is from now on, on the checkpoint thread. Requests made before
   * a queued write starts share it. The future completes once the files are durable, or fails if the
   * write failed (logged; the next request or period writes them again). Never throws.
   */
  CompletableFuture<Void> checkpointSoon() {
    synchronized (checkpointLock) {
      if (queuedCheckpoint != null) {
        return queuedCheckpoint;
      }
      CompletableFuture<Void> checkpoint = new CompletableFuture<>();
      try {
        checkpointThread.execute(() -> {
          synchronized (checkpointLock) {
            queuedCheckpoint = null;
          }
          // The state is read from here on, so it includes every change made before the request.
          try {
            writeCheckpoints();
            checkpoint.complete(null);
          } catch (RuntimeException e) {
            LOG.error("could not write the checkpoints of {}; they are written again at the next change or in {} ms",
                dataDir, config.checkpointIntervalMs(), e);
            checkpoint.completeExceptionally(e);
          }
        });
      } catch (RejectedExecutionException e) {
        // Closing: close() writes the checkpoints itself once the writer has stopped.
        return CompletableFuture.failedFuture(new LogClosedException("the log store at " + dataDir + " is closing"));
      }
      queuedCheckpoint = checkpoint;
      return checkpoint;
    }
  }

  /** Retention and compaction over every partition, once. Runs on the maintenance thread; tests may call it too. */
  void runMaintenance() {
    long now = config.clock().milliseconds();
    for (PartitionLog log : partitions.values()) {
      try {
        log.applyRetention(now);
        compactor.maybeCompact(log, now);
        log.expireProducers(now);
      } catch (RuntimeException e) {
        LOG.error("maintenance of {} failed", log.topicPartition(), e);
      }
    }
  }

  private ProducerStateTable newProducerStateTable() {
    return new ProducerStateTable(config.producerIdExpirationMs(), config.maxProducersPerPartition());
  }

  private void flushDueIntervals() {
    long now = config.clock().milliseconds();
    partitions.values().forEach(log -> log.maybeFlushOnInterval(now));
  }

  /** Creates a partition with {@code logConfig}. */
  public PartitionLog create(TopicPartition tp, LogConfig logConfig) {
    ensureOpen();
    synchronized (partitions) {
      if (partitions.containsKey(tp)) {
        throw new PartitionAlreadyExistsException(tp + " exists already");
      }
      try {
        PartitionLog log = LogLoader.create(tp, dataDir.resolve(tp.directoryName()), logConfig, config.clock(), writer, maintenance,
            newProducerStateTable());
        partitions.put(tp, log);
        return log;
      } catch (IOException e) {
        throw new LogStorageException("cannot create " + tp, e);
      }
    }
  }

  public Optional<PartitionLog> get(TopicPartition tp) {
    return Optional.ofNullable(partitions.get(tp));
  }

  /** The partition, or {@link PartitionNotFoundException}. */
  public PartitionLog partition(TopicPartition tp) {
    PartitionLog log = partitions.get(tp);
    if (log == null) {
      throw new PartitionNotFoundException(tp + " does not exist");
    }
    return log;
  }

  public Collection<PartitionLog> partitions() {
    return List.copyOf(partitions.values());
  }

  /**
   * Deletes a partition and its data. It disappears at once; its directory is renamed so that a
   * restart never loads it, and removed in the background. The checkpoints are rewritten without
   * it, so that a partition created later under its name never inherits its offsets.
   */
  public void delete(TopicPartition tp) {
    ensureOpen();
    PartitionLog log;
    synchronized (partitions) {
      log = partitions.remove(tp);
    }
    if (log == null) {
      throw new PartitionNotFoundException(tp + " does not exist");
    }
    // Let appends already queued for it finish before its files close.
    writer.submit(log, 0, false, () -> {
      log.closeFiles();
      Path doomed = dataDir.resolve(FileNames.deleteDirName(tp, UUID.randomUUID().toString().replace("-", "")));
      Files.move(log.dir(), doomed);
      CheckpointFile.fsyncDirectory(dataDir);
      maintenance.execute(() -> deleteRecursively(doomed));
      return null;
    }).join();
    // Waited for: a partition created later under this name must not load this one's offsets.
    checkpointSoon().exceptionally(e -> null).join();
  }

  /** Bytes that recovery cut off, per partition, when this store was opened; empty after a clean shutdown. */
  public Map<TopicPartition, Long> truncatedAtRecovery() {
    return Map.copyOf(truncatedAtRecovery);
  }

  public Path dataDir() {
    return dataDir;
  }

  /**
   * Writes the recovery points, log start offsets and high watermarks of every partition. Never on
   * the writer thread; the checkpoint thread, or open and close while no other thread writes them.
   */
  private synchronized void writeCheckpoints() {
    if (closed) {
      return;
    }
    List<String> recovery = new ArrayList<>();
    List<String> starts = new ArrayList<>();
    List<String> highWatermarks = new ArrayList<>();
    for (PartitionLog log : partitions.values()) {
      TopicPartition tp = log.topicPartition();
      recovery.add(tp.topic() + " " + tp.partition() + " " + log.recoveryPoint());
      starts.add(tp.topic() + " " + tp.partition() + " " + log.logStartOffset());
      highWatermarks.add(tp.topic() + " " + tp.partition() + " " + log.highWatermark());
    }
    beforeCheckpointWrite.run();
    CheckpointFile.write(dataDir.resolve(FileNames.RECOVERY_POINT_CHECKPOINT), recovery);
    CheckpointFile.write(dataDir.resolve(FileNames.LOG_START_OFFSET_CHECKPOINT), starts);
    CheckpointFile.write(dataDir.resolve(FileNames.HIGH_WATERMARK_CHECKPOINT), highWatermarks);
  }

  private void writeCheckpointsOrLog() {
    try {
      writeCheckpoints();
    } catch (RuntimeException e) {
      LOG.error("could not write the checkpoints of {}", dataDir, e);
    }
  }

  private Map<TopicPartition, Long> readOffsets(String fileName) {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    try {
      for (String line : CheckpointFile.read(dataDir.resolve(fileName))) {
        String[] parts = line.trim().split("\\s+");
        offsets.put(new TopicPartition(parts[0], Integer.parseInt(parts[1])), Long.parseLong(parts[2]));
      }
    } catch (RuntimeException e) {
      // A damaged checkpoint costs a longer recovery, never data.
      LOG.warn("ignoring the damaged checkpoint {}: {}", fileName, e.getMessage());
      offsets.clear();
    }
    return offsets;
  }

  /**
   * Finishes queued appends, flushes every partition, writes checkpoints and the clean-shutdown
   * marker, and releases the directory.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    writer.close();
    maintenanceThread.shutdown();
    checkpointThread.shutdown();
    try {
      maintenanceThread.awaitTermination(30, TimeUnit.SECONDS);
      checkpointThread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    boolean allFlushed = true;
    for (PartitionLog log : partitions.values()) {
      try {
        log.closeOnShutdown();
      } catch (IOException | RuntimeException e) {
        allFlushed = false;
        LOG.error("could not close {} cleanly", log.topicPartition(), e);
      }
    }
    writeCheckpointsOrLog();
    closed = true;
    try {
      if (allFlushed) {
        Files.createFile(dataDir.resolve(FileNames.CLEAN_SHUTDOWN_MARKER));
        CheckpointFile.fsyncDirectory(dataDir);
      }
      lock.release();
    } catch (IOException e) {
      LOG.error("could not finish closing {}", dataDir, e);
    } finally {
      closeQuietly(lockChannel);
      OPEN_IN_THIS_JVM.remove(claimedDir);
    }
  }

  /**
   * Stops as a crash would, for tests: threads stop and files close, but nothing is flushed and no
   * clean-shutdown marker is written, so the next open recovers.
   */
  void crashForTesting() {
    closed = true;
    maintenanceThread.shutdownNow();
    checkpointThread.shutdownNow();
    writer.close();
    partitions.values().forEach(this::closeQuietly);
    closeQuietly(lockChannel);
    OPEN_IN_THIS_JVM.remove(claimedDir);
  }

  private void ensureOpen() {
    if (closed) {
      throw new LogClosedException("the log store at " + dataDir + " is closed");
    }
  }

  private void closeQuietly(PartitionLog log) {
    try {
      log.closeFiles();
    } catch (IOException e) {
      LOG.warn("could not close {}", log.topicPartition(), e);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing more to do
      }
    }
  }

  private static Void deleteRecursively(Path root) {
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      LOG.warn("could not delete {}", root, e);
    }
    return null;
  }
}
