package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsRequestData.AclCreation;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;

/**
 * CreateAcls (v1-3): the ACLs added to the cluster's, the same the REST admin API manages, whether
 * or not authentication is on (with it off they are kept, not enforced). Needs ALTER on the cluster
 * (else every ACL is CLUSTER_AUTHORIZATION_FAILED). An ACL the model cannot hold ({@link KafkaAcls})
 * is INVALID_REQUEST with why; the others are added together, each written to the audit log.
 */
final class CreateAclsApi {
  private final AccessControl acls;

  CreateAclsApi(AccessControl acls) {
    this.acls = acls;
  }

  Future<CreateAclsResponseData> handle(CreateAclsRequestData request, KafkaCaller caller) {
    List<AclCreationResult> results = new ArrayList<>();
    Future<Void> allowed = caller.access().cluster(AclOperation.ALTER);
    List<AclBinding> added = new ArrayList<>();
    List<AclCreationResult> addedResults = new ArrayList<>();
    for (AclCreation creation : request.creations()) {
      AclCreationResult result = new AclCreationResult();
      results.add(result);
      if (allowed.failed()) {
        result.setErrorCode(StreamgateError.CLUSTER_AUTHORIZATION_FAILED.kafkaCode()).setErrorMessage(allowed.cause().getMessage());
        continue;
      }
      try {
        added.add(KafkaAcls.binding(creation.resourceType(), creation.resourceName(), creation.resourcePatternType(),
            creation.principal(), creation.host(), creation.operation(), creation.permissionType()));
        addedResults.add(result);
      } catch (KafkaAcls.InvalidAclException invalid) {
        result.setErrorCode(StreamgateError.INVALID_REQUEST.kafkaCode()).setErrorMessage(invalid.getMessage());
      }
    }
    if (added.isEmpty()) {
      return Future.succeededFuture(new CreateAclsResponseData().setResults(results));
    }
    return Future.fromCompletionStage(acls.createAcls(added), caller.context()).transform(done -> {
      if (done.succeeded()) {
        added.forEach(acl -> caller.access().audit("create-acl", acl.toString()));
      } else {
        StreamgateError error = StreamgateError.forException(done.cause());
        addedResults.forEach(result -> result.setErrorCode(error.kafkaCode()).setErrorMessage(Failures.cause(done.cause()).getMessage()));
      }
      return Future.succeededFuture(new CreateAclsResponseData().setResults(results));
    });
  }
}
