package io.streamgate.bench.http;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code mqtt-latency}: one MQTT client publishes at a fixed {@code --rate} (every millisecond, the
 * messages due by then), each payload starting with its send time; another, subscribed to the same
 * topic, measures publish → receive on the same clock. Any MQTT 3.1.1 broker.
 */
final class MqttLatency {
  private MqttLatency() {}

  static void run(Args args) throws Exception {
    String host = args.string("host", "127.0.0.1");
    int port = args.integer("port", 1883);
    int rate = args.integer("rate", 1000);
    MqttQoS qos = MqttQoS.valueOf(args.integer("qos", 1));
    int payloadBytes = args.integer("payload-bytes", 100);
    String topic = args.string("topic", "latency/probe");
    double duration = args.decimal("duration", 10);
    double warmup = args.decimal("warmup", 2);
    args.checkAllRead();

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    Histogram latency = new Histogram(Load.HIGHEST_US, 3);
    long[] counts = new long[3]; // published, received, received in window
    long measureStart;
    try {
      Context subscriberContext = vertx.getOrCreateContext();
      Context publisherContext = vertx.getOrCreateContext();
      MqttClient subscriber = MqttClient.create(vertx, new MqttClientOptions().setClientId("bench-latency-sub").setCleanSession(true)
          .setMaxMessageSize(Math.max(payloadBytes * 2, 8192)));
      MqttClient publisher = MqttClient.create(vertx, new MqttClientOptions().setClientId("bench-latency-pub").setCleanSession(true)
          .setMaxInflightQueue(65_535).setMaxMessageSize(Math.max(payloadBytes * 2, 8192)));
      long start = System.nanoTime();
      measureStart = start + (long) (warmup * 1e9);
      long windowStart = measureStart;
      Promise<Void> subscribed = Promise.promise();
      subscriberContext.runOnContext(v -> {
        subscriber.publishHandler(message -> {
          long now = System.nanoTime();
          String text = message.payload().toString(StandardCharsets.ISO_8859_1);
          int colon = text.indexOf(':');
          long sent = Long.parseLong(text.substring(0, colon));
          counts[1]++;
          if (sent >= windowStart) {
            counts[2]++;
            Load.recordUs(latency, now - sent);
          }
        });
        subscriber.subscribeCompletionHandler(ack -> subscribed.tryComplete());
        subscriber.connect(port, host).compose(ack -> subscriber.subscribe(topic, qos.value())).onFailure(subscribed::tryFail);
      });
      subscribed.future().await(30, TimeUnit.SECONDS);
      Promise<Void> connected = Promise.promise();
      publisherContext.runOnContext(v -> publisher.connect(port, host).<Void>mapEmpty().onComplete(connected));
      connected.future().await(30, TimeUnit.SECONDS);

      String padding = "x".repeat(Math.max(0, payloadBytes - 21));
      long end = measureStart + (long) (duration * 1e9);
      long producerStart = System.nanoTime();
      publisherContext.runOnContext(v -> vertx.setPeriodic(1, id -> {
        long now = System.nanoTime();
        if (now >= end) {
          vertx.cancelTimer(id);
          return;
        }
        long due = (long) ((now - producerStart) / 1e9 * rate) - counts[0];
        for (long i = 0; i < due; i++) {
          counts[0]++;
          publisher.publish(topic, Buffer.buffer(System.nanoTime() + ":" + padding), qos, false, false);
        }
      }));
      Thread.sleep((long) ((warmup + duration) * 1000));
      // Let what is in flight arrive, for up to 5 s.
      long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < drainUntil && counts[1] < counts[0]) {
        Thread.sleep(20);
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    new Result("mqtt-latency").put("host", host).put("port", port).put("rate", rate).put("qos", qos.value())
        .put("payloadBytes", payloadBytes).put("durationS", duration).put("published", counts[0]).put("received", counts[1])
        .put("measured", counts[2]).latencies(latency)
        .put("p50Ms", latency.getValueAtPercentile(50) / 1000.0).put("p99Ms", latency.getValueAtPercentile(99) / 1000.0)
        .print(String.format(Locale.ROOT,
            "%,d msg/s QoS %d: publish->receive p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%d of %d received)",
            rate, qos.value(), latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
            latency.getValueAtPercentile(99.9) / 1000.0, latency.getMaxValue() / 1000.0, counts[1], counts[0]));
  }
}
