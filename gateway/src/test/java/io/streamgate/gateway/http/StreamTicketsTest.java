package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.cluster.security.Principal;
import io.streamgate.gateway.security.Authenticated;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A stream ticket is good once, for its principal, until its time is up (a clock the test moves). */
class StreamTicketsTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final StreamTickets tickets = new StreamTickets(now::get);

  private static Authenticated user(String name) {
    return Authenticated.lasting(Principal.user(name));
  }

  @Test
  void aTicketIsGoodOnceForItsPrincipal() {
    String alice = tickets.issue(user("alice"));
    String bob = tickets.issue(user("bob"));
    assertThat(alice).isNotEqualTo(bob).startsWith("sgt_");
    assertThat(tickets.redeem(bob)).contains(user("bob"));
    assertThat(tickets.redeem(alice)).contains(user("alice"));
    assertThat(tickets.redeem(alice)).isEmpty();
    assertThat(tickets.redeem("sgt_made-up")).isEmpty();
  }

  @Test
  void anExpiredTicketIsRefused() {
    String lastMoment = tickets.issue(user("alice"));
    String late = tickets.issue(user("alice"));
    now.addAndGet(StreamTickets.TTL_MS - 1);
    assertThat(tickets.redeem(lastMoment)).contains(user("alice"));
    now.addAndGet(1);
    assertThat(tickets.redeem(late)).isEmpty();
  }

  @Test
  void atMostSoManyLiveTicketsAreOut() {
    for (int i = 0; i < StreamTickets.MAX_OUTSTANDING; i++) {
      tickets.issue(user("greedy"));
    }
    Throwable full = catchThrowable(() -> tickets.issue(user("alice")));
    assertThat(full).isInstanceOf(ApiException.class);
    assertThat(((ApiException) full).error()).isEqualTo(StreamgateError.OVERLOADED);
    // Expired ones make room.
    now.addAndGet(StreamTickets.TTL_MS);
    assertThat(tickets.redeem(tickets.issue(user("alice")))).contains(user("alice"));
  }
}
