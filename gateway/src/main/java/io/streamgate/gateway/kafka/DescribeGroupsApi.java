package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.groups.ClassicGroups.DescribedMember;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;

/**
 * DescribeGroups (v0-5), on the groups' coordinator: state, protocol and members with their client
 * id, host, metadata and assignment as the client sent them; a group that does not exist is
 * {@code Dead} with no members, as in Kafka. Authorized operations are not reported (no ACLs).
 */
final class DescribeGroupsApi {
  private final ClassicGroups groups;

  DescribeGroupsApi(ClassicGroups groups) {
    this.groups = groups;
  }

  Future<DescribeGroupsResponseData> handle(DescribeGroupsRequestData request, KafkaCaller caller) {
    List<Future<DescribedGroup>> described = new ArrayList<>();
    for (String group : request.groups()) {
      described.add(caller.access().group(AclOperation.DESCRIBE, group)
          .compose(allowed -> Future.fromCompletionStage(groups.describe(group), caller.context())).transform(done -> {
            DescribedGroup answer = new DescribedGroup().setGroupId(group);
            if (done.failed()) {
              return Future.succeededFuture(answer.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode()));
            }
            List<DescribedGroupMember> members = new ArrayList<>();
            for (DescribedMember member : done.result().members()) {
              members.add(new DescribedGroupMember().setMemberId(member.memberId())
                  .setGroupInstanceId(member.groupInstanceId().orElse(null)).setClientId(member.clientId())
                  .setClientHost(member.clientHost()).setMemberMetadata(member.metadata()).setMemberAssignment(member.assignment()));
            }
            return Future.succeededFuture(answer.setGroupState(done.result().state()).setProtocolType(done.result().protocolType())
                .setProtocolData(done.result().protocolName()).setMembers(members));
          }));
    }
    return Future.all(described).map(all -> new DescribeGroupsResponseData().setGroups(all.list()));
  }
}
