package io.streamgate.gateway;

import io.streamgate.cluster.ClusterOptions;
import java.nio.file.Path;

/**
 * A node's whole configuration, validated once at startup and passed down explicitly. Every key has
 * a default ({@link ConfigLoader#DEFAULTS}) and is documented in {@code docs/configuration.md}.
 */
public record GatewayConfig(
    Path dataDir,
    String nodeId,
    String httpHost,
    int httpPort,
    int httpInstances,
    LogFormat logFormat,
    boolean autoCreateTopics,
    int defaultPartitions,
    int readerThreads,
    long shutdownGraceMs,
    ClusterOptions cluster,
    Limits limits) {

  /** How log lines are written to stdout. */
  public enum LogFormat { TEXT, JSON }

  /**
   * Every size and count a client controls, each with a ceiling.
   *
   * @param maxBodyBytes largest produce request body
   * @param maxRecordsPerRequest most records in one produce request
   * @param maxHeadersPerRecord most headers on one record
   * @param maxRecordsPerFetch ceiling of {@code maxRecords}
   * @param maxFetchBytes ceiling of {@code maxBytes}
   * @param maxWaitMs ceiling of {@code timeoutMs}
   * @param maxLongPolls long-polls waiting at once on this node; past it, 503
   * @param maxStreams WebSocket and SSE streams open at once on this node; past it, 503
   * @param maxWebSocketFrameBytes largest frame a WebSocket client may send
   * @param maxHttpHeaderBytes largest total size of a request's HTTP headers
   * @param streamBufferBytes bytes a stream may queue for a slow client before its reading pauses
   */
  public record Limits(
      int maxBodyBytes,
      int maxRecordsPerRequest,
      int maxHeadersPerRecord,
      int maxRecordsPerFetch,
      int maxFetchBytes,
      long maxWaitMs,
      int maxLongPolls,
      int maxStreams,
      int maxWebSocketFrameBytes,
      int maxHttpHeaderBytes,
      int streamBufferBytes) {}
}
