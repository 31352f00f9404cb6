package io.streamgate.gateway.http;

import io.streamgate.cluster.errors.StreamgateError;
import java.util.Map;

/**
 * An error the HTTP layer itself finds (a bad parameter, a limit passed), carrying its catalogue
 * entry ({@link StreamgateError}) and any extra problem members. Handlers throw it or fail the routing context with it; only
 * {@link ProblemMapper} turns it into a response.
 */
public final class ApiException extends RuntimeException {
  private final StreamgateError error;
  private final Map<String, Object> extensions;

  public ApiException(StreamgateError error, String detail) {
    this(error, detail, Map.of());
  }

  public ApiException(StreamgateError error, String detail, Map<String, Object> extensions) {
    super(detail, null, false, false);
    this.error = error;
    this.extensions = Map.copyOf(extensions);
  }

  public StreamgateError error() {
    return error;
  }

  public Map<String, Object> extensions() {
    return extensions;
  }

  public static ApiException badRequest(String detail) {
    return new ApiException(StreamgateError.INVALID_REQUEST, detail);
  }
}
