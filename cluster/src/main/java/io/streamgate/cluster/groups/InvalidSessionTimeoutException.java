package io.streamgate.cluster.groups;

/**
 * A Kafka JoinGroup's session timeout is outside what the coordinator allows
 * ({@link GroupCoordinator#MIN_SESSION_TIMEOUT_MS} to {@link GroupCoordinator#MAX_SESSION_TIMEOUT_MS}).
 * Kafka's INVALID_SESSION_TIMEOUT; an invalid group request to everyone else.
 */
public final class InvalidSessionTimeoutException extends InvalidGroupRequestException {
  public InvalidSessionTimeoutException(String message) {
    super(message);
  }
}
