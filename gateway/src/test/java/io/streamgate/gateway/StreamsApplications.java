package io.streamgate.gateway;

import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/** Kafka Streams applications as the tests run them against the Kafka listener, in the test's JVM. */
public final class StreamsApplications {
  private StreamsApplications() {}

  /**
   * An application's settings: at-least-once (transactions are not served, docs/kafka.md), commits
   * every 100 ms, its internal topics created with {@code replicationFactor} replicas.
   */
  public static Properties config(String application, String bootstrap, Path stateDir, int replicationFactor) {
    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
    return config;
  }

  /**
   * Starts {@code topology}; a stream thread's death stops the application and lands in {@code
   * failure}, for the test to fail fast on rather than wait out its timeout.
   */
  public static KafkaStreams start(Topology topology, Properties config, AtomicReference<Throwable> failure) {
    KafkaStreams streams = new KafkaStreams(topology, config);
    streams.setUncaughtExceptionHandler(e -> {
      failure.set(e);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.start();
    return streams;
  }
}
