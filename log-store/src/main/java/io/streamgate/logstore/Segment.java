package io.streamgate.logstore;

import static io.streamgate.logstore.format.BatchLayout.LENGTH_OFFSET;
import static io.streamgate.logstore.format.BatchLayout.LOG_OVERHEAD;
import static io.streamgate.logstore.format.BatchLayout.RECORD_BATCH_OVERHEAD;

import io.streamgate.logstore.format.Record;
import io.streamgate.logstore.format.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One segment of a partition: a {@code .log} file of whole record batches, back to back exactly as
 * Kafka lays them out, with its sparse {@link OffsetIndex} and {@link TimeIndex}.
 *
 * <p>Thread-safety: one writer (the store's writer thread) appends, truncates and flushes; any
 * thread reads, with positional reads and no locks. {@code size} and {@code nextOffset} are volatile
 * and move only after the bytes they cover are written.
 *
 * <p>After a crash the file may end in a torn batch or hold bytes that were never fsynced;
 * {@link #recover} finds the last valid batch, cuts the file there and rebuilds both indexes.
 */
final class Segment {
  /** Bytes read at a time when walking batch headers. */
  private static final int SCAN_CHUNK_BYTES = 16 * 1024;
  /** A batch this large is followed by reading only the next header, not a chunk, when walking. */
  private static final int LARGE_BATCH_BYTES = 2 * 1024;
  /** Numbers the retirements of this process, so that no two retired segments share a file name. */
  private static final AtomicLong RETIREMENTS = new AtomicLong();

  private final Path dir;
  private final long baseOffset;
  private final FileChannel channel;
  private final int indexIntervalBytes;
  private final long createdMs;
  private OffsetIndex offsetIndex;
  private TimeIndex timeIndex;
  private volatile int size;
  private volatile long nextOffset;
  private volatile long maxTimestamp = -1;
  private long offsetOfMaxTimestamp;
  private int bytesSinceLastIndexEntry;
  private boolean deleted;
  /** What {@link #markDeleted} renamed the files to. */
  private final List<Path> retiredFiles = new ArrayList<>();

  private Segment(Path dir, long baseOffset, FileChannel channel, int indexIntervalBytes, long createdMs) {
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.channel = channel;
    this.indexIntervalBytes = indexIntervalBytes;
    this.createdMs = createdMs;
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
    this.offsetIndex = new OffsetIndex(FileNames.indexFile(dir, baseOffset), baseOffset);
    this.timeIndex = new TimeIndex(FileNames.timeIndexFile(dir, baseOffset), baseOffset);
  }

  /** Creates a new, empty segment (truncating any leftover file of that name). */
  static Segment create(Path dir, long baseOffset, int indexIntervalBytes, long nowMs) throws IOException {
    FileChannel channel = FileChannel.open(FileNames.logFile(dir, baseOffset), StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    Files.deleteIfExists(FileNames.indexFile(dir, baseOffset));
    Files.deleteIfExists(FileNames.timeIndexFile(dir, baseOffset));
    return new Segment(dir, baseOffset, channel, indexIntervalBytes, nowMs);
  }

  /**
   * Opens an existing segment. Its end and indexes are then established by {@link #loadIndexes}
   * or {@link #recover}, which the caller runs next.
   */
  static Segment open(Path dir, long baseOffset, int indexIntervalBytes, long nowMs) throws IOException {
    return openAt(FileNames.logFile(dir, baseOffset), dir, baseOffset, indexIntervalBytes, nowMs);
  }

  /**
   * Opens a segment whose file is still under another name ({@code logFile}); it must be renamed
   * to its segment name before its indexes are flushed. Compaction builds its copies this way.
   */
  static Segment openAt(Path logFile, Path dir, long baseOffset, int indexIntervalBytes, long nowMs) throws IOException {
    FileChannel channel = FileChannel.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
    Segment segment = new Segment(dir, baseOffset, channel, indexIntervalBytes, nowMs);
    segment.size = (int) Math.min(channel.size(), Integer.MAX_VALUE);
    return segment;
  }

  /**
   * Loads the index files of a segment opened with {@link #open} after a clean shutdown, and finds
   * the segment's end by walking the batch headers after the last index entry. Returns false when an
   * index is missing or inconsistent, or the file does not end on a batch boundary: the caller must
   * then {@link #recover} it.
   */
  boolean loadIndexes() throws IOException {
    OffsetIndex loadedOffsets = OffsetIndex.load(FileNames.indexFile(dir, baseOffset), baseOffset, size);
    if (loadedOffsets == null) {
      return false;
    }
    HeaderScan tail = scanToEnd(loadedOffsets.lastPosition());
    if (tail == null || loadedOffsets.lastOffset() >= tail.nextOffset) {
      return false;
    }
    TimeIndex loadedTimes = TimeIndex.load(FileNames.timeIndexFile(dir, baseOffset), baseOffset, tail.nextOffset);
    if (loadedTimes == null) {
      return false;
    }
    offsetIndex = loadedOffsets;
    timeIndex = loadedTimes;
    nextOffset = tail.nextOffset == -1 ? baseOffset : tail.nextOffset;
    if (loadedTimes.lastTimestamp() >= tail.maxTimestamp) {
      maxTimestamp = loadedTimes.lastTimestamp();
      offsetOfMaxTimestamp = loadedTimes.lastOffset();
    } else {
      maxTimestamp = tail.maxTimestamp;
      offsetOfMaxTimestamp = tail.offsetOfMaxTimestamp;
    }
    return true;
  }

  long baseOffset() {
    return baseOffset;
  }

  /** One past the last offset in this segment; the base offset when it is empty. */
  long nextOffset() {
    return nextOffset;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  long maxTimestamp() {
    return maxTimestamp;
  }

  long createdMs() {
    return createdMs;
  }

  /**
   * Appends one validated batch whose offsets are already assigned, at the end of the file.
   * Writer thread only.
   */
  void append(RecordBatch batch) throws IOException {
    int position = size;
    ByteBuffer bytes = batch.buffer();
    int length = bytes.remaining();
    long writePosition = position;
    while (bytes.hasRemaining()) {
      writePosition += channel.write(bytes, writePosition);
    }
    index(batch, position, length);
    size = position + length;
    nextOffset = batch.nextOffset();
  }

  /**
   * Accounts for a batch written at {@code position}: the largest timestamp, and an index entry
   * once more than {@code index.interval.bytes} were written since the last one (Kafka's rule).
   */
  private void index(RecordBatch batch, int position, int length) {
    if (batch.maxTimestamp() > maxTimestamp) {
      maxTimestamp = batch.maxTimestamp();
      offsetOfMaxTimestamp = batch.lastOffset();
    }
    if (bytesSinceLastIndexEntry > indexIntervalBytes) {
      offsetIndex.append(batch.lastOffset(), position);
      timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
      bytesSinceLastIndexEntry = 0;
    }
    bytesSinceLastIndexEntry += length;
  }

  /** Would appending {@code batchBytes} more bytes, or an offset this far from the base, overflow this segment? */
  boolean wouldOverflow(int batchBytes, long lastOffset, long segmentBytes) {
    return size > 0 && ((long) size + batchBytes > segmentBytes || lastOffset - baseOffset > Integer.MAX_VALUE);
  }

  /**
   * Reads whole batches starting with the one that holds {@code fetchOffset}, up to {@code maxBytes}
   * (but always at least one batch when {@code minOneBatch}), and only batches that end below
   * {@code maxOffsetExclusive}. Returns an empty buffer when nothing qualifies. Thread-safe.
   */
  ByteBuffer read(long fetchOffset, int maxBytes, long maxOffsetExclusive, boolean minOneBatch) throws IOException {
    int start = positionOf(fetchOffset);
    if (start < 0) {
      return ByteBuffer.allocate(0);
    }
    int end = maxOffsetExclusive >= nextOffset ? size : positionOf(maxOffsetExclusive);
    if (end < 0) {
      end = size;
    }
    if (end <= start) {
      return ByteBuffer.allocate(0);
    }
    int wanted = Math.min(end - start, maxBytes);
    if (minOneBatch) {
      wanted = Math.max(wanted, Math.min(end - start, batchSizeAt(start)));
    }
    ByteBuffer buffer = ByteBuffer.allocate(wanted);
    readFully(buffer, start);
    buffer.flip();
    buffer.limit(wholeBatchesLength(buffer, maxOffsetExclusive));
    return buffer.slice();
  }

  /**
   * Where {@link #read} would find its batches, without reading them: the whole batches from the one
   * holding {@code fetchOffset}, up to {@code maxBytes} (at least one), ending below {@code
   * maxOffsetExclusive}; walks only their headers. Null when nothing qualifies. Thread-safe.
   */
  LogSlice slice(long fetchOffset, int maxBytes, long maxOffsetExclusive, long highWatermark, long logStartOffset,
      long logEndOffset) throws IOException {
    int start = positionOf(fetchOffset);
    if (start < 0) {
      return null;
    }
    int end = size;
    long[] taken = {0, fetchOffset, 0};  // bytes, next offset, records
    walk(start, end, header -> {
      boolean fits = header.position() + header.sizeInBytes() <= end && header.lastOffset() < maxOffsetExclusive
          && (taken[0] == 0 || taken[0] + header.sizeInBytes() <= maxBytes);
      if (fits) {
        taken[0] += header.sizeInBytes();
        taken[1] = header.nextOffset();
        taken[2] += header.lastOffset() - Math.max(header.baseOffset(), fetchOffset) + 1;
      }
      return fits;
    });
    if (taken[0] == 0) {
      return null;
    }
    return new LogSlice(this, start, (int) taken[0], fetchOffset, taken[1], taken[2], highWatermark, logStartOffset,
        logEndOffset);
  }

  /** Sends {@code count} bytes of the file from {@code position} to {@code target}; see {@link LogSlice#transferTo}. */
  long transferTo(WritableByteChannel target, long position, long count) throws IOException {
    long sent = channel.transferTo(position, count, target);
    if (sent == 0 && channel.size() < position + count) {
      // transferTo answers 0 past the end, which a caller would take for a full target and retry forever.
      throw new IOException(this + " was cut to " + channel.size() + " bytes since it was read; " + (position + count) + " wanted");
    }
    return sent;
  }

  /** The file position of the first batch whose last offset is at or after {@code offset}, or -1 if none. Thread-safe. */
  int positionOf(long offset) throws IOException {
    if (offset >= nextOffset) {
      return -1;
    }
    BatchHeader found = walk(offsetIndex.lookup(offset), size, header -> header.lastOffset() < offset);
    return found == null ? -1 : found.position();
  }

  /**
   * Finds the first record with a timestamp at or after {@code target}, scanning forward from the
   * time index's hint. Thread-safe.
   */
  Optional<TimestampOffset> findOffsetByTimestamp(long target, long startingOffset) throws IOException {
    if (maxTimestamp < target) {
      return Optional.empty();
    }
    long from = Math.max(startingOffset, timeIndex.scanStartFor(target));
    int position = positionOf(from);
    while (position >= 0 && position < size) {
      BatchHeader header = readHeader(position);
      if (header == null) {
        return Optional.empty();
      }
      if (header.maxTimestamp() >= target) {
        ByteBuffer whole = ByteBuffer.allocate(header.sizeInBytes());
        readFully(whole, position);
        whole.flip();
        for (Record record : RecordBatch.wrap(whole).records()) {
          if (record.offset() >= startingOffset && record.timestamp() >= target) {
            return Optional.of(new TimestampOffset(record.offset(), record.timestamp()));
          }
        }
      }
      position += header.sizeInBytes();
    }
    return Optional.empty();
  }

  /**
   * Validates every batch from the start of the file: length, CRC, offsets that increase. Indexes
   * are rebuilt as it goes. The file is cut at the first invalid byte, and the number of bytes cut
   * is returned. Writer thread (or the loader, before the log is shared) only.
   */
  int recover(int maxBatchBytes, long minimumBaseOffset) throws IOException {
    offsetIndex = new OffsetIndex(FileNames.indexFile(dir, baseOffset), baseOffset);
    timeIndex = new TimeIndex(FileNames.timeIndexFile(dir, baseOffset), baseOffset);
    offsetIndex.markFileStale();
    timeIndex.markFileStale();
    long fileSize = channel.size();
    int position = 0;
    long expectedBase = Math.max(minimumBaseOffset, baseOffset);
    nextOffset = baseOffset;
    maxTimestamp = -1;
    offsetOfMaxTimestamp = baseOffset;
    bytesSinceLastIndexEntry = 0;
    while (position + LOG_OVERHEAD <= fileSize) {
      ByteBuffer lengthField = ByteBuffer.allocate(4);
      readFully(lengthField, position + LENGTH_OFFSET);
      int batchLength = lengthField.getInt(0);
      // A long: a damaged length near Integer.MAX_VALUE must not wrap around to a negative size.
      long batchSize = LOG_OVERHEAD + (long) batchLength;
      if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || batchSize > maxBatchBytes || position + batchSize > fileSize) {
        break;
      }
      ByteBuffer bytes = ByteBuffer.allocate((int) batchSize);
      readFully(bytes, position);
      bytes.flip();
      RecordBatch batch = RecordBatch.wrap(bytes);
      if (!belongsHere(batch, expectedBase)) {
        break;
      }
      index(batch, position, (int) batchSize);
      position += (int) batchSize;
      expectedBase = batch.nextOffset();
      nextOffset = batch.nextOffset();
    }
    int cut = (int) (fileSize - position);
    if (cut > 0) {
      channel.truncate(position);
      channel.force(true);
    }
    size = position;
    return cut;
  }

  /**
   * Whether a batch read back by {@link #recover} may stay: intact (magic, CRC), starting at or after
   * {@code expectedBase}, and with its offsets within int32 of the segment's base offset. The base
   * offset lies outside the CRC, so damage there goes unseen by the CRC; but appends never put a
   * batch that far from the segment's base (they roll first), and the indexes could not address it.
   */
  private boolean belongsHere(RecordBatch batch, long expectedBase) {
    return batch.isValid() && batch.baseOffset() >= expectedBase && batch.lastOffset() >= batch.baseOffset()
        && batch.lastOffset() - baseOffset <= Integer.MAX_VALUE;
  }

  /**
   * Removes every batch that holds an offset at or after {@code offset}; a batch that straddles it
   * goes whole. Returns the segment's new next offset. Writer thread only.
   */
  synchronized long truncateTo(long offset) throws IOException {
    int position = positionOf(offset);
    if (position < 0) {
      return nextOffset;
    }
    BatchHeader cutBatch = readHeader(position);
    channel.truncate(position);
    size = position;
    offsetIndex.truncateToPosition(position);
    timeIndex.truncateTo(cutBatch.baseOffset());
    HeaderScan rest = scanToEnd(0);
    // Where the kept batches end, not where the cut one began: compaction may have left a gap
    // between them, and the log must not end past the offset it was truncated to.
    nextOffset = position == 0 ? baseOffset : rest.nextOffset;
    maxTimestamp = rest.maxTimestamp;
    offsetOfMaxTimestamp = rest.offsetOfMaxTimestamp;
    bytesSinceLastIndexEntry = 0;
    return nextOffset;
  }

  /** Makes the file's bytes durable (not the indexes: they are rebuilt after a crash). */
  void forceData() throws IOException {
    channel.force(false);
  }

  /** Makes the file's bytes and both indexes durable. Safe to call from any one thread at a time. */
  void flush() throws IOException {
    channel.force(false);
    synchronized (this) {
      if (!deleted) {
        offsetIndex.persist();
        timeIndex.persist();
      }
    }
  }

  void close() throws IOException {
    channel.close();
  }

  /**
   * Renames the segment's files to {@code *.<n>.deleted}, so a restart will not load them; the open
   * file keeps serving reads that already hold this segment until {@link #deleteMarked}. The number
   * makes the names this segment's own: a compacted copy, taking the same base offset, may be retired
   * while the maintenance thread still deletes the original's files.
   */
  synchronized void markDeleted() throws IOException {
    deleted = true;
    long retirement = RETIREMENTS.incrementAndGet();
    for (Path file : files()) {
      if (Files.exists(file)) {
        Path retired = FileNames.retiredFile(file, retirement);
        Files.move(file, retired);
        retiredFiles.add(retired);
      }
    }
  }

  /** Closes the file and removes what {@link #markDeleted} renamed. */
  synchronized void deleteMarked() throws IOException {
    channel.close();
    for (Path file : retiredFiles) {
      Files.deleteIfExists(file);
    }
  }

  private List<Path> files() {
    return List.of(FileNames.logFile(dir, baseOffset), FileNames.indexFile(dir, baseOffset), FileNames.timeIndexFile(dir, baseOffset));
  }

  /** The segment's batches from file position {@code from} to the end, validated: used by compaction. */
  Iterable<RecordBatch> batchesFrom(int from) throws IOException {
    int length = size - from;
    ByteBuffer all = ByteBuffer.allocate(length);
    readFully(all, from);
    all.flip();
    return RecordBatch.iterate(all);
  }

  @Override
  public String toString() {
    return "Segment(" + dir.getFileName() + "/" + FileNames.baseName(baseOffset) + ", size=" + size + ", next=" + nextOffset + ")";
  }

  private int batchSizeAt(int position) throws IOException {
    BatchHeader header = readHeader(position);
    return header == null ? 0 : header.sizeInBytes();
  }

  /** The batch header at {@code position}, or null when fewer than a header's bytes remain. */
  private BatchHeader readHeader(int position) throws IOException {
    if (position + RECORD_BATCH_OVERHEAD > size) {
      return null;
    }
    ByteBuffer header = ByteBuffer.allocate(RECORD_BATCH_OVERHEAD);
    readFully(header, position);
    return BatchHeader.read(header, 0, position);
  }

  /**
   * The length of the run of whole batches at the start of {@code buffer} that end below {@code
   * maxOffsetExclusive}. The offsets are checked here, on the bytes read, because a reader that
   * sees an append's new size but not yet its new next offset reads the new batch too.
   */
  private static int wholeBatchesLength(ByteBuffer buffer, long maxOffsetExclusive) {
    int position = 0;
    while (buffer.limit() - position >= RECORD_BATCH_OVERHEAD) {
      BatchHeader header = BatchHeader.read(buffer, position, position);
      if (header.sizeInBytes() > buffer.limit() - position || header.lastOffset() >= maxOffsetExclusive) {
        break;
      }
      position += header.sizeInBytes();
    }
    return position;
  }

  private void readFully(ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, at);
      if (read < 0) {
        throw new IOException("unexpected end of " + FileNames.logFile(dir, baseOffset) + " at " + at);
      }
      at += read;
    }
  }

  /**
   * Walks batch headers from file position {@code from} while {@code keepGoing} says so. Small
   * batches are read a chunk at a time (a chunk holds many headers); after a large one only the next
   * header is read, so that walking over big batches (a Fetch's slice) does not copy them. Returns
   * the header it stopped at, or null at {@code end}. A header claiming a size below the minimum
   * throws, so a damaged file cannot loop.
   */
  private BatchHeader walk(int from, int end, java.util.function.Predicate<BatchHeader> keepGoing) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(SCAN_CHUNK_BYTES);
    int position = from;
    int readBytes = SCAN_CHUNK_BYTES;
    while (position + RECORD_BATCH_OVERHEAD <= end) {
      chunk.clear();
      chunk.limit(Math.min(readBytes, end - position));
      readFully(chunk, position);
      int inChunk = 0;
      int lastSize = 0;
      while (chunk.limit() - inChunk >= RECORD_BATCH_OVERHEAD) {
        BatchHeader header = BatchHeader.read(chunk, inChunk, position + inChunk);
        if (header.sizeInBytes() < RECORD_BATCH_OVERHEAD) {
          throw new CorruptRecordException("batch at " + header.position() + " of " + this + " claims size " + header.sizeInBytes());
        }
        if (!keepGoing.test(header)) {
          return header;
        }
        inChunk += header.sizeInBytes();
        lastSize = header.sizeInBytes();
      }
      position += inChunk;
      readBytes = lastSize >= LARGE_BATCH_BYTES ? RECORD_BATCH_OVERHEAD : SCAN_CHUNK_BYTES;
    }
    return null;
  }

  /** Walks the batch headers from {@code from} to the end; null when the file does not end on a batch boundary. */
  private HeaderScan scanToEnd(int from) throws IOException {
    HeaderScan scan = new HeaderScan();
    scan.nextOffset = -1;
    scan.maxTimestamp = -1;
    scan.offsetOfMaxTimestamp = baseOffset;
    int end = size;
    int[] reached = {from};
    try {
      walk(from, end, header -> {
        if (header.position() + (long) header.sizeInBytes() > end) {
          return false;
        }
        if (header.maxTimestamp() > scan.maxTimestamp) {
          scan.maxTimestamp = header.maxTimestamp();
          scan.offsetOfMaxTimestamp = header.lastOffset();
        }
        scan.nextOffset = header.nextOffset();
        reached[0] = header.position() + header.sizeInBytes();
        return true;
      });
    } catch (CorruptRecordException e) {
      return null;
    }
    return reached[0] == end ? scan : null;
  }

  private static final class HeaderScan {
    long nextOffset;
    long maxTimestamp;
    long offsetOfMaxTimestamp;
  }
}
