package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclFilter;
import io.streamgate.cluster.security.AclOperation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsResponseData.AclDescription;
import org.apache.kafka.common.message.DescribeAclsResponseData.DescribeAclsResource;

/**
 * DescribeAcls (v1-3): the cluster's ACLs the filter matches, from this node's committed copy,
 * grouped by resource pattern as Kafka answers. Served with authentication off too (MirrorMaker 2
 * copies the source's topic ACLs it finds; none is none). Needs DESCRIBE on the cluster (else
 * CLUSTER_AUTHORIZATION_FAILED); a filter naming what the model does not have ({@link KafkaAcls})
 * is INVALID_REQUEST.
 */
final class DescribeAclsApi {
  private final AccessControl acls;

  DescribeAclsApi(AccessControl acls) {
    this.acls = acls;
  }

  DescribeAclsResponseData handle(DescribeAclsRequestData request, KafkaCaller caller) {
    DescribeAclsResponseData response = new DescribeAclsResponseData();
    if (!caller.access().mayCluster(AclOperation.DESCRIBE)) {
      return response.setErrorCode(StreamgateError.CLUSTER_AUTHORIZATION_FAILED.kafkaCode())
          .setErrorMessage("not authorized to DESCRIBE the cluster");
    }
    AclFilter filter;
    try {
      filter = KafkaAcls.filter(request.resourceTypeFilter(), request.resourceNameFilter(), request.patternTypeFilter(),
          request.principalFilter(), request.hostFilter(), request.operation(), request.permissionType());
    } catch (KafkaAcls.InvalidAclException invalid) {
      return response.setErrorCode(StreamgateError.INVALID_REQUEST.kafkaCode()).setErrorMessage(invalid.getMessage());
    }
    Map<List<Object>, DescribeAclsResource> resources = new LinkedHashMap<>();
    for (AclBinding acl : acls.acls()) {
      if (!filter.matches(acl)) {
        continue;
      }
      resources.computeIfAbsent(List.of(acl.resourceType(), acl.resourceName(), acl.patternType()),
          pattern -> new DescribeAclsResource().setResourceType(KafkaAcls.code(acl.resourceType())).setResourceName(acl.resourceName())
              .setPatternType(KafkaAcls.code(acl.patternType())).setAcls(new ArrayList<>()))
          .acls().add(new AclDescription().setPrincipal(acl.principal()).setHost(acl.host())
              .setOperation(KafkaAcls.code(acl.operation())).setPermissionType(KafkaAcls.code(acl.permission())));
    }
    return response.setResources(new ArrayList<>(resources.values()));
  }
}
