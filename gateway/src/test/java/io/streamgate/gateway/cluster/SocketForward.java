package io.streamgate.gateway.cluster;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A byte-for-byte forward between a TCP port and a Unix domain socket, how the test (in the host's
 * network) reaches a node in a network namespace of its own ({@link NetworkPartition}): a socket
 * file is visible from every network namespace, a TCP port only in its own. The test listens on
 * loopback TCP and forwards to the socket ({@link #tcpToUnix}); a small process inside the namespace
 * ({@link #main}) listens on the socket and forwards to the node's TCP address. Blocking, two
 * threads per connection: it carries a test's HTTP requests, not load.
 */
final class SocketForward implements Closeable {
  private final ServerSocketChannel server;
  private final Thread acceptor;

  private interface Dialer {
    SocketChannel dial() throws IOException;
  }

  private SocketForward(ServerSocketChannel server, Dialer dialer, String name) {
    this.server = server;
    this.acceptor = new Thread(() -> accept(dialer), name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Listens on a free loopback TCP port of this network and forwards each connection to {@code socket}. */
  static SocketForward tcpToUnix(Path socket) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    return new SocketForward(server, () -> SocketChannel.open(UnixDomainSocketAddress.of(socket)), "forward-tcp-to-" + socket);
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) server.getLocalAddress();
  }

  /**
   * {@code SOCKET HOST PORT}: listens on the Unix domain socket {@code SOCKET} (replacing a stale
   * file) and forwards each connection to {@code HOST:PORT}, until killed.
   */
  public static void main(String[] args) throws Exception {
    Path socket = Path.of(args[0]);
    InetSocketAddress target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
    Files.deleteIfExists(socket);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    new SocketForward(server, () -> SocketChannel.open(target), "forward-unix-to-" + target).acceptor.join();
  }

  private void accept(Dialer dialer) {
    while (server.isOpen()) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (IOException closed) {
        return;
      }
      try {
        SocketChannel upstream = dialer.dial();
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException refused) {
        // The node is down (or not up yet): the client sees its connection closed, as it would.
        closeQuietly(client);
      }
    }
  }

  private static void pump(SocketChannel from, SocketChannel to) {
    Thread pump = new Thread(() -> {
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      try {
        while (from.read(buffer) >= 0) {
          buffer.flip();
          while (buffer.hasRemaining()) {
            to.write(buffer);
          }
          buffer.clear();
        }
      } catch (IOException closed) {
        // either side went away; close both below
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "forward-pump");
    pump.setDaemon(true);
    pump.start();
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
