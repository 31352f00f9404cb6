package io.streamgate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamgate.cluster.security.AccessControl;
import io.streamgate.cluster.security.AclBinding;
import io.streamgate.cluster.security.AclFilter;
import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.AclPermission;
import io.streamgate.cluster.security.ApiKey;
import io.streamgate.cluster.security.NewApiKey;
import io.streamgate.cluster.security.PatternType;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import io.streamgate.cluster.security.ScramCredential;
import io.streamgate.cluster.security.ScramMechanism;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The watch behind open connections' re-checks: the start of the watch, a change of the ACLs or
 * keys and a credential's expiry each reach a watching session on its own context; a cancelled one hears nothing more, and
 * with nothing watched the node-wide timer stops.
 */
class AccessWatchTest {
  private static final Duration WITHIN = Duration.ofSeconds(5);
  private final Vertx vertx = Vertx.vertx();
  private final FakeAccessControl access = new FakeAccessControl();
  private final AtomicLong nowMs = new AtomicLong(1_000_000);
  private final AccessWatch watch = new AccessWatch(vertx, () -> access, 20, nowMs::get);
  private final Authenticated lasting = Authenticated.lasting(Principal.user("alice"));

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aChangeReachesEachSessionOnItsContextAndACancelledOneNoMore() {
    Context first = vertx.getOrCreateContext();
    Context second = vertx.getOrCreateContext();
    AtomicInteger firstTold = new AtomicInteger();
    AtomicInteger secondTold = new AtomicInteger();
    AccessWatch.Watch firstWatch = watch.watch(first, lasting, () -> {
      assertThat(Vertx.currentContext()).isSameAs(first);
      firstTold.incrementAndGet();
    });
    watch.watch(second, lasting, secondTold::incrementAndGet);
    assertThat(watch.watched()).isEqualTo(2);
    // Each is told once at once: a change before it watched is not missed.
    await().atMost(WITHIN).until(() -> firstTold.get() == 1 && secondTold.get() == 1);

    access.acls = List.of(new AclBinding(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:alice", AclBinding.ANY_HOST,
        AclOperation.READ, AclPermission.ALLOW));
    await().atMost(WITHIN).until(() -> firstTold.get() == 2 && secondTold.get() == 2);

    firstWatch.cancel();
    assertThat(watch.watched()).isEqualTo(1);
    access.keys = Map.of();  // another map: the keys changed
    await().atMost(WITHIN).until(() -> secondTold.get() == 3);
    assertThat(firstTold).hasValue(2);
  }

  @Test
  void anExpiryIsToldOnceAndNothingIsToldWithoutAChange() {
    AtomicInteger told = new AtomicInteger();
    watch.watch(vertx.getOrCreateContext(), new Authenticated(Principal.user("alice"), null, nowMs.get() + 1000), told::incrementAndGet);
    await().atMost(WITHIN).until(() -> told.get() == 1);
    int looks = access.looks.get();
    await().atMost(WITHIN).until(() -> access.looks.get() > looks + 3);
    assertThat(told).as("once at once, then: no change, not expired").hasValue(1);

    nowMs.addAndGet(1000);
    await().atMost(WITHIN).until(() -> told.get() == 2);
    int looksAfterExpiry = access.looks.get();
    await().atMost(WITHIN).until(() -> access.looks.get() > looksAfterExpiry + 3);
    assertThat(told).as("the expiry told once").hasValue(2);
  }

  @Test
  void withNothingWatchedTheTimerStops() {
    AccessWatch.Watch only = watch.watch(vertx.getOrCreateContext(), lasting, () -> {});
    await().atMost(WITHIN).until(() -> access.looks.get() > 2);
    only.cancel();
    assertThat(watch.watched()).isZero();
    int looksAtCancel = access.looks.get();
    // Time passing, as a second watch's own timer ticks ten times.
    FakeAccessControl otherAccess = new FakeAccessControl();
    AccessWatch.Watch clock = new AccessWatch(vertx, () -> otherAccess, 20, nowMs::get).watch(vertx.getOrCreateContext(), lasting,
        () -> {});
    await().atMost(WITHIN).until(() -> otherAccess.looks.get() > 10);
    clock.cancel();
    // The timer stops on its own context: a tick under way or due before that may still have looked once.
    assertThat(access.looks.get()).isLessThanOrEqualTo(looksAtCancel + 2);
  }

  /** The ACLs and keys a test sets; counts how often they are looked at. Nothing else is asked of it. */
  private static final class FakeAccessControl implements AccessControl {
    volatile List<AclBinding> acls = List.of();
    volatile Map<String, ApiKey> keys = Map.of("k", new ApiKey("k", Principal.user("alice"), 0, new byte[32]));
    final AtomicInteger looks = new AtomicInteger();

    @Override
    public List<AclBinding> acls() {
      looks.incrementAndGet();
      return acls;
    }

    @Override
    public Map<String, ApiKey> apiKeysById() {
      return keys;
    }

    @Override
    public CompletableFuture<Void> createAcls(List<AclBinding> acls) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<List<AclBinding>> deleteAcls(AclFilter filter) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<NewApiKey> createApiKey(Principal owner) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<Void> revokeApiKey(String id) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<ApiKey> apiKeys() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Principal> authenticate(String secret) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<Void> alterScramCredentials(List<ScramCredential> upsertions, List<ScramCredential.Id> deletions) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Collection<ScramCredential> scramCredentials() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<ScramCredential> scramCredential(String user, ScramMechanism mechanism) {
      throw new UnsupportedOperationException();
    }
  }
}
