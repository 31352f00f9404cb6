package io.streamgate.cluster.groups;

import io.streamgate.cluster.groups.GroupService.MemberDescription;
import io.streamgate.logstore.TopicPartition;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a description shows of a Kafka member: for protocol type {@code consumer}, the topics of its
 * subscription and the partitions of its assignment, read from the opaque bytes (Kafka's
 * {@code ConsumerProtocolSubscription} and {@code ConsumerProtocolAssignment}, every version: a
 * version, then the topics, resp. the topic-partitions, first, none of them flexible). Other protocol
 * types ({@code connect}, {@code stream}'s own user data) and bytes that do not read show none.
 * Pure.
 */
final class ConsumerProtocolBytes {
  static final String CONSUMER = "consumer";

  private ConsumerProtocolBytes() {}

  static MemberDescription describe(ClassicGroup group, ClassicGroup.Member member) {
    if (!CONSUMER.equals(group.protocolType) || group.protocolName == null) {
      return new MemberDescription(member.id, List.of(), member.sessionTimeoutMs, List.of());
    }
    return new MemberDescription(member.id, subscribedTopics(member.metadata(group.protocolName)), member.sessionTimeoutMs,
        assignedPartitions(member.assignment));
  }

  /** The topics of a {@code ConsumerProtocolSubscription}; none if the bytes do not read as one. */
  static List<String> subscribedTopics(byte[] subscription) {
    return subscription(subscription).orElse(List.of());
  }

  /** The topics of a {@code ConsumerProtocolSubscription}; empty if the bytes do not read as one. */
  static Optional<List<String>> subscription(byte[] subscription) {
    try {
      ByteBuffer buffer = ByteBuffer.wrap(subscription);
      buffer.getShort();
      int count = buffer.getInt();
      List<String> topics = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        topics.add(string(buffer));
      }
      return Optional.of(topics);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The partitions of a {@code ConsumerProtocolAssignment}; none if the bytes do not read as one. */
  static List<TopicPartition> assignedPartitions(byte[] assignment) {
    try {
      ByteBuffer buffer = ByteBuffer.wrap(assignment);
      if (!buffer.hasRemaining()) {
        return List.of();
      }
      buffer.getShort();
      int topics = buffer.getInt();
      List<TopicPartition> partitions = new ArrayList<>();
      for (int i = 0; i < topics; i++) {
        String topic = string(buffer);
        int count = buffer.getInt();
        for (int p = 0; p < count; p++) {
          partitions.add(new TopicPartition(topic, buffer.getInt()));
        }
      }
      partitions.sort(Group.PARTITION_ORDER);
      return partitions;
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      return List.of();
    }
  }

  private static String string(ByteBuffer buffer) {
    int length = buffer.getShort();
    if (length < 0 || length > buffer.remaining()) {
      throw new IllegalArgumentException("a string of " + length + " bytes");
    }
    byte[] bytes = new byte[length];
    buffer.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
