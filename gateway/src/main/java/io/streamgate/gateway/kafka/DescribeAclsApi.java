package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import org.apache.kafka.common.message.DescribeAclsResponseData;

/**
 * DescribeAcls (v1-3): SECURITY_DISABLED, as a Kafka broker without an authorizer answers. MirrorMaker
 * 2 reads that answer as "no ACLs to copy" and carries on; any other answer stops its ACL sync.
 */
final class DescribeAclsApi {
  /** Every ACL call's answer: there is no authorization (no SASL, no principals) to manage. */
  static final String NOT_ENABLED = "authorization is not enabled";

  private DescribeAclsApi() {}

  static DescribeAclsResponseData handle() {
    return new DescribeAclsResponseData().setErrorCode(StreamgateError.SECURITY_DISABLED.kafkaCode()).setErrorMessage(NOT_ENABLED);
  }
}
