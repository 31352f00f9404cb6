package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;

/**
 * DeleteGroups (v0-2): each group with its committed offsets; NON_EMPTY_GROUP while it has members,
 * GROUP_ID_NOT_FOUND for one that does not exist.
 */
final class DeleteGroupsApi {
  private final GroupService groups;

  DeleteGroupsApi(GroupService groups) {
    this.groups = groups;
  }

  Future<DeleteGroupsResponseData> handle(DeleteGroupsRequestData request, KafkaCaller caller) {
    DeletableGroupResultCollection results = new DeletableGroupResultCollection();
    List<Future<?>> deletions = new ArrayList<>();
    for (String group : request.groupsNames()) {
      DeletableGroupResult result = new DeletableGroupResult().setGroupId(group);
      results.add(result);
      deletions.add(caller.access().group(AclOperation.DELETE, group)
          .compose(allowed -> Future.fromCompletionStage(groups.delete(group), caller.context())).andThen(done -> {
            if (done.failed()) {
              result.setErrorCode(StreamgateError.forException(done.cause()).kafkaCode());
            }
          }));
    }
    return Future.join(deletions).transform(done -> Future.succeededFuture(new DeleteGroupsResponseData().setResults(results)));
  }
}
