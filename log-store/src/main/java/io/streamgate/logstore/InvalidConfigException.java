package io.streamgate.logstore;

/** A log configuration value outside its allowed range. */
public class InvalidConfigException extends LogStoreException {
  public InvalidConfigException(String message) {
    super(message);
  }
}
