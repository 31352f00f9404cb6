package io.streamgate.gateway.kafka;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.ScramCredential;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData.UserName;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.CredentialInfo;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult;

/**
 * DescribeUserScramCredentials (v0): each user's SCRAM mechanisms and iteration counts (never a salt
 * or key), from this node's committed copy; no users named (or an empty list) is every user. Needs
 * DESCRIBE on the cluster (else CLUSTER_AUTHORIZATION_FAILED for the request). A named user without
 * credentials is RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE, as Kafka answers.
 */
final class DescribeUserScramCredentialsApi {
  private final AccessControl access;

  DescribeUserScramCredentialsApi(AccessControl access) {
    this.access = access;
  }

  DescribeUserScramCredentialsResponseData handle(DescribeUserScramCredentialsRequestData request, KafkaCaller caller) {
    DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData();
    if (!caller.access().mayCluster(AclOperation.DESCRIBE)) {
      return response.setErrorCode(StreamgateError.CLUSTER_AUTHORIZATION_FAILED.kafkaCode())
          .setErrorMessage("not authorized to DESCRIBE the cluster");
    }
    List<ScramCredential> credentials = access.scramCredentials().stream()
        .sorted(Comparator.comparing(ScramCredential::user).thenComparing(ScramCredential::mechanism)).toList();
    List<String> users = new ArrayList<>();
    Set<String> duplicates = new HashSet<>();
    if (request.users() == null || request.users().isEmpty()) {
      credentials.stream().map(ScramCredential::user).distinct().forEach(users::add);
    } else {
      Set<String> seen = new TreeSet<>();
      for (UserName user : request.users()) {
        if (!seen.add(user.name())) {
          duplicates.add(user.name());
        } else {
          users.add(user.name());
        }
      }
    }
    for (String user : users) {
      DescribeUserScramCredentialsResult result = new DescribeUserScramCredentialsResult().setUser(user);
      response.results().add(result);
      if (duplicates.contains(user)) {
        result.setErrorCode(StreamgateError.DUPLICATE_RESOURCE.kafkaCode()).setErrorMessage("Cannot describe SCRAM credentials "
            + "for the same user twice in a single request: " + user);
        continue;
      }
      credentials.stream().filter(credential -> credential.user().equals(user)).forEach(credential -> result.credentialInfos()
          .add(new CredentialInfo().setMechanism(credential.mechanism().code()).setIterations(credential.iterations())));
      if (result.credentialInfos().isEmpty()) {
        result.setErrorCode(StreamgateError.RESOURCE_NOT_FOUND.kafkaCode()).setErrorMessage("Attempt to describe nonexistent "
            + "user credentials: " + user);
      }
    }
    return response;
  }
}
