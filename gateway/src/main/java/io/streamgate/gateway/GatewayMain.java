package io.streamgate.gateway;

import io.streamgate.gateway.ConfigLoader.ConfigException;
import io.streamgate.gateway.cli.AdminCli;
import io.streamgate.gateway.cli.RecoverMetadataCli;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar streamgate.jar [--key value ...]}: loads the configuration, starts a node, and
 * stops it gracefully on SIGTERM or Ctrl-C. {@code java -jar streamgate.jar api-key|acl|node ...} runs an
 * admin command against a running node instead ({@link AdminCli}); {@code recover-metadata} the
 * offline recovery of a lost majority ({@link RecoverMetadataCli}).
 */
public final class GatewayMain {
  private GatewayMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length > 0 && AdminCli.COMMANDS.contains(args[0])) {
      System.exit(AdminCli.run(args, System.getenv(), System.out, System.err));
      return;
    }
    if (args.length > 0 && args[0].equals(RecoverMetadataCli.COMMAND)) {
      System.exit(RecoverMetadataCli.run(args, System.out, System.err));
      return;
    }
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println("Usage: java -jar streamgate.jar [--config FILE] [--<key> <value> ...]\n"
          + "       java -jar streamgate.jar api-key|acl|node ... --help (admin commands against a running node)\n"
          + "       java -jar streamgate.jar recover-metadata --help (offline, after a lost majority)\nKeys and defaults:");
      ConfigLoader.DEFAULTS.forEach((key, value) -> System.out.println("  --" + key + " (default: "
          + (!value.isEmpty() ? value : key.equals("node-id") ? "generated, kept in the data dir" : "none") + ")"));
      return;
    }
    GatewayConfig config;
    try {
      config = ConfigLoader.load(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println("streamgate: " + e.getMessage());
      System.exit(2);
      return;
    }
    Logging.configure(config.logFormat());
    Logger log = LoggerFactory.getLogger(GatewayMain.class);
    StreamgateNode node;
    try {
      node = StreamgateNode.start(config).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.error("streamgate failed to start: {}", e.getCause() != null ? e.getCause().getMessage() : e.getMessage(), e);
      System.exit(1);
      return;
    }
    // A stop takes up to half the grace to hand the metadata log over, the grace for the partitions'
    // hand-off, the grace for requests in flight, then seconds to close the stores and the voter.
    long stopBoundMs = 3 * config.shutdownGraceMs() + 30_000;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down");
      try {
        node.close().toCompletionStage().toCompletableFuture().get(stopBoundMs, TimeUnit.MILLISECONDS);
        log.info("stopped cleanly");
      } catch (Exception e) {
        log.error("shutdown did not finish cleanly", e);
      }
      stopped.countDown();
    }, "streamgate-shutdown"));
    stopped.await();
  }
}
