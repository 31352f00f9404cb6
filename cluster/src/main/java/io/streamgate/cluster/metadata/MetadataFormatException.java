package io.streamgate.cluster.metadata;

/** Bytes of the metadata log or of a snapshot that {@link MetadataCodec} cannot read. */
public final class MetadataFormatException extends RuntimeException {
  public MetadataFormatException(String message) {
    super(message);
  }

  public MetadataFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
