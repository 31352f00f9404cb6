package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsFilterResult;

/** DeleteAcls (v1-3): each filter answered SECURITY_DISABLED (see {@link DescribeAclsApi}). */
final class DeleteAclsApi {
  private DeleteAclsApi() {}

  static DeleteAclsResponseData handle(DeleteAclsRequestData request) {
    List<DeleteAclsFilterResult> results = new ArrayList<>();
    request.filters().forEach(filter -> results.add(new DeleteAclsFilterResult()
        .setErrorCode(StreamgateError.SECURITY_DISABLED.kafkaCode()).setErrorMessage(DescribeAclsApi.NOT_ENABLED)));
    return new DeleteAclsResponseData().setFilterResults(results);
  }
}
