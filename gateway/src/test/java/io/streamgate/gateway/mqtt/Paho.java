package io.streamgate.gateway.mqtt;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

/** Eclipse Paho clients (MQTT 3.1.1 and 5.0) connected to a test node, and what they receive. */
public final class Paho {
  private Paho() {}

  /** A message as a subscriber got it. */
  record Received(String topic, String payload, int qos) {}

  public static MqttClient v3(int port, String clientId) throws MqttException {
    MqttClient client = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(true);
    options.setConnectionTimeout(10);
    options.setKeepAliveInterval(30);
    client.connect(options);
    // Without it, a call whose connection the server closes meanwhile may wait forever.
    client.setTimeToWait(10_000);
    return client;
  }

  static org.eclipse.paho.mqttv5.client.MqttClient v5(int port, String clientId) throws org.eclipse.paho.mqttv5.common.MqttException {
    org.eclipse.paho.mqttv5.client.MqttClient client =
        new org.eclipse.paho.mqttv5.client.MqttClient("tcp://127.0.0.1:" + port, clientId,
            new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    MqttConnectionOptions options = new MqttConnectionOptions();
    options.setCleanStart(true);
    options.setConnectionTimeout(10);
    options.setKeepAliveInterval(30);
    client.connect(options);
    client.setTimeToWait(10_000);
    return client;
  }

  /** Subscribes a 3.1.1 client; the list fills as messages arrive. */
  static List<Received> subscribe(MqttClient client, String filter, int qos) throws MqttException {
    List<Received> received = new CopyOnWriteArrayList<>();
    client.subscribe(filter, qos, (topic, message) -> received
        .add(new Received(topic, new String(message.getPayload(), java.nio.charset.StandardCharsets.UTF_8), message.getQos())));
    return received;
  }

  public static void closeQuietly(MqttClient client) {
    if (client == null) {
      return;
    }
    try {
      if (client.isConnected()) {
        client.disconnect(2000);
      }
      client.close();
    } catch (MqttException e) {
      // The test is over; a client that will not close cleanly must not fail it.
    }
  }

  static void closeQuietly(org.eclipse.paho.mqttv5.client.MqttClient client) {
    if (client == null) {
      return;
    }
    try {
      if (client.isConnected()) {
        client.disconnect(2000);
      }
      client.close();
    } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
      // The test is over; a client that will not close cleanly must not fail it.
    }
  }

  /**
   * Collects the payloads a 3.1.1 client gets through its callback: messages no subscription
   * listener took, such as a resumed session's or a shared subscription's (Paho matches a listener's
   * filter as written, {@code $share} prefix included).
   */
  record V3Collector(List<String> got) implements org.eclipse.paho.client.mqttv3.MqttCallback {
    @Override
    public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
      got.add(new String(message.getPayload(), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void connectionLost(Throwable cause) {}

    @Override
    public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {}
  }

  /** An MQTT 5 client's callback, handing each message to {@code onMessage}; see {@link V3Collector}. */
  record V5Callback(java.util.function.Consumer<org.eclipse.paho.mqttv5.common.MqttMessage> onMessage)
      implements
        org.eclipse.paho.mqttv5.client.MqttCallback {
    /** Collects the payloads. */
    static V5Callback collecting(List<String> got) {
      return new V5Callback(message -> got.add(new String(message.getPayload(), java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Override
    public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage message) {
      onMessage.accept(message);
    }

    @Override
    public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse response) {}

    @Override
    public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException exception) {}

    @Override
    public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverUri) {}

    @Override
    public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties properties) {}
  }
}
