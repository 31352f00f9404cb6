package io.streamgate.logstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TimeIndexTest {
  private static final long BASE = 500;

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("00000000000000000500.timeindex");
  }

  /** Entries (largest timestamp so far, offset where it was reached): (100, 504), (200, 510), (300, 520). */
  private TimeIndex sample() {
    TimeIndex index = new TimeIndex(file(), BASE);
    index.maybeAppend(100, 504);
    index.maybeAppend(200, 510);
    index.maybeAppend(300, 520);
    return index;
  }

  @ParameterizedTest(name = "a scan for {0} starts at {1}")
  @CsvSource({
      "50, 500",  // older than everything: from the segment's base
      "100, 500", // an entry's timestamp is not below the target: its records may match
      "101, 505", // every record up to 504 is at most 100
      "200, 505",
      "250, 511",
      "301, 521",
      "9999, 521",
  })
  void aScanStartsPastTheLastEntryOlderThanTheTarget(long target, long offset) {
    assertThat(sample().scanStartFor(target)).isEqualTo(offset);
  }

  @Test
  void onlyLargerTimestampsAreAppended() {
    TimeIndex index = sample();

    index.maybeAppend(300, 530);
    index.maybeAppend(250, 540);

    assertThat(index.lastTimestamp()).isEqualTo(300);
    assertThat(index.lastOffset()).isEqualTo(520);
  }

  @Test
  void anEmptyIndexStartsAtTheBase() {
    TimeIndex index = new TimeIndex(file(), BASE);
    assertThat(index.scanStartFor(42)).isEqualTo(BASE);
    assertThat(index.lastTimestamp()).isEqualTo(-1);
    assertThat(index.lastOffset()).isEqualTo(BASE);
  }

  @Test
  void truncationDropsTheEntriesAtOrPastTheOffset() {
    TimeIndex index = sample();

    index.truncateTo(510);

    assertThat(index.lastTimestamp()).isEqualTo(100);
    assertThat(index.scanStartFor(250)).isEqualTo(505);
  }

  @Test
  void persistAndLoadRoundTrip() throws IOException {
    sample().persist();

    TimeIndex loaded = TimeIndex.load(file(), BASE, 521);

    assertThat(Files.size(file())).isEqualTo(3 * TimeIndex.ENTRY_SIZE);
    assertThat(loaded.lastTimestamp()).isEqualTo(300);
    assertThat(loaded.lastOffset()).isEqualTo(520);
    assertThat(loaded.scanStartFor(250)).isEqualTo(511);
  }

  @Test
  void aTruncatedAndRefilledIndexPersistsItsNewEntries() throws IOException {
    TimeIndex index = sample();
    index.persist();
    index.truncateTo(510);
    index.maybeAppend(150, 506);
    index.maybeAppend(160, 508);
    index.persist();

    TimeIndex loaded = TimeIndex.load(file(), BASE, 509);

    assertThat(loaded).isNotNull();
    assertThat(loaded.lastTimestamp()).isEqualTo(160);
    assertThat(loaded.lastOffset()).isEqualTo(508);
  }

  @Test
  void aTruncatedIndexPersistsShorter() throws IOException {
    TimeIndex index = sample();
    index.persist();
    index.truncateTo(520);
    index.persist();

    assertThat(Files.size(file())).isEqualTo(2 * TimeIndex.ENTRY_SIZE);
    assertThat(TimeIndex.load(file(), BASE, 520).lastTimestamp()).isEqualTo(200);
  }

  @Test
  void loadRejectsAMissingFileAndAPartialEntry() throws IOException {
    assertThat(TimeIndex.load(file(), BASE, 600)).isNull();
    sample().persist();
    Files.write(file(), new byte[] {9}, java.nio.file.StandardOpenOption.APPEND);
    assertThat(TimeIndex.load(file(), BASE, 600)).isNull();
  }

  @ParameterizedTest(name = "entries {0} in a segment ending at {1}")
  @CsvSource({
      "'100:4, 100:9', 600",  // timestamps that do not increase
      "'100:9, 200:4', 600",  // offsets that go back
      "'100:4, 200:20', 520", // an offset at or past the segment's end
  })
  void loadRejectsInconsistentEntries(String entries, long segmentNextOffset) throws IOException {
    String[] pairs = entries.split(",\\s*");
    ByteBuffer bytes = ByteBuffer.allocate(pairs.length * TimeIndex.ENTRY_SIZE);
    for (String pair : pairs) {
      String[] parts = pair.split(":");
      bytes.putLong(Long.parseLong(parts[0])).putInt(Integer.parseInt(parts[1]));
    }
    Files.write(file(), bytes.array());

    assertThat(TimeIndex.load(file(), BASE, segmentNextOffset)).isNull();
  }
}
