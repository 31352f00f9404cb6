package io.streamgate.logstore;

import io.streamgate.logstore.format.Compression;
import io.streamgate.logstore.format.Header;
import io.streamgate.logstore.format.RecordBatch;
import io.streamgate.logstore.format.RecordBatchBuilder;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The child process of {@link CrashRecoveryTest}: opens a data directory, and appends with
 * {@code flush.policy=always} from several threads until it is killed, printing one line per
 * acknowledged batch. Every batch's content is a pure function of (round seed, round, thread,
 * sequence number), so the parent can rebuild it and compare what the log holds byte for byte.
 *
 * <p>Arguments: {@code dataDir round seed threads checkpointIntervalMs}. Output lines, each flushed:
 * {@code OPENING}, then {@code START <logEnd>} once the store is open, then
 * {@code ACK <thread> <seq> <baseOffset> <lastOffset>} per acknowledged batch.
 *
 * <p>It never outlives its parent by long: it halts by itself after {@link #MAX_LIFETIME_MS}.
 */
public final class CrashAppender {
  static final TopicPartition TP = new TopicPartition("crash", 0);
  /** Small segments, so that rolls happen all the time, and so at the moment of a kill too. */
  static final LogConfig CONFIG = LogConfig.DEFAULT.with(Map.of(
      LogConfig.FLUSH_POLICY, "always",
      LogConfig.SEGMENT_BYTES, 64 * 1024,
      LogConfig.INDEX_INTERVAL_BYTES, 1024));
  static final long MAX_LIFETIME_MS = 120_000;
  private static final long BASE_TIMESTAMP = 1_700_000_000_000L;
  private static final Pattern KEY = Pattern.compile("r(\\d+)/t(\\d+)/s(\\d+)/i(\\d+)");

  private CrashAppender() {}

  public static void main(String[] args) throws Exception {
    Path dataDir = Path.of(args[0]);
    int round = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    int threads = Integer.parseInt(args[3]);
    long checkpointIntervalMs = Long.parseLong(args[4]);
    haltAfter(MAX_LIFETIME_MS);

    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    emit(out, "OPENING");
    LogManager manager = LogManager.open(LogManagerConfig.defaults(dataDir).withCheckpointIntervalMs(checkpointIntervalMs));
    PartitionLog log = manager.get(TP).orElseGet(() -> manager.create(TP, CONFIG));
    emit(out, "START " + log.logEndOffset());

    CountDownLatch failed = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread appender = new Thread(() -> {
        try {
          for (int seq = 0;; seq++) {
            AppendResult result = log.append(batch(seed, round, thread, seq)).get();
            emit(out, "ACK " + thread + " " + seq + " " + result.baseOffset() + " " + result.lastOffset());
          }
        } catch (Throwable e) {
          e.printStackTrace();
          failed.countDown();
        }
      }, "appender-" + t);
      appender.setDaemon(true);
      appender.start();
    }
    failed.await();
    System.err.println("an appender failed; exiting");
    Runtime.getRuntime().halt(2);
  }

  private static void emit(PrintStream out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  /** A safety net: if the parent died without killing us, do not run forever. */
  private static void haltAfter(long ms) {
    new Timer("lifetime-limit", true).schedule(new TimerTask() {
      @Override
      public void run() {
        System.err.println("lived " + ms + " ms without being killed; halting");
        Runtime.getRuntime().halt(3);
      }
    }, ms);
  }

  // ------------------------------------------------------------ deterministic content

  /** The batch that {@code thread} appends as its {@code seq}-th in {@code round}. */
  static RecordBatch batch(long seed, int round, int thread, int seq) {
    RecordBatchBuilder builder = new RecordBatchBuilder(Compression.NONE);
    for (ExpectedRecord record : records(seed, round, thread, seq)) {
      builder.append(record.timestamp(), record.key(), record.value(), record.headers());
    }
    return builder.build();
  }

  /**
   * The records of that batch: 1..20 of them; values mostly small, one in ten up to 4 KiB, a few
   * null; a header or two. The key names the record: {@code r<round>/t<thread>/s<seq>/i<index>}.
   */
  static List<ExpectedRecord> records(long seed, int round, int thread, int seq) {
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ ((long) thread << 32) ^ seq);
    int count = 1 + random.nextInt(20);
    List<ExpectedRecord> records = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] key = ("r" + round + "/t" + thread + "/s" + seq + "/i" + i).getBytes(StandardCharsets.US_ASCII);
      byte[] value = null;
      if (random.nextInt(50) != 0) {
        value = new byte[random.nextInt(10) == 0 ? random.nextInt(4097) : random.nextInt(200)];
        random.nextBytes(value);
      }
      byte[] headerValue = new byte[random.nextInt(17)];
      random.nextBytes(headerValue);
      List<Header> headers = random.nextInt(4) == 0
          ? List.of(new Header("h", headerValue), new Header("n", null))
          : List.of(new Header("h", headerValue));
      long timestamp = BASE_TIMESTAMP + round * 1_000_000L + random.nextInt(100_000);
      records.add(new ExpectedRecord(timestamp, key, value, headers));
    }
    return records;
  }

  /** The identity in a key made by {@link #records}: round, thread, seq, index; null if it is not one. */
  static int[] identity(byte[] key) {
    if (key == null) {
      return null;
    }
    Matcher m = KEY.matcher(new String(key, StandardCharsets.US_ASCII));
    if (!m.matches()) {
      return null;
    }
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
        Integer.parseInt(m.group(4))};
  }
}
