package io.streamgate.logstore;

import static io.streamgate.logstore.format.BatchLayout.LAST_OFFSET_DELTA_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LENGTH_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LOG_OVERHEAD;
import static io.streamgate.logstore.format.BatchLayout.MAGIC_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.PARTITION_LEADER_EPOCH_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Damages segment files the way a crash (or a bad disk) can, then reopens the store: a cut at a
 * random position, flipped bytes, garbage or zeros after the end, damaged or missing indexes, empty
 * directories and files. Every record before the first damaged batch must come back byte for byte;
 * nothing at or after it may ever be served; later segments go; the store reports the bytes it cut;
 * and the log takes appends at its new end that survive another restart.
 *
 * <p>Each case runs from its own seed, shown in its name. Rerun one with
 * {@code -Dstreamgate.torn.caseSeed=<seed>}; change the set with {@code -Dstreamgate.torn.seed} and
 * {@code -Dstreamgate.torn.tries}.
 */
class TornWriteTest {
  private static final TopicPartition TP = new TopicPartition("torn", 0);
  private static final LogConfig CONFIG = LogConfig.DEFAULT.with(Map.of(
      LogConfig.SEGMENT_BYTES, 8 * 1024,
      LogConfig.INDEX_INTERVAL_BYTES, 1024));
  private static final long BASE_SEED = Long.getLong("streamgate.torn.seed", 20_261_125L);
  /** Cases per kind of damage to segment data; a fifth as many per kind of damage to indexes. */
  private static final int TRIES = Integer.getInteger("streamgate.torn.tries", 25);
  private static final Long CASE_SEED = Long.getLong("streamgate.torn.caseSeed");
  private static final long BASE_TIMESTAMP = 1_700_000_000_000L;

  /** A log to copy and damage, with what was appended to it: {@code records.get(offset)}. */
  private record Template(Path dataDir, List<ExpectedRecord> records, long recoveryPoint) {
    Path partitionDir(Path copy) {
      return copy.resolve(TP.directoryName());
    }
  }

  /** One batch as it lies in a segment file. */
  private record Span(int position, int size, long baseOffset, long lastOffset) {
    int end() {
      return position + size;
    }
  }

  /** What a damage did: the first offset that must not be served, and the bytes recovery must cut. */
  private record Damage(long firstBadOffset, long expectedCut, String description) {}

  private enum DataDamage {
    TRUNCATE,
    FLIP,
    GARBAGE,
    ZEROS
  }

  private enum IndexDamage {
    DELETE_INDEX,
    DELETE_TIME_INDEX,
    DELETE_BOTH,
    TRUNCATE,
    GARBAGE,
    ZEROS,
    APPEND_GARBAGE
  }

  /** How the store went down before the damage. */
  private enum Shutdown {
    /** {@code crashForTesting} after a clean restart: the recovery point lies in the middle of the log. */
    CRASH,
    /** A clean close, then the clean-shutdown marker and the recovery-point checkpoint deleted. */
    CLEAN_WITHOUT_MARKER
  }

  @TempDir(factory = InMemoryIfPossible.class) static Path templateRoot;
  @TempDir(factory = InMemoryIfPossible.class) Path work;

  /**
   * Durability is not under test here (the damage is done by hand), but every open and close of a
   * store fsyncs dozens of times; in memory ({@code /dev/shm}, where the machine has it) the cases
   * cost a fraction of the time.
   */
  static final class InMemoryIfPossible implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
      Path shm = Path.of("/dev/shm");
      return Files.isDirectory(shm) && Files.isWritable(shm)
          ? Files.createTempDirectory(shm, "torn-write-")
          : Files.createTempDirectory("torn-write-");
    }
  }

  private static Template crashed;
  private static Template closed;

  @BeforeAll
  static void buildTemplates() throws Exception {
    Random random = new Random(BASE_SEED);
    crashed = buildTemplate(templateRoot.resolve("crashed"), random, true);
    closed = buildTemplate(templateRoot.resolve("closed"), random, false);
  }

  /**
   * Six or more 8 KiB segments of batches of 1..8 records. With {@code crash}, the first part is
   * written and the store closed cleanly, then reopened (which checkpoints the recovery point), the
   * rest written, and the store crashed; otherwise it is all written and the store closed.
   */
  private static Template buildTemplate(Path dataDir, Random random, boolean crash) throws Exception {
    List<ExpectedRecord> records = new ArrayList<>();
    LogManager manager = LogManager.open(LogManagerConfig.defaults(dataDir));
    PartitionLog log = manager.create(TP, CONFIG);
    appendBatches(log, records, random, 20);
    if (crash) {
      manager.close();
      manager = LogManager.open(LogManagerConfig.defaults(dataDir));
      log = manager.partition(TP);
    }
    appendBatches(log, records, random, 40);
    assertThat(log.segmentCount()).isGreaterThanOrEqualTo(6);
    if (crash) {
      manager.crashForTesting();
    } else {
      manager.close();
    }
    long recoveryPoint = checkpointedRecoveryPoint(dataDir);
    if (crash) {
      // Some segments before the recovery point (loaded from their indexes), and a middle one after it.
      TreeMap<Long, Path> segments = segmentFiles(dataDir.resolve(TP.directoryName()));
      assertThat(segments.firstKey()).isLessThan(segments.floorKey(recoveryPoint));
      assertThat(recoveredSegments(segments, recoveryPoint)).hasSizeGreaterThanOrEqualTo(3);
    }
    return new Template(dataDir, List.copyOf(records), recoveryPoint);
  }

  // ------------------------------------------------------------------ damage to the data

  @TestFactory
  Stream<DynamicTest> damagedSegmentData() {
    return Stream.of(DataDamage.values()).flatMap(kind -> seeds(kind.ordinal())
        .mapToObj(seed -> DynamicTest.dynamicTest(kind + " seed=" + seed, () -> runDataDamage(kind, seed))));
  }

  private void runDataDamage(DataDamage kind, long seed) throws Exception {
    Random random = new Random(seed);
    Shutdown shutdown = random.nextBoolean() ? Shutdown.CRASH : Shutdown.CLEAN_WITHOUT_MARKER;
    Template template = shutdown == Shutdown.CRASH ? crashed : closed;
    Path dataDir = copy(template, seed);
    if (shutdown == Shutdown.CLEAN_WITHOUT_MARKER) {
      Files.delete(dataDir.resolve(FileNames.CLEAN_SHUTDOWN_MARKER));
      Files.delete(dataDir.resolve(FileNames.RECOVERY_POINT_CHECKPOINT));
    }
    Path partitionDir = template.partitionDir(dataDir);
    TreeMap<Long, Path> segments = segmentFiles(partitionDir);
    List<Long> candidates = recoveredSegments(segments, shutdown == Shutdown.CRASH ? template.recoveryPoint() : 0);
    boolean active = random.nextBoolean();
    long target = active ? segments.lastKey() : candidates.get(random.nextInt(candidates.size() - 1));
    Damage damage = damageData(kind, segments.get(target), random);
    long laterBytes = 0;
    for (Path later : segments.tailMap(target, false).values()) {
      laterBytes += Files.size(later);
    }
    String context = kind + " seed=" + seed + " " + shutdown + " segment " + target + (active ? " (active)" : " (middle)")
        + ": " + damage.description();
    long expectedCut = damage.expectedCut() + laterBytes;
    withContext(context, () -> reopenAndCheck(dataDir, template.records(), damage.firstBadOffset(), expectedCut, random));
  }

  private static long checkpointedRecoveryPoint(Path dataDir) {
    List<String> entries = CheckpointFile.read(dataDir.resolve(FileNames.RECOVERY_POINT_CHECKPOINT));
    assertThat(entries).hasSize(1);
    String[] fields = entries.get(0).split(" ");
    assertThat(fields[0] + "-" + fields[1]).isEqualTo(TP.directoryName());
    return Long.parseLong(fields[2]);
  }

  /** The segments recovery scans when it starts from {@code recoveryPoint}: the one holding it, and all later ones. */
  private static List<Long> recoveredSegments(TreeMap<Long, Path> segments, long recoveryPoint) {
    Long from = segments.floorKey(recoveryPoint);
    return new ArrayList<>(segments.tailMap(from == null ? segments.firstKey() : from, true).keySet());
  }

  private static Damage damageData(DataDamage kind, Path logFile, Random random) throws IOException {
    List<Span> spans = spans(logFile);
    int size = (int) Files.size(logFile);
    long segmentEnd = spans.get(spans.size() - 1).lastOffset() + 1;
    switch (kind) {
      case TRUNCATE -> {
        int at = random.nextInt(size);
        Span hit = spanAt(spans, at);
        try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.WRITE)) {
          channel.truncate(at);
        }
        return new Damage(hit.baseOffset(), at - hit.position(), "cut at byte " + at + " of " + size + " in " + hit);
      }
      case FLIP -> {
        int at = flipPosition(spans, random);
        Span hit = spanAt(spans, at);
        int count = Math.min(flipLength(hit, at, random), size - at);
        byte[] bytes = Files.readAllBytes(logFile);
        for (int i = at; i < at + count; i++) {
          bytes[i] ^= (byte) (1 + random.nextInt(255));
        }
        Files.write(logFile, bytes);
        return new Damage(hit.baseOffset(), size - hit.position(),
            "flipped " + count + " byte(s) at " + at + " (byte " + (at - hit.position()) + " of " + hit + ")");
      }
      case GARBAGE, ZEROS -> {
        byte[] tail = new byte[1 + random.nextInt(3000)];
        if (kind == DataDamage.GARBAGE) {
          random.nextBytes(tail);
        }
        Files.write(logFile, tail, StandardOpenOption.APPEND);
        return new Damage(segmentEnd, tail.length, tail.length + " bytes of " + kind + " after byte " + size);
      }
      default -> throw new AssertionError(kind);
    }
  }

  /**
   * A random position to flip bytes at, anywhere but in two fields no check can cover: the low half
   * of a batch's base offset (outside the CRC by the format's design; a small change there yields a
   * valid batch at other offsets) and its partition leader epoch (outside the CRC, and no part of
   * any record). The high half of the base offset is fair game: a change there puts the batch
   * billions of offsets away, which recovery must refuse.
   */
  private static int flipPosition(List<Span> spans, Random random) {
    int size = spans.get(spans.size() - 1).end();
    while (true) {
      int at = random.nextInt(size);
      int inBatch = at - spanAt(spans, at).position();
      boolean lowBaseOffset = inBatch >= 4 && inBatch < LENGTH_OFFSET;
      boolean epoch = inBatch >= PARTITION_LEADER_EPOCH_OFFSET && inBatch < MAGIC_OFFSET;
      if (!lowBaseOffset && !epoch) {
        return at;
      }
    }
  }

  /** 1..4 bytes, but within the field {@code at} lies in when that is the base offset's high half or the length. */
  private static int flipLength(Span hit, int at, Random random) {
    int inBatch = at - hit.position();
    int count = 1 + random.nextInt(4);
    if (inBatch < 4) {
      return Math.min(count, 4 - inBatch);
    }
    if (inBatch < LOG_OVERHEAD) {
      return Math.min(count, LOG_OVERHEAD - inBatch);
    }
    return count;
  }

  // ------------------------------------------------------------------ damage to the indexes

  @TestFactory
  Stream<DynamicTest> damagedIndexes() {
    return Stream.of(IndexDamage.values()).flatMap(kind -> seeds(100 + kind.ordinal()).limit(Math.max(1, TRIES / 5))
        .mapToObj(seed -> DynamicTest.dynamicTest(kind + " seed=" + seed, () -> runIndexDamage(kind, seed))));
  }

  /**
   * Indexes are derived data: whatever happened to them, after a clean shutdown (every segment
   * loads its indexes) or a crash (segments before the recovery point load theirs), the log comes
   * back whole, and lookups by offset and by time are right.
   */
  private void runIndexDamage(IndexDamage kind, long seed) throws Exception {
    Random random = new Random(seed);
    boolean clean = random.nextBoolean();
    Template template = clean ? closed : crashed;
    Path dataDir = copy(template, seed);
    Path partitionDir = template.partitionDir(dataDir);
    TreeMap<Long, Path> segments = segmentFiles(partitionDir);
    List<Long> trusted = new ArrayList<>(clean ? segments.keySet()
        : segments.headMap(segments.floorKey(template.recoveryPoint()), false).keySet());
    long target = trusted.get(random.nextInt(trusted.size()));
    Path index = FileNames.indexFile(partitionDir, target);
    Path timeIndex = FileNames.timeIndexFile(partitionDir, target);
    assertThat(index).exists();
    assertThat(timeIndex).exists();
    Path file = random.nextBoolean() ? index : timeIndex;
    switch (kind) {
      case DELETE_INDEX -> Files.delete(index);
      case DELETE_TIME_INDEX -> Files.delete(timeIndex);
      case DELETE_BOTH -> {
        Files.delete(index);
        Files.delete(timeIndex);
      }
      case TRUNCATE -> {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
          channel.truncate(random.nextInt((int) Math.max(1, channel.size())));
        }
      }
      case GARBAGE -> {
        byte[] bytes = new byte[(int) Files.size(file) + random.nextInt(3) * 4];
        random.nextBytes(bytes);
        Files.write(file, bytes);
      }
      case ZEROS -> Files.write(file, new byte[(int) Files.size(file) + random.nextInt(3) * 12]);
      case APPEND_GARBAGE -> {
        byte[] tail = new byte[1 + random.nextInt(40)];
        random.nextBytes(tail);
        Files.write(file, tail, StandardOpenOption.APPEND);
      }
      default -> throw new AssertionError(kind);
    }
    String context = kind + " seed=" + seed + (clean ? " after a clean shutdown" : " before the recovery point")
        + ", segment " + target + ", " + file.getFileName();
    List<ExpectedRecord> records = template.records();
    withContext(context, () -> reopenAndCheck(dataDir, records, records.size(), 0, random));
  }

  // ------------------------------------------------------------------ empty directories and files

  @Test
  void emptyPartitionDirectoryOpensAsAnEmptyLog() throws Exception {
    Path dataDir = work.resolve("empty-dir");
    Files.createDirectories(dataDir.resolve(TP.directoryName()));
    reopenAndCheck(dataDir, List.of(), 0, 0, new Random(1));
  }

  @Test
  void zeroLengthSegmentOpensAsAnEmptyLog() throws Exception {
    for (boolean clean : new boolean[] {true, false}) {
      Path dataDir = work.resolve("zero-length-" + clean);
      Path partitionDir = dataDir.resolve(TP.directoryName());
      Files.createDirectories(partitionDir);
      Files.createFile(FileNames.logFile(partitionDir, 0));
      if (clean) {
        Files.createFile(dataDir.resolve(FileNames.CLEAN_SHUTDOWN_MARKER));
      }
      withContext("clean=" + clean, () -> reopenAndCheck(dataDir, List.of(), 0, 0, new Random(2)));
    }
  }

  @Test
  void zeroLengthSegmentAtALaterBaseOffsetKeepsItsOffsets() throws Exception {
    Path dataDir = work.resolve("zero-length-later");
    Path partitionDir = dataDir.resolve(TP.directoryName());
    Files.createDirectories(partitionDir);
    Files.createFile(FileNames.logFile(partitionDir, 42));
    try (LogManager manager = LogManager.open(LogManagerConfig.defaults(dataDir))) {
      PartitionLog log = manager.partition(TP);
      assertThat(log.logStartOffset()).isEqualTo(42);
      assertThat(log.logEndOffset()).isEqualTo(42);
      assertThat(log.append(TestBatches.values(BASE_TIMESTAMP, "a", "b")).get().baseOffset()).isEqualTo(42);
    }
    try (LogManager manager = LogManager.open(LogManagerConfig.defaults(dataDir))) {
      PartitionLog log = manager.partition(TP);
      assertThat(log.logEndOffset()).isEqualTo(44);
      assertThat(log.read(42, 1024, Long.MAX_VALUE).records()).extracting(Record::offset).containsExactly(42L, 43L);
    }
  }

  @Test
  void activeSegmentCutToZeroBytes() throws Exception {
    Path dataDir = copy(crashed, 7);
    TreeMap<Long, Path> segments = segmentFiles(crashed.partitionDir(dataDir));
    Files.write(segments.lastEntry().getValue(), new byte[0]);
    long lost = segments.lastKey();
    reopenAndCheck(dataDir, crashed.records(), lost, 0, new Random(7));
  }

  // ------------------------------------------------------------------ focused cases

  /** A damaged middle segment: the report counts the bytes of the later segments dropped with it. */
  @Test
  void reportedCutCountsTheDroppedSegments() throws Exception {
    Path dataDir = copy(crashed, 11);
    Path partitionDir = crashed.partitionDir(dataDir);
    TreeMap<Long, Path> segments = segmentFiles(partitionDir);
    long target = recoveredSegments(segments, crashed.recoveryPoint()).get(0);
    Path file = segments.get(target);
    Span last = spans(file).get(spans(file).size() - 1);
    flipByte(file, last.position() + MAGIC_OFFSET + 1); // the CRC
    long later = 0;
    for (Path segment : segments.tailMap(target, false).values()) {
      later += Files.size(segment);
    }
    reopenAndCheck(dataDir, crashed.records(), last.baseOffset(), last.size() + later, new Random(11));
  }

  /**
   * The base offset lies outside the CRC. A change in its high bytes moves the batch billions of
   * offsets away, farther from the segment's base than an index entry can say: recovery must cut
   * there, not fail to open the store, nor accept offsets from nowhere.
   */
  @Test
  void baseOffsetCorruptedFarAwayIsCut() throws Exception {
    for (boolean indexEntryDue : new boolean[] {true, false}) {
      Path dataDir = work.resolve("far-base-offset-" + indexEntryDue);
      List<ExpectedRecord> records = new ArrayList<>();
      LogManager manager = LogManager.open(LogManagerConfig.defaults(dataDir));
      PartitionLog log = manager.create(TP, CONFIG.with(Map.of(LogConfig.INDEX_INTERVAL_BYTES, indexEntryDue ? 0 : 1 << 20)));
      appendBatches(log, records, new Random(12), 6);
      manager.crashForTesting();
      Path file = FileNames.logFile(dataDir.resolve(TP.directoryName()), 0);
      List<Span> spans = spans(file);
      Span hit = spans.get(3);
      flipByte(file, hit.position() + 2);
      long cut = Files.size(file) - hit.position();
      withContext("indexEntryDue=" + indexEntryDue,
          () -> reopenAndCheck(dataDir, records, hit.baseOffset(), cut, new Random(12)));
    }
  }

  /** A length field near {@code Integer.MAX_VALUE} must not overflow the batch size computed from it. */
  @Test
  void lengthFieldNearIntMaxIsCut() throws Exception {
    Path dataDir = copy(crashed, 13);
    TreeMap<Long, Path> segments = segmentFiles(crashed.partitionDir(dataDir));
    ByteBuffer header = ByteBuffer.allocate(LOG_OVERHEAD + 50);
    header.putLong(0, crashed.records().size()).putInt(LENGTH_OFFSET, Integer.MAX_VALUE - 5);
    Files.write(segments.lastEntry().getValue(), header.array(), StandardOpenOption.APPEND);
    reopenAndCheck(dataDir, crashed.records(), crashed.records().size(), header.capacity(), new Random(13));
  }

  /**
   * A middle segment that lost its tail exactly at a batch boundary, or all of it, leaves no torn
   * batch behind; but the next segment then starts past its end. In a log that is not compacted that
   * gap is damage: nothing after it may be served.
   */
  @Test
  void middleSegmentCutAtABatchBoundaryDropsTheLaterSegments() throws Exception {
    for (boolean toZero : new boolean[] {true, false}) {
      Path dataDir = copy(closed, toZero ? 14 : 15);
      Files.delete(dataDir.resolve(FileNames.CLEAN_SHUTDOWN_MARKER));
      Files.delete(dataDir.resolve(FileNames.RECOVERY_POINT_CHECKPOINT));
      TreeMap<Long, Path> segments = segmentFiles(closed.partitionDir(dataDir));
      long target = new ArrayList<>(segments.keySet()).get(segments.size() / 2);
      Path file = segments.get(target);
      List<Span> spans = spans(file);
      Span cutAt = toZero ? spans.get(0) : spans.get(spans.size() / 2);
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
        channel.truncate(cutAt.position());
      }
      long later = 0;
      for (Path segment : segments.tailMap(target, false).values()) {
        later += Files.size(segment);
      }
      long expectedCut = later;
      withContext("toZero=" + toZero + ", segment " + target + " cut before " + cutAt,
          () -> reopenAndCheck(dataDir, closed.records(), cutAt.baseOffset(), expectedCut, new Random(14)));
    }
  }

  /**
   * Compaction may drop the last batches of a segment, and all of one: there, a segment starting past
   * its predecessor's end is no damage, and recovery keeps everything.
   */
  @Test
  void compactedLogKeepsGapsBetweenSegmentsThroughRecovery() throws Exception {
    Path dataDir = work.resolve("compacted");
    Map<Long, String> survivors = new TreeMap<>();
    LogManager manager = LogManager.open(LogManagerConfig.defaults(dataDir));
    try {
      PartitionLog log = manager.create(TP, CONFIG.with(Map.of(LogConfig.CLEANUP_POLICY, "compact")));
      // Segment 0: keys a, b; segment 1: key b only (superseded below); segment 2: a, b again; then an active one.
      append(log, "a", "a0", "b", "b0");
      log.roll().get();
      append(log, "b", "b1", "b", "b2");
      log.roll().get();
      append(log, "a", "a3", "b", "b3");
      log.roll().get();
      append(log, "c", "c4");
      log.updateHighWatermark(log.logEndOffset());
      manager.runMaintenance();
      survivors.put(4L, "a3");
      survivors.put(5L, "b3");
      survivors.put(6L, "c4");
      assertThat(valuesByOffset(log)).isEqualTo(survivors);
    } finally {
      manager.crashForTesting();
    }
    Files.deleteIfExists(dataDir.resolve(FileNames.RECOVERY_POINT_CHECKPOINT));
    try (LogManager reopened = LogManager.open(LogManagerConfig.defaults(dataDir))) {
      PartitionLog log = reopened.partition(TP);
      assertThat(reopened.truncatedAtRecovery()).isEmpty();
      assertThat(log.logEndOffset()).isEqualTo(7);
      log.updateHighWatermark(7);
      assertThat(valuesByOffset(log)).isEqualTo(survivors);
    }
  }

  private static void append(PartitionLog log, String... keysAndValues) throws Exception {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
    for (int i = 0; i < keysAndValues.length; i += 2) {
      builder.append(BASE_TIMESTAMP, TestBatches.utf8(keysAndValues[i]), TestBatches.utf8(keysAndValues[i + 1]), List.of());
    }
    log.append(builder.build()).get();
  }

  private static Map<Long, String> valuesByOffset(PartitionLog log) {
    Map<Long, String> values = new TreeMap<>();
    for (Record record : TestBatches.readAll(log, 1 << 20)) {
      values.put(record.offset(), TestBatches.string(record.value()));
    }
    return values;
  }

  private static void flipByte(Path file, int position) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[position] ^= (byte) 0x40;
    Files.write(file, bytes);
  }

  // ------------------------------------------------------------------ checks

  /**
   * Opens {@code dataDir} and checks the log: it ends at {@code expectedEnd}, serves exactly
   * {@code records} below it and nothing from it on, has no segment file past it, and reports
   * {@code expectedCut} bytes cut. Then appends, restarts (cleanly or not) and checks again.
   */
  private static void reopenAndCheck(Path dataDir, List<ExpectedRecord> records, long expectedEnd, long expectedCut,
      Random random) throws Exception {
    List<ExpectedRecord> expected = new ArrayList<>(records.subList(0, (int) expectedEnd));
    Path partitionDir = dataDir.resolve(TP.directoryName());
    LogManager manager = LogManager.open(LogManagerConfig.defaults(dataDir));
    boolean crash = random.nextBoolean();
    try {
      PartitionLog log = manager.partition(TP);
      assertThat(log.logEndOffset()).as("log end").isEqualTo(expectedEnd);
      if (expectedCut == 0) {
        assertThat(manager.truncatedAtRecovery()).as("truncated at recovery").isEmpty();
      } else {
        assertThat(manager.truncatedAtRecovery()).as("truncated at recovery").isEqualTo(Map.of(TP, expectedCut));
      }
      assertThat(log.highWatermark()).isLessThanOrEqualTo(expectedEnd);
      log.updateHighWatermark(log.logEndOffset());
      checkSegmentFiles(partitionDir, expectedEnd);
      checkContents(log, expected, random);
      appendBatches(log, expected, random, 1 + random.nextInt(4));
      log.updateHighWatermark(log.logEndOffset());
      checkContents(log, expected, random);
    } finally {
      if (crash) {
        manager.crashForTesting();
      } else {
        manager.close();
      }
    }
    try (LogManager reopened = LogManager.open(LogManagerConfig.defaults(dataDir))) {
      PartitionLog log = reopened.partition(TP);
      assertThat(reopened.truncatedAtRecovery()).as("truncated at the second recovery").isEmpty();
      assertThat(log.logEndOffset()).as("log end after the second restart").isEqualTo(expected.size());
      log.updateHighWatermark(log.logEndOffset());
      checkContents(log, expected, random);
    }
  }

  /** No segment starts past the log end; one may start at it only if it is the last, and empty. */
  private static void checkSegmentFiles(Path partitionDir, long logEnd) throws IOException {
    TreeMap<Long, Path> segments = segmentFiles(partitionDir);
    for (Map.Entry<Long, Path> segment : segments.entrySet()) {
      if (segment.getKey() >= logEnd) {
        assertThat(segment.getKey()).as("segment %s past the log end %d", segment.getValue().getFileName(), logEnd)
            .isEqualTo(logEnd).isEqualTo(segments.lastKey());
        assertThat(Files.size(segment.getValue())).as("size of %s", segment.getValue().getFileName()).isZero();
      }
    }
    try (Stream<Path> files = Files.list(partitionDir)) {
      assertThat(files.map(path -> path.getFileName().toString()))
          .noneMatch(name -> name.endsWith(FileNames.DELETED_SUFFIX) || name.endsWith(FileNames.TMP_SUFFIX));
    }
  }

  /**
   * The log holds exactly {@code expected}, offsets from 0, read in random steps; reads at the end
   * are empty and past it out of range; random lookups by offset and by timestamp land right.
   */
  private static void checkContents(PartitionLog log, List<ExpectedRecord> expected, Random random) {
    long end = log.logEndOffset();
    assertThat(end).isEqualTo(expected.size());
    long next = 0;
    while (next < end) {
      List<Record> records = log.read(next, 1 + random.nextInt(16 * 1024)).records(next);
      assertThat(records).as("read at %d below the log end %d", next, end).isNotEmpty();
      for (Record record : records) {
        assertThat(record.offset()).as("offsets continue").isEqualTo(next);
        ExpectedRecord want = expected.get((int) next);
        assertThat(want.matches(record)).as("%s", (Object) want.describeMismatch(record)).isTrue();
        next++;
      }
    }
    assertThat(log.read(end, 1024).isEmpty()).as("read at the log end").isTrue();
    assertThat(log.read(end, 1024, Long.MAX_VALUE).isEmpty()).as("read at the log end past the high watermark").isTrue();
    assertThatThrownBy(() -> log.read(end + 1, 1024, Long.MAX_VALUE)).isInstanceOf(OffsetOutOfRangeException.class);
    for (int i = 0; i < 20 && end > 0; i++) {
      long offset = random.nextInt((int) end);
      assertThat(log.read(offset, 1).records(offset)).as("read at %d", offset).first()
          .extracting(Record::offset).isEqualTo(offset);
      Optional<TimestampOffset> byTime = log.offsetForTimestamp(expected.get((int) offset).timestamp());
      assertThat(byTime).as("offset for the timestamp of %d", offset).map(TimestampOffset::offset).contains(offset);
    }
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Appends {@code batches} batches of 1..8 records with strictly increasing timestamps (so a
   * lookup by a record's timestamp finds that record), and adds them to {@code records}.
   */
  private static void appendBatches(PartitionLog log, List<ExpectedRecord> records, Random random, int batches)
      throws Exception {
    for (int b = 0; b < batches; b++) {
      RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
      List<ExpectedRecord> batch = new ArrayList<>();
      int count = 1 + random.nextInt(8);
      for (int i = 0; i < count; i++) {
        int offset = records.size() + batch.size();
        byte[] key = random.nextInt(10) == 0 ? null : ("key-" + offset).getBytes(StandardCharsets.UTF_8);
        byte[] value = null;
        if (random.nextInt(20) != 0) {
          value = new byte[random.nextInt(10) == 0 ? random.nextInt(2000) : random.nextInt(300)];
          random.nextBytes(value);
        }
        byte[] headerValue = new byte[random.nextInt(9)];
        random.nextBytes(headerValue);
        ExpectedRecord record = new ExpectedRecord(BASE_TIMESTAMP + offset * 10L, key, value,
            List.of(new Header("h", headerValue)));
        builder.append(record.timestamp(), record.key(), record.value(), record.headers());
        batch.add(record);
      }
      AppendResult result = log.append(builder.build()).get();
      assertThat(result.baseOffset()).as("append continues at the log end").isEqualTo(records.size());
      records.addAll(batch);
    }
  }

  /** The batches of a segment file, from their headers; the file must end on a batch boundary. */
  private static List<Span> spans(Path logFile) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(logFile));
    List<Span> spans = new ArrayList<>();
    int position = 0;
    while (position < bytes.limit()) {
      long baseOffset = bytes.getLong(position);
      int size = LOG_OVERHEAD + bytes.getInt(position + LENGTH_OFFSET);
      long lastOffset = baseOffset + bytes.getInt(position + LAST_OFFSET_DELTA_OFFSET);
      spans.add(new Span(position, size, baseOffset, lastOffset));
      position += size;
    }
    assertThat(position).as("%s ends on a batch boundary", logFile).isEqualTo(bytes.limit());
    assertThat(spans).as("%s holds batches", logFile).isNotEmpty();
    return spans;
  }

  private static Span spanAt(List<Span> spans, int position) {
    return spans.stream().filter(span -> span.position() <= position && position < span.end()).findFirst()
        .orElseThrow();
  }

  private static TreeMap<Long, Path> segmentFiles(Path partitionDir) throws IOException {
    TreeMap<Long, Path> segments = new TreeMap<>();
    try (Stream<Path> files = Files.list(partitionDir)) {
      files.forEach(file -> {
        long baseOffset = FileNames.baseOffsetOf(file.getFileName().toString(), FileNames.LOG_SUFFIX);
        if (baseOffset >= 0) {
          segments.put(baseOffset, file);
        }
      });
    }
    return segments;
  }

  private Path copy(Template template, long seed) throws IOException {
    Path target = Files.createTempDirectory(work, "case-" + seed + "-");
    try (Stream<Path> files = Files.walk(template.dataDir())) {
      files.forEach(source -> {
        Path destination = target.resolve(template.dataDir().relativize(source).toString());
        try {
          if (Files.isDirectory(source)) {
            Files.createDirectories(destination);
          } else {
            Files.copy(source, destination);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    return target;
  }

  /** The seeds of one kind of case: {@link #TRIES} of them from the base seed, or the one asked for. */
  private static LongStream seeds(int kind) {
    if (CASE_SEED != null) {
      return LongStream.of(CASE_SEED);
    }
    Random seeds = new Random(BASE_SEED * 31 + kind);
    return IntStream.range(0, TRIES).mapToLong(i -> seeds.nextLong());
  }

  @FunctionalInterface
  private interface Check {
    void run() throws Exception;
  }

  /** Runs {@code check}, putting {@code context} (the seed and the damage) in front of any failure. */
  private static void withContext(String context, Check check) throws Exception {
    try {
      check.run();
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(context + ": " + e.getMessage(), e);
    }
  }
}
