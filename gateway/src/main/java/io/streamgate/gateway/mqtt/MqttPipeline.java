package io.streamgate.gateway.mqtt;

import io.netty.channel.ChannelPipeline;
import io.vertx.core.Handler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttServer;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * Puts {@link MqttFrameCheck} before Netty's MQTT decoder and {@link MqttPacketScreen} after it on
 * every connection of a vertx-mqtt server, from its first byte. vertx-mqtt offers no hook there: it
 * builds each connection's pipeline in the connect handler it gives its private NetServer (field
 * {@code MqttServerImpl.server}), so that NetServer is wrapped to add ours after vertx-mqtt's. A
 * vertx-mqtt upgrade may need to revisit this; {@code MqttBadInputTest} fails if it breaks.
 */
final class MqttPipeline {
  private static final Field SERVER = serverField();

  private MqttPipeline() {}

  /** Call before {@code listen()}. */
  static void screen(MqttServer server, int maxPacketBytes) {
    try {
      NetServer net = (NetServer) SERVER.get(server);
      SERVER.set(server, Proxy.newProxyInstance(NetServer.class.getClassLoader(), new Class<?>[] {NetServer.class},
          (proxy, method, args) -> {
            if (method.getName().equals("connectHandler") && args != null && args.length == 1) {
              @SuppressWarnings("unchecked")
              Handler<NetSocket> vertxMqtt = (Handler<NetSocket>) args[0];
              net.connectHandler(socket -> {
                vertxMqtt.handle(socket);
                addScreens(((NetSocketInternal) socket).channelHandlerContext().pipeline(), maxPacketBytes);
              });
              return proxy;
            }
            try {
              return method.invoke(net, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          }));
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot reach the NetServer of " + server.getClass().getName(), e);
    }
  }

  private static void addScreens(ChannelPipeline pipeline, int maxPacketBytes) {
    pipeline.addBefore("mqttDecoder", "streamgateFrameCheck", new MqttFrameCheck(maxPacketBytes));
    pipeline.addBefore("handler", "streamgatePacketScreen", new MqttPacketScreen());
  }

  private static Field serverField() {
    try {
      Field field = Class.forName("io.vertx.mqtt.impl.MqttServerImpl").getDeclaredField("server");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new ExceptionInInitializerError("vertx-mqtt changed: MqttServerImpl.server is gone (" + e + ")");
    }
  }
}
