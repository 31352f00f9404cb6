package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The read path escapes stored UTF-8 bytes without decoding them; it must render exactly what
 * decoding strictly and quoting with Jackson rendered before (and refuse what the strict decoder
 * refuses, for the Base64 form), for any bytes.
 */
class JsonBytesProperties {

  @Property(tries = 3000)
  void anyBytesRenderAsAStrictDecoderAndJacksonWould(@ForAll("bytes") byte[] value) {
    assertRendersAsReference(value);
  }

  @Property(tries = 3000)
  void anyTextRendersAsAStrictDecoderAndJacksonWould(@ForAll("text") String text) {
    assertRendersAsReference(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The edges of Unicode's table 3-7: each lead byte's first and last allowed second byte, and one past. */
  @Example
  void theEdgesOfWellFormedUtf8RenderAsTheReference() {
    int[][] cases = {
        {0xC1, 0xBF}, {0xC2, 0x80}, {0xDF, 0xBF}, {0xDF, 0xC0},
        {0xE0, 0x9F, 0x80}, {0xE0, 0xA0, 0x80}, {0xEC, 0xBF, 0xBF}, {0xED, 0x9F, 0xBF}, {0xED, 0xA0, 0x80},
        {0xED, 0xBF, 0xBF}, {0xEE, 0x80, 0x80}, {0xEF, 0xBF, 0xBF}, {0xEF, 0xBF},
        {0xF0, 0x8F, 0xBF, 0xBF}, {0xF0, 0x90, 0x80, 0x80}, {0xF3, 0xBF, 0xBF, 0xBF}, {0xF4, 0x8F, 0xBF, 0xBF},
        {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xF0, 0x90, 0x80}, {0x80}, {0xBF}, {0xFF},
        {0x41, 0xE2, 0x82, 0xAC, 0x22, 0x0A, 0x7F}};
    for (int[] sequence : cases) {
      byte[] value = new byte[sequence.length];
      for (int i = 0; i < sequence.length; i++) {
        value[i] = (byte) sequence[i];
      }
      assertRendersAsReference(value);
    }
  }

  @Property(tries = 3000)
  void anyNumberRendersAsJavaWritesIt(@ForAll long value) {
    JsonBytes out = new JsonBytes(1).number(value).number(0).number(-7);
    assertThat(new String(out.array(), 0, out.length(), StandardCharsets.US_ASCII)).isEqualTo(value + "0-7");
  }

  private static void assertRendersAsReference(byte[] value) {
    JsonBytes out = new JsonBytes(1);
    out.raw(JsonBytes.ascii("x"));
    boolean rendered = out.utf8String(ByteBuffer.wrap(value, 0, value.length));
    String reference = reference(value);
    if (reference == null) {
      assertThat(rendered).isFalse();
      assertThat(out.length()).as("nothing is left of a refused string").isEqualTo(1);
    } else {
      assertThat(rendered).isTrue();
      assertThat(new String(out.array(), 1, out.length() - 1, StandardCharsets.UTF_8)).isEqualTo(reference);
    }
  }

  /** What the writer did before: a strict decode, then Jackson's quoting; null when the bytes are not UTF-8. */
  private static String reference(byte[] value) {
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
      return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    // Bias towards the bytes that matter: ASCII controls and quotes, lead and continuation bytes.
    Arbitrary<Byte> interesting = Arbitraries.of((byte) 0, (byte) 0x1f, (byte) '"', (byte) '\\', (byte) 0x7f, (byte) 0x80,
        (byte) 0xbf, (byte) 0xc0, (byte) 0xc1, (byte) 0xc2, (byte) 0xdf, (byte) 0xe0, (byte) 0xed, (byte) 0xef, (byte) 0xf0,
        (byte) 0xf4, (byte) 0xf5, (byte) 0xff, (byte) 0x9f, (byte) 0xa0, (byte) 0x8f, (byte) 0x90);
    return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.bytes()), Tuple.of(2, interesting))
        .array(byte[].class).ofMaxSize(12);
  }

  @Provide
  Arbitrary<String> text() {
    return Arbitraries.strings().all().ofMaxLength(40);
  }
}
