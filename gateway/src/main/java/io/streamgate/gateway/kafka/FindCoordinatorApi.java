package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FindCoordinator (v0-6; from v4 several keys at once): a group's coordinator, the node leading its
 * {@code __groups} partition, as a broker. Only groups have coordinators here: a transaction's key
 * (key type 1) or any other is INVALID_REQUEST. While the group has no coordinator, or it serves no
 * Kafka listener that is alive, the answer is COORDINATOR_NOT_AVAILABLE, which the client retries.
 */
final class FindCoordinatorApi {
  private static final Logger LOG = LoggerFactory.getLogger(FindCoordinatorApi.class);
  private static final byte GROUP_KEY = 0;

  private final ClassicGroups groups;
  private final KafkaBrokers brokers;

  FindCoordinatorApi(ClassicGroups groups, KafkaBrokers brokers) {
    this.groups = groups;
    this.brokers = brokers;
  }

  Future<FindCoordinatorResponseData> handle(FindCoordinatorRequestData request, short version, KafkaCaller caller) {
    List<String> keys = version >= 4 ? request.coordinatorKeys() : List.of(request.key());
    List<Future<Coordinator>> found = new ArrayList<>();
    for (String key : keys) {
      if (request.keyType() != GROUP_KEY) {
        LOG.warn("kafka client {}: FindCoordinator of key type {} refused: only groups have coordinators", caller,
            request.keyType());
        found.add(Future.succeededFuture(failed(key, StreamgateError.INVALID_REQUEST, "only groups (key type 0) have coordinators")));
      } else if (!caller.access().mayGroup(AclOperation.DESCRIBE, key)) {
        found.add(Future.succeededFuture(failed(key, StreamgateError.GROUP_AUTHORIZATION_FAILED,
            "not authorized to DESCRIBE group '" + key + "'")));
      } else {
        found.add(Future.fromCompletionStage(groups.coordinatorNode(key), caller.context())
            .transform(done -> Future.succeededFuture(done.succeeded() ? coordinator(key, done.result())
                : failed(key, notAvailable(done.cause()), done.cause().getMessage()))));
      }
    }
    return Future.all(found).map(all -> {
      FindCoordinatorResponseData response = new FindCoordinatorResponseData();
      if (version >= 4) {
        return response.setCoordinators(all.list());
      }
      Coordinator only = all.resultAt(0);
      return response.setErrorCode(only.errorCode()).setErrorMessage(only.errorMessage()).setNodeId(only.nodeId())
          .setHost(only.host()).setPort(only.port());
    });
  }

  private Coordinator coordinator(String key, Optional<String> node) {
    int id = KafkaBrokers.brokerId(node.orElse(null));
    for (KafkaBrokers.Broker broker : brokers.view().live()) {
      if (broker.id() == id) {
        return new Coordinator().setKey(key).setNodeId(id).setHost(broker.host()).setPort(broker.port());
      }
    }
    return failed(key, StreamgateError.COORDINATOR_NOT_AVAILABLE, "the group has no coordinator serving Kafka now");
  }

  /** A retriable failure (the coordinator moving, {@code __groups} being made) is COORDINATOR_NOT_AVAILABLE, as Kafka answers. */
  private static StreamgateError notAvailable(Throwable failure) {
    StreamgateError error = StreamgateError.forException(failure);
    return error.retryable() ? StreamgateError.COORDINATOR_NOT_AVAILABLE : error;
  }

  private static Coordinator failed(String key, StreamgateError error, String message) {
    return new Coordinator().setKey(key).setNodeId(KafkaBrokers.NO_NODE).setHost("").setPort(-1).setErrorCode(error.kafkaCode())
        .setErrorMessage(message);
  }
}
