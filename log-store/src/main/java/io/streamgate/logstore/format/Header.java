package io.streamgate.logstore.format;

import java.util.Arrays;
import java.util.Objects;

/**
 * One record header: a non-null UTF-8 key and a value that may be null. The value array is not
 * copied, so a caller must not change it after handing it over. Equality compares the value's
 * contents, not the array identity, so that decoded headers equal the ones appended.
 */
public record Header(String key, byte[] value) {
  public Header {
    Objects.requireNonNull(key, "header key");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Header h && key.equals(h.key) && Arrays.equals(value, h.value);
  }

  @Override
  public int hashCode() {
    return 31 * key.hashCode() + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "Header[key="
        + key
        + ", value="
        + (value == null ? "null" : value.length + " bytes")
        + "]";
  }
}
