package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.groups.ClassicGroups.MemberAssignment;
import io.streamgate.cluster.groups.ClassicGroups.SyncRequest;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SyncGroup (v0-5): the leader's assignments handed out, each member's answered with its own; bytes unread. */
final class SyncGroupApi {
  private static final Logger LOG = LoggerFactory.getLogger(SyncGroupApi.class);

  private final ClassicGroups groups;

  SyncGroupApi(ClassicGroups groups) {
    this.groups = groups;
  }

  Future<SyncGroupResponseData> handle(SyncGroupRequestData request, KafkaCaller caller) {
    List<MemberAssignment> assignments = new ArrayList<>();
    for (SyncGroupRequestAssignment assignment : request.assignments()) {
      assignments.add(new MemberAssignment(assignment.memberId(), assignment.assignment()));
    }
    SyncRequest sync = new SyncRequest(request.groupId(), request.generationId(), request.memberId(),
        Optional.ofNullable(request.groupInstanceId()), Optional.ofNullable(request.protocolType()),
        Optional.ofNullable(request.protocolName()), assignments);
    return caller.access().group(AclOperation.READ, request.groupId())
        .compose(allowed -> Future.fromCompletionStage(groups.sync(sync), caller.context())).transform(done -> {
          SyncGroupResponseData response = new SyncGroupResponseData();
          if (done.failed()) {
            LOG.debug("kafka client {}: SyncGroup of group '{}' answered {}", caller, request.groupId(), done.cause().getMessage());
            return Future.succeededFuture(response.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode())
                .setAssignment(new byte[0]));
          }
          return Future.succeededFuture(response.setProtocolType(done.result().protocolType())
              .setProtocolName(done.result().protocolName()).setAssignment(done.result().assignment()));
        });
  }
}
