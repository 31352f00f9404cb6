package io.streamgate.cluster.metadata;

import io.streamgate.cluster.PartitionState;
import io.streamgate.cluster.TopicId;
import io.streamgate.cluster.TopicMetadata;
import io.streamgate.cluster.TopicState;
import io.streamgate.cluster.metadata.MetadataCommand.AllocateProducerIds;
import io.streamgate.cluster.metadata.MetadataCommand.AlterScramCredentials;
import io.streamgate.cluster.metadata.MetadataCommand.CancelReassignment;
import io.streamgate.cluster.metadata.MetadataCommand.ChangeIsr;
import io.streamgate.cluster.metadata.MetadataCommand.CompleteReassignment;
import io.streamgate.cluster.metadata.MetadataCommand.CreateAcls;
import io.streamgate.cluster.metadata.MetadataCommand.CreateApiKey;
import io.streamgate.cluster.metadata.MetadataCommand.CreateTopic;
import io.streamgate.cluster.metadata.MetadataCommand.DeleteAcls;
import io.streamgate.cluster.metadata.MetadataCommand.DeleteTopic;
import io.streamgate.cluster.metadata.MetadataCommand.ElectLeader;
import io.streamgate.cluster.metadata.MetadataCommand.Fence;
import io.streamgate.cluster.metadata.MetadataCommand.ReassignPartition;
import io.streamgate.cluster.metadata.MetadataCommand.RegisterNode;
import io.streamgate.cluster.metadata.MetadataCommand.RemoveNode;
import io.streamgate.cluster.metadata.MetadataCommand.RenewLease;
import io.streamgate.cluster.metadata.MetadataCommand.RevokeApiKey;
import io.streamgate.cluster.metadata.MetadataCommand.SetReplicationThrottle;
import io.streamgate.cluster.metadata.MetadataCommand.StopNode;
import io.streamgate.cluster.metadata.MetadataCommand.UpdateTopic;
import io.streamgate.cluster.metadata.MetadataReply.Accepted;
import io.streamgate.cluster.metadata.MetadataReply.Reason;
import io.streamgate.cluster.metadata.MetadataReply.Refused;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.ApiKey;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.cluster.security.ScramCredential;
import io.streamgate.cluster.security.ScramMechanism;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one byte format of the metadata log: its commands (log entries), replies and snapshots. What
 * it writes stays on disk for as long as the log and snapshots do, so it only ever grows: a new
 * command takes a new tag, a changed layout a new {@link #FORMAT} byte. {@code MetadataCodecTest}
 * pins the bytes. (Until the log is wired in and released, no node has written format 1, and it
 * still changes in place.)
 *
 * <p>Big-endian. Every record starts with the format byte ({@value #FORMAT}); a command then has its
 * tag byte, a reply 0 (accepted: value int64) or 1 (refused: reason int8, detail string). Strings are
 * an int32 byte length and UTF-8; a nullable string is a presence byte (0 or 1) before it; a list is
 * an int32 count and its items; a map is an int32 count and its entries sorted by key. A topic is its
 * name, partition count (int32), replication factor (int32), config map, partition list, version
 * (int64), deleted flag (int8) and (from snapshot format 6 on) id (two int64, most significant
 * first); a partition its nullable leader, leader epoch (int32), replicas
 * and ISR; a node its id, address, lease epoch (int64), renewals (int64) and (from snapshot format 5 on) stopping flag (int8), (from format 8 on) rack (nullable string) and (from format 9 on) removed flag (int8). A command's fields
 * follow in its record's order; an election's fence is nullable (a presence byte, then node, lease
 * epoch and renewals). An ACL is its resource type, resource name, pattern type, principal, host,
 * operation and permission, each enum an int8 holding Kafka's code for it (so that the numbers are
 * never Java's ordinals); an API key its id, owner ({@code type:name}), creation time (int64) and
 * secret hash (a list of bytes); a SCRAM credential its user, mechanism (int8, Kafka's code), salt
 * (a list of bytes), iterations (int32), StoredKey and ServerKey (lists of bytes), and a credential's
 * id its user and mechanism. A snapshot is the topic list, then the node list, then (from
 * snapshot format 2 on) the next free producer id (int64), then (from format 3 on) the ACL list and
 * the API key list, sorted by id, then (from format 4 on) the SCRAM credential list, sorted by user
 * and mechanism; a format-1 snapshot, from before producer ids, reads as none
 * handed out, and one of format 1 or 2, from before ACLs and keys, as none made, one before format 4 as no SCRAM credentials,
 * one before format 5 as no node stopping, one before format 6 with each topic's id derived
 * from its name ({@link TopicId#derived}), one before format 7 as no partition moving and no
 * replication throttle (format 7 appends both: see {@code writeMoves}), and one before format 9 with
 * no node removed. RemoveNode is tag 90 (node, forget flag int8). A CreateTopic is tag 15, its id before the topic; tag 1,
 * from before topic ids, has none and reads with a null id.
 *
 * <p>Racks (format 8): a node in a snapshot of format 8 on has its rack (a nullable string) after
 * its stopping flag; one before reads as in no rack. A RegisterNode with a rack is written in format
 * 8, the rack (nullable string) after the address; one without, as before, in format 1, which a
 * node from before racks reads (a rolling upgrade of a cluster without racks).
 *
 * <p>Format 10: a DeleteTopic with the id it expects (Kafka's delete by id) is written in format
 * 10, tag 2, the name, then the id (two int64); one without, as before, in format 1. Refusal reason
 * 100 (UNKNOWN_TOPIC_ID) is its reply's. A ReassignPartition that may replace a move under way and
 * change the replication factor is written in format 10, tag 16, its fields as in format 1; one of
 * format 1 is applied by the rules before (a node from before format 10 reads and applies it alike).
 */
public final class MetadataCodec {
  public static final byte FORMAT = 1;
  /**
   * The format snapshots are written in: 2 added the next producer id, 3 the ACLs and API keys, 4 the
   * SCRAM credentials, 5 the nodes' stopping flag, 6 the topics' ids, 7 the moving partitions and
   * the replication throttle, 8 the nodes' racks, 9 the nodes' removed flag.
   */
  public static final byte STATE_FORMAT = 9;
  /** The format of a snapshot with the nodes' racks, and of a RegisterNode with a rack. */
  private static final byte RACK_FORMAT = 8;
  /**
   * The format of a DeleteTopic with the topic id it expects (Kafka's delete by id), and of a
   * ReassignPartition that may replace a move or change the replication factor.
   */
  private static final byte FORMAT_10 = 10;

  private static final byte CREATE_TOPIC = 1;
  private static final byte DELETE_TOPIC = 2;
  private static final byte UPDATE_TOPIC = 3;
  private static final byte ELECT_LEADER = 4;
  private static final byte CHANGE_ISR = 5;
  private static final byte REGISTER_NODE = 6;
  private static final byte RENEW_LEASE = 7;
  private static final byte ALLOCATE_PRODUCER_IDS = 8;
  private static final byte CREATE_ACLS = 9;
  private static final byte DELETE_ACLS = 10;
  private static final byte CREATE_API_KEY = 11;
  private static final byte REVOKE_API_KEY = 12;
  private static final byte ALTER_SCRAM_CREDENTIALS = 13;
  private static final byte STOP_NODE = 14;
  /** CreateTopic since topic ids: the id (two int64) before the topic; tag 1 is one without. */
  private static final byte CREATE_TOPIC_WITH_ID = 15;
  // Moving partitions (snapshot format 7).
  private static final byte REASSIGN_PARTITION = 16;
  private static final byte COMPLETE_REASSIGNMENT = 17;
  private static final byte CANCEL_REASSIGNMENT = 18;
  private static final byte SET_REPLICATION_THROTTLE = 19;
  /** The quorum membership's commands take tags from 90 on (format 9), apart from other additions. */
  private static final byte REMOVE_NODE = 90;

  // Kafka's codes (org.apache.kafka.common.resource.ResourceType, PatternType, acl.AclOperation, AclPermissionType).
  private static final Map<ResourceType, Integer> RESOURCE_TYPES = Map.of(ResourceType.TOPIC, 2, ResourceType.GROUP, 3,
      ResourceType.CLUSTER, 4);
  private static final Map<PatternType, Integer> PATTERN_TYPES = Map.of(PatternType.LITERAL, 3, PatternType.PREFIXED, 4);
  private static final Map<AclOperation, Integer> OPERATIONS = Map.ofEntries(Map.entry(AclOperation.ALL, 2),
      Map.entry(AclOperation.READ, 3), Map.entry(AclOperation.WRITE, 4), Map.entry(AclOperation.CREATE, 5),
      Map.entry(AclOperation.DELETE, 6), Map.entry(AclOperation.ALTER, 7), Map.entry(AclOperation.DESCRIBE, 8),
      Map.entry(AclOperation.CLUSTER_ACTION, 9), Map.entry(AclOperation.DESCRIBE_CONFIGS, 10),
      Map.entry(AclOperation.ALTER_CONFIGS, 11), Map.entry(AclOperation.IDEMPOTENT_WRITE, 12));
  private static final Map<AclPermission, Integer> PERMISSIONS = Map.of(AclPermission.DENY, 2, AclPermission.ALLOW, 3);

  private static final Comparator<ScramCredential> SCRAM_ORDER = Comparator.comparing(ScramCredential::user)
      .thenComparing(ScramCredential::mechanism);

  private MetadataCodec() {}

  public static byte[] encode(MetadataCommand command) {
    if (command instanceof DeleteTopic delete && delete.expectedId() != null) {
      return write(FORMAT_10, out -> {
        out.writeByte(DELETE_TOPIC);
        writeString(out, delete.topic());
        writeTopicId(out, delete.expectedId());
      });
    }
    if (command instanceof ReassignPartition reassign && reassign.mayReplaceOrResize()) {
      return write(FORMAT_10, out -> writeReassignmentCommand(out, reassign));
    }
    if (command instanceof RegisterNode register && register.rack() != null) {
      return write(RACK_FORMAT, out -> {
        out.writeByte(REGISTER_NODE);
        writeString(out, register.node());
        writeString(out, register.address());
        writeNullableString(out, register.rack());
      });
    }
    return write(out -> {
      if (command instanceof CreateTopic create) {
        // Without an id it is an entry from before topic ids, and is written as it was then.
        out.writeByte(create.id() == null ? CREATE_TOPIC : CREATE_TOPIC_WITH_ID);
        if (create.id() != null) {
          writeTopicId(out, create.id());
        }
        writeTopicMetadata(out, create.topic());
        writeList(out, create.partitions(), MetadataCodec::writePartition);
      } else if (command instanceof DeleteTopic delete) {
        out.writeByte(DELETE_TOPIC);
        writeString(out, delete.topic());
      } else if (command instanceof UpdateTopic update) {
        out.writeByte(UPDATE_TOPIC);
        writeString(out, update.topic());
        out.writeLong(update.expectedVersion());
        writeMap(out, update.config());
        writeList(out, update.addedPartitions(), MetadataCodec::writePartition);
      } else if (command instanceof ElectLeader elect) {
        out.writeByte(ELECT_LEADER);
        writeString(out, elect.topic());
        out.writeInt(elect.partition());
        out.writeInt(elect.expectedEpoch());
        writeNullableString(out, elect.newLeader());
        writeList(out, elect.newIsr(), MetadataCodec::writeString);
        out.writeBoolean(elect.fence() != null);
        if (elect.fence() != null) {
          writeString(out, elect.fence().node());
          out.writeLong(elect.fence().leaseEpoch());
          out.writeLong(elect.fence().renewals());
        }
      } else if (command instanceof ChangeIsr change) {
        out.writeByte(CHANGE_ISR);
        writeString(out, change.topic());
        out.writeInt(change.partition());
        out.writeInt(change.leaderEpoch());
        writeList(out, change.newIsr(), MetadataCodec::writeString);
      } else if (command instanceof RegisterNode register) {
        out.writeByte(REGISTER_NODE);
        writeString(out, register.node());
        writeString(out, register.address());
      } else if (command instanceof AllocateProducerIds allocate) {
        out.writeByte(ALLOCATE_PRODUCER_IDS);
        out.writeInt(allocate.count());
      } else if (command instanceof CreateAcls create) {
        out.writeByte(CREATE_ACLS);
        writeList(out, create.acls(), MetadataCodec::writeAcl);
      } else if (command instanceof DeleteAcls delete) {
        out.writeByte(DELETE_ACLS);
        writeList(out, delete.acls(), MetadataCodec::writeAcl);
      } else if (command instanceof CreateApiKey create) {
        out.writeByte(CREATE_API_KEY);
        writeApiKey(out, create.key());
      } else if (command instanceof RevokeApiKey revoke) {
        out.writeByte(REVOKE_API_KEY);
        writeString(out, revoke.id());
      } else if (command instanceof AlterScramCredentials alter) {
        out.writeByte(ALTER_SCRAM_CREDENTIALS);
        writeList(out, alter.upsertions(), MetadataCodec::writeScramCredential);
        writeList(out, alter.deletions(), MetadataCodec::writeScramId);
      } else if (command instanceof StopNode stop) {
        out.writeByte(STOP_NODE);
        writeString(out, stop.node());
        out.writeLong(stop.leaseEpoch());
      } else if (isReassignmentCommand(command)) {
        writeReassignmentCommand(out, command);
      } else if (command instanceof RemoveNode remove) {
        out.writeByte(REMOVE_NODE);
        writeString(out, remove.node());
        out.writeBoolean(remove.forget());
      } else {
        RenewLease renew = (RenewLease) command; // the last of the sealed interface's records
        out.writeByte(RENEW_LEASE);
        writeString(out, renew.node());
        out.writeLong(renew.leaseEpoch());
      }
    });
  }

  public static MetadataCommand decodeCommand(byte[] bytes) {
    return read(bytes, FORMAT_10, (in, format) -> {
      if (format != FORMAT && format != RACK_FORMAT && format != FORMAT_10) {
        throw new MetadataFormatException("unknown metadata format " + format + " of a command");
      }
      byte tag = in.get();
      if (format == FORMAT_10) {
        return switch (tag) {
          case DELETE_TOPIC -> new DeleteTopic(readString(in), readTopicId(in));
          case REASSIGN_PARTITION -> readReassignPartition(in, true);
          default -> throw new MetadataFormatException("command tag " + tag + " in format " + format);
        };
      }
      if (format == RACK_FORMAT) {
        if (tag != REGISTER_NODE) {
          throw new MetadataFormatException("command tag " + tag + " in format " + format);
        }
        return new RegisterNode(readString(in), readString(in), readNullableString(in));
      }
      return switch (tag) {
        case CREATE_TOPIC -> new CreateTopic(null, readTopicMetadata(in), readList(in, MetadataCodec::readPartition));
        case CREATE_TOPIC_WITH_ID -> new CreateTopic(readTopicId(in), readTopicMetadata(in),
            readList(in, MetadataCodec::readPartition));
        case DELETE_TOPIC -> new DeleteTopic(readString(in));
        case UPDATE_TOPIC -> new UpdateTopic(readString(in), in.getLong(), readMap(in), readList(in, MetadataCodec::readPartition));
        case ELECT_LEADER -> new ElectLeader(readString(in), in.getInt(), in.getInt(), readNullableString(in),
            readList(in, MetadataCodec::readString), readBoolean(in) ? readFence(in) : null);
        case CHANGE_ISR -> new ChangeIsr(readString(in), in.getInt(), in.getInt(), readList(in, MetadataCodec::readString));
        case REGISTER_NODE -> new RegisterNode(readString(in), readString(in));
        case RENEW_LEASE -> new RenewLease(readString(in), in.getLong());
        case ALLOCATE_PRODUCER_IDS -> new AllocateProducerIds(in.getInt());
        case CREATE_ACLS -> new CreateAcls(readList(in, MetadataCodec::readAcl));
        case DELETE_ACLS -> new DeleteAcls(readList(in, MetadataCodec::readAcl));
        case CREATE_API_KEY -> new CreateApiKey(readApiKey(in));
        case REVOKE_API_KEY -> new RevokeApiKey(readString(in));
        case ALTER_SCRAM_CREDENTIALS -> new AlterScramCredentials(readList(in, MetadataCodec::readScramCredential),
            readList(in, MetadataCodec::readScramId));
        case STOP_NODE -> new StopNode(readString(in), in.getLong());
        case REASSIGN_PARTITION -> readReassignPartition(in, false);
        case COMPLETE_REASSIGNMENT -> new CompleteReassignment(readString(in), in.getInt(), in.getInt());
        case CANCEL_REASSIGNMENT -> new CancelReassignment(readString(in), in.getInt(), in.getInt());
        case SET_REPLICATION_THROTTLE -> new SetReplicationThrottle(in.getLong());
        case REMOVE_NODE -> new RemoveNode(readString(in), readBoolean(in));
        default -> throw new MetadataFormatException("unknown command tag " + tag);
      };
    });
  }

  public static byte[] encode(MetadataReply reply) {
    return write(out -> {
      if (reply instanceof Accepted accepted) {
        out.writeByte(0);
        out.writeLong(accepted.value());
      } else {
        Refused refused = (Refused) reply;
        out.writeByte(1);
        out.writeByte(refused.reason().code());
        writeString(out, refused.detail());
      }
    });
  }

  public static MetadataReply decodeReply(byte[] bytes) {
    return read(bytes, in -> {
      byte tag = in.get();
      return switch (tag) {
        case 0 -> new Accepted(in.getLong());
        case 1 -> new Refused(Reason.forCode(in.get()), readString(in));
        default -> throw new MetadataFormatException("unknown reply tag " + tag);
      };
    });
  }

  public static byte[] encode(MetadataState state) {
    return write(STATE_FORMAT, out -> {
      writeList(out, List.copyOf(state.topics().values()), MetadataCodec::writeTopic);
      writeList(out, List.copyOf(state.nodes().values()), MetadataCodec::writeNode);
      out.writeLong(state.nextProducerId());
      writeList(out, state.acls(), MetadataCodec::writeAcl);
      writeList(out, state.apiKeys().values().stream().sorted(Comparator.comparing(ApiKey::id)).toList(),
          MetadataCodec::writeApiKey);
      writeList(out, state.scramCredentials().values().stream().sorted(SCRAM_ORDER).toList(), MetadataCodec::writeScramCredential);
      writeMoves(out, state);
    });
  }

  public static MetadataState decodeState(byte[] bytes) {
    return read(bytes, STATE_FORMAT, (in, format) -> {
      TreeMap<String, TopicState> topics = new TreeMap<>();
      readList(in, buffer -> readTopic(buffer, format)).forEach(topic -> topics.put(topic.name(), topic));
      TreeMap<String, NodeState> nodes = new TreeMap<>();
      readList(in, buffer -> readNode(buffer, format)).forEach(node -> nodes.put(node.id(), node));
      long nextProducerId = format >= 2 ? in.getLong() : 0;
      if (nextProducerId < 0) {
        throw new MetadataFormatException("next producer id " + nextProducerId);
      }
      List<AclBinding> acls = format >= 3 ? readList(in, MetadataCodec::readAcl) : List.of();
      Map<String, ApiKey> apiKeys = new TreeMap<>();
      for (ApiKey key : format >= 3 ? readList(in, MetadataCodec::readApiKey) : List.<ApiKey>of()) {
        if (apiKeys.put(key.id(), key) != null) {
          throw new MetadataFormatException("API key " + key.id() + " twice");
        }
      }
      Map<ScramCredential.Id, ScramCredential> scram = new TreeMap<>(Comparator.comparing(ScramCredential.Id::user)
          .thenComparing(ScramCredential.Id::mechanism));
      for (ScramCredential credential : format >= 4 ? readList(in, MetadataCodec::readScramCredential)
          : List.<ScramCredential>of()) {
        if (scram.put(credential.id(), credential) != null) {
          throw new MetadataFormatException(credential + " twice");
        }
      }
      long throttle = format >= 7 ? readMoves(in, topics) : MetadataState.NO_THROTTLE;
      return new MetadataState(topics, nodes, nextProducerId, acls, apiKeys, scram, throttle);
    });
  }

  // ------------------------------------------------ writing

  private interface Writer<T> {
    void write(DataOutputStream out, T value) throws IOException;
  }

  private interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  private static byte[] write(Body body) {
    return write(FORMAT, body);
  }

  private static byte[] write(byte format, Body body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(format);
      body.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }

  private static void writeString(DataOutputStream out, String value) throws IOException {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static void writeNullableString(DataOutputStream out, String value) throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      writeString(out, value);
    }
  }

  private static <T> void writeList(DataOutputStream out, List<T> items, Writer<T> writer) throws IOException {
    out.writeInt(items.size());
    for (T item : items) {
      writer.write(out, item);
    }
  }

  private static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
    out.writeInt(map.size());
    for (Map.Entry<String, String> entry : new TreeMap<>(map).entrySet()) {
      writeString(out, entry.getKey());
      writeString(out, entry.getValue());
    }
  }

  private static void writeTopicMetadata(DataOutputStream out, TopicMetadata topic) throws IOException {
    writeString(out, topic.name());
    out.writeInt(topic.partitions());
    out.writeInt(topic.replicationFactor());
    writeMap(out, topic.config());
  }

  private static void writePartition(DataOutputStream out, PartitionState partition) throws IOException {
    writeNullableString(out, partition.leader());
    out.writeInt(partition.leaderEpoch());
    writeList(out, partition.replicas(), MetadataCodec::writeString);
    writeList(out, partition.isr(), MetadataCodec::writeString);
  }

  private static void writeTopic(DataOutputStream out, TopicState topic) throws IOException {
    writeTopicMetadata(out, topic.topic());
    writeList(out, topic.partitions(), MetadataCodec::writePartition);
    out.writeLong(topic.version());
    out.writeBoolean(topic.deleted());
    writeTopicId(out, topic.id());
  }

  private static void writeTopicId(DataOutputStream out, TopicId id) throws IOException {
    out.writeLong(id.mostSignificantBits());
    out.writeLong(id.leastSignificantBits());
  }

  private static void writeNode(DataOutputStream out, NodeState node) throws IOException {
    writeString(out, node.id());
    writeString(out, node.address());
    out.writeLong(node.leaseEpoch());
    out.writeLong(node.renewals());
    out.writeBoolean(node.stopping());
    writeNullableString(out, node.rack());
    out.writeBoolean(node.removed());
  }

  private static void writeAcl(DataOutputStream out, AclBinding acl) throws IOException {
    out.writeByte(RESOURCE_TYPES.get(acl.resourceType()));
    writeString(out, acl.resourceName());
    out.writeByte(PATTERN_TYPES.get(acl.patternType()));
    writeString(out, acl.principal());
    writeString(out, acl.host());
    out.writeByte(OPERATIONS.get(acl.operation()));
    out.writeByte(PERMISSIONS.get(acl.permission()));
  }

  private static void writeApiKey(DataOutputStream out, ApiKey key) throws IOException {
    writeString(out, key.id());
    writeString(out, key.principal().toString());
    out.writeLong(key.createdMs());
    byte[] hash = key.secretHash();
    out.writeInt(hash.length);
    out.write(hash);
  }

  private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static void writeScramId(DataOutputStream out, ScramCredential.Id id) throws IOException {
    writeString(out, id.user());
    out.writeByte(id.mechanism().code());
  }

  private static void writeScramCredential(DataOutputStream out, ScramCredential credential) throws IOException {
    writeScramId(out, credential.id());
    writeBytes(out, credential.salt());
    out.writeInt(credential.iterations());
    writeBytes(out, credential.storedKey());
    writeBytes(out, credential.serverKey());
  }

  // ------------------------------------------------ reading

  private interface Reader<T> {
    T read(ByteBuffer in);
  }

  /** Reads a record of the single format {@link #FORMAT}. */
  private static <T> T read(byte[] bytes, Reader<T> body) {
    return read(bytes, FORMAT, (in, format) -> body.read(in));
  }

  private interface VersionedReader<T> {
    T read(ByteBuffer in, byte format);
  }

  /** Reads a record of any format from 1 to {@code newestFormat}; {@code body} reads by the format found. */
  private static <T> T read(byte[] bytes, byte newestFormat, VersionedReader<T> body) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      byte format = in.get();
      if (format < FORMAT || format > newestFormat) {
        throw new MetadataFormatException("unknown metadata format " + format);
      }
      T value = body.read(in, format);
      if (in.hasRemaining()) {
        throw new MetadataFormatException(in.remaining() + " bytes after the end");
      }
      return value;
    } catch (BufferUnderflowException e) {
      throw new MetadataFormatException("truncated at byte " + in.position() + " of " + bytes.length, e);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new MetadataFormatException("invalid value: " + e.getMessage(), e); // e.g. a duplicate config key
    }
  }

  /** A length or count, checked against what is left so that bad bytes cannot make a huge allocation. */
  private static int readCount(ByteBuffer in) {
    int count = in.getInt();
    if (count < 0 || count > in.remaining()) {
      throw new MetadataFormatException("count " + count + " at byte " + (in.position() - 4) + " exceeds the "
          + in.remaining() + " bytes left");
    }
    return count;
  }

  private static String readString(ByteBuffer in) {
    byte[] utf8 = new byte[readCount(in)];
    in.get(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  private static String readNullableString(ByteBuffer in) {
    return readBoolean(in) ? readString(in) : null;
  }

  private static boolean readBoolean(ByteBuffer in) {
    byte value = in.get();
    if (value != 0 && value != 1) {
      throw new MetadataFormatException("flag " + value + " at byte " + (in.position() - 1));
    }
    return value == 1;
  }

  private static <T> List<T> readList(ByteBuffer in, Reader<T> reader) {
    int count = readCount(in);
    List<T> items = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      items.add(reader.read(in));
    }
    return items;
  }

  private static Map<String, String> readMap(ByteBuffer in) {
    int count = readCount(in);
    Map<String, String> map = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      if (map.put(readString(in), readString(in)) != null) {
        throw new MetadataFormatException("duplicate key at byte " + in.position());
      }
    }
    return map;
  }

  private static TopicMetadata readTopicMetadata(ByteBuffer in) {
    return new TopicMetadata(readString(in), in.getInt(), in.getInt(), readMap(in));
  }

  private static PartitionState readPartition(ByteBuffer in) {
    return new PartitionState(readNullableString(in), in.getInt(), readList(in, MetadataCodec::readString),
        readList(in, MetadataCodec::readString));
  }

  private static TopicState readTopic(ByteBuffer in, byte format) {
    TopicMetadata topic = readTopicMetadata(in);
    List<PartitionState> partitions = readList(in, MetadataCodec::readPartition);
    long version = in.getLong();
    boolean deleted = readBoolean(in);
    // Before format 6 a topic had no id: every node derives the same one from its name (see TopicId.derived).
    TopicId id = format >= 6 ? readTopicId(in) : TopicId.derived(topic.name());
    return new TopicState(id, topic, partitions, version, deleted);
  }

  private static TopicId readTopicId(ByteBuffer in) {
    return new TopicId(in.getLong(), in.getLong()); // a reserved id is an IllegalArgumentException: a format error
  }

  private static Fence readFence(ByteBuffer in) {
    return new Fence(readString(in), in.getLong(), in.getLong());
  }

  private static NodeState readNode(ByteBuffer in, byte format) {
    return new NodeState(readString(in), readString(in), in.getLong(), in.getLong(), format >= 5 && readBoolean(in),
        format >= RACK_FORMAT ? readNullableString(in) : null, format >= 9 && readBoolean(in));
  }

  private static AclBinding readAcl(ByteBuffer in) {
    return new AclBinding(readCode(in, RESOURCE_TYPES), readString(in), readCode(in, PATTERN_TYPES), readString(in),
        readString(in), readCode(in, OPERATIONS), readCode(in, PERMISSIONS));
  }

  private static <E extends Enum<E>> E readCode(ByteBuffer in, Map<E, Integer> codes) {
    byte code = in.get();
    return codes.entrySet().stream().filter(entry -> entry.getValue() == code).map(Map.Entry::getKey).findFirst()
        .orElseThrow(() -> new MetadataFormatException("unknown code " + code + " at byte " + (in.position() - 1)));
  }

  private static ApiKey readApiKey(ByteBuffer in) {
    String id = readString(in);
    Principal owner = Principal.parse(readString(in));
    long createdMs = in.getLong();
    byte[] hash = new byte[readCount(in)];
    in.get(hash);
    return new ApiKey(id, owner, createdMs, hash);
  }

  private static byte[] readBytes(ByteBuffer in) {
    byte[] bytes = new byte[readCount(in)];
    in.get(bytes);
    return bytes;
  }

  private static ScramCredential.Id readScramId(ByteBuffer in) {
    String user = readString(in);
    byte code = in.get();
    return new ScramCredential.Id(user, ScramMechanism.forCode(code)
        .orElseThrow(() -> new MetadataFormatException("unknown SCRAM mechanism " + code + " at byte " + (in.position() - 1))));
  }

  private static ScramCredential readScramCredential(ByteBuffer in) {
    ScramCredential.Id id = readScramId(in);
    return new ScramCredential(id.user(), id.mechanism(), readBytes(in), in.getInt(), readBytes(in), readBytes(in));
  }

  // ------------------------------------------------ moving partitions (snapshot format 7)

  private static boolean isReassignmentCommand(MetadataCommand command) {
    return command instanceof ReassignPartition || command instanceof CompleteReassignment
        || command instanceof CancelReassignment || command instanceof SetReplicationThrottle;
  }

  private static void writeReassignmentCommand(DataOutputStream out, MetadataCommand command) throws IOException {
    if (command instanceof ReassignPartition reassign) {
      out.writeByte(REASSIGN_PARTITION);
      writeString(out, reassign.topic());
      out.writeInt(reassign.partition());
      out.writeInt(reassign.expectedEpoch());
      writeList(out, reassign.target(), MetadataCodec::writeString);
    } else if (command instanceof CompleteReassignment complete) {
      out.writeByte(COMPLETE_REASSIGNMENT);
      writeString(out, complete.topic());
      out.writeInt(complete.partition());
      out.writeInt(complete.expectedEpoch());
    } else if (command instanceof CancelReassignment cancel) {
      out.writeByte(CANCEL_REASSIGNMENT);
      writeString(out, cancel.topic());
      out.writeInt(cancel.partition());
      out.writeInt(cancel.expectedEpoch());
    } else {
      out.writeByte(SET_REPLICATION_THROTTLE);
      out.writeLong(((SetReplicationThrottle) command).bytesPerSecond());
    }
  }

  private static ReassignPartition readReassignPartition(ByteBuffer in, boolean mayReplaceOrResize) {
    return new ReassignPartition(readString(in), in.getInt(), in.getInt(), readList(in, MetadataCodec::readString),
        mayReplaceOrResize);
  }

  /**
   * The replication throttle (int64), then the moving partitions: each its topic, partition (int32),
   * adding and removing replicas; every other partition is not moving. Kept apart from the topics so
   * that a snapshot of an older format needs no other change to read as nothing moving.
   */
  private static void writeMoves(DataOutputStream out, MetadataState state) throws IOException {
    out.writeLong(state.replicationThrottle());
    List<Move> moves = new ArrayList<>();
    for (TopicState topic : state.topics().values()) {
      for (int p = 0; p < topic.partitions().size(); p++) {
        PartitionState partition = topic.partition(p);
        if (partition.moving()) {
          moves.add(new Move(topic.name(), p, partition.adding(), partition.removing()));
        }
      }
    }
    writeList(out, moves, (o, move) -> {
      writeString(o, move.topic());
      o.writeInt(move.partition());
      writeList(o, move.adding(), MetadataCodec::writeString);
      writeList(o, move.removing(), MetadataCodec::writeString);
    });
  }

  private record Move(String topic, int partition, List<String> adding, List<String> removing) {}

  /** Reads what {@link #writeMoves} wrote into {@code topics}; answers the throttle. */
  private static long readMoves(ByteBuffer in, Map<String, TopicState> topics) {
    long throttle = in.getLong();
    if (throttle < 0) {
      throw new MetadataFormatException("replication throttle " + throttle);
    }
    List<Move> moves = readList(in, buffer -> new Move(readString(buffer), buffer.getInt(),
        readList(buffer, MetadataCodec::readString), readList(buffer, MetadataCodec::readString)));
    for (Move move : moves) {
      TopicState topic = topics.get(move.topic());
      if (topic == null || move.partition() < 0 || move.partition() >= topic.partitions().size()) {
        throw new MetadataFormatException("a move of " + move.topic() + "-" + move.partition() + ", which is no partition");
      }
      topics.put(move.topic(), new TopicState(topic.id(), topic.topic(), movedPartitions(topic, move), topic.version(),
          topic.deleted()));
    }
    return throttle;
  }

  private static List<PartitionState> movedPartitions(TopicState topic, Move move) {
    List<PartitionState> partitions = new ArrayList<>(topic.partitions());
    PartitionState p = partitions.get(move.partition());
    partitions.set(move.partition(), new PartitionState(p.leader(), p.leaderEpoch(), p.replicas(), p.isr(), move.adding(),
        move.removing()));
    return partitions;
  }
}
