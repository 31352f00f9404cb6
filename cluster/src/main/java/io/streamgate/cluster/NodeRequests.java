package io.streamgate.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests to other nodes over the event bus. A request to a node that is not a live member fails at
 * once, and requests in flight to a node fail as soon as it leaves the cluster, both with a
 * retriable {@link LeaderNotAvailableException}: a client's retry then meets the new leader within
 * the failure detector's time, not after a request timeout.
 */
final class NodeRequests {
  private final Vertx vertx;
  private final ClusterMetadata metadata;
  private final Map<String, Set<CompletableFuture<Object>>> pending = new ConcurrentHashMap<>();

  NodeRequests(Vertx vertx, ClusterMetadata metadata) {
    this.vertx = vertx;
    this.metadata = metadata;
    metadata.onMembershipChange(this::failDeparted);
  }

  CompletableFuture<Object> request(String node, String operation, Object body, DeliveryOptions delivery) {
    CompletableFuture<Object> answer = new CompletableFuture<>();
    Set<CompletableFuture<Object>> toNode = pending.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet());
    toNode.add(answer);
    answer.whenComplete((result, failure) -> toNode.remove(answer));
    // Checked after registering, so a departure between the check and the registration is not missed.
    if (!metadata.isReachable(node)) {
      answer.completeExceptionally(new LeaderNotAvailableException("node " + node + " is not a live member of the cluster"));
      return answer;
    }
    vertx.eventBus().request(Wire.address(node, operation), body, delivery).onComplete(result -> {
      if (result.succeeded()) {
        answer.complete(result.result().body());
      } else {
        answer.completeExceptionally(Wire.exception(result.cause(), node));
      }
    });
    return answer;
  }

  private void failDeparted() {
    pending.forEach((node, requests) -> {
      if (!metadata.isReachable(node)) {
        requests.forEach(request -> request.completeExceptionally(
            new LeaderNotAvailableException("node " + node + " left the cluster before it answered")));
      }
    });
  }
}
