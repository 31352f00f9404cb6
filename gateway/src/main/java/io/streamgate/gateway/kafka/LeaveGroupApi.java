package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.groups.ClassicGroups.LeaveResult;
import io.streamgate.cluster.groups.ClassicGroups.LeavingMember;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;

/** LeaveGroup (v0-5): one member before v3, from v3 several, each answered with its own error. */
final class LeaveGroupApi {
  /** The first version that names several members, static ones by instance id. */
  private static final short BATCHED_FROM = 3;

  private final ClassicGroups groups;

  LeaveGroupApi(ClassicGroups groups) {
    this.groups = groups;
  }

  Future<LeaveGroupResponseData> handle(LeaveGroupRequestData request, short version, KafkaCaller caller) {
    List<LeavingMember> leaving = new ArrayList<>();
    if (version < BATCHED_FROM) {
      leaving.add(new LeavingMember(request.memberId(), Optional.empty()));
    } else {
      for (MemberIdentity member : request.members()) {
        leaving.add(new LeavingMember(member.memberId(), Optional.ofNullable(member.groupInstanceId())));
      }
    }
    return caller.access().group(AclOperation.READ, request.groupId())
        .compose(allowed -> Future.fromCompletionStage(groups.leave(request.groupId(), leaving), caller.context())).transform(done -> {
          LeaveGroupResponseData response = new LeaveGroupResponseData();
          if (done.failed()) {
            return Future.succeededFuture(response.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode()));
          }
          if (version < BATCHED_FROM) {
            return Future.succeededFuture(response.setErrorCode(
                done.result().get(0).error().map(StreamgateError::kafkaCode).orElse((short) 0)));
          }
          List<MemberResponse> members = new ArrayList<>();
          for (LeaveResult left : done.result()) {
            members.add(new MemberResponse().setMemberId(left.memberId()).setGroupInstanceId(left.groupInstanceId().orElse(null))
                .setErrorCode(left.error().map(StreamgateError::kafkaCode).orElse((short) 0)));
          }
          return Future.succeededFuture(response.setMembers(members));
        });
  }
}
