package io.streamgate.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Whether bytes are one JSON value in UTF-8: what a {@code value.format=json} topic holds, since
 * HTTP readers get its values copied into their JSON as stored. Edges that take values as bytes
 * (MQTT payloads, Kafka records) check them here. Thread-safe.
 */
public final class JsonValues {
  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).maxNumberLength(1000).build())
      .build();

  private JsonValues() {}

  public static boolean isOneValue(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
      try (JsonParser parser = JSON.createParser(bytes)) {
        if (parser.nextToken() == null) {
          return false;
        }
        parser.skipChildren();
        return parser.nextToken() == null;
      }
    } catch (IOException e) {
      // Not UTF-8 (a CharacterCodingException), or not JSON.
      return false;
    }
  }
}
