package io.streamgate.gateway.mqtt;

import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttEndpoint;
import java.lang.reflect.Field;

/**
 * The socket under a vertx-mqtt endpoint. The endpoint offers neither pause/resume (to stop reading
 * from a client whose publishes are still being appended) nor a write-queue signal (to stop reading
 * the log for a slow subscriber); its NetSocket has both. vertx-mqtt 5.0 keeps it in the private
 * field {@code MqttEndpointImpl.conn}: a vertx-mqtt upgrade may need to revisit this, and the
 * backpressure tests fail if it breaks.
 */
final class EndpointSocket {
  private static final Field CONN = connField();

  private EndpointSocket() {}

  /**
   * Vert.x flushes every write made outside a read: PUBACKs for a batch that committed, or records
   * sent to a subscriber, went out one write system call each. Netty's FlushConsolidationHandler at
   * the head of the pipeline turns the flushes of one event-loop task into one (as HttpApiVerticle
   * does for HTTP), through Vert.x's internal NetSocketInternal.
   */
  static void consolidateFlushes(NetSocket socket) {
    if (socket instanceof io.vertx.core.internal.net.NetSocketInternal internal) {
      internal.channelHandlerContext().pipeline().addFirst("flush-consolidation",
          new io.netty.handler.flush.FlushConsolidationHandler(256, true));
    }
  }

  /** The connection's Netty pipeline, where {@link MqttPipeline} put its handlers. */
  static io.netty.channel.ChannelPipeline pipeline(NetSocket socket) {
    return ((io.vertx.core.internal.net.NetSocketInternal) socket).channelHandlerContext().pipeline();
  }

  /**
   * Writes a packet as it is, past the endpoint: vertx-mqtt 5.0.7's {@code publishReceived(id,
   * reasonCode, properties)} leaves the reason code out of the PUBREC it builds, so a failed PUBREC
   * goes this way.
   */
  static void write(NetSocket socket, io.netty.handler.codec.mqtt.MqttMessage packet) {
    ((io.vertx.core.internal.net.NetSocketInternal) socket).writeMessage(packet);
  }

  static NetSocket of(MqttEndpoint endpoint) {
    try {
      return (NetSocket) CONN.get(endpoint);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot reach the socket of " + endpoint.getClass().getName(), e);
    }
  }

  private static Field connField() {
    try {
      Field field = Class.forName("io.vertx.mqtt.impl.MqttEndpointImpl").getDeclaredField("conn");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new ExceptionInInitializerError("vertx-mqtt changed: MqttEndpointImpl.conn is gone (" + e + ")");
    }
  }
}
