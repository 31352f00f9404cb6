package io.streamgate.gateway.http;

import java.util.Map;

/**
 * An error the HTTP layer itself finds (a bad parameter, a limit passed), carrying its {@link ErrorCode}
 * and any extra problem members. Handlers throw it or fail the routing context with it; only
 * {@link ProblemMapper} turns it into a response.
 */
public final class ApiException extends RuntimeException {
  private final ErrorCode code;
  private final Map<String, Object> extensions;

  public ApiException(ErrorCode code, String detail) {
    this(code, detail, Map.of());
  }

  public ApiException(ErrorCode code, String detail, Map<String, Object> extensions) {
    super(detail, null, false, false);
    this.code = code;
    this.extensions = Map.copyOf(extensions);
  }

  public ErrorCode code() {
    return code;
  }

  public Map<String, Object> extensions() {
    return extensions;
  }

  public static ApiException badRequest(String detail) {
    return new ApiException(ErrorCode.INVALID_REQUEST, detail);
  }
}
