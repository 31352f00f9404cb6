package io.streamgate.gateway.kafka;

/**
 * One decoded Kafka request: its header and its body, a generated {@code *RequestData} of the
 * {@code api} (see {@link KafkaCodec}).
 */
record KafkaRequest(KafkaApi api, short version, int correlationId, String clientId, Object body) {
  <T> T body(Class<T> type) {
    return type.cast(body);
  }
}
