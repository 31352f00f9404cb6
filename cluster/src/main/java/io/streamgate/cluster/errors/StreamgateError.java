package io.streamgate.cluster.errors;

import io.streamgate.cluster.ClusterException;
import io.streamgate.cluster.Failures;
import io.streamgate.cluster.FencedLeaderEpochException;
import io.streamgate.cluster.IdempotencyKeyReusedException;
import io.streamgate.cluster.InternalTopicException;
import io.streamgate.cluster.InvalidPartitionsException;
import io.streamgate.cluster.InvalidReplicaAssignmentException;
import io.streamgate.cluster.InvalidReplicationFactorException;
import io.streamgate.cluster.InvalidTimestampException;
import io.streamgate.cluster.InvalidTopicException;
import io.streamgate.cluster.InvalidTopicNameException;
import io.streamgate.cluster.LeaderNotAvailableException;
import io.streamgate.cluster.LeaseExpiredException;
import io.streamgate.cluster.NoReassignmentException;
import io.streamgate.cluster.NodeNotFoundException;
import io.streamgate.cluster.NodeNotRemovableException;
import io.streamgate.cluster.NotEnoughReplicasAfterAppendException;
import io.streamgate.cluster.NotEnoughReplicasException;
import io.streamgate.cluster.NotLeaderException;
import io.streamgate.cluster.OffsetNotAvailableException;
import io.streamgate.cluster.ReassignmentInProgressException;
import io.streamgate.cluster.ReplicationTimeoutException;
import io.streamgate.cluster.TopicExistsException;
import io.streamgate.cluster.TopicNotFoundException;
import io.streamgate.cluster.UnknownLeaderEpochException;
import io.streamgate.cluster.UnknownTopicIdException;
import io.streamgate.cluster.groups.CoordinatorLoadInProgressException;
import io.streamgate.cluster.groups.FencedInstanceIdException;
import io.streamgate.cluster.groups.GroupMaxSizeReachedException;
import io.streamgate.cluster.groups.GroupNotEmptyException;
import io.streamgate.cluster.groups.GroupNotFoundException;
import io.streamgate.cluster.groups.InconsistentGroupProtocolException;
import io.streamgate.cluster.groups.InvalidGroupRequestException;
import io.streamgate.cluster.groups.InvalidSessionTimeoutException;
import io.streamgate.cluster.groups.MemberIdRequiredException;
import io.streamgate.cluster.groups.MemberNotFoundException;
import io.streamgate.cluster.groups.NotCoordinatorException;
import io.streamgate.cluster.groups.RebalanceConflictException;
import io.streamgate.cluster.groups.RebalanceInProgressException;
import io.streamgate.cluster.security.AccessControlLimitException;
import io.streamgate.cluster.security.ApiKeyNotFoundException;
import io.streamgate.cluster.security.AuthenticationException;
import io.streamgate.cluster.security.ClusterAuthorizationException;
import io.streamgate.cluster.security.GroupAuthorizationException;
import io.streamgate.cluster.security.TopicAuthorizationException;
import io.streamgate.logstore.CorruptRecordException;
import io.streamgate.logstore.InvalidConfigException;
import io.streamgate.logstore.InvalidProducerEpochException;
import io.streamgate.logstore.InvalidRecordException;
import io.streamgate.logstore.LogClosedException;
import io.streamgate.logstore.LogStorageException;
import io.streamgate.logstore.OffsetOutOfRangeException;
import io.streamgate.logstore.OutOfOrderSequenceException;
import io.streamgate.logstore.PartitionNotFoundException;
import io.streamgate.logstore.RecordTooLargeException;
import io.streamgate.logstore.UnsupportedTransactionsException;
import io.streamgate.logstore.WriteQueueFullException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one catalogue of the errors Streamgate reports, on every edge and between nodes. Each entry
 * has a fixed numeric {@link #code()}: Kafka's ({@code org.apache.kafka.common.protocol.Errors},
 * same name and number) wherever Kafka has the concept, otherwise one of Streamgate's own from
 * {@link #PRIVATE_BASE} on. Codes cross nodes (a mixed-version cluster during an upgrade) and will
 * cross the Kafka wire, so a code never changes and is never reused: a new entry takes a new number
 * (docs/decisions.md, docs/errors.md).
 *
 * <p>Each entry also carries how the HTTP API answers it (status, {@code urn:streamgate:problem:}
 * type and title: released API), the MQTT 5 reason code a client is disconnected with (a number: the
 * cluster knows no MQTT types), whether retrying may succeed, and the exception it stands for, found
 * by class walking up the hierarchy ({@link #forException}) and rebuilt on the node that asked
 * ({@link #exception}). Several entries are answered over HTTP with another entry's problem (the
 * released API merged them): {@link #problem()} is that entry.
 */
public enum StreamgateError {
  // ------------------------------------------------ Kafka's codes
  UNKNOWN_SERVER_ERROR(-1, 500, "internal", "Internal error", false, Mqtt.UNSPECIFIED_ERROR),
  /** No constructor from a message: the log start and end travel beside it, and {@code Wire} rebuilds it. */
  OFFSET_OUT_OF_RANGE(1, 416, "offset-out-of-range", "Offset out of range", false, Mqtt.UNSPECIFIED_ERROR,
      OffsetOutOfRangeException.class, null),
  /** Only the disk or a bug makes one (the edges build every batch they append): answered as internal. */
  CORRUPT_MESSAGE(2, UNKNOWN_SERVER_ERROR, Mqtt.UNSPECIFIED_ERROR, CorruptRecordException.class, CorruptRecordException::new),
  /** Kafka's one code for a topic or partition; a missing partition is {@link #PARTITION_NOT_FOUND} here. */
  UNKNOWN_TOPIC_OR_PARTITION(3, 404, "topic-not-found", "Topic not found", false, Mqtt.TOPIC_NAME_INVALID,
      TopicNotFoundException.class, TopicNotFoundException::new),
  LEADER_NOT_AVAILABLE(5, 503, "leader-not-available", "Leader not available", true, Mqtt.SERVER_BUSY,
      LeaderNotAvailableException.class, LeaderNotAvailableException::new),
  NOT_LEADER_OR_FOLLOWER(6, LEADER_NOT_AVAILABLE, Mqtt.SERVER_BUSY, NotLeaderException.class, NotLeaderException::new),
  /** A Kafka group request on a node that does not coordinate the group: the client finds the coordinator again. */
  NOT_COORDINATOR(16, LEADER_NOT_AVAILABLE, Mqtt.SERVER_BUSY, NotCoordinatorException.class, NotCoordinatorException::new),
  /** Kafka clients only (KIP-320): the client's leader epoch is older than this node's; it refreshes its metadata. */
  FENCED_LEADER_EPOCH(74, LEADER_NOT_AVAILABLE, Mqtt.SERVER_BUSY, FencedLeaderEpochException.class, FencedLeaderEpochException::new),
  /** Kafka clients only (KIP-320): the client's leader epoch is newer than this node's; it asks again. */
  UNKNOWN_LEADER_EPOCH(75, LEADER_NOT_AVAILABLE, Mqtt.SERVER_BUSY, UnknownLeaderEpochException.class,
      UnknownLeaderEpochException::new),
  /**
   * A request naming a topic by an id no live topic has (never one, or a deleted topic's, even if its
   * name was taken again): Kafka clients (Fetch v13+, DeleteTopics v6) and followers' fetches between nodes.
   */
  UNKNOWN_TOPIC_ID(100, UNKNOWN_TOPIC_OR_PARTITION, Mqtt.TOPIC_NAME_INVALID, UnknownTopicIdException.class,
      UnknownTopicIdException::new),
  /**
   * Kafka clients only (KIP-207): a new leader whose high watermark has not yet reached the start of
   * its epoch answers a Fetch this way, which the consumer retries (it throws on LEADER_NOT_AVAILABLE);
   * so does an in-sync follower asked for an offset outside its log (KIP-392), on which the consumer
   * goes back to the leader. HTTP and MQTT reads never meet it: the leader answers them instead.
   */
  OFFSET_NOT_AVAILABLE(78, LEADER_NOT_AVAILABLE, Mqtt.SERVER_BUSY, OffsetNotAvailableException.class,
      OffsetNotAvailableException::new),
  MESSAGE_TOO_LARGE(10, 413, "record-too-large", "Record too large", false, Mqtt.PACKET_TOO_LARGE,
      RecordTooLargeException.class, RecordTooLargeException::new),
  COORDINATOR_LOAD_IN_PROGRESS(14, LEADER_NOT_AVAILABLE, Mqtt.SERVER_BUSY, CoordinatorLoadInProgressException.class,
      CoordinatorLoadInProgressException::new),
  /** Kafka's answer while no producer id can be handed out (the metadata quorum cannot commit): the client asks again. */
  COORDINATOR_NOT_AVAILABLE(15, LEADER_NOT_AVAILABLE, Mqtt.SERVER_BUSY, null, null),
  INVALID_TOPIC_EXCEPTION(17, 400, "invalid-topic-name", "Invalid topic name", false, Mqtt.TOPIC_NAME_INVALID,
      InvalidTopicNameException.class, InvalidTopicNameException::new),
  NOT_ENOUGH_REPLICAS(19, 503, "not-enough-replicas", "Not enough in-sync replicas", true, Mqtt.SERVER_BUSY,
      NotEnoughReplicasException.class, NotEnoughReplicasException::new),
  /**
   * An acks=all write the in-sync replicas did not confirm in time: Kafka's answer to a produce whose
   * wait expired. Answered over HTTP as not-enough-replicas (a write not yet safe, the same retry
   * advice), so declared after it.
   */
  /**
   * A write appended by a leader whose lease ran out before it could acknowledge it: answered as
   * not-enough-replicas over HTTP (retry with the same idempotency key), so declared after it.
   */
  NOT_ENOUGH_REPLICAS_AFTER_APPEND(20, NOT_ENOUGH_REPLICAS, Mqtt.SERVER_BUSY, NotEnoughReplicasAfterAppendException.class,
      NotEnoughReplicasAfterAppendException::new),
  REQUEST_TIMED_OUT(7, NOT_ENOUGH_REPLICAS, Mqtt.SERVER_BUSY, ReplicationTimeoutException.class,
      ReplicationTimeoutException::new),
  ILLEGAL_GENERATION(22, 409, "stale-assignment", "Stale assignment", false, Mqtt.UNSPECIFIED_ERROR,
      RebalanceConflictException.class, RebalanceConflictException::new),
  UNKNOWN_MEMBER_ID(25, 404, "member-not-found", "Member not found", false, Mqtt.UNSPECIFIED_ERROR,
      MemberNotFoundException.class, MemberNotFoundException::new),
  /** A group is run by one protocol at a time: an HTTP join to a group with Kafka members (or the other way round). */
  INCONSISTENT_GROUP_PROTOCOL(23, 409, "group-protocol-conflict", "Group run by another protocol", false, Mqtt.UNSPECIFIED_ERROR,
      InconsistentGroupProtocolException.class, InconsistentGroupProtocolException::new),
  /** Kafka's classic groups only: the member must join again (as the HTTP API says of a stale generation). */
  REBALANCE_IN_PROGRESS(27, ILLEGAL_GENERATION, Mqtt.UNSPECIFIED_ERROR, RebalanceInProgressException.class,
      RebalanceInProgressException::new),
  /** Kafka's classic groups only: a replaced static member is, for the HTTP API, a member that is gone. */
  FENCED_INSTANCE_ID(82, UNKNOWN_MEMBER_ID, Mqtt.UNSPECIFIED_ERROR, FencedInstanceIdException.class,
      FencedInstanceIdException::new),
  /** Internal topics belong to the server: a client may read them, never write, change or delete them. */
  TOPIC_AUTHORIZATION_FAILED(29, 403, "internal-topic", "Internal topic", false, Mqtt.NOT_AUTHORIZED,
      InternalTopicException.class, InternalTopicException::new),
  /** An ACL forbids it (or none allows it): one HTTP problem for every resource, Kafka's code per resource. */
  GROUP_AUTHORIZATION_FAILED(30, 403, "forbidden", "Forbidden", false, Mqtt.NOT_AUTHORIZED,
      GroupAuthorizationException.class, GroupAuthorizationException::new),
  CLUSTER_AUTHORIZATION_FAILED(31, GROUP_AUTHORIZATION_FAILED, Mqtt.NOT_AUTHORIZED, ClusterAuthorizationException.class,
      ClusterAuthorizationException::new),
  INVALID_TIMESTAMP(32, 400, "invalid-timestamp", "Invalid timestamp", false, Mqtt.UNSPECIFIED_ERROR,
      InvalidTimestampException.class, InvalidTimestampException::new),
  TOPIC_ALREADY_EXISTS(36, 409, "topic-exists", "Topic exists", false, Mqtt.UNSPECIFIED_ERROR,
      TopicExistsException.class, TopicExistsException::new),
  INVALID_PARTITIONS(37, 400, "invalid-partitions", "Invalid partition count", false, Mqtt.TOPIC_NAME_INVALID,
      InvalidPartitionsException.class, InvalidPartitionsException::new),
  INVALID_REPLICATION_FACTOR(38, 400, "invalid-replication-factor", "Invalid replication factor", false,
      Mqtt.TOPIC_NAME_INVALID, InvalidReplicationFactorException.class, InvalidReplicationFactorException::new),
  /** A move's target replicas that cannot be (docs/replication.md, "Moving partitions"). */
  INVALID_REPLICA_ASSIGNMENT(39, 400, "invalid-replica-assignment", "Invalid replica assignment", false,
      Mqtt.UNSPECIFIED_ERROR, InvalidReplicaAssignmentException.class, InvalidReplicaAssignmentException::new),
  REASSIGNMENT_IN_PROGRESS(60, 409, "reassignment-in-progress", "Partition moving", false, Mqtt.UNSPECIFIED_ERROR,
      ReassignmentInProgressException.class, ReassignmentInProgressException::new),
  NO_REASSIGNMENT_IN_PROGRESS(85, 409, "no-reassignment-in-progress", "Partition not moving", false, Mqtt.UNSPECIFIED_ERROR,
      NoReassignmentException.class, NoReassignmentException::new),
  INVALID_CONFIG(40, 400, "invalid-config", "Invalid topic config", false, Mqtt.UNSPECIFIED_ERROR,
      InvalidConfigException.class, InvalidConfigException::new),
  /** A request an edge cannot read or carry out as asked; the specific invalid-* entries say more where they can. */
  INVALID_REQUEST(42, 400, "invalid-request", "Invalid request", false, Mqtt.UNSPECIFIED_ERROR),
  /** A Kafka request in a version the Kafka listener does not serve; answered over HTTP as invalid-request. */
  UNSUPPORTED_VERSION(35, INVALID_REQUEST, Mqtt.UNSPECIFIED_ERROR, null, null),
  /** Kafka's classic groups only: a bad group request to the HTTP API, which has no such code. */
  INVALID_SESSION_TIMEOUT(26, INVALID_REQUEST, Mqtt.UNSPECIFIED_ERROR, InvalidSessionTimeoutException.class,
      InvalidSessionTimeoutException::new),
  /** Kafka's classic groups only: the new member id travels beside the message, so no constructor from a message. */
  MEMBER_ID_REQUIRED(79, UNKNOWN_MEMBER_ID, Mqtt.UNSPECIFIED_ERROR, MemberIdRequiredException.class, null),
  /** Kafka's classic groups only (a limit a client's joins reach). */
  GROUP_MAX_SIZE_REACHED(81, INVALID_REQUEST, Mqtt.UNSPECIFIED_ERROR, GroupMaxSizeReachedException.class,
      GroupMaxSizeReachedException::new),
  /** Too many ACLs or API keys, or a name in one too long (docs/security.md): Kafka's answer to a request its policy refuses. */
  POLICY_VIOLATION(44, INVALID_REQUEST, Mqtt.UNSPECIFIED_ERROR, AccessControlLimitException.class,
      AccessControlLimitException::new),
  /** Kafka's SaslHandshake naming a mechanism the listener does not offer (the answer lists those it does). */
  UNSUPPORTED_SASL_MECHANISM(33, INVALID_REQUEST, Mqtt.UNSPECIFIED_ERROR, null, null),
  /** Kafka's AlterUserScramCredentials only: a SCRAM credential outside the bounds (iterations 4096-16384, a user name, a salt). */
  UNACCEPTABLE_CREDENTIAL(93, INVALID_REQUEST, Mqtt.UNSPECIFIED_ERROR, null, null),
  /** Kafka's SCRAM credential APIs only: one request naming a user's credential twice. */
  DUPLICATE_RESOURCE(92, INVALID_REQUEST, Mqtt.UNSPECIFIED_ERROR, null, null),
  /** Kafka's SASL requests out of order: a second handshake, an authentication without a handshake. */
  ILLEGAL_SASL_STATE(34, INVALID_REQUEST, Mqtt.UNSPECIFIED_ERROR, null, null),
  KAFKA_STORAGE_ERROR(56, 503, "storage-error", "Partition storage unavailable", true, Mqtt.UNSPECIFIED_ERROR,
      LogStorageException.class, message -> new LogStorageException(message, null)),
  NON_EMPTY_GROUP(68, 409, "group-not-empty", "Group not empty", false, Mqtt.UNSPECIFIED_ERROR,
      GroupNotEmptyException.class, GroupNotEmptyException::new),
  GROUP_ID_NOT_FOUND(69, 404, "group-not-found", "Group not found", false, Mqtt.UNSPECIFIED_ERROR,
      GroupNotFoundException.class, GroupNotFoundException::new),
  /**
   * Kafka's OffsetDelete only: a member of the group consumes the topic (answered per partition, so
   * no exception; for HTTP it would be a group with members).
   */
  GROUP_SUBSCRIBED_TO_TOPIC(86, NON_EMPTY_GROUP, Mqtt.UNSPECIFIED_ERROR, null, null),
  /**
   * Kafka's OffsetCommit only: a partition's metadata string is longer than Kafka's {@code
   * offset.metadata.max.bytes} (answered per partition, so no exception; HTTP commits carry none).
   */
  OFFSET_METADATA_TOO_LARGE(12, INVALID_REQUEST, Mqtt.UNSPECIFIED_ERROR, null, null),
  INVALID_RECORD(87, 400, "invalid-record", "Invalid record", false, Mqtt.PAYLOAD_FORMAT_INVALID,
      InvalidRecordException.class, InvalidRecordException::new),
  /*
   * The idempotent producer's errors: only a Kafka producer's batches (allocated producer ids) are
   * checked, and HTTP and MQTT never send one, so HTTP answers them as invalid-record only in theory
   * (no problem type of their own in the contract).
   */
  /** Kafka's answer to a broker refusing transactional batches, as brokers on old message formats did. */
  UNSUPPORTED_FOR_MESSAGE_FORMAT(43, INVALID_RECORD, Mqtt.PAYLOAD_FORMAT_INVALID, UnsupportedTransactionsException.class,
      UnsupportedTransactionsException::new),
  OUT_OF_ORDER_SEQUENCE_NUMBER(45, INVALID_RECORD, Mqtt.PAYLOAD_FORMAT_INVALID, OutOfOrderSequenceException.class,
      OutOfOrderSequenceException::new),
  INVALID_PRODUCER_EPOCH(47, INVALID_RECORD, Mqtt.PAYLOAD_FORMAT_INVALID, InvalidProducerEpochException.class,
      InvalidProducerEpochException::new),
  /** A client sending faster than the node lets it (HTTP 429). */
  THROTTLING_QUOTA_EXCEEDED(89, 429, "too-many-requests", "Too many requests", true, Mqtt.UNSPECIFIED_ERROR),

  // ------------------------------------------------ Streamgate's own codes, from PRIVATE_BASE
  NOT_FOUND(10000, 404, "not-found", "Not found", false, Mqtt.UNSPECIFIED_ERROR),
  METHOD_NOT_ALLOWED(10001, 405, "method-not-allowed", "Method not allowed", false, Mqtt.UNSPECIFIED_ERROR),
  NOT_ACCEPTABLE(10002, 406, "not-acceptable", "Not acceptable", false, Mqtt.UNSPECIFIED_ERROR),
  /** A request whose body did not arrive in time (HTTP 408); not Kafka's REQUEST_TIMED_OUT, which is the server's wait. */
  HTTP_REQUEST_TIMEOUT(10003, 408, "request-timeout", "Request timeout", true, Mqtt.UNSPECIFIED_ERROR),
  BODY_TOO_LARGE(10004, 413, "body-too-large", "Request body too large", false, Mqtt.UNSPECIFIED_ERROR),
  URI_TOO_LONG(10005, 414, "uri-too-long", "URI too long", false, Mqtt.UNSPECIFIED_ERROR),
  UNSUPPORTED_MEDIA_TYPE(10006, 415, "unsupported-media-type", "Unsupported media type", false, Mqtt.UNSPECIFIED_ERROR),
  HEADERS_TOO_LARGE(10007, 431, "headers-too-large", "Request headers too large", false, Mqtt.UNSPECIFIED_ERROR),
  /** Kafka's producer ids and sequence numbers are another mechanism: no Kafka code means this. */
  IDEMPOTENCY_KEY_REUSED(10008, 422, "idempotency-key-reused", "Idempotency key reused", false, Mqtt.UNSPECIFIED_ERROR,
      IdempotencyKeyReusedException.class, IdempotencyKeyReusedException::new),
  /** The node holds as much pending work as it may (the write queue, streams, request bodies); Kafka throttles instead. */
  OVERLOADED(10009, 503, "overloaded", "Overloaded", true, Mqtt.SERVER_BUSY,
      WriteQueueFullException.class, WriteQueueFullException::new),
  /** A failure of the node or the cluster without a type of its own. */
  UNAVAILABLE(10010, 503, "unavailable", "Node unavailable", true, Mqtt.UNSPECIFIED_ERROR,
      ClusterException.class, ClusterException::new),
  /** Kafka's UNKNOWN_TOPIC_OR_PARTITION too; the HTTP API tells a missing partition from a missing topic. */
  PARTITION_NOT_FOUND(10011, 404, "partition-not-found", "Partition not found", false, Mqtt.UNSPECIFIED_ERROR,
      PartitionNotFoundException.class, PartitionNotFoundException::new),
  /** A topic request that is none of the specific invalid-topic entries (Kafka would say INVALID_REQUEST). */
  INVALID_TOPIC_REQUEST(10012, INVALID_REQUEST, Mqtt.TOPIC_NAME_INVALID, InvalidTopicException.class, InvalidTopicException::new),
  /** A bad group name, no topics, an unknown strategy: Kafka splits these into INVALID_GROUP_ID and INCONSISTENT_GROUP_PROTOCOL. */
  INVALID_GROUP_REQUEST(10013, INVALID_REQUEST, Mqtt.UNSPECIFIED_ERROR, InvalidGroupRequestException.class,
      InvalidGroupRequestException::new),
  /** The partition's log (or the node's store) was closed under the request, e.g. the node is stopping. */
  LOG_CLOSED(10014, UNAVAILABLE, Mqtt.UNSPECIFIED_ERROR, LogClosedException.class, LogClosedException::new),
  /** A WebSocket opening handshake asking for a version other than RFC 6455's 13 (HTTP 426, RFC 6455 §4.2.2). */
  WEBSOCKET_VERSION_UNSUPPORTED(10015, 426, "websocket-version-unsupported", "WebSocket version not supported", false,
      Mqtt.UNSPECIFIED_ERROR),
  /** Kafka's TOPIC_AUTHORIZATION_FAILED for an ACL's refusal (29 is the internal-topic entry's, which the HTTP API tells apart). */
  TOPIC_ACCESS_DENIED(10016, GROUP_AUTHORIZATION_FAILED, Mqtt.NOT_AUTHORIZED, TopicAuthorizationException.class,
      TopicAuthorizationException::new),
  /**
   * The partition's leader holds no lease now and took nothing: answered as not-enough-replicas over
   * HTTP and to Kafka clients; told apart between nodes so that the node that asked holds the request
   * until the lease is renewed or the leadership moves.
   */
  LEASE_EXPIRED(10020, NOT_ENOUGH_REPLICAS, Mqtt.SERVER_BUSY, LeaseExpiredException.class, LeaseExpiredException::new),
  /** Kafka's SCRAM credential APIs only: describing or deleting a user's credential that does not exist. */
  RESOURCE_NOT_FOUND(91, NOT_FOUND, Mqtt.UNSPECIFIED_ERROR, null, null),
  /** Revoking an API key that does not exist (Kafka has no API keys). */
  API_KEY_NOT_FOUND(10017, NOT_FOUND, Mqtt.UNSPECIFIED_ERROR, ApiKeyNotFoundException.class, ApiKeyNotFoundException::new),
  /**
   * A node that cannot be removed from the cluster as asked (it holds replicas and is not to be
   * forgotten, may still hold its lease, or is the node asked). Codes from 10090 on: the quorum
   * membership's, apart so that parallel additions never share a number.
   */
  NODE_NOT_REMOVABLE(10090, 409, "node-not-removable", "Node cannot be removed", false, Mqtt.UNSPECIFIED_ERROR,
      NodeNotRemovableException.class, NodeNotRemovableException::new),
  /** Removing a node the cluster never had. */
  NODE_NOT_FOUND(10091, NOT_FOUND, Mqtt.UNSPECIFIED_ERROR, NodeNotFoundException.class, NodeNotFoundException::new),
  /**
   * No credentials, or ones that are not good; Kafka answers a failed SASL exchange with 58. (An MQTT
   * CONNECT refused for its credentials gets CONNACK 0x86; this is the DISCONNECT reason.)
   */
  SASL_AUTHENTICATION_FAILED(58, 401, "unauthenticated", "Unauthenticated", false, Mqtt.NOT_AUTHORIZED,
      AuthenticationException.class, AuthenticationException::new);

  /** The first of Streamgate's own codes, far above Kafka's (which are below 200). */
  public static final int PRIVATE_BASE = 10000;
  /** Base of every problem {@code type} URI. */
  public static final String TYPE_BASE = "urn:streamgate:problem:";

  /** The MQTT 5 reason codes (MQTT 5.0 §2.4) the catalogue uses, as numbers. */
  private static final class Mqtt {
    static final int UNSPECIFIED_ERROR = 0x80;
    static final int NOT_AUTHORIZED = 0x87;
    static final int SERVER_BUSY = 0x89;
    static final int TOPIC_NAME_INVALID = 0x90;
    static final int PACKET_TOO_LARGE = 0x95;
    static final int PAYLOAD_FORMAT_INVALID = 0x99;
  }

  private static final Map<Integer, StreamgateError> BY_CODE = Arrays.stream(values())
      .collect(Collectors.toUnmodifiableMap(StreamgateError::code, error -> error));
  private static final Map<Class<?>, StreamgateError> BY_EXCEPTION = Arrays.stream(values())
      .filter(error -> error.exceptionType != null)
      .collect(Collectors.toUnmodifiableMap(error -> error.exceptionType, error -> error));

  private final int code;
  private final StreamgateError problem;
  private final int httpStatus;
  private final String problemCode;
  private final String title;
  private final boolean retryable;
  private final int mqttReason;
  private final Class<? extends RuntimeException> exceptionType;
  private final Function<String, ? extends RuntimeException> constructor;

  /** An entry with an HTTP problem of its own and no exception (an edge's error, or anything unmapped). */
  StreamgateError(int code, int httpStatus, String problemCode, String title, boolean retryable, int mqttReason) {
    this(code, httpStatus, problemCode, title, retryable, mqttReason, null, null);
  }

  /** An entry with an HTTP problem of its own, standing for {@code exceptionType}, rebuilt from a message by {@code constructor}. */
  <T extends RuntimeException> StreamgateError(int code, int httpStatus, String problemCode, String title, boolean retryable,
      int mqttReason, Class<T> exceptionType, Function<String, T> constructor) {
    this.code = code;
    this.problem = null;
    this.httpStatus = httpStatus;
    this.problemCode = problemCode;
    this.title = title;
    this.retryable = retryable;
    this.mqttReason = mqttReason;
    this.exceptionType = exceptionType;
    this.constructor = constructor;
  }

  /** An entry the HTTP API answers with {@code problem}'s status, type, title and retryability (declared before it). */
  <T extends RuntimeException> StreamgateError(int code, StreamgateError problem, int mqttReason, Class<T> exceptionType,
      Function<String, T> constructor) {
    this.code = code;
    this.problem = problem;
    this.httpStatus = 0;
    this.problemCode = null;
    this.title = null;
    this.retryable = false;
    this.mqttReason = mqttReason;
    this.exceptionType = exceptionType;
    this.constructor = constructor;
  }

  /** The fixed numeric code: Kafka's where Kafka has the concept, else from {@link #PRIVATE_BASE}. */
  public int code() {
    return code;
  }

  /** The entry whose HTTP problem answers this one: itself, or the entry the released API merged it into. */
  public StreamgateError problem() {
    return problem == null ? this : problem;
  }

  public int httpStatus() {
    return problem().httpStatus;
  }

  /** The problem's {@code code} member and the end of its {@code type}, e.g. {@code topic-not-found}. */
  public String problemCode() {
    return problem().problemCode;
  }

  public String type() {
    return TYPE_BASE + problemCode();
  }

  public String title() {
    return problem().title;
  }

  /** Whether retrying the same request (with its idempotency key, for a write) may succeed. */
  public boolean retryable() {
    return problem().retryable;
  }

  /**
   * The code a Kafka client is answered: {@link #code()} where Kafka has the concept, else the Kafka
   * code nearest in meaning and in what the client then does (retry, refresh its metadata, give up).
   */
  public short kafkaCode() {
    if (code < PRIVATE_BASE) {
      return (short) code;
    }
    switch (this) {
      case PARTITION_NOT_FOUND:
        return (short) UNKNOWN_TOPIC_OR_PARTITION.code;
      case TOPIC_ACCESS_DENIED:
        return (short) TOPIC_AUTHORIZATION_FAILED.code;
      case LEASE_EXPIRED:
        return (short) NOT_ENOUGH_REPLICAS.code;
      // Retriable in Kafka's client: it waits and sends again.
      case OVERLOADED:
      case UNAVAILABLE:
      case HTTP_REQUEST_TIMEOUT:
        return (short) REQUEST_TIMED_OUT.code;
      // The node is stopping: the client refreshes its metadata and finds the next leader.
      case LOG_CLOSED:
        return (short) NOT_LEADER_OR_FOLLOWER.code;
      case NOT_FOUND:
      case METHOD_NOT_ALLOWED:
      case NOT_ACCEPTABLE:
      case BODY_TOO_LARGE:
      case URI_TOO_LONG:
      case UNSUPPORTED_MEDIA_TYPE:
      case HEADERS_TOO_LARGE:
      case WEBSOCKET_VERSION_UNSUPPORTED:
      case IDEMPOTENCY_KEY_REUSED:
      case INVALID_TOPIC_REQUEST:
      case INVALID_GROUP_REQUEST:
        return (short) INVALID_REQUEST.code;
      default:
        return (short) UNKNOWN_SERVER_ERROR.code;
    }
  }

  /** The MQTT 5 reason code a client is disconnected with. */
  public int mqttReason() {
    return mqttReason;
  }

  /** The exception this entry stands for, if any. */
  public Optional<Class<? extends RuntimeException>> exceptionType() {
    return Optional.ofNullable(exceptionType);
  }

  /**
   * This entry's exception with {@code message}, as the node that asked rebuilds it; empty for an
   * entry without one, and for {@link #OFFSET_OUT_OF_RANGE}, whose offsets travel beside the message.
   */
  public Optional<RuntimeException> exception(String message) {
    return constructor == null ? Optional.empty() : Optional.of(constructor.apply(message));
  }

  /** The entry of {@code code}; empty for a code this node does not know (a newer peer's). */
  public static Optional<StreamgateError> forCode(int code) {
    return Optional.ofNullable(BY_CODE.get(code));
  }

  /**
   * The entry of {@code failure} (under any {@code CompletionException}s), by class walking up the
   * hierarchy as Kafka's {@code Errors.forException} does; {@link #UNKNOWN_SERVER_ERROR} for one the
   * catalogue does not know.
   */
  public static StreamgateError forException(Throwable failure) {
    for (Class<?> type = Failures.cause(failure).getClass(); type != null; type = type.getSuperclass()) {
      StreamgateError error = BY_EXCEPTION.get(type);
      if (error != null) {
        return error;
      }
    }
    return UNKNOWN_SERVER_ERROR;
  }
}
