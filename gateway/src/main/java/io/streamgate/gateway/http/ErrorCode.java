package io.streamgate.gateway.http;

/**
 * The catalogue of errors the HTTP API answers with: status, a stable code (the problem's
 * {@code code} member, and the end of its {@code type}, {@code urn:streamgate:problem:<code>}), a
 * title, and whether retrying the same request may succeed. Codes never change once released. The
 * table in the contract's {@code Problem.code} lists exactly these; {@code ErrorCodeContractTest}
 * holds the two together.
 */
public enum ErrorCode {
  INVALID_REQUEST(400, "invalid-request", "Invalid request", false),
  INVALID_TOPIC_NAME(400, "invalid-topic-name", "Invalid topic name", false),
  INVALID_CONFIG(400, "invalid-config", "Invalid topic config", false),
  INVALID_PARTITIONS(400, "invalid-partitions", "Invalid partition count", false),
  INVALID_REPLICATION_FACTOR(400, "invalid-replication-factor", "Invalid replication factor", false),
  INVALID_RECORD(400, "invalid-record", "Invalid record", false),
  INVALID_TIMESTAMP(400, "invalid-timestamp", "Invalid timestamp", false),
  INTERNAL_TOPIC(403, "internal-topic", "Internal topic", false),
  NOT_FOUND(404, "not-found", "Not found", false),
  TOPIC_NOT_FOUND(404, "topic-not-found", "Topic not found", false),
  PARTITION_NOT_FOUND(404, "partition-not-found", "Partition not found", false),
  GROUP_NOT_FOUND(404, "group-not-found", "Group not found", false),
  MEMBER_NOT_FOUND(404, "member-not-found", "Member not found", false),
  METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed", false),
  NOT_ACCEPTABLE(406, "not-acceptable", "Not acceptable", false),
  REQUEST_TIMEOUT(408, "request-timeout", "Request timeout", true),
  TOPIC_EXISTS(409, "topic-exists", "Topic exists", false),
  STALE_ASSIGNMENT(409, "stale-assignment", "Stale assignment", false),
  GROUP_NOT_EMPTY(409, "group-not-empty", "Group not empty", false),
  BODY_TOO_LARGE(413, "body-too-large", "Request body too large", false),
  RECORD_TOO_LARGE(413, "record-too-large", "Record too large", false),
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type", false),
  URI_TOO_LONG(414, "uri-too-long", "URI too long", false),
  OFFSET_OUT_OF_RANGE(416, "offset-out-of-range", "Offset out of range", false),
  IDEMPOTENCY_KEY_REUSED(422, "idempotency-key-reused", "Idempotency key reused", false),
  TOO_MANY_REQUESTS(429, "too-many-requests", "Too many requests", true),
  HEADERS_TOO_LARGE(431, "headers-too-large", "Request headers too large", false),
  INTERNAL(500, "internal", "Internal error", false),
  NOT_ENOUGH_REPLICAS(503, "not-enough-replicas", "Not enough in-sync replicas", true),
  LEADER_NOT_AVAILABLE(503, "leader-not-available", "Leader not available", true),
  OVERLOADED(503, "overloaded", "Overloaded", true),
  STORAGE_ERROR(503, "storage-error", "Partition storage unavailable", true),
  UNAVAILABLE(503, "unavailable", "Node unavailable", true);

  /** Base of every problem {@code type} URI. */
  public static final String TYPE_BASE = "urn:streamgate:problem:";

  private final int status;
  private final String code;
  private final String title;
  private final boolean retryable;

  ErrorCode(int status, String code, String title, boolean retryable) {
    this.status = status;
    this.code = code;
    this.title = title;
    this.retryable = retryable;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String title() {
    return title;
  }

  public boolean retryable() {
    return retryable;
  }

  public String type() {
    return TYPE_BASE + code;
  }

  /** The code for a bare HTTP status (a router 404 or 405, a body limit 413), {@link #INTERNAL} for others. */
  public static ErrorCode forStatus(int status) {
    switch (status) {
      case 400:
        return INVALID_REQUEST;
      case 404:
        return NOT_FOUND;
      case 405:
        return METHOD_NOT_ALLOWED;
      case 406:
        return NOT_ACCEPTABLE;
      case 408:
        return REQUEST_TIMEOUT;
      case 413:
        return BODY_TOO_LARGE;
      case 414:
        return URI_TOO_LONG;
      case 415:
        return UNSUPPORTED_MEDIA_TYPE;
      case 429:
        return TOO_MANY_REQUESTS;
      case 431:
        return HEADERS_TOO_LARGE;
      case 503:
        return UNAVAILABLE;
      default:
        return INTERNAL;
    }
  }
}
