package io.streamgate.gateway.kafka;

import io.streamgate.cluster.Failures;
import io.streamgate.cluster.PartitionMoves;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.logstore.InvalidConfigException;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.BiConsumer;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;

/**
 * The broker configs Kafka's {@code kafka-reassign-partitions} sets and clears around a move
 * (IncrementalAlterConfigs on a BROKER resource): {@code leader.replication.throttled.rate} and
 * {@code follower.replication.throttled.rate} set the cluster's one replication throttle ({@link
 * PartitionMoves#throttle}), whichever broker they name, DELETE lifts it; a DELETE of {@code
 * replica.alter.log.dirs.io.max.bytes.per.second} changes nothing (there are no log dir moves), a
 * SET of it is INVALID_CONFIG. Any other broker key is INVALID_REQUEST: broker configs are the
 * node's settings. Needs ALTER_CONFIGS on the cluster, as Kafka asks for broker configs.
 */
final class BrokerThrottleConfigs {
  static final String LEADER_RATE = "leader.replication.throttled.rate";
  static final String FOLLOWER_RATE = "follower.replication.throttled.rate";
  static final String LOG_DIRS_RATE = "replica.alter.log.dirs.io.max.bytes.per.second";
  /** Kafka's operations ({@code AlterConfigOp.OpType}). */
  private static final byte SET = 0;
  private static final byte DELETE = 1;

  private final PartitionMoves moves;

  BrokerThrottleConfigs(PartitionMoves moves) {
    this.moves = moves;
  }

  /** Applies the operations on one broker; never a failed future: a refusal goes to {@code refusal}. */
  Future<?> apply(Collection<AlterableConfig> configs, boolean validateOnly, KafkaCaller caller, BiConsumer<Short, String> refusal) {
    for (AlterableConfig config : configs) {
      if (!List.of(LEADER_RATE, FOLLOWER_RATE, LOG_DIRS_RATE).contains(config.name())) {
        refusal.accept(StreamgateError.INVALID_REQUEST.kafkaCode(), "broker configs are node settings (" + config.name() + "): set"
            + " it in the node's configuration (docs/configuration.md); only the replication throttles are set over Kafka");
        return Future.succeededFuture();
      }
    }
    Future<Void> allowed = caller.access().cluster(AclOperation.ALTER_CONFIGS);
    Future<?> change;
    try {
      OptionalLong rate = rate(configs);
      change = allowed.failed() ? allowed : validateOnly || rate.isEmpty() ? Future.succeededFuture()
          : Future.fromCompletionStage(moves.setThrottle(rate.getAsLong()), caller.context());
    } catch (RuntimeException e) {
      change = Future.failedFuture(e);
    }
    return change.recover(failure -> {
      refusal.accept(StreamgateError.forException(failure).kafkaCode(), Failures.cause(failure).getMessage());
      return Future.succeededFuture();
    });
  }

  /** The throttle the operations set (0 for a DELETE), if they touch it. */
  private static OptionalLong rate(Collection<AlterableConfig> configs) {
    OptionalLong rate = OptionalLong.empty();
    for (AlterableConfig config : configs) {
      String name = config.name();
      boolean set = config.configOperation() == SET;
      if (name.equals(LEADER_RATE) || name.equals(FOLLOWER_RATE)) {
        if (set) {
          rate = OptionalLong.of(parseRate(name, config.value()));
        } else if (config.configOperation() == DELETE) {
          rate = OptionalLong.of(0);
        } else {
          throw new InvalidConfigException(name + " takes SET and DELETE only");
        }
      } else if (set) { // LOG_DIRS_RATE: a DELETE changes nothing
        throw new InvalidConfigException(name + ": a node has one data dir, so replicas never move between log dirs");
      }
    }
    return rate;
  }

  private static long parseRate(String name, String value) {
    try {
      long rate = Long.parseLong(value == null ? "" : value.trim());
      if (rate >= 0) {
        return rate;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new InvalidConfigException(name + " must be a whole number of bytes per second, at least 0; was '" + value + "'");
  }
}
