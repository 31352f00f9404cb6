package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.errors.StreamgateError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A produce request's Content-Type: found by HttpFuzzTest, {@code Content-Type: ;} was a 500. */
class ProduceMediaTypeTest {
  @ParameterizedTest
  @ValueSource(strings = {";", ";;", " ; ", ";charset=utf-8", "/", "a/", "application/json;charset=latin1"})
  void notAMediaTypeIsA415(String contentType) {
    assertThatThrownBy(() -> ProduceHandler.mediaType(contentType)).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.error()).isEqualTo(StreamgateError.UNSUPPORTED_MEDIA_TYPE));
  }

  @Test
  void mediaTypes() {
    assertThat(ProduceHandler.mediaType(null)).isEqualTo("application/octet-stream");
    assertThat(ProduceHandler.mediaType("Application/JSON; charset=UTF-8;")).isEqualTo("application/json");
    assertThat(ProduceHandler.mediaType("text/plain;")).isEqualTo("text/plain");
  }
}
