package io.streamgate.bench.http;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code ws-fanout}: {@code --subscribers} WebSocket streams on one topic ({@code offset=latest}
 * or {@code earliest}), then one HTTP producer writes {@code --records} records; measures the
 * deliveries (frames received, summed over subscribers) per second from the first produce request
 * to the moment the last subscriber has every record, or to the time bound.
 */
final class WsFanout {
  private WsFanout() {}

  static void run(Args args) throws Exception {
    URI base = args.uri("url", null);
    String topic = args.required("topic");
    int subscribers = args.integer("subscribers", 100);
    long records = args.longValue("records", 100_000);
    int recordBytes = args.integer("record-bytes", 100);
    int recordsPerRequest = args.integer("records-per-request", 100);
    int producerInflight = args.integer("producer-inflight", 4);
    String offset = args.string("offset", "latest");
    int threads = args.integer("threads", 1);
    double duration = args.decimal("duration", 60);
    args.checkAllRead();
    if (!offset.equals("latest") && !offset.equals("earliest")) {
      throw new IllegalArgumentException("--offset must be latest or earliest");
    }
    String apiBase = Load.basePath(base) + "/v1/topics/" + topic;

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(threads + 1));
    List<Subscribers> groups = new CopyOnWriteArrayList<>();
    long started;
    long finished;
    long produced;
    long producerErrors;
    long expected;
    try {
      HttpClientAgent client = Load.httpClient(vertx, base, producerInflight, 1);
      JsonObject offsets = client.request(HttpMethod.GET, apiBase + "/partitions/0/offsets")
          .compose(request -> request.send())
          .compose(response -> response.statusCode() == 200 ? response.body()
              : Future.failedFuture("offsets of " + topic + ": HTTP " + response.statusCode()))
          .map(Buffer::toJsonObject).await(30, TimeUnit.SECONDS);
      expected = records + (offset.equals("earliest") ? offsets.getLong("latest") - offsets.getLong("earliest") : 0);
      long expectedEach = expected;
      int perGroup = (subscribers + threads - 1) / threads;
      List<Integer> sizes = new ArrayList<>();
      for (int left = subscribers; left > 0; left -= perGroup) {
        sizes.add(Math.min(perGroup, left));
      }
      vertx.deployVerticle(() -> {
        Subscribers group = new Subscribers(base, apiBase + "/stream?offset=" + offset, sizes.get(groups.size()), expectedEach);
        groups.add(group);
        return group;
      }, new DeploymentOptions().setInstances(sizes.size())).await(60, TimeUnit.SECONDS);
      Thread.sleep(300);

      Producer producer = new Producer(base, apiBase + "/records", records, recordsPerRequest, recordBytes, producerInflight);
      started = System.nanoTime();
      vertx.deployVerticle(producer).await(30, TimeUnit.SECONDS);
      long boundMs = (long) (duration * 1000);
      try {
        Future.all(groups.stream().map(g -> g.complete.future()).toList()).await(boundMs, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        System.err.println("ws-fanout: time bound reached before every subscriber had every record");
      }
      finished = System.nanoTime();
      producer.stop = true;
      produced = producer.acknowledged;
      producerErrors = producer.errors;
      if (producer.firstError != null) {
        System.err.println("ws-fanout: producer error: " + producer.firstError);
      }
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    long deliveries = 0;
    long last = started;
    int complete = 0;
    for (Subscribers g : groups) {
      deliveries += g.total;
      complete += g.completeCount;
      last = Math.max(last, g.completeCount == g.size ? g.lastCompleted : finished);
    }
    double perSec = Result.perSecond(deliveries, last - started);
    new Result("ws-fanout").put("url", base.toString()).put("topic", topic).put("subscribers", subscribers)
        .put("offset", offset).put("recordBytes", recordBytes).put("recordsPerRequest", recordsPerRequest)
        .put("records", records).put("produced", produced).put("producerErrors", producerErrors)
        .put("expectedPerSubscriber", expected).put("deliveries", deliveries).put("subscribersComplete", complete)
        .put("elapsedS", (last - started) / 1e9).put("deliveriesPerSec", perSec)
        .put("recordsPerSec", perSec / subscribers)
        .print(String.format(Locale.ROOT, "%,d deliveries to %d subscribers in %.2f s: %,.0f deliveries/s (%d/%d complete, %,d produced)",
            deliveries, subscribers, (last - started) / 1e9, perSec, complete, subscribers, produced));
  }

  /** Some of the subscribers, on one event loop; counts whole frames, parses nothing. */
  private static final class Subscribers extends VerticleBase {
    final Promise<Void> complete = Promise.promise();
    final int size;
    volatile long total;
    volatile int completeCount;
    volatile long lastCompleted;
    private final URI base;
    private final String uri;
    private final long expected;
    private final long[] counts;
    /** A field, not a local: Vert.x closes a client (and its connections) once it is garbage. */
    private WebSocketClient client;

    Subscribers(URI base, String uri, int size, long expected) {
      this.base = base;
      this.uri = uri;
      this.size = size;
      this.expected = expected;
      this.counts = new long[size];
    }

    @Override
    public Future<?> start() {
      client = Load.webSocketClient(vertx, size);
      List<Future<WebSocket>> connected = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        int index = i;
        connected.add(client.connect(new WebSocketConnectOptions().setHost(base.getHost()).setPort(Args.port(base)).setURI(uri))
            .onSuccess(ws -> ws.frameHandler(frame -> {
              if (frame.isFinal() && (frame.isText() || frame.isContinuation())) {
                total++;
                if (++counts[index] == expected) {
                  completeCount++;
                  lastCompleted = System.nanoTime();
                  if (completeCount == size) {
                    complete.tryComplete();
                  }
                }
              }
            })));
      }
      return Future.all(connected);
    }
  }

  /** One HTTP producer: {@code inflight} requests at a time of {@code perRequest} records, until {@code records}. */
  static final class Producer extends VerticleBase {
    volatile boolean stop;
    volatile long acknowledged;
    volatile long errors;
    volatile String firstError;
    private final URI base;
    private final String path;
    private final long records;
    private final int perRequest;
    private final int recordBytes;
    private final int inflight;
    private long handedOut;
    private HttpClientAgent client;

    Producer(URI base, String path, long records, int perRequest, int recordBytes, int inflight) {
      this.base = base;
      this.path = path;
      this.records = records;
      this.perRequest = perRequest;
      this.recordBytes = recordBytes;
      this.inflight = inflight;
    }

    @Override
    public Future<?> start() {
      client = Load.httpClient(vertx, base, inflight, 1);
      for (int i = 0; i < inflight; i++) {
        next();
      }
      return Future.succeededFuture();
    }

    private void next() {
      if (stop || handedOut >= records) {
        return;
      }
      int count = (int) Math.min(perRequest, records - handedOut);
      handedOut += count;
      Buffer body = Load.envelope(count, recordBytes);
      client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(path).putHeader("Content-Type", "application/json"))
          .compose(request -> request.send(body))
          .compose(response -> response.body().map(b -> response.statusCode()))
          .onComplete(result -> {
            if (result.succeeded() && result.result() == 200) {
              acknowledged += count;
            } else {
              errors++;
              if (firstError == null) {
                firstError = result.succeeded() ? "HTTP " + result.result() : String.valueOf(result.cause());
              }
              handedOut -= count; // retried
              if (errors > 100) {
                stop = true;
              }
            }
            next();
          });
    }
  }
}
