package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;

/** CreateAcls (v1-3): each ACL answered SECURITY_DISABLED (see {@link DescribeAclsApi}); nothing is kept. */
final class CreateAclsApi {
  private CreateAclsApi() {}

  static CreateAclsResponseData handle(CreateAclsRequestData request) {
    List<AclCreationResult> results = new ArrayList<>();
    request.creations().forEach(creation -> results.add(new AclCreationResult()
        .setErrorCode(StreamgateError.SECURITY_DISABLED.kafkaCode()).setErrorMessage(DescribeAclsApi.NOT_ENABLED)));
    return new CreateAclsResponseData().setResults(results);
  }
}
