package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclFilter;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsRequestData.DeleteAclsFilter;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsFilterResult;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsMatchingAcl;

/**
 * DeleteAcls (v1-3): per filter, the cluster's ACLs it matches removed and listed, each written to
 * the audit log; the filters one after the other, so that an ACL two of them match is listed once.
 * Needs ALTER on the cluster (else every filter is CLUSTER_AUTHORIZATION_FAILED); a filter naming
 * what the model does not have ({@link KafkaAcls}) is INVALID_REQUEST.
 */
final class DeleteAclsApi {
  private final AccessControl acls;

  DeleteAclsApi(AccessControl acls) {
    this.acls = acls;
  }

  Future<DeleteAclsResponseData> handle(DeleteAclsRequestData request, KafkaCaller caller) {
    Future<Void> allowed = caller.access().cluster(AclOperation.ALTER);
    List<DeleteAclsFilterResult> results = new ArrayList<>();
    Future<Void> previous = Future.succeededFuture();
    for (DeleteAclsFilter wanted : request.filters()) {
      DeleteAclsFilterResult result = new DeleteAclsFilterResult();
      results.add(result);
      if (allowed.failed()) {
        result.setErrorCode(StreamgateError.CLUSTER_AUTHORIZATION_FAILED.kafkaCode()).setErrorMessage(allowed.cause().getMessage());
        continue;
      }
      AclFilter filter;
      try {
        filter = KafkaAcls.filter(wanted.resourceTypeFilter(), wanted.resourceNameFilter(), wanted.patternTypeFilter(),
            wanted.principalFilter(), wanted.hostFilter(), wanted.operation(), wanted.permissionType());
      } catch (KafkaAcls.InvalidAclException invalid) {
        result.setErrorCode(StreamgateError.INVALID_REQUEST.kafkaCode()).setErrorMessage(invalid.getMessage());
        continue;
      }
      previous = previous.compose(done -> Future.fromCompletionStage(acls.deleteAcls(filter), caller.context()).transform(deleted -> {
        if (deleted.failed()) {
          result.setErrorCode(StreamgateError.forException(deleted.cause()).kafkaCode())
              .setErrorMessage(Failures.cause(deleted.cause()).getMessage());
        } else {
          for (AclBinding acl : deleted.result()) {
            caller.access().audit("delete-acl", acl.toString());
            result.matchingAcls().add(matching(acl));
          }
        }
        return Future.<Void>succeededFuture();
      }));
    }
    return previous.map(done -> new DeleteAclsResponseData().setFilterResults(results));
  }

  private static DeleteAclsMatchingAcl matching(AclBinding acl) {
    return new DeleteAclsMatchingAcl().setResourceType(KafkaAcls.code(acl.resourceType())).setResourceName(acl.resourceName())
        .setPatternType(KafkaAcls.code(acl.patternType())).setPrincipal(acl.principal()).setHost(acl.host())
        .setOperation(KafkaAcls.code(acl.operation())).setPermissionType(KafkaAcls.code(acl.permission()));
  }
}
