package io.streamgate.gateway.http;

import io.streamgate.cluster.PartitionService;
import io.streamgate.logstore.TopicPartition;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code DELETE /v1/topics/{topic}/partitions/{p}/records?before=N|latest}: deletes the records
 * below an offset (Kafka's DeleteRecords) and answers the partition's new earliest offset.
 */
final class DeleteRecordsHandler {
  private final PartitionService service;

  DeleteRecordsHandler(PartitionService service) {
    this.service = service;
  }

  void handle(RoutingContext ctx) {
    TopicPartition tp = ConsumeHandler.partition(ctx);
    String beforeText = QueryParams.single(ctx.request(), "before");
    if (beforeText == null) {
      throw ApiException.badRequest("give before: the offset to delete records up to (exclusive), or latest");
    }
    long before = beforeText.equals("latest") ? PartitionService.HIGH_WATERMARK
        : QueryParams.parseLongIn(beforeText, "before", 0, Long.MAX_VALUE);
    Future.fromCompletionStage(service.deleteRecords(tp, before), ctx.vertx().getOrCreateContext())
        .onSuccess(earliest -> ctx.response().putHeader("Content-Type", "application/json")
            .end("{\"earliest\":" + earliest + "}"))
        .onFailure(ctx::fail);
  }
}
