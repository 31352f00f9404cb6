package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.Optional;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;

/** Heartbeat (v0-4): extends the member's session; REBALANCE_IN_PROGRESS tells it to join again. */
final class HeartbeatApi {
  private final ClassicGroups groups;

  HeartbeatApi(ClassicGroups groups) {
    this.groups = groups;
  }

  Future<HeartbeatResponseData> handle(HeartbeatRequestData request, KafkaCaller caller) {
    return caller.access().group(AclOperation.READ, request.groupId())
        .compose(allowed -> Future.fromCompletionStage(groups.heartbeat(request.groupId(), request.generationId(),
            request.memberId(), Optional.ofNullable(request.groupInstanceId())), caller.context()))
        .transform(
            done -> Future.succeededFuture(
                new HeartbeatResponseData().setErrorCode(done.succeeded() ? 0 : StreamgateError.forException(done.cause()).kafkaCode())));
  }
}
