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
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * {@code http-produce}: POSTs the same JSON envelope ({@code --records-per-request} records of
 * {@code --record-bytes}) to {@code --url} from {@code connections × pipeline} lanes, each sending
 * its next request when the previous one is answered. {@code --url} may list several URLs,
 * comma-separated (the nodes of a cluster): the lanes are spread over them in turn. Counts the requests answered inside the
 * measurement window (after {@code --warmup}, for {@code --duration} seconds), records their
 * latency (send → whole answer read), and stops. Works against any URL, e.g. the trivial server.
 */
final class HttpProduce {
  private HttpProduce() {}

  static void run(Args args) throws Exception {
    List<URI> urls = new java.util.ArrayList<>();
    for (String one : args.required("url").split(",")) {
      urls.add(Args.httpUri("url", one.trim()));
    }
    int recordsPerRequest = args.integer("records-per-request", 1);
    int recordBytes = args.integer("record-bytes", 100);
    int connections = args.integer("connections", 16);
    int pipeline = args.integer("pipeline", 1);
    int threads = args.integer("threads", 1);
    double duration = args.decimal("duration", 10);
    double warmup = args.decimal("warmup", 2);
    long maxRequests = args.longValue("max-requests", Long.MAX_VALUE);
    String contentType = args.string("content-type", "application/json");
    args.checkAllRead();
    if (connections < threads) {
      throw new IllegalArgumentException("--connections must be at least --threads");
    }

    Buffer body = Load.envelope(recordsPerRequest, recordBytes);
    long measureStart = System.nanoTime() + (long) (warmup * 1e9);
    long measureEnd = measureStart + (long) (duration * 1e9);
    AtomicLong budget = new AtomicLong(maxRequests);
    List<Driver> drivers = new CopyOnWriteArrayList<>();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(threads));
    try {
      int perThread = connections / threads;
      vertx.deployVerticle(() -> {
        Driver driver = new Driver(urls, body, contentType, perThread, pipeline, measureStart, measureEnd, budget);
        drivers.add(driver);
        return driver;
      }, new DeploymentOptions().setInstances(threads)).await(30, TimeUnit.SECONDS);
      long bound = (long) ((warmup + duration + 30) * 1000);
      Future.all(drivers.stream().map(d -> d.done.future()).toList()).await(bound, TimeUnit.MILLISECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }

    Histogram latency = Load.histogram();
    long requests = 0;
    long errors = 0;
    long lastNanos = measureStart;
    String firstError = null;
    for (Driver d : drivers) {
      latency.add(d.latency);
      requests += d.counted;
      errors += d.errors;
      lastNanos = Math.max(lastNanos, d.lastCounted);
      if (firstError == null) {
        firstError = d.firstError;
      }
    }
    // The window ends at its deadline, or earlier when --max-requests ran out.
    long window = budget.get() > 0 ? measureEnd - measureStart
        : Math.min(measureEnd, Math.max(lastNanos, measureStart + 1)) - measureStart;
    double requestsPerSec = Result.perSecond(requests, window);
    double recordsPerSec = requestsPerSec * recordsPerRequest;
    new Result("http-produce")
        .put("url", urls.stream().map(URI::toString).collect(java.util.stream.Collectors.joining(",")))
        .put("recordsPerRequest", recordsPerRequest).put("recordBytes", recordBytes)
        .put("connections", connections).put("pipeline", pipeline).put("threads", threads)
        .put("windowS", window / 1e9).put("requests", requests).put("errors", errors).put("firstError", firstError)
        .put("requestsPerSec", requestsPerSec).put("recordsPerSec", recordsPerSec)
        .put("mbPerSec", recordsPerSec * recordBytes / 1e6)
        .latencies(latency)
        .print(String.format(Locale.ROOT, "%,.0f records/s, %,.0f requests/s, p50 %d us, p99 %d us, p99.9 %d us, %d errors",
            recordsPerSec, requestsPerSec, latency.getValueAtPercentile(50), latency.getValueAtPercentile(99),
            latency.getValueAtPercentile(99.9), errors));
    if (requests == 0) {
      throw new IllegalStateException("no request was answered in the window" + (firstError == null ? "" : ": " + firstError));
    }
  }

  /** The lanes of one event loop; its histogram and counters are touched only there. */
  private static final class Driver extends VerticleBase {
    final Histogram latency = Load.histogram();
    final Promise<Void> done = Promise.promise();
    long counted;
    long errors;
    long lastCounted;
    String firstError;

    private final List<URI> urls;
    private final Buffer body;
    private final String contentType;
    private final int connections;
    private final int pipeline;
    private final long measureStart;
    private final long measureEnd;
    private final AtomicLong budget;
    private final List<HttpClientAgent> clients = new java.util.ArrayList<>();
    private int inFlight;

    Driver(List<URI> urls, Buffer body, String contentType, int connections, int pipeline, long measureStart, long measureEnd,
        AtomicLong budget) {
      this.urls = urls;
      this.body = body;
      this.contentType = contentType;
      this.connections = connections;
      this.pipeline = pipeline;
      this.measureStart = measureStart;
      this.measureEnd = measureEnd;
      this.budget = budget;
    }

    @Override
    public Future<?> start() {
      for (URI url : urls) {
        clients.add(Load.httpClient(vertx, url, Math.max(1, connections / urls.size()), pipeline));
      }
      int lanes = connections * pipeline;
      for (int i = 0; i < lanes; i++) {
        inFlight++;
        send(i % urls.size());
      }
      return Future.succeededFuture();
    }

    /** Sends the next request of a lane that goes to {@code urls[target]}. */
    private void send(int target) {
      if (System.nanoTime() >= measureEnd || budget.getAndDecrement() <= 0) {
        if (--inFlight == 0) {
          done.tryComplete();
        }
        return;
      }
      long sent = System.nanoTime();
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI(Args.target(urls.get(target)))
          .putHeader("Content-Type", contentType);
      clients.get(target).request(options)
          .compose(request -> request.send(body))
          .compose(response -> response.body().map(answer -> {
            if (response.statusCode() != 200 && response.statusCode() != 204 && firstError == null) {
              String text = answer.toString();
              firstError = "HTTP " + response.statusCode() + " " + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
            }
            return response.statusCode();
          }))
          .onComplete(result -> {
            long now = System.nanoTime();
            boolean ok = result.succeeded() && (result.result() == 200 || result.result() == 204);
            if (!ok) {
              errors++;
              if (firstError == null) {
                firstError = result.succeeded() ? "HTTP " + result.result() : String.valueOf(result.cause());
              }
            } else if (now >= measureStart && now <= measureEnd) {
              counted++;
              lastCounted = now;
              Load.recordUs(latency, now - sent);
            }
            if (!ok && errors > 1000 && counted == 0) {
              // Nothing works: stop rather than spin.
              budget.set(0);
            }
            send(target);
          });
    }
  }
}
