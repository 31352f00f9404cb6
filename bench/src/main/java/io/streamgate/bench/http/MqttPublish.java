package io.streamgate.bench.http;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * {@code mqtt-publish}: {@code --publishers} MQTT clients publish as fast as the broker takes it, each
 * with up to {@code --inflight} messages outstanding, to its own topic {@code <prefix>/p<i>}. A QoS 1
 * message counts once its PUBACK arrives within the measured window (its latency is PUBLISH sent →
 * PUBACK). QoS 0 has no answer, and socket buffers hold megabytes, so QoS 0 is measured to the end:
 * when the time is up each publisher stops, sends one QoS 1 marker and waits for its PUBACK, which a
 * broker sends only after reading everything before it on that connection; the rate is every QoS 0
 * message written / the time from the first PUBLISH to the last marker's PUBACK. Works against any
 * MQTT 3.1.1 broker, so the same run measures Streamgate and Mosquitto alike.
 */
final class MqttPublish {
  private MqttPublish() {}

  /** One publisher's loop, confined to its client's event loop. */
  private static final class Publisher {
    final MqttClient client;
    final Context context;
    final String topic;
    final MqttQoS qos;
    final int inflight;
    final Buffer payload;
    final long[] sentAt = new long[65_536];
    int outstanding;
    boolean pumpScheduled;
    final Promise<Void> markerAcknowledged = Promise.promise();
    volatile boolean stopped;

    Publisher(MqttClient client, Context context, String topic, MqttQoS qos, int inflight, Buffer payload) {
      this.client = client;
      this.context = context;
      this.topic = topic;
      this.qos = qos;
      this.inflight = inflight;
      this.payload = payload;
    }
  }

  static void run(Args args) throws Exception {
    String host = args.string("host", "127.0.0.1");
    int port = args.integer("port", 1883);
    int publishers = args.integer("publishers", 1);
    MqttQoS qos = MqttQoS.valueOf(args.integer("qos", 1));
    int payloadBytes = args.integer("payload-bytes", 100);
    int inflight = args.integer("inflight", 100);
    String prefix = args.string("topic-prefix", "bench");
    int threads = args.integer("threads", 2);
    double duration = args.decimal("duration", 10);
    double warmup = args.decimal("warmup", 2);
    args.checkAllRead();
    if (qos == MqttQoS.EXACTLY_ONCE || qos == MqttQoS.FAILURE) {
      throw new IllegalArgumentException("--qos must be 0 or 1");
    }

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(threads));
    AtomicLong completed = new AtomicLong();
    AtomicLong written = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    Histogram latency = new Histogram(Load.HIGHEST_US, 3);
    Buffer payload = Buffer.buffer("x".repeat(payloadBytes));
    List<Publisher> all = new ArrayList<>();
    long measureStart;
    long measureEnd;
    long[] measured = new long[2];
    double seconds;
    try {
      List<Future<?>> connected = new ArrayList<>();
      for (int i = 0; i < publishers; i++) {
        MqttClient client = MqttClient.create(vertx, new MqttClientOptions().setClientId("bench-" + prefix + "-p" + i)
            .setCleanSession(true).setMaxInflightQueue(Math.max(inflight, 10)).setAutoKeepAlive(true)
            .setMaxMessageSize(Math.max(payloadBytes * 2, 8192)));
        // Each client lives on its own context (spread over the event loops); its loop runs there too.
        Context context = vertx.getOrCreateContext();
        Publisher publisher = new Publisher(client, context, prefix + "/p" + i, qos, inflight, payload);
        all.add(publisher);
        Promise<Object> done = Promise.promise();
        context.runOnContext(v -> client.connect(port, host).<Object>map(ack -> ack).onComplete(done));
        connected.add(done.future());
      }
      Future.all(connected).await(30, TimeUnit.SECONDS);
      long start = System.nanoTime();
      measureStart = start + (long) (warmup * 1e9);
      measureEnd = measureStart + (long) (duration * 1e9);
      for (Publisher publisher : all) {
        publisher.client.publishCompletionHandler(packetId -> {
          if (qos == MqttQoS.AT_MOST_ONCE) {
            publisher.markerAcknowledged.tryComplete();
            return;
          }
          publisher.outstanding--;
          long now = System.nanoTime();
          if (now >= measureStart && now < measureEnd) {
            completed.incrementAndGet();
            synchronized (latency) {
              Load.recordUs(latency, now - publisher.sentAt[packetId]);
            }
          }
          pump(publisher, written, errors);
        });
        publisher.client.exceptionHandler(e -> errors.incrementAndGet());
        publisher.context.runOnContext(v -> pump(publisher, written, errors));
      }
      Thread.sleep((long) ((warmup + duration) * 1000));
      for (Publisher publisher : all) {
        publisher.stopped = true;
      }
      if (qos == MqttQoS.AT_LEAST_ONCE) {
        measured[0] = completed.get();
        seconds = duration;
      } else {
        List<Future<Void>> markers = new ArrayList<>();
        for (Publisher publisher : all) {
          publisher.context
              .runOnContext(v -> publisher.client.publish(publisher.topic, Buffer.buffer("end"), MqttQoS.AT_LEAST_ONCE, false, false));
          markers.add(publisher.markerAcknowledged.future());
        }
        Future.all(markers).await(120, TimeUnit.SECONDS);
        seconds = (System.nanoTime() - start) / 1e9;
        measured[0] = written.get();
      }
      List<Future<?>> closed = new ArrayList<>();
      for (Publisher publisher : all) {
        Promise<Void> done = Promise.promise();
        publisher.context.runOnContext(v -> publisher.client.disconnect().recover(e -> Future.succeededFuture()).onComplete(done));
        closed.add(done.future());
      }
      Future.all(closed).await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    double rate = measured[0] / seconds;
    Result result = new Result("mqtt-publish").put("host", host).put("port", port).put("publishers", publishers)
        .put("qos", qos.value()).put("payloadBytes", payloadBytes).put("inflight", inflight).put("durationS", seconds)
        .put("messages", measured[0]).put("messagesPerS", rate).put("errors", errors.get());
    if (qos == MqttQoS.AT_LEAST_ONCE) {
      result.latencies(latency);
    }
    result.print(String.format(Locale.ROOT, "%d publisher(s), QoS %d, %d B: %,.0f msg/s%s (%d errors)", publishers, qos.value(),
        payloadBytes, rate, qos == MqttQoS.AT_LEAST_ONCE ? String.format(Locale.ROOT, ", PUBACK p50 %.2f ms, p99 %.2f ms",
            latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0) : "",
        errors.get()));
  }

  /** Keeps the publisher's window full; QoS 0 messages leave the window once written. */
  private static void pump(Publisher publisher, AtomicLong written, AtomicLong errors) {
    while (!publisher.stopped && publisher.outstanding < publisher.inflight && publisher.client.isConnected()) {
      publisher.outstanding++;
      long sent = System.nanoTime();
      Future<Integer> write = publisher.client.publish(publisher.topic, publisher.payload, publisher.qos, false, false);
      if (publisher.qos == MqttQoS.AT_LEAST_ONCE) {
        write.onSuccess(packetId -> publisher.sentAt[packetId] = sent).onFailure(e -> {
          errors.incrementAndGet();
          publisher.outstanding--;
        });
      } else {
        write.onComplete(done -> {
          publisher.outstanding--;
          if (done.failed()) {
            errors.incrementAndGet();
          } else {
            written.incrementAndGet();
          }
          // A write may complete at once, inside publish(): refill from a fresh task, not by recursion.
          if (!publisher.pumpScheduled) {
            publisher.pumpScheduled = true;
            publisher.context.runOnContext(v -> {
              publisher.pumpScheduled = false;
              pump(publisher, written, errors);
            });
          }
        });
      }
    }
  }
}
