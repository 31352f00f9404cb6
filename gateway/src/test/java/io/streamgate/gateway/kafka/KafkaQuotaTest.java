package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Quotas over Kafka, with authentication off (every client is User:ANONYMOUS, so the default quota is
 * shared): the Java producer and consumer, going as fast as they can for several seconds, store and
 * read at the configured rates (within ±10%, measured by the test), told to wait by
 * {@code throttle_time_ms} (their throttle-time metrics) and held back by the muted connection.
 */
class KafkaQuotaTest extends KafkaNodeTest {
  private static final long PRODUCE_RATE = 400_000;
  private static final long CONSUME_RATE = 200_000;
  private static final int RECORD_BYTES = 16 * 1024;
  private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(6);

  KafkaQuotaTest() {
    super(Map.of("quota-produce-bytes-per-second", String.valueOf(PRODUCE_RATE), "quota-consume-bytes-per-second",
        String.valueOf(CONSUME_RATE)));
  }

  @Test
  void producerAndConsumerGoAtTheirQuotas() throws Exception {
    String topic = unique("quota");
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    AtomicLong stored = new AtomicLong();
    AtomicLong lastStored = new AtomicLong();
    long started;
    double produceThrottleMax;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig())) {
      byte[] value = new byte[RECORD_BYTES];
      started = System.nanoTime();
      while (System.nanoTime() - started < RUN_NANOS) {
        // Blocks while the producer's small buffer is full: as fast as the node lets it.
        producer.send(new ProducerRecord<>(topic, 0, null, value), (metadata, failure) -> {
          if (failure == null) {
            stored.addAndGet(RECORD_BYTES);
            lastStored.set(System.nanoTime());
          }
        });
      }
      producer.flush();
      produceThrottleMax = metric(producer.metrics(), "produce-throttle-time-max");
    }
    double produced = stored.get() / ((lastStored.get() - started) / 1e9);
    System.out.printf("Kafka produce: %d bytes stored in %.2f s = %.0f B/s against a quota of %d B/s (throttle max %.0f ms)%n",
        stored.get(), (lastStored.get() - started) / 1e9, produced, PRODUCE_RATE, produceThrottleMax);

    long read = 0;
    long lastRead;
    double fetchThrottleMax;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      started = System.nanoTime();
      lastRead = started;
      while (System.nanoTime() - started < RUN_NANOS) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          read += record.value().length;
          lastRead = System.nanoTime();
        }
      }
      fetchThrottleMax = metric(consumer.metrics(), "fetch-throttle-time-max");
    }
    double consumed = read / ((lastRead - started) / 1e9);
    System.out.printf("Kafka consume: %d bytes read in %.2f s = %.0f B/s against a quota of %d B/s (throttle max %.0f ms)%n",
        read, (lastRead - started) / 1e9, consumed, CONSUME_RATE, fetchThrottleMax);

    assertThat(produced).isBetween(PRODUCE_RATE * 0.9, PRODUCE_RATE * 1.1);
    assertThat(produceThrottleMax).isPositive();
    assertThat(read).as("the consumer never reached the end").isLessThan(stored.get());
    assertThat(consumed).isBetween(CONSUME_RATE * 0.9, CONSUME_RATE * 1.1);
    assertThat(fetchThrottleMax).isPositive();
  }

  private Properties producerConfig() {
    Properties config = new Properties();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(RECORD_BYTES * 4));
    // Small, so that what is still buffered when the run ends is a small part of it.
    config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(RECORD_BYTES * 16));
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    return config;
  }

  private Properties consumerConfig() {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(RECORD_BYTES * 4));
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    return config;
  }

  private static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
    return metrics.entrySet().stream().filter(entry -> entry.getKey().name().equals(name))
        .mapToDouble(entry -> ((Number) entry.getValue().metricValue()).doubleValue()).filter(value -> !Double.isNaN(value)).max()
        .orElse(0);
  }
}
