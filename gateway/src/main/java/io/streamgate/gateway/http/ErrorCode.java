package io.streamgate.gateway.http;

/**
 * The catalogue of errors the HTTP API answers with: status, a stable code (the last segment of the
 * problem's {@code type} URI, and its {@code code} member), a title, and whether retrying the same
 * request may succeed. Codes never change once released; the OpenAPI Problem schema lists them.
 */
public enum ErrorCode {
  INVALID_REQUEST(400, "invalid-request", "The request is malformed or breaks a documented limit", false),
  INVALID_TOPIC_NAME(400, "invalid-topic-name", "The topic name is not allowed", false),
  INVALID_CONFIG(400, "invalid-config", "A topic configuration value is not allowed", false),
  INVALID_RECORD(400, "invalid-record", "A record cannot be stored as given", false),
  NOT_FOUND(404, "not-found", "No such resource", false),
  TOPIC_NOT_FOUND(404, "topic-not-found", "Topic not found", false),
  PARTITION_NOT_FOUND(404, "partition-not-found", "Partition not found", false),
  METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed on this resource", false),
  NOT_ACCEPTABLE(406, "not-acceptable", "No representation matches the Accept header", false),
  TOPIC_EXISTS(409, "topic-exists", "Topic exists already", false),
  BODY_TOO_LARGE(413, "body-too-large", "Request body too large", false),
  RECORD_TOO_LARGE(413, "record-too-large", "Record too large", false),
  URI_TOO_LONG(414, "uri-too-long", "Request line too long", false),
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported content type", false),
  OFFSET_OUT_OF_RANGE(416, "offset-out-of-range", "Offset out of range", false),
  HEADERS_TOO_LARGE(431, "headers-too-large", "Request headers too large", false),
  TOO_MANY_REQUESTS(429, "too-many-requests", "Too many requests", true),
  INTERNAL(500, "internal", "Internal error", false),
  OVERLOADED(503, "overloaded", "The node is overloaded; retry later", true),
  STORAGE_ERROR(503, "storage-error", "Partition storage unavailable", true),
  UNAVAILABLE(503, "unavailable", "The node is starting or shutting down", true);

  /** Base of every problem {@code type} URI. */
  public static final String TYPE_BASE = "https://streamgate.io/problems/";

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
