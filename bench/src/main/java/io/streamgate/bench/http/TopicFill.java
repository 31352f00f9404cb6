package io.streamgate.bench.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code topic-fill}: writes exactly {@code --records-per-partition} records of {@code --record-bytes}
 * into every partition of an existing topic (each record names its partition), {@code
 * --records-per-request} per request, {@code --connections} requests in flight, spread over the
 * {@code --url}s; for preparing read benchmarks. Fails on the first error.
 */
final class TopicFill {
  private TopicFill() {}

  static void run(Args args) throws Exception {
    List<URI> urls = GroupConsume.urls(args.required("url"));
    String topic = args.required("topic");
    long perPartition = args.longValue("records-per-partition", 10_000);
    int recordBytes = args.integer("record-bytes", 100);
    int perRequest = args.integer("records-per-request", 1000);
    int connections = args.integer("connections", 4);
    String acks = args.string("acks", "all");
    double duration = args.decimal("duration", 300);
    args.checkAllRead();

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    List<HttpClientAgent> clients = new ArrayList<>();
    for (URI url : urls) {
      clients.add(Load.httpClient(vertx, url, connections, 1));
    }
    String base = Load.basePath(urls.get(0));
    long[] written = new long[1];
    long started = System.nanoTime();
    try {
      int partitions = clients.get(0).request(HttpMethod.GET, base + "/v1/topics/" + topic)
          .compose(request -> request.send())
          .compose(response -> response.body().compose(body -> response.statusCode() == 200 ? Future.succeededFuture(body)
              : Future.failedFuture("GET /v1/topics/" + topic + ": HTTP " + response.statusCode() + " " + body)))
          .map(body -> body.toJsonObject().getJsonArray("partitions").size())
          .await(30, TimeUnit.SECONDS);
      List<Buffer> bodies = new ArrayList<>();
      String value = Load.jsonString(recordBytes, "");
      for (int p = 0; p < partitions; p++) {
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = 0; i < perRequest; i++) {
          body.append(i == 0 ? "" : ",").append("{\"partition\":").append(p).append(",\"value\":").append(value).append('}');
        }
        bodies.add(Buffer.buffer(body.append("]}").toString()));
      }
      long requestsPerPartition = (perPartition + perRequest - 1) / perRequest;
      long lastCount = perPartition - (requestsPerPartition - 1) * perRequest;
      long total = requestsPerPartition * partitions;
      long[] nextJob = new long[1];
      int[] inFlight = new int[1];
      Promise<Void> done = Promise.promise();
      String uri = base + "/v1/topics/" + topic + "/records?acks=" + acks;
      Runnable[] lane = new Runnable[1];
      lane[0] = () -> {
        if (done.future().isComplete()) {
          return;
        }
        if (nextJob[0] >= total) {
          if (--inFlight[0] == 0) {
            done.tryComplete();
          }
          return;
        }
        long job = nextJob[0]++;
        int partition = (int) (job % partitions);
        boolean lastOfPartition = job / partitions == requestsPerPartition - 1;
        Buffer body = lastOfPartition && lastCount != perRequest ? bodyOf(partition, (int) lastCount, value) : bodies.get(partition);
        long records = lastOfPartition ? lastCount : perRequest;
        HttpClientAgent client = clients.get((int) (job % clients.size()));
        client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(uri).putHeader("Content-Type", "application/json"))
            .compose(request -> request.send(body))
            .compose(response -> response.body().compose(answer -> response.statusCode() == 200 ? Future.succeededFuture(answer)
                : Future.failedFuture("produce: HTTP " + response.statusCode() + " " + answer)))
            .onComplete(result -> {
              if (result.failed()) {
                done.tryFail(result.cause());
                return;
              }
              written[0] += records;
              lane[0].run();
            });
      };
      vertx.runOnContext(v -> {
        inFlight[0] = connections;
        for (int i = 0; i < connections; i++) {
          lane[0].run();
        }
      });
      done.future().await((long) (duration * 1000), TimeUnit.MILLISECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    long elapsed = System.nanoTime() - started;
    new Result("topic-fill").put("topic", topic).put("records", written[0]).put("recordBytes", recordBytes)
        .put("elapsedS", elapsed / 1e9).put("recordsPerSec", Result.perSecond(written[0], elapsed))
        .print(String.format(Locale.ROOT, "%,d records of %d B written to %s in %.1f s", written[0], recordBytes, topic, elapsed / 1e9));
  }

  private static Buffer bodyOf(int partition, int count, String value) {
    StringBuilder body = new StringBuilder("{\"records\":[");
    for (int i = 0; i < count; i++) {
      body.append(i == 0 ? "" : ",").append("{\"partition\":").append(partition).append(",\"value\":").append(value).append('}');
    }
    return Buffer.buffer(body.append("]}").toString());
  }
}
