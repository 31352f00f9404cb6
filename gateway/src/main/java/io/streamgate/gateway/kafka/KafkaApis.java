package io.streamgate.gateway.kafka;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;

/**
 * Hands each decoded request to the handler of its API. Every handler answers with a generated
 * {@code *ResponseData} of its API, per-partition and per-topic errors inside it; a future of null
 * means no answer (Produce with acks=0). One per verticle instance; handlers run on its event loop.
 */
final class KafkaApis {
  private final MetadataApi metadata;
  private final ProduceApi produce;
  private final FetchApi fetch;
  private final ListOffsetsApi listOffsets;
  private final CreateTopicsApi createTopics;
  private final DeleteTopicsApi deleteTopics;
  private final DescribeClusterApi describeCluster;
  private final InitProducerIdApi initProducerId;

  KafkaApis(PartitionService service, GatewayConfig config, RecordDecoding decoding, GatewayMetrics metrics) {
    KafkaBrokers brokers = new KafkaBrokers(service);
    this.metadata = new MetadataApi(service, brokers, config.autoCreateTopics(), config.defaultPartitions());
    this.produce = new ProduceApi(service, decoding, metrics);
    this.fetch = new FetchApi(service, config.limits().maxWaitMs(), config.limits().maxFetchBytes(), metrics);
    this.listOffsets = new ListOffsetsApi(service);
    this.createTopics = new CreateTopicsApi(service, config.defaultPartitions());
    this.deleteTopics = new DeleteTopicsApi(service);
    this.describeCluster = new DescribeClusterApi(brokers);
    this.initProducerId = new InitProducerIdApi(service);
  }

  /** The answer to {@code request}, of null for none. */
  Future<Object> handle(KafkaRequest request, KafkaCaller caller) {
    switch (request.api()) {
      case API_VERSIONS:
        return Future.succeededFuture(apiVersions(null));
      case METADATA:
        return metadata.handle(request.body(MetadataRequestData.class), caller).map(Object.class::cast);
      case PRODUCE:
        return produce.handle(request.body(ProduceRequestData.class), caller).map(Object.class::cast);
      case FETCH:
        return fetch.handle(request.body(FetchRequestData.class), caller).map(Object.class::cast);
      case LIST_OFFSETS:
        return listOffsets.handle(request.body(ListOffsetsRequestData.class), caller).map(Object.class::cast);
      case CREATE_TOPICS:
        return createTopics.handle(request.body(CreateTopicsRequestData.class), caller).map(Object.class::cast);
      case DELETE_TOPICS:
        return deleteTopics.handle(request.body(DeleteTopicsRequestData.class), caller).map(Object.class::cast);
      case DESCRIBE_CLUSTER:
        return Future.succeededFuture(describeCluster.handle());
      case INIT_PRODUCER_ID:
        return initProducerId.handle(request.body(InitProducerIdRequestData.class), caller).map(Object.class::cast);
      default:
        throw new IllegalStateException("no handler for " + request.api());
    }
  }

  /** The ApiVersions answer, with {@code error} (null: none). */
  ApiVersionsResponseData apiVersions(StreamgateError error) {
    return ApiVersionsApi.answer(error);
  }
}
