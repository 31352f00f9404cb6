package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;

/** ApiVersions: the APIs of {@link KafkaApi} with their ranges; no features, no throttling. */
final class ApiVersionsApi {
  private ApiVersionsApi() {}

  /** The answer, with {@code error} (null: none). */
  static ApiVersionsResponseData answer(StreamgateError error) {
    ApiVersionCollection keys = new ApiVersionCollection();
    for (KafkaApi api : KafkaApi.values()) {
      keys.add(new ApiVersion().setApiKey(api.key()).setMinVersion(api.minVersion()).setMaxVersion(api.maxVersion()));
    }
    return new ApiVersionsResponseData().setErrorCode(error == null ? 0 : error.kafkaCode()).setApiKeys(keys)
        .setThrottleTimeMs(0);
  }
}
