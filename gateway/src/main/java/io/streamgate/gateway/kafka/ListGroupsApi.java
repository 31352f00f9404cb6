package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.groups.ClassicGroups.ListedGroup;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ListGroups (v0-5): the groups this node coordinates (a client asks every broker), HTTP-run ones
 * too, filtered by state (v4) and type (v5: every group here is of Kafka's type {@code classic}).
 */
final class ListGroupsApi {
  private static final Logger LOG = LoggerFactory.getLogger(ListGroupsApi.class);
  private static final String GROUP_TYPE = "classic";

  private final ClassicGroups groups;

  ListGroupsApi(ClassicGroups groups) {
    this.groups = groups;
  }

  Future<ListGroupsResponseData> handle(ListGroupsRequestData request, KafkaCaller caller) {
    return Future.fromCompletionStage(groups.list(), caller.context()).transform(done -> {
      ListGroupsResponseData response = new ListGroupsResponseData();
      if (done.failed()) {
        LOG.debug("kafka client {}: ListGroups answered {}", caller, done.cause().getMessage());
        return Future.succeededFuture(response.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode()));
      }
      boolean typeWanted = request.typesFilter().isEmpty()
          || request.typesFilter().stream().anyMatch(GROUP_TYPE::equalsIgnoreCase);
      List<ListGroupsResponseData.ListedGroup> listed = new ArrayList<>();
      // Kafka's rule: who may describe the cluster sees every group, anyone else those it may describe.
      boolean seesAll = caller.access().seesCluster();
      for (ListedGroup group : done.result()) {
        if (!seesAll && !caller.access().seesGroup(group.group())) {
          continue;
        }
        boolean stateWanted = request.statesFilter().isEmpty()
            || request.statesFilter().stream().anyMatch(group.state()::equalsIgnoreCase);
        if (typeWanted && stateWanted) {
          listed.add(new ListGroupsResponseData.ListedGroup().setGroupId(group.group()).setProtocolType(group.protocolType())
              .setGroupState(group.state()).setGroupType(GROUP_TYPE));
        }
      }
      return Future.succeededFuture(response.setGroups(listed));
    });
  }
}
