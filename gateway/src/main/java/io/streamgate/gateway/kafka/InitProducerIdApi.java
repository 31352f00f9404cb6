package io.streamgate.gateway.kafka;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.logstore.UnsupportedTransactionsException;
import io.vertx.core.Future;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InitProducerId (v0-5) for idempotent producers: a producer id no other producer of the cluster has
 * had, from the metadata log, in epoch 0 — also when the client sends its current id and epoch to
 * bump them (KIP-360), as Kafka does for a producer without a transactional id. A transactional id is
 * refused (transactions are not supported); while no id can be handed out the answer is
 * COORDINATOR_NOT_AVAILABLE, which the client retries.
 */
final class InitProducerIdApi {
  private static final Logger LOG = LoggerFactory.getLogger(InitProducerIdApi.class);

  private final PartitionService service;

  InitProducerIdApi(PartitionService service) {
    this.service = service;
  }

  Future<InitProducerIdResponseData> handle(InitProducerIdRequestData request, KafkaCaller caller) {
    InitProducerIdResponseData response = new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
    if (request.transactionalId() != null) {
      LOG.warn("kafka client {}: InitProducerId for transactional id '{}' refused: transactions are not supported", caller,
          request.transactionalId());
      return Future.succeededFuture(response.setErrorCode(StreamgateError.forException(
          new UnsupportedTransactionsException("transactions are not supported")).kafkaCode()));
    }
    Future<Void> allowed = caller.access().idempotentWrite();
    if (allowed.failed()) {
      return Future.succeededFuture(response.setErrorCode(StreamgateError.forException(allowed.cause()).kafkaCode()));
    }
    return Future.fromCompletionStage(service.newProducerId(), caller.context()).transform(done -> {
      if (done.succeeded()) {
        return Future.succeededFuture(response.setProducerId(done.result()).setProducerEpoch((short) 0));
      }
      StreamgateError error = StreamgateError.forException(done.cause());
      LOG.debug("kafka client {}: no producer id yet: {}", caller, done.cause().getMessage());
      return Future.succeededFuture(response.setErrorCode(
          (error.retryable() ? StreamgateError.COORDINATOR_NOT_AVAILABLE : error).kafkaCode()));
    });
  }
}
