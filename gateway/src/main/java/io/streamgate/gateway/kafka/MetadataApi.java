package io.streamgate.gateway.kafka;

import io.streamgate.cluster.PartitionService;
import io.streamgate.cluster.PartitionState;
import io.streamgate.cluster.TopicConfigs;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.TopicNames;
import io.streamgate.cluster.TopicSpec;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.AclOperation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBrokerCollection;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopicCollection;

/**
 * Metadata: every live node as a broker at its own Kafka address, and per partition its leader (none,
 * LEADER_NOT_AVAILABLE, while the leader is not a live node), leader epoch, replicas, ISR and offline replicas, from
 * this node's view of the metadata. A topic
 * asked for by name that does not exist is created with the node's defaults when the node
 * auto-creates topics ({@code auto-create-topics}) and the client allows it; the answer then waits
 * for it. Each topic is answered with its id (v10+); a topic asked for by id (v12+, no name) is
 * described if a live topic has that id, else UNKNOWN_TOPIC_ID (an id of a deleted topic too, even
 * if its name lives again: that is another topic). As in Kafka, a listing of every
 * topic shows only those the principal may DESCRIBE; a topic asked for by name that it may not
 * describe, or may not create (CREATE on the cluster or the topic) when it would be created, is
 * TOPIC_AUTHORIZATION_FAILED whether or not it exists.
 */
final class MetadataApi {
  private final PartitionService service;
  private final KafkaBrokers brokers;
  private final boolean autoCreate;
  private final int defaultPartitions;

  MetadataApi(PartitionService service, KafkaBrokers brokers, boolean autoCreate, int defaultPartitions) {
    this.service = service;
    this.brokers = brokers;
    this.autoCreate = autoCreate;
    this.defaultPartitions = defaultPartitions;
  }

  /** A topic to answer: described, unless {@code error} says why not; {@code id} the one it was asked by, if it was. */
  private record Asked(String name, Uuid id, StreamgateError error) {
    Asked(String name, StreamgateError error) {
      this(name, Uuid.ZERO_UUID, error);
    }
  }

  Future<MetadataResponseData> handle(MetadataRequestData request, KafkaCaller caller) {
    Future<List<Future<Asked>>> topics;
    if (request.topics() == null) {
      topics = Future.fromCompletionStage(service.listTopics(), caller.context())
          .map(all -> all.stream().filter(topic -> caller.access().seesTopic(topic.name()))
              .map(topic -> Future.succeededFuture(new Asked(topic.name(), null))).toList());
    } else {
      topics = Future.succeededFuture(request.topics().stream()
          .map(topic -> topic.name() == null && !Uuid.ZERO_UUID.equals(topic.topicId()) ? byId(topic.topicId(), caller)
              : resolve(topic.name(), request.allowAutoTopicCreation(), caller))
          .toList());
    }
    return topics.compose(pending -> Future.join(pending).transform(done -> {
      KafkaBrokers.View cluster = brokers.view();
      MetadataResponseTopicCollection answered = new MetadataResponseTopicCollection();
      for (Future<Asked> topic : pending) {
        Asked asked = topic.result();
        answered.add(asked.error() == null ? describe(asked.name(), cluster)
            : failed(asked.name(), asked.error()).setTopicId(asked.id()));
      }
      return Future.succeededFuture(new MetadataResponseData()
          .setBrokers(brokerList(cluster))
          .setClusterId(KafkaBrokers.CLUSTER_ID)
          .setControllerId(cluster.controllerId())
          .setTopics(answered));
    }));
  }

  private static MetadataResponseBrokerCollection brokerList(KafkaBrokers.View cluster) {
    MetadataResponseBrokerCollection list = new MetadataResponseBrokerCollection();
    for (KafkaBrokers.Broker broker : cluster.live()) {
      list.add(new MetadataResponseBroker().setNodeId(broker.id()).setHost(broker.host()).setPort(broker.port())
          .setRack(broker.rack()));
    }
    return list;
  }

  /** The live topic with id {@code id}, never created: an id names one incarnation, which no creation brings back. */
  private Future<Asked> byId(Uuid id, KafkaCaller caller) {
    Optional<String> name = KafkaTopicIds.topicId(id).flatMap(service::cachedTopicName);
    if (name.isEmpty()) {
      return Future.succeededFuture(new Asked(null, id, StreamgateError.UNKNOWN_TOPIC_ID));
    }
    // Refused by id, as Kafka does, without the name: the id must not tell a caller which topic it is.
    return Future.succeededFuture(caller.access().mayTopic(AclOperation.DESCRIBE, name.get()) ? new Asked(name.get(), null)
        : new Asked(null, id, StreamgateError.TOPIC_ACCESS_DENIED));
  }

  /** The topic, created first if missing and allowed; never a failed future (a failure is the topic's error). */
  private Future<Asked> resolve(String name, boolean clientAllowsCreation, KafkaCaller caller) {
    if (name == null) {
      return Future.succeededFuture(new Asked(null, StreamgateError.INVALID_REQUEST));
    }
    if (!caller.access().mayTopic(AclOperation.DESCRIBE, name)) {
      return Future.succeededFuture(new Asked(name, StreamgateError.TOPIC_ACCESS_DENIED));
    }
    if (service.cachedPartitions(name).isPresent() || !autoCreate || !clientAllowsCreation || TopicNames.isInternal(name)) {
      return Future.succeededFuture(new Asked(name, null));
    }
    if (!caller.access().mayCreateTopic(name)) {
      return Future.succeededFuture(new Asked(name, StreamgateError.TOPIC_ACCESS_DENIED));
    }
    TopicSpec spec = new TopicSpec(name, defaultPartitions, 1,
        Map.of(TopicConfigs.VALUE_FORMAT, TopicConfigs.ValueFormat.STRING.configName()));
    return Future.fromCompletionStage(service.createTopic(spec), caller.context()).transform(created -> {
      StreamgateError error = created.failed() ? StreamgateError.forException(created.cause()) : null;
      // Created meanwhile by another client: described as it is.
      return Future.succeededFuture(new Asked(name, error == StreamgateError.TOPIC_ALREADY_EXISTS ? null : error));
    });
  }

  private MetadataResponseTopic describe(String name, KafkaBrokers.View cluster) {
    // The id first: should the topic be deleted and created again in between, the client holds the
    // old id, is answered UNKNOWN_TOPIC_ID when it uses it, and asks again.
    Optional<TopicId> id = service.cachedTopicId(name);
    List<PartitionState> partitions = service.cachedPartitions(name).orElse(null);
    if (partitions == null || id.isEmpty()) {
      return failed(name, StreamgateError.UNKNOWN_TOPIC_OR_PARTITION);
    }
    List<MetadataResponsePartition> answered = new ArrayList<>();
    for (int p = 0; p < partitions.size(); p++) {
      PartitionState state = partitions.get(p);
      // A leader that has left the live nodes (its successor not named yet) is no leader, as in Kafka's answer for a
      // leader without a live endpoint: a client sent to an id without an address waits for it until it gives up.
      boolean led = state.hasLeader() && cluster.aliveNodes().contains(state.leader());
      answered.add(new MetadataResponsePartition()
          .setPartitionIndex(p)
          .setErrorCode(led ? 0 : StreamgateError.LEADER_NOT_AVAILABLE.kafkaCode())
          .setLeaderId(led ? KafkaBrokers.brokerId(state.leader()) : KafkaBrokers.NO_NODE)
          .setLeaderEpoch(state.leaderEpoch())
          .setReplicaNodes(ids(state.replicas()))
          .setIsrNodes(ids(state.isr()))
          .setOfflineReplicas(ids(state.replicas().stream().filter(node -> !cluster.aliveNodes().contains(node)).toList())));
    }
    return new MetadataResponseTopic().setName(name).setTopicId(KafkaTopicIds.uuid(id.get()))
        .setIsInternal(TopicNames.isInternal(name)).setPartitions(answered);
  }

  private static MetadataResponseTopic failed(String name, StreamgateError error) {
    return new MetadataResponseTopic().setName(name).setErrorCode(error.kafkaCode());
  }

  private static List<Integer> ids(List<String> nodes) {
    return nodes.stream().map(KafkaBrokers::brokerId).toList();
  }
}
