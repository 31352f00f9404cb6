package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.groups.ClassicGroups.JoinRequest;
import io.streamgate.cluster.groups.ClassicGroups.JoinedMember;
import io.streamgate.cluster.groups.ClassicGroups.Protocol;
import io.streamgate.cluster.groups.MemberIdRequiredException;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JoinGroup (v0-9) on the coordinator's classic groups, with the request's client id and the
 * connection's host for the member. From v4 a member's first join is answered MEMBER_ID_REQUIRED
 * with its new id, as Kafka does; the protocol type and member metadata pass through unread.
 */
final class JoinGroupApi {
  private static final Logger LOG = LoggerFactory.getLogger(JoinGroupApi.class);
  /** The first version whose clients take a member id from MEMBER_ID_REQUIRED (KIP-394). */
  private static final short MEMBER_ID_REQUIRED_FROM = 4;

  private final ClassicGroups groups;

  JoinGroupApi(ClassicGroups groups) {
    this.groups = groups;
  }

  Future<JoinGroupResponseData> handle(JoinGroupRequestData request, short version, KafkaCaller caller) {
    List<Protocol> protocols = new ArrayList<>();
    for (JoinGroupRequestProtocol protocol : request.protocols()) {
      protocols.add(new Protocol(protocol.name(), protocol.metadata()));
    }
    JoinRequest join = new JoinRequest(request.groupId(), request.memberId(), Optional.ofNullable(request.groupInstanceId()),
        caller.clientId(), caller.clientHost(), request.protocolType(), protocols, request.sessionTimeoutMs(),
        request.rebalanceTimeoutMs(), version >= MEMBER_ID_REQUIRED_FROM);
    return caller.access().group(AclOperation.READ, request.groupId())
        .compose(allowed -> Future.fromCompletionStage(groups.join(join), caller.context())).transform(done -> {
          JoinGroupResponseData response = new JoinGroupResponseData();
          if (done.failed()) {
            Throwable cause = Failures.cause(done.cause());
            String memberId = cause instanceof MemberIdRequiredException required ? required.memberId() : request.memberId();
            LOG.debug("kafka client {}: JoinGroup of group '{}' answered {}", caller, request.groupId(), cause.getMessage());
            return Future.succeededFuture(response.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode())
                .setGenerationId(-1).setProtocolName(version >= 7 ? null : "").setLeader("").setMemberId(memberId));
          }
          ClassicGroups.JoinResult joined = done.result();
          List<JoinGroupResponseMember> members = new ArrayList<>();
          for (JoinedMember member : joined.members()) {
            members.add(new JoinGroupResponseMember().setMemberId(member.memberId())
                .setGroupInstanceId(member.groupInstanceId().orElse(null)).setMetadata(member.metadata()));
          }
          return Future.succeededFuture(response.setGenerationId(joined.generation()).setProtocolType(joined.protocolType())
              .setProtocolName(joined.protocolName()).setLeader(joined.leaderId()).setMemberId(joined.memberId())
              .setSkipAssignment(joined.skipAssignment()).setMembers(members));
        });
  }
}
