package io.streamgate.gateway.kafka;

import io.streamgate.cluster.ClusteredPartitionService;
import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.groups.ClassicGroups;
import io.streamgate.cluster.groups.GroupService;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.RecordDecoding;
import io.streamgate.gateway.metrics.GatewayMetrics;
import io.streamgate.gateway.security.NodeSecurity;
import io.vertx.core.Future;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;

/**
 * Hands each decoded request to the handler of its API. Every handler answers with a generated
 * {@code *ResponseData} of its API, per-partition and per-topic errors inside it; a future of null
 * means no answer (Produce with acks=0). One per verticle instance; handlers run on its event loop.
 * Each handler asks {@link KafkaCaller#access()} what the principal may do, as Kafka's broker does
 * (docs/kafka.md, "Security"). SaslHandshake and SaslAuthenticate are the connection's ({@link KafkaSasl}).
 */
final class KafkaApis {
  private final MetadataApi metadata;
  private final ProduceApi produce;
  private final FetchApi fetch;
  private final ListOffsetsApi listOffsets;
  private final CreateTopicsApi createTopics;
  private final DeleteTopicsApi deleteTopics;
  private final DeleteRecordsApi deleteRecords;
  private final DescribeClusterApi describeCluster;
  private final InitProducerIdApi initProducerId;
  private final FindCoordinatorApi findCoordinator;
  private final JoinGroupApi joinGroup;
  private final SyncGroupApi syncGroup;
  private final HeartbeatApi heartbeat;
  private final LeaveGroupApi leaveGroup;
  private final OffsetCommitApi offsetCommit;
  private final OffsetFetchApi offsetFetch;
  private final ListGroupsApi listGroups;
  private final DescribeGroupsApi describeGroups;
  private final DeleteGroupsApi deleteGroups;
  private final OffsetForLeaderEpochApi offsetForLeaderEpoch;
  private final OffsetDeleteApi offsetDelete;
  private final DescribeConfigsApi describeConfigs;
  private final AlterConfigsApi alterConfigs;
  private final IncrementalAlterConfigsApi incrementalAlterConfigs;
  private final CreatePartitionsApi createPartitions;
  private final PartitionReassignmentsApi reassignments;
  private final DescribeLogDirsApi describeLogDirs;
  private final DescribeAclsApi describeAcls;
  private final CreateAclsApi createAcls;
  private final DeleteAclsApi deleteAcls;
  private final DescribeUserScramCredentialsApi describeScram;
  private final AlterUserScramCredentialsApi alterScram;

  KafkaApis(ClusteredPartitionService service, GroupService groups, ClassicGroups classicGroups, GatewayConfig config,
      RecordDecoding decoding, GatewayMetrics metrics, NodeSecurity security) {
    KafkaBrokers brokers = new KafkaBrokers(service);
    this.metadata = new MetadataApi(service, brokers, config.autoCreateTopics(), config.defaultPartitions());
    this.produce = new ProduceApi(service, decoding, metrics);
    this.fetch = new FetchApi(service, brokers, config.limits().maxWaitMs(), config.limits().maxFetchBytes(), metrics);
    this.listOffsets = new ListOffsetsApi(service);
    this.createTopics = new CreateTopicsApi(service, config.defaultPartitions());
    this.deleteTopics = new DeleteTopicsApi(service);
    this.deleteRecords = new DeleteRecordsApi(service, config.limits().maxWaitMs());
    this.describeCluster = new DescribeClusterApi(brokers);
    this.initProducerId = new InitProducerIdApi(service);
    this.findCoordinator = new FindCoordinatorApi(classicGroups, brokers);
    this.joinGroup = new JoinGroupApi(classicGroups);
    this.syncGroup = new SyncGroupApi(classicGroups);
    this.heartbeat = new HeartbeatApi(classicGroups);
    this.leaveGroup = new LeaveGroupApi(classicGroups);
    this.offsetCommit = new OffsetCommitApi(classicGroups);
    this.offsetFetch = new OffsetFetchApi(groups);
    this.listGroups = new ListGroupsApi(classicGroups);
    this.describeGroups = new DescribeGroupsApi(classicGroups);
    this.deleteGroups = new DeleteGroupsApi(groups);
    this.offsetForLeaderEpoch = new OffsetForLeaderEpochApi(service);
    this.offsetDelete = new OffsetDeleteApi(groups);
    this.describeConfigs = new DescribeConfigsApi(service, config.defaultPartitions(), config.autoCreateTopics());
    this.alterConfigs = new AlterConfigsApi(service);
    this.incrementalAlterConfigs = new IncrementalAlterConfigsApi(service, new BrokerThrottleConfigs(service.moves()));
    this.createPartitions = new CreatePartitionsApi(service);
    this.reassignments = new PartitionReassignmentsApi(service.moves(), brokers);
    this.describeLogDirs = new DescribeLogDirsApi(service);
    this.describeAcls = new DescribeAclsApi(security.accessControl());
    this.createAcls = new CreateAclsApi(security.accessControl());
    this.deleteAcls = new DeleteAclsApi(security.accessControl());
    this.describeScram = new DescribeUserScramCredentialsApi(security.accessControl());
    this.alterScram = new AlterUserScramCredentialsApi(security.accessControl());
  }

  /** The answer to {@code request}, of null for none. */
  Future<Object> handle(KafkaRequest request, KafkaCaller caller) {
    switch (request.api()) {
      case API_VERSIONS:
        return Future.succeededFuture(apiVersions(null));
      case METADATA:
        return metadata.handle(request.body(MetadataRequestData.class), caller).map(Object.class::cast);
      case PRODUCE:
        return produce.handle(request.body(ProduceRequestData.class), caller).map(Object.class::cast);
      case FETCH:
        return fetch.handle(request.body(FetchRequestData.class), request.version(), caller).map(Object.class::cast);
      case LIST_OFFSETS:
        return listOffsets.handle(request.body(ListOffsetsRequestData.class), caller).map(Object.class::cast);
      case CREATE_TOPICS:
        return createTopics.handle(request.body(CreateTopicsRequestData.class), caller).map(Object.class::cast);
      case DELETE_TOPICS:
        return deleteTopics.handle(request.body(DeleteTopicsRequestData.class), caller).map(Object.class::cast);
      case DELETE_RECORDS:
        return deleteRecords.handle(request.body(DeleteRecordsRequestData.class), caller).map(Object.class::cast);
      case DESCRIBE_CLUSTER:
        return Future.succeededFuture(describeCluster.handle());
      case INIT_PRODUCER_ID:
        return initProducerId.handle(request.body(InitProducerIdRequestData.class), caller).map(Object.class::cast);
      case FIND_COORDINATOR:
        return findCoordinator.handle(request.body(FindCoordinatorRequestData.class), request.version(), caller)
            .map(Object.class::cast);
      case JOIN_GROUP:
        return joinGroup.handle(request.body(JoinGroupRequestData.class), request.version(), caller).map(Object.class::cast);
      case SYNC_GROUP:
        return syncGroup.handle(request.body(SyncGroupRequestData.class), caller).map(Object.class::cast);
      case HEARTBEAT:
        return heartbeat.handle(request.body(HeartbeatRequestData.class), caller).map(Object.class::cast);
      case LEAVE_GROUP:
        return leaveGroup.handle(request.body(LeaveGroupRequestData.class), request.version(), caller).map(Object.class::cast);
      case OFFSET_COMMIT:
        return offsetCommit.handle(request.body(OffsetCommitRequestData.class), caller).map(Object.class::cast);
      case OFFSET_FETCH:
        return offsetFetch.handle(request.body(OffsetFetchRequestData.class), request.version(), caller).map(Object.class::cast);
      case LIST_GROUPS:
        return listGroups.handle(request.body(ListGroupsRequestData.class), caller).map(Object.class::cast);
      case DESCRIBE_GROUPS:
        return describeGroups.handle(request.body(DescribeGroupsRequestData.class), caller).map(Object.class::cast);
      case DELETE_GROUPS:
        return deleteGroups.handle(request.body(DeleteGroupsRequestData.class), caller).map(Object.class::cast);
      case OFFSET_FOR_LEADER_EPOCH:
        return offsetForLeaderEpoch.handle(request.body(OffsetForLeaderEpochRequestData.class), caller).map(Object.class::cast);
      case OFFSET_DELETE:
        return offsetDelete.handle(request.body(OffsetDeleteRequestData.class), caller).map(Object.class::cast);
      case DESCRIBE_CONFIGS:
        return Future.succeededFuture(describeConfigs.handle(request.body(DescribeConfigsRequestData.class), caller));
      case ALTER_CONFIGS:
        return alterConfigs.handle(request.body(AlterConfigsRequestData.class), caller).map(Object.class::cast);
      case INCREMENTAL_ALTER_CONFIGS:
        return incrementalAlterConfigs.handle(request.body(IncrementalAlterConfigsRequestData.class), caller)
            .map(Object.class::cast);
      case ALTER_PARTITION_REASSIGNMENTS:
        return reassignments.alter(request.body(AlterPartitionReassignmentsRequestData.class), caller).map(Object.class::cast);
      case LIST_PARTITION_REASSIGNMENTS:
        return reassignments.list(request.body(ListPartitionReassignmentsRequestData.class), caller).map(Object.class::cast);
      case DESCRIBE_LOG_DIRS:
        return Future.succeededFuture(describeLogDirs.handle(request.body(DescribeLogDirsRequestData.class), caller));
      case CREATE_PARTITIONS:
        return createPartitions.handle(request.body(CreatePartitionsRequestData.class), caller).map(Object.class::cast);
      case DESCRIBE_ACLS:
        return Future.succeededFuture(describeAcls.handle(request.body(DescribeAclsRequestData.class), caller));
      case CREATE_ACLS:
        return createAcls.handle(request.body(CreateAclsRequestData.class), caller).map(Object.class::cast);
      case DELETE_ACLS:
        return deleteAcls.handle(request.body(DeleteAclsRequestData.class), caller).map(Object.class::cast);
      case DESCRIBE_USER_SCRAM_CREDENTIALS:
        return Future.succeededFuture(describeScram.handle(request.body(DescribeUserScramCredentialsRequestData.class), caller));
      case ALTER_USER_SCRAM_CREDENTIALS:
        return alterScram.handle(request.body(AlterUserScramCredentialsRequestData.class), caller).map(Object.class::cast);
      default:
        throw new IllegalStateException("no handler for " + request.api());
    }
  }

  /** The ApiVersions answer, with {@code error} (null: none). */
  ApiVersionsResponseData apiVersions(StreamgateError error) {
    return ApiVersionsApi.answer(error);
  }
}
