package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.metadata.MetadataState;
import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ScramCredential;
import io.streamgate.cluster.security.ScramMechanism;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialDeletion;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialUpsertion;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult;

/**
 * AlterUserScramCredentials (v0): upserts and deletes users' SCRAM credentials in the cluster's
 * metadata log. An upsertion carries the salt, the iteration count and the salted password as the
 * client computed them from the password; the node keeps StoredKey and ServerKey, not the salted
 * password. Needs ALTER on the cluster (else every user is CLUSTER_AUTHORIZATION_FAILED). Checked
 * per user as Kafka does, a user with any bad alteration keeping its credentials as they were:
 * an unknown mechanism is UNSUPPORTED_SASL_MECHANISM; an empty or over-long user name, a reserved
 * one ({@code bootstrap}, {@code ANONYMOUS}), iterations outside 4096-16384, an empty or over-long
 * salt or salted password UNACCEPTABLE_CREDENTIAL; a (user, mechanism) named twice DUPLICATE_RESOURCE;
 * deleting a credential that does not exist RESOURCE_NOT_FOUND. The others are one metadata change,
 * each user's written to the audit log.
 */
final class AlterUserScramCredentialsApi {
  /** Bounds the salt and salted password a client may send (Kafka's clients send 32 or 64 bytes). */
  static final int MAX_BYTES = 256;

  private final AccessControl access;

  AlterUserScramCredentialsApi(AccessControl access) {
    this.access = access;
  }

  /** One user's alterations, or why they are refused. */
  private static final class UserChange {
    final List<ScramCredential> upsertions = new ArrayList<>();
    final List<ScramCredential.Id> deletions = new ArrayList<>();
    final Set<ScramMechanism> named = new HashSet<>();
    StreamgateError error;
    String message;

    void refuse(StreamgateError refusal, String why) {
      if (error == null) {
        error = refusal;
        message = why;
      }
    }
  }

  Future<AlterUserScramCredentialsResponseData> handle(AlterUserScramCredentialsRequestData request, KafkaCaller caller) {
    Map<String, UserChange> users = new LinkedHashMap<>();
    for (ScramCredentialDeletion deletion : request.deletions()) {
      UserChange change = users.computeIfAbsent(deletion.name(), name -> new UserChange());
      mechanism(change, deletion.name(), deletion.mechanism()).ifPresent(mechanism -> {
        if (access.scramCredential(deletion.name(), mechanism).isEmpty()) {
          change.refuse(StreamgateError.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
        }
        change.deletions.add(new ScramCredential.Id(deletion.name(), mechanism));
      });
    }
    for (ScramCredentialUpsertion upsertion : request.upsertions()) {
      UserChange change = users.computeIfAbsent(upsertion.name(), name -> new UserChange());
      mechanism(change, upsertion.name(), upsertion.mechanism()).ifPresent(mechanism -> {
        if (upsertion.iterations() < ScramMechanism.MIN_ITERATIONS || upsertion.iterations() > ScramMechanism.MAX_ITERATIONS) {
          change.refuse(StreamgateError.UNACCEPTABLE_CREDENTIAL, "Iterations " + upsertion.iterations() + " not in the range "
              + ScramMechanism.MIN_ITERATIONS + " to " + ScramMechanism.MAX_ITERATIONS);
        } else if (!within(upsertion.salt()) || !within(upsertion.saltedPassword())) {
          change.refuse(StreamgateError.UNACCEPTABLE_CREDENTIAL, "a salt and a salted password of 1 to " + MAX_BYTES + " bytes");
        } else {
          change.upsertions.add(mechanism.credential(upsertion.name(), upsertion.salt(), upsertion.iterations(),
              upsertion.saltedPassword()));
        }
      });
    }
    Future<Void> allowed = caller.access().cluster(AclOperation.ALTER);
    List<ScramCredential> upsertions = new ArrayList<>();
    List<ScramCredential.Id> deletions = new ArrayList<>();
    List<String> altered = new ArrayList<>();
    users.forEach((user, change) -> {
      if (allowed.failed()) {
        change.error = StreamgateError.CLUSTER_AUTHORIZATION_FAILED;
        change.message = allowed.cause().getMessage();
      } else if (change.error == null) {
        upsertions.addAll(change.upsertions);
        deletions.addAll(change.deletions);
        altered.add(user);
      }
    });
    if (altered.isEmpty()) {
      return Future.succeededFuture(response(users));
    }
    return Future.fromCompletionStage(access.alterScramCredentials(upsertions, deletions), caller.context()).transform(done -> {
      if (done.succeeded()) {
        altered.forEach(user -> caller.access().audit("alter-scram-credentials", "User:" + user));
      } else {
        StreamgateError error = StreamgateError.forException(done.cause());
        altered.forEach(user -> {
          users.get(user).error = error;
          users.get(user).message = Failures.cause(done.cause()).getMessage();
        });
      }
      return Future.succeededFuture(response(users));
    });
  }

  /** The mechanism of Kafka's {@code code}, after the checks every alteration of {@code user} has; empty if refused. */
  private static Optional<ScramMechanism> mechanism(UserChange change, String user, byte code) {
    Optional<ScramMechanism> mechanism = ScramMechanism.forCode(code);
    if (mechanism.isEmpty()) {
      change.refuse(StreamgateError.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism " + code);
    } else if (user.isEmpty() || user.length() > MetadataState.MAX_NAME_LENGTH) {
      change.refuse(StreamgateError.UNACCEPTABLE_CREDENTIAL, "a user name of 1 to " + MetadataState.MAX_NAME_LENGTH
          + " characters");
    } else if (Principal.user(user).equals(Principal.BOOTSTRAP) || Principal.user(user).equals(Principal.ANONYMOUS)) {
      change.refuse(StreamgateError.UNACCEPTABLE_CREDENTIAL, "User:" + user + " is reserved");
    } else if (!change.named.add(mechanism.get())) {
      change.refuse(StreamgateError.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
    }
    return change.error == null ? mechanism : Optional.empty();
  }

  private static boolean within(byte[] bytes) {
    return bytes.length > 0 && bytes.length <= MAX_BYTES;
  }

  private static AlterUserScramCredentialsResponseData response(Map<String, UserChange> users) {
    List<AlterUserScramCredentialsResult> results = new ArrayList<>();
    users.forEach((user, change) -> results.add(new AlterUserScramCredentialsResult().setUser(user)
        .setErrorCode(change.error == null ? 0 : change.error.kafkaCode()).setErrorMessage(change.message)));
    return new AlterUserScramCredentialsResponseData().setResults(results);
  }
}
