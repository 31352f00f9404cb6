package io.streamgate.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamgate.cluster.TopicConfigs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigType;
import org.apache.kafka.clients.admin.CreatePartitionsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Kafka's config and partition admin APIs with the real 4.4.0 {@link Admin} (and raw frames for
 * what it cannot send: AlterConfigs, gone from the 4.x client, a configuration keys filter, replica
 * assignments): what a topic's configs are and where they come from, changing them, growing a topic,
 * and the ACL calls a node without authorization answers.
 */
class KafkaAdminConfigsTest extends KafkaNodeTest {
  private static final long WAIT_S = 30;

  KafkaAdminConfigsTest() {
    super(Map.of("default-partitions", "4", "auto-create-topics", "false"));
  }

  @Test
  void describeShowsTheConfigsSetAtCreationAsTopicConfigsAndEveryOtherKeyAsItsDefault() throws Exception {
    String topic = unique("described");
    try (Admin admin = admin()) {
      CreateTopicsResult created = admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1)
          .configs(Map.of("retention.ms", "3600000", "max.message.bytes", "200000"))));
      created.all().get(WAIT_S, TimeUnit.SECONDS);

      Config config = describe(admin, topic);
      // CreateTopics (v5+) answers the same values from the same sources.
      assertThat(created.config(topic).get(WAIT_S, TimeUnit.SECONDS).entries()).allSatisfy(entry -> assertThat(
          entry.value() + "/" + entry.source()).as(entry.name())
          .isEqualTo(config.get(entry.name()).value() + "/" + config.get(entry.name()).source()));

      assertEntry(config.get("retention.ms"), "3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG, false, ConfigType.LONG);
      assertEntry(config.get("max.message.bytes"), "200000", ConfigSource.DYNAMIC_TOPIC_CONFIG, false, ConfigType.INT);
      // CreateTopics gives a Kafka client's topic value.format=string: set on the topic.
      assertEntry(config.get("value.format"), "string", ConfigSource.DYNAMIC_TOPIC_CONFIG, false, ConfigType.STRING);
      assertEntry(config.get("segment.bytes"), "1073741824", ConfigSource.DEFAULT_CONFIG, false, ConfigType.INT);
      assertEntry(config.get("cleanup.policy"), "delete", ConfigSource.DEFAULT_CONFIG, false, ConfigType.LIST);
      assertEntry(config.get("unclean.leader.election.enable"), "false", ConfigSource.DEFAULT_CONFIG, false, ConfigType.BOOLEAN);
      assertEntry(config.get("compression.type"), "producer", ConfigSource.DEFAULT_CONFIG, true, ConfigType.STRING);
      assertEntry(config.get("message.timestamp.type"), "CreateTime", ConfigSource.DEFAULT_CONFIG, true, ConfigType.STRING);
      assertThat(config.get("max.record.bytes")).as("shown under Kafka's name only").isNull();
      // Every Streamgate topic key, under its Kafka name, plus the two built-in keys; nothing else.
      List<String> expected = new ArrayList<>();
      TopicConfigs.keys().forEach(key -> expected.add(KafkaTopicConfigs.toKafka(key)));
      expected.addAll(List.of("compression.type", "message.timestamp.type"));
      assertThat(config.entries()).extracting(ConfigEntry::name).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(config.entries()).allSatisfy(entry -> assertThat(entry.isSensitive()).isFalse());

      Config withSynonyms = admin.describeConfigs(List.of(topicResource(topic)), new DescribeConfigsOptions().includeSynonyms(true))
          .all().get(WAIT_S, TimeUnit.SECONDS).get(topicResource(topic));
      assertThat(withSynonyms.get("retention.ms").synonyms()).extracting(s -> s.value() + "/" + s.source())
          .containsExactly("3600000/DYNAMIC_TOPIC_CONFIG", "604800000/DEFAULT_CONFIG");
      assertThat(withSynonyms.get("segment.bytes").synonyms()).extracting(s -> s.value() + "/" + s.source())
          .containsExactly("1073741824/DEFAULT_CONFIG");

      assertThatThrownBy(() -> describe(admin, unique("missing"))).hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
    }
  }

  @Test
  void incrementalAlterSetsAndDeletesKeysAndDescribeAndHttpShowTheResult() throws Exception {
    String topic = unique("altered");
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("max.message.bytes", "200000"))))
          .all().get(WAIT_S, TimeUnit.SECONDS);

      alter(admin, topic, false, op("retention.ms", "7200000", AlterConfigOp.OpType.SET),
          op("max.message.bytes", null, AlterConfigOp.OpType.DELETE), op("compression.type", "producer", AlterConfigOp.OpType.SET));

      Config config = describe(admin, topic);
      assertEntry(config.get("retention.ms"), "7200000", ConfigSource.DYNAMIC_TOPIC_CONFIG, false, ConfigType.LONG);
      assertEntry(config.get("max.message.bytes"), "1048576", ConfigSource.DEFAULT_CONFIG, false, ConfigType.INT);
      JsonNode http = http("GET", "/v1/topics/" + topic, null, 200).get("config");
      assertThat(http.get("retention.ms").asText()).isEqualTo("7200000");
      assertThat(http.get("max.record.bytes").asText()).isEqualTo("1048576");

      // Bad keys and values are INVALID_CONFIG with a message, and change nothing.
      assertThatThrownBy(() -> alter(admin, topic, false, op("retention.ms", "soon", AlterConfigOp.OpType.SET)))
          .hasCauseInstanceOf(InvalidConfigurationException.class).hasMessageContaining("retention.ms");
      assertThatThrownBy(() -> alter(admin, topic, false, op("no.such.key", "1", AlterConfigOp.OpType.SET)))
          .hasCauseInstanceOf(InvalidConfigurationException.class).hasMessageContaining("unknown topic config key 'no.such.key'")
          .hasMessageNotContaining("io.streamgate");
      assertThatThrownBy(() -> alter(admin, topic, false, op("compression.type", "gzip", AlterConfigOp.OpType.SET)))
          .hasCauseInstanceOf(InvalidConfigurationException.class).hasMessageContaining("compression.type can only be producer");
      assertThatThrownBy(() -> alter(admin, topic, false, op("retention.ms", "1", AlterConfigOp.OpType.APPEND)))
          .hasCauseInstanceOf(InvalidConfigurationException.class).hasMessageContaining("not a list");
      assertThatThrownBy(() -> alter(admin, topic, false, op("retention.ms", "1", AlterConfigOp.OpType.SET),
          op("retention.ms", null, AlterConfigOp.OpType.DELETE)))
          .hasCauseInstanceOf(InvalidRequestException.class).hasMessageContaining("more than once");
      assertThat(describe(admin, topic).get("retention.ms").value()).isEqualTo("7200000");

      // A key Streamgate does not have is at its default already: DELETE changes nothing and is no error (as
      // Kafka), so MirrorMaker 2, which DELETEs every key at its default on the source, can sync a topic.
      Config before = describe(admin, topic);
      alter(admin, topic, false, op("segment.index.bytes", null, AlterConfigOp.OpType.DELETE),
          op("retention.bytes", null, AlterConfigOp.OpType.DELETE));
      assertThat(describe(admin, topic).entries()).containsExactlyInAnyOrderElementsOf(before.entries());

      // Brokers' configs are the node's settings.
      ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, brokerId(admin));
      assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(broker, List.of(op("num.partitions", "9",
          AlterConfigOp.OpType.SET)))).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(InvalidRequestException.class).hasMessageContaining("node settings");
    }
  }

  /**
   * A node alone can only reorder a partition's one replica; the refusals, the listing and the
   * throttle configs kafka-reassign-partitions sends are what reach the cluster's moves.
   */
  @Test
  void reassignmentsAndTheReplicationThrottleThroughTheAdminClient() throws Exception {
    String topic = unique("moved");
    TopicPartition tp = new TopicPartition(topic, 0);
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(WAIT_S, TimeUnit.SECONDS);
      int self = Integer.parseInt(brokerId(admin));
      assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(
          List.of(self + 1))))).all().get(WAIT_S, TimeUnit.SECONDS)).hasCauseInstanceOf(InvalidReplicaAssignmentException.class)
          .hasMessageContaining("no broker " + (self + 1));
      assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(NoReassignmentInProgressException.class);
      assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(new TopicPartition(unique("none"), 0),
          Optional.of(new NewPartitionReassignment(List.of(self))))).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
      admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(self))))).all()
          .get(WAIT_S, TimeUnit.SECONDS);
      assertThat(admin.listPartitionReassignments().reassignments().get(WAIT_S, TimeUnit.SECONDS)).as("a reorder moves nothing")
          .isEmpty();

      // What kafka-reassign-partitions --throttle sets, and --verify clears.
      ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, brokerId(admin));
      admin.incrementalAlterConfigs(Map.of(broker, List.of(op("leader.replication.throttled.rate", "5000", AlterConfigOp.OpType.SET),
          op("follower.replication.throttled.rate", "5000", AlterConfigOp.OpType.SET)),
          new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(op("leader.replication.throttled.replicas", "0:" + self,
              AlterConfigOp.OpType.SET))))
          .all().get(WAIT_S, TimeUnit.SECONDS);
      assertThat(http("GET", "/v1/cluster/replication-throttle", null, 200).get("bytesPerSecond").asLong()).isEqualTo(5000);
      assertThat(describe(admin, topic).get("leader.replication.throttled.replicas")).as("taken, not kept").isNull();
      assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(broker, List.of(op("replica.alter.log.dirs.io.max.bytes.per.second",
          "1", AlterConfigOp.OpType.SET)))).all().get(WAIT_S, TimeUnit.SECONDS)).hasCauseInstanceOf(InvalidConfigurationException.class);
      admin.incrementalAlterConfigs(Map.of(broker, List.of(op("leader.replication.throttled.rate", null, AlterConfigOp.OpType.DELETE),
          op("replica.alter.log.dirs.io.max.bytes.per.second", null, AlterConfigOp.OpType.DELETE)))).all()
          .get(WAIT_S, TimeUnit.SECONDS);
      assertThat(http("GET", "/v1/cluster/replication-throttle", null, 200).get("bytesPerSecond").asLong()).isZero();
      assertThat(admin.describeReplicaLogDirs(List.of(new TopicPartitionReplica(topic, 0, self))).all().get(WAIT_S, TimeUnit.SECONDS)
          .get(new TopicPartitionReplica(topic, 0, self)).getCurrentReplicaLogDir()).as("the node's one log dir").isNotNull();
    }
  }

  @Test
  void appendAndSubtractEditCleanupPolicysListButNeverEmptyIt() throws Exception {
    String topic = unique("policy");
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(WAIT_S, TimeUnit.SECONDS);
      alter(admin, topic, false, op("cleanup.policy", "compact", AlterConfigOp.OpType.SET));

      // Appending what the list holds already changes nothing, and is no error.
      alter(admin, topic, false, op("cleanup.policy", "compact", AlterConfigOp.OpType.APPEND));
      assertEntry(describe(admin, topic).get("cleanup.policy"), "compact", ConfigSource.DYNAMIC_TOPIC_CONFIG, false, ConfigType.LIST);

      // APPEND makes the list of both (what Kafka Streams asks for windowed changelogs); SUBTRACT takes one off.
      alter(admin, topic, false, op("cleanup.policy", "delete", AlterConfigOp.OpType.APPEND));
      assertEntry(describe(admin, topic).get("cleanup.policy"), "compact,delete", ConfigSource.DYNAMIC_TOPIC_CONFIG, false,
          ConfigType.LIST);
      assertThat(http("GET", "/v1/topics/" + topic, null, 200).get("config").get("cleanup.policy").asText())
          .isEqualTo("compact,delete");
      alter(admin, topic, false, op("cleanup.policy", "delete", AlterConfigOp.OpType.SUBTRACT));

      // The list is never empty.
      assertThatThrownBy(() -> alter(admin, topic, false, op("cleanup.policy", "compact", AlterConfigOp.OpType.SUBTRACT)))
          .hasCauseInstanceOf(InvalidConfigurationException.class).hasMessageContaining("cleanup.policy");
      assertThat(describe(admin, topic).get("cleanup.policy").value()).isEqualTo("compact");

      // DELETE returns it to the default.
      alter(admin, topic, false, op("cleanup.policy", null, AlterConfigOp.OpType.DELETE));
      assertEntry(describe(admin, topic).get("cleanup.policy"), "delete", ConfigSource.DEFAULT_CONFIG, false, ConfigType.LIST);
      assertThat(http("GET", "/v1/topics/" + topic, null, 200).get("config").get("cleanup.policy").asText()).isEqualTo("delete");
    }
  }

  @Test
  void validateOnlyChecksChangesWithoutMakingThem() throws Exception {
    String topic = unique("validated");
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(WAIT_S, TimeUnit.SECONDS);

      alter(admin, topic, true, op("retention.ms", "1000", AlterConfigOp.OpType.SET));
      assertThatThrownBy(() -> alter(admin, topic, true, op("retention.ms", "soon", AlterConfigOp.OpType.SET)))
          .hasCauseInstanceOf(InvalidConfigurationException.class);
      admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5)), new CreatePartitionsOptions().validateOnly(true))
          .all().get(WAIT_S, TimeUnit.SECONDS);
      assertThatThrownBy(() -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2)),
          new CreatePartitionsOptions().validateOnly(true)).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(InvalidPartitionsException.class);

      assertEntry(describe(admin, topic).get("retention.ms"), "604800000", ConfigSource.DEFAULT_CONFIG, false, ConfigType.LONG);
      assertThat(partitionCount(admin, topic)).isEqualTo(3);
      assertThat(http("GET", "/v1/topics/" + topic, null, 200).get("partitions").size()).isEqualTo(3);
    }
  }

  @Test
  void createPartitionsGrowsATopicWhoseNewPartitionsTakeKeyedRecordsAndNeverShrinksIt() throws Exception {
    String topic = unique("grown");
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(WAIT_S, TimeUnit.SECONDS);

      admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get(WAIT_S, TimeUnit.SECONDS);

      assertThat(partitionCount(admin, topic)).isEqualTo(5);
      assertThat(http("GET", "/v1/topics/" + topic, null, 200).get("partitions").size()).isEqualTo(5);
      Map<Integer, List<String>> sent = new HashMap<>();
      try (KafkaProducer<byte[], byte[]> producer = producer()) {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
          acks.add(producer.send(new ProducerRecord<>(topic, key, ("value-" + i).getBytes(StandardCharsets.UTF_8))));
        }
        for (int i = 0; i < acks.size(); i++) {
          sent.computeIfAbsent(acks.get(i).get(WAIT_S, TimeUnit.SECONDS).partition(), p -> new ArrayList<>()).add("value-" + i);
        }
      }
      // Keys hash over all five partitions now: the new ones hold records, read back in order.
      assertThat(sent.keySet()).contains(3, 4);
      for (int partition = 0; partition < 5; partition++) {
        List<String> read = new ArrayList<>();
        httpRecords(topic, partition).forEach(record -> read.add(record.get("value").asText()));
        assertThat(read).as("partition %d", partition).isEqualTo(sent.getOrDefault(partition, List.of()));
      }

      assertThatThrownBy(() -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(InvalidPartitionsException.class);
      assertThatThrownBy(() -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(InvalidPartitionsException.class).hasMessageContaining("has 5 partitions");
      assertThatThrownBy(() -> admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(1001))).all().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(InvalidPartitionsException.class).hasMessageContaining("between 1 and 1000");
      assertThatThrownBy(() -> admin.createPartitions(Map.of(unique("missing"), NewPartitions.increaseTo(2)))
          .all().get(WAIT_S, TimeUnit.SECONDS)).hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
      assertThat(partitionCount(admin, topic)).isEqualTo(5);
    }
  }

  @Test
  void brokerConfigsAreTheNodesSettingsReadOnly() throws Exception {
    try (Admin admin = admin()) {
      for (String name : List.of(brokerId(admin), "")) {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, name);
        Config config = admin.describeConfigs(List.of(broker)).all().get(WAIT_S, TimeUnit.SECONDS).get(broker);
        assertEntry(config.get("num.partitions"), "4", ConfigSource.STATIC_BROKER_CONFIG, true, ConfigType.INT);
        assertEntry(config.get("auto.create.topics.enable"), "false", ConfigSource.STATIC_BROKER_CONFIG, true, ConfigType.BOOLEAN);
        assertEntry(config.get("default.replication.factor"), "1", ConfigSource.DEFAULT_CONFIG, true, ConfigType.INT);
        assertEntry(config.get("min.insync.replicas"), "1", ConfigSource.DEFAULT_CONFIG, true, ConfigType.INT);
        assertEntry(config.get("message.max.bytes"), "1048576", ConfigSource.DEFAULT_CONFIG, true, ConfigType.INT);
      }
    }
  }

  @Test
  void theAclCallsManageTheClustersAclsWithAuthenticationOff() throws Exception {
    String topic = unique("acl-open");
    AclBinding binding = new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
        new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW));
    AclBindingFilter ofTopic = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, topic, PatternType.ANY),
        AccessControlEntryFilter.ANY);
    try (Admin admin = admin()) {
      assertThat(admin.describeAcls(ofTopic).values().get(WAIT_S, TimeUnit.SECONDS)).isEmpty();
      admin.createAcls(List.of(binding)).all().get(WAIT_S, TimeUnit.SECONDS);
      assertThat(admin.describeAcls(ofTopic).values().get(WAIT_S, TimeUnit.SECONDS)).containsExactly(binding);
      assertThat(node.security().accessControl().acls()).anySatisfy(acl -> assertThat(acl.resourceName()).isEqualTo(topic));
      assertThat(admin.deleteAcls(List.of(ofTopic)).all().get(WAIT_S, TimeUnit.SECONDS)).containsExactly(binding);
      assertThat(admin.describeAcls(ofTopic).values().get(WAIT_S, TimeUnit.SECONDS)).isEmpty();
      // MATCH (the ACLs that would apply to a name) is not served: refused, not answered wrong.
      AclBindingFilter match = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, topic, PatternType.MATCH),
          AccessControlEntryFilter.ANY);
      assertThatThrownBy(() -> admin.describeAcls(match).values().get(WAIT_S, TimeUnit.SECONDS))
          .hasCauseInstanceOf(InvalidRequestException.class).hasMessageContaining("MATCH");
    }
  }

  @Test
  void alterConfigsReplacesTheTopicsWholeConfigButItsValueFormat() throws Exception {
    String topic = unique("replaced");
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("retention.ms", "3600000",
          "max.message.bytes", "200000")))).all().get(WAIT_S, TimeUnit.SECONDS);
    }
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      AlterConfigsResponseData answer = alterConfigs(kafka, topic, false, Map.of("segment.bytes", "2000000"), 1);
      assertThat(answer.responses()).singleElement().satisfies(r -> assertThat(r.errorCode()).isZero());

      AlterConfigsResponseData bad = alterConfigs(kafka, topic, false, Map.of("segment.bytes", "many"), 2);
      assertThat(bad.responses().get(0).errorCode()).isEqualTo(Errors.INVALID_CONFIG.code());
      assertThat(bad.responses().get(0).errorMessage()).contains("segment.bytes");
      AlterConfigsResponseData validated = alterConfigs(kafka, topic, true, Map.of("retention.ms", "5"), 3);
      assertThat(validated.responses().get(0).errorCode()).isZero();
      AlterConfigsResponseData missing = alterConfigs(kafka, unique("missing"), false, Map.of("retention.ms", "5"), 4);
      assertThat(missing.responses().get(0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }
    // segment.bytes set; retention.ms and max.message.bytes, left out, are back at their defaults; value.format kept.
    JsonNode config = http("GET", "/v1/topics/" + topic, null, 200).get("config");
    assertThat(config.get("segment.bytes").asText()).isEqualTo("2000000");
    assertThat(config.get("retention.ms").asText()).isEqualTo("604800000");
    assertThat(config.get("max.record.bytes").asText()).isEqualTo("1048576");
    assertThat(config.get("value.format").asText()).isEqualTo("string");
  }

  @Test
  void describeConfigsFiltersByKeyAndRefusesOtherResourceTypesAndOtherBrokersPerResource() throws Exception {
    String topic = unique("filtered");
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":1}", 201);
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      kafka.send(new DescribeConfigsRequestData().setResources(List.of(
          new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 2).setResourceName(topic)
              .setConfigurationKeys(List.of("retention.ms", "compression.type", "no.such.key")),
          new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 16).setResourceName("g")
              .setConfigurationKeys(null),
          new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 4).setResourceName("999999999")
              .setConfigurationKeys(null))),
          (short) 4, 1);
      DescribeConfigsResponseData answer = kafka.read(ApiKeys.DESCRIBE_CONFIGS.id, (short) 4, 1, DescribeConfigsResponseData.class);

      assertThat(answer.results().get(0).errorCode()).isZero();
      assertThat(answer.results().get(0).configs()).extracting(c -> c.name() + "=" + c.value())
          .containsExactlyInAnyOrder("retention.ms=604800000", "compression.type=producer");
      assertThat(answer.results().get(1).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
      assertThat(answer.results().get(1).errorMessage()).contains("resource type 16");
      assertThat(answer.results().get(2).errorCode()).as("another broker's configs").isEqualTo(Errors.INVALID_REQUEST.code());
      assertThat(answer.results().get(2).errorMessage()).contains("broker 999999999 is another node");
    }
  }

  @Test
  void createPartitionsWithReplicaAssignmentsIsRefusedAndChangesNothing() throws Exception {
    String topic = unique("assigned");
    http("POST", "/v1/topics", "{\"name\":\"" + topic + "\",\"partitions\":1}", 201);
    try (RawKafka kafka = new RawKafka(node.kafkaPort())) {
      CreatePartitionsRequestData.CreatePartitionsTopicCollection topics =
          new CreatePartitionsRequestData.CreatePartitionsTopicCollection();
      topics.add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName(topic).setCount(2).setAssignments(
          List.of(new CreatePartitionsRequestData.CreatePartitionsAssignment().setBrokerIds(List.of(0)))));
      kafka.send(new CreatePartitionsRequestData().setTopics(topics).setTimeoutMs(30_000), (short) 3, 1);
      CreatePartitionsResponseData answer = kafka.read(ApiKeys.CREATE_PARTITIONS.id, (short) 3, 1, CreatePartitionsResponseData.class);

      assertThat(answer.results().get(0).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
      assertThat(answer.results().get(0).errorMessage()).contains("assignments are chosen by the cluster");
    }
    assertThat(http("GET", "/v1/topics/" + topic, null, 200).get("partitions").size()).isEqualTo(1);
  }

  private static AlterConfigsResponseData alterConfigs(RawKafka kafka, String topic, boolean validateOnly, Map<String, String> configs,
      int correlationId) throws IOException {
    AlterConfigsRequestData.AlterableConfigCollection alterable = new AlterConfigsRequestData.AlterableConfigCollection();
    configs.forEach((name, value) -> alterable.add(new AlterConfigsRequestData.AlterableConfig().setName(name).setValue(value)));
    AlterConfigsRequestData.AlterConfigsResourceCollection resources = new AlterConfigsRequestData.AlterConfigsResourceCollection();
    resources.add(new AlterConfigsRequestData.AlterConfigsResource().setResourceType((byte) 2).setResourceName(topic)
        .setConfigs(alterable));
    kafka.send(new AlterConfigsRequestData().setResources(resources).setValidateOnly(validateOnly), (short) 2, correlationId);
    return kafka.read(ApiKeys.ALTER_CONFIGS.id, (short) 2, correlationId, AlterConfigsResponseData.class);
  }

  private static void assertEntry(ConfigEntry entry, String value, ConfigSource source, boolean readOnly, ConfigType type) {
    assertThat(entry).isNotNull();
    assertThat(entry.value()).as(entry.name()).isEqualTo(value);
    assertThat(entry.source()).as(entry.name()).isEqualTo(source);
    assertThat(entry.isDefault()).as(entry.name()).isEqualTo(source == ConfigSource.DEFAULT_CONFIG);
    assertThat(entry.isReadOnly()).as(entry.name()).isEqualTo(readOnly);
    assertThat(entry.type()).as(entry.name()).isEqualTo(type);
  }

  private static AlterConfigOp op(String name, String value, AlterConfigOp.OpType type) {
    return new AlterConfigOp(new ConfigEntry(name, value), type);
  }

  private static void alter(Admin admin, String topic, boolean validateOnly, AlterConfigOp... ops) throws Exception {
    Map<ConfigResource, Collection<AlterConfigOp>> changes = Map.of(topicResource(topic), List.of(ops));
    admin.incrementalAlterConfigs(changes, new AlterConfigsOptions().validateOnly(validateOnly)).all().get(WAIT_S, TimeUnit.SECONDS);
  }

  private static Config describe(Admin admin, String topic)
      throws Exception {
    return admin.describeConfigs(List.of(topicResource(topic))).all().get(WAIT_S, TimeUnit.SECONDS).get(topicResource(topic));
  }

  private static ConfigResource topicResource(String topic) {
    return new ConfigResource(ConfigResource.Type.TOPIC, topic);
  }

  private static int partitionCount(Admin admin, String topic) throws Exception {
    return admin.describeTopics(List.of(topic)).allTopicNames().get(WAIT_S, TimeUnit.SECONDS).get(topic).partitions().size();
  }

  private static String brokerId(Admin admin) throws Exception {
    return admin.describeCluster().nodes().get(WAIT_S, TimeUnit.SECONDS).iterator().next().idString();
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
