package io.streamgate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Murmur2PartitionerTest {
  private final Murmur2Partitioner partitioner = new Murmur2Partitioner();

  @Test
  void hashesEveryKeyLengthAsKafkaDoes() {
    Random random = new Random(13);
    // Lengths 0..40 cover every tail (length % 4) several times; bytes above 0x7f check the sign handling.
    for (int length = 0; length <= 40; length++) {
      byte[] key = new byte[length];
      random.nextBytes(key);
      assertThat(Murmur2Partitioner.murmur2(key)).as("murmur2 of %d bytes", length).isEqualTo(Utils.murmur2(key));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 5, 12, 100})
  void putsAKeyWhereAKafkaProducerWould(int partitions) {
    for (String key : new String[] {"", "user-7", "abc", "sensor/42/temperature", "ключ"}) {
      byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
      assertThat(partitioner.partitionForKey(bytes, partitions)).as("key %s", key)
          .isEqualTo(Utils.toPositive(Utils.murmur2(bytes)) % partitions);
    }
  }

  @Test
  void keylessRequestsTakeTurnsOverEveryPartition() {
    Set<Integer> chosen = new HashSet<>();
    for (int request = 0; request < 7; request++) {
      chosen.add(partitioner.stickyPartition(7));
    }
    assertThat(chosen).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6);
  }
}
