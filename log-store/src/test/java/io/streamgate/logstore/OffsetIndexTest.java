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

class OffsetIndexTest {
  private static final long BASE = 1000;

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("00000000000000001000.index");
  }

  /** Entries (offset, position): (1004, 100), (1010, 250), (1020, 600). */
  private OffsetIndex sample() {
    OffsetIndex index = new OffsetIndex(file(), BASE);
    index.append(1004, 100);
    index.append(1010, 250);
    index.append(1020, 600);
    return index;
  }

  @ParameterizedTest(name = "lookup({0}) starts at {1}")
  @CsvSource({
      "1000, 0",   // before the first entry: scan from the start
      "1003, 0",
      "1004, 100", // an entry's own offset
      "1009, 100",
      "1010, 250",
      "1019, 250",
      "1020, 600",
      "5000, 600", // past the last entry: scan from the last
  })
  void lookupGivesThePositionOfTheLastEntryAtOrBelowTheOffset(long offset, int position) {
    assertThat(sample().lookup(offset)).isEqualTo(position);
  }

  @Test
  void anEmptyIndexStartsEveryScanAtZero() {
    OffsetIndex index = new OffsetIndex(file(), BASE);
    assertThat(index.lookup(BASE + 7)).isZero();
    assertThat(index.lastOffset()).isEqualTo(-1);
    assertThat(index.lastPosition()).isZero();
  }

  @Test
  void truncationDropsTheEntriesAtOrPastThePosition() {
    OffsetIndex index = sample();

    index.truncateToPosition(250);

    assertThat(index.entryCount()).isEqualTo(1);
    assertThat(index.lastOffset()).isEqualTo(1004);
    assertThat(index.lookup(1015)).isEqualTo(100);
  }

  @Test
  void growsPastItsInitialCapacity() {
    OffsetIndex index = new OffsetIndex(file(), BASE);
    for (int i = 1; i <= 500; i++) {
      index.append(BASE + i * 3L, i * 10);
    }
    assertThat(index.entryCount()).isEqualTo(500);
    assertThat(index.lookup(BASE + 301)).isEqualTo(1000);
    assertThat(index.lookup(BASE + 1500)).isEqualTo(5000);
  }

  @Test
  void persistAndLoadRoundTrip() throws IOException {
    sample().persist();

    OffsetIndex loaded = OffsetIndex.load(file(), BASE, 700);

    assertThat(Files.size(file())).isEqualTo(3 * OffsetIndex.ENTRY_SIZE);
    assertThat(loaded).isNotNull();
    assertThat(loaded.entryCount()).isEqualTo(3);
    assertThat(loaded.lastOffset()).isEqualTo(1020);
    assertThat(loaded.lookup(1012)).isEqualTo(250);
  }

  @Test
  void persistingAfterAppendsWritesOnlyTheNewEntriesButKeepsTheOldOnes() throws IOException {
    OffsetIndex index = sample();
    index.persist();
    index.append(1030, 900);
    index.persist();

    OffsetIndex loaded = OffsetIndex.load(file(), BASE, 1000);

    assertThat(loaded.entryCount()).isEqualTo(4);
    assertThat(loaded.lookup(1025)).isEqualTo(600);
    assertThat(loaded.lookup(1031)).isEqualTo(900);
  }

  @Test
  void aTruncatedAndRefilledIndexPersistsItsNewEntries() throws IOException {
    OffsetIndex index = sample();
    index.persist();
    index.truncateToPosition(250);
    index.append(1006, 250); // different offsets at the same positions: the count is back to 3
    index.append(1008, 600);
    index.persist();

    OffsetIndex loaded = OffsetIndex.load(file(), BASE, 700);

    assertThat(loaded.lastOffset()).isEqualTo(1008);
    assertThat(loaded.lookup(1007)).isEqualTo(250);
    assertThat(loaded.lookup(1009)).isEqualTo(600);
  }

  @Test
  void aTruncatedIndexPersistsShorter() throws IOException {
    OffsetIndex index = sample();
    index.persist();
    index.truncateToPosition(600);
    index.persist();

    assertThat(Files.size(file())).isEqualTo(2 * OffsetIndex.ENTRY_SIZE);
    assertThat(OffsetIndex.load(file(), BASE, 700).lastOffset()).isEqualTo(1010);
  }

  @Test
  void loadRejectsAMissingFile() throws IOException {
    assertThat(OffsetIndex.load(file(), BASE, 700)).isNull();
  }

  @Test
  void loadRejectsAPartialEntry() throws IOException {
    sample().persist();
    Files.write(file(), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
    assertThat(OffsetIndex.load(file(), BASE, 700)).isNull();
  }

  @ParameterizedTest(name = "entries {0}")
  @CsvSource({
      "'4:100, 4:200'",  // offsets that do not increase
      "'4:100, 9:100'",  // positions that do not increase
      "'4:100, 2:200'",
      "'4:100, 9:700'",  // a position at the segment's end
  })
  void loadRejectsInconsistentEntries(String entries) throws IOException {
    String[] pairs = entries.split(",\\s*");
    ByteBuffer bytes = ByteBuffer.allocate(pairs.length * OffsetIndex.ENTRY_SIZE);
    for (String pair : pairs) {
      String[] parts = pair.split(":");
      bytes.putInt(Integer.parseInt(parts[0])).putInt(Integer.parseInt(parts[1]));
    }
    Files.write(file(), bytes.array());

    assertThat(OffsetIndex.load(file(), BASE, 700)).isNull();
  }
}
