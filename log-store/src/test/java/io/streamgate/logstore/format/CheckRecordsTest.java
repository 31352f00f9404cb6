package io.streamgate.logstore.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.logstore.CorruptRecordException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link RecordBatch#checkRecords()} accepts and refuses exactly what {@link RecordBatch#records()} does. */
class CheckRecordsTest {

  @Test
  void countsKeylessRecordsOfValidBatchesWithEveryCodec() {
    List<SampleRecords.Input> inputs = SampleRecords.many(200, 42);
    long keyless = inputs.stream().filter(input -> input.key() == null).count();
    for (Compression compression : Compression.values()) {
      RecordBatch batch = SampleRecords.appendAll(new RecordBatchBuilder(compression), inputs).build();
      assertThat(batch.checkRecords()).as(compression.configName()).isEqualTo(keyless);
    }
  }

  @Test
  void agreesWithDecodingOnDamagedRecordSections() {
    byte[] original = bytes(SampleRecords.appendAll(new RecordBatchBuilder(Compression.NONE),
        SampleRecords.many(30, 7).stream().filter(input -> input.value() == null || input.value().length < 1000).toList()).build());
    Random random = new Random(1234);
    int refused = 0;
    for (int round = 0; round < 20_000; round++) {
      byte[] damaged = original.clone();
      int flips = 1 + random.nextInt(3);
      for (int i = 0; i < flips; i++) {
        // Damage the records section or the record count; the CRC is not checked by either method.
        int at = random.nextInt(5) == 0
            ? BatchLayout.RECORDS_COUNT_OFFSET + random.nextInt(4)
            : BatchLayout.RECORD_BATCH_OVERHEAD + random.nextInt(damaged.length - BatchLayout.RECORD_BATCH_OVERHEAD);
        damaged[at] = (byte) random.nextInt(256);
      }
      RecordBatch batch = RecordBatch.wrap(ByteBuffer.wrap(damaged));
      String decodeError = null;
      int decodedKeyless = 0;
      try {
        decodedKeyless = (int) batch.records().stream().filter(record -> record.key() == null).count();
      } catch (CorruptRecordException e) {
        decodeError = e.getMessage();
      }
      if (decodeError == null) {
        assertThat(batch.checkRecords()).isEqualTo(decodedKeyless);
      } else {
        refused++;
        assertThatThrownBy(batch::checkRecords).isInstanceOf(CorruptRecordException.class).hasMessage(decodeError);
      }
    }
    assertThat(refused).isGreaterThan(1000);
  }

  private static byte[] bytes(RecordBatch batch) {
    ByteBuffer buffer = batch.buffer();
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }
}
