package io.streamgate.gateway.http;

import io.streamgate.cluster.errors.StreamgateError;
import io.streamgate.gateway.security.Authenticated;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Stream tickets: what a browser, which cannot set a header on {@code EventSource} or
 * {@code WebSocket}, presents in a stream's URL ({@code ?ticket=}) instead of its API key or token.
 * A ticket is 256 random bits, bound to the principal that asked for it (and to the credential it
 * asked with: a stream opened with it ends when that key is revoked or token expires), good for {@link #TTL_MS}
 * and for one stream, and kept in this node's memory only (a stream must open on the node that
 * issued its ticket). At most {@link #MAX_OUTSTANDING} are out at once. Thread-safe: the node's HTTP
 * instances share one.
 */
public final class StreamTickets {
  public static final long TTL_MS = 30_000;
  public static final int MAX_OUTSTANDING = 10_000;
  private static final String PREFIX = "sgt_";

  private final Map<String, Ticket> tickets = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final LongSupplier clockMs;

  private record Ticket(Authenticated caller, long expiresAtMs) {}

  public StreamTickets() {
    this(System::currentTimeMillis);
  }

  StreamTickets(LongSupplier clockMs) {
    this.clockMs = clockMs;
  }

  /** A new ticket for {@code caller}; a 503 {@code overloaded} when {@link #MAX_OUTSTANDING} live ones are out. */
  String issue(Authenticated caller) {
    long now = clockMs.getAsLong();
    if (tickets.size() >= MAX_OUTSTANDING) {
      tickets.values().removeIf(ticket -> ticket.expiresAtMs() <= now);
      if (tickets.size() >= MAX_OUTSTANDING) {
        throw new ApiException(StreamgateError.OVERLOADED, "this node has " + MAX_OUTSTANDING + " stream tickets out; try again later");
      }
    }
    byte[] bits = new byte[32];
    random.nextBytes(bits);
    String ticket = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    tickets.put(ticket, new Ticket(caller, now + TTL_MS));
    return ticket;
  }

  /** Who asked for {@code ticket}, if it is live; either way it is used up. */
  Optional<Authenticated> redeem(String ticket) {
    Ticket found = tickets.remove(ticket);
    return found != null && clockMs.getAsLong() < found.expiresAtMs() ? Optional.of(found.caller()) : Optional.empty();
  }
}
