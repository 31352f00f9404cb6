package io.streamgate.gateway.cli;

import io.streamgate.cluster.ClusterException;
import io.streamgate.cluster.metadata.MetadataQuorumConfig;
import io.streamgate.cluster.metadata.MetadataQuorumConfig.Voter;
import io.streamgate.cluster.metadata.MetadataRecovery;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code java -jar streamgate.jar recover-metadata --data-dir D --voters id@host:port,...}: the
 * offline operator action after a lost majority ({@link MetadataRecovery}, docs/replication.md "A
 * lost majority"), run on a stopped surviving node's data dir. Exit status: 0 done, 1 refused or
 * failed (nothing changed but, perhaps, the backup written), 2 a usage error.
 */
public final class RecoverMetadataCli {
  public static final String COMMAND = "recover-metadata";
  private static final String USAGE = """
      Usage: java -jar streamgate.jar recover-metadata --data-dir DIR --voters id@host:port[,id@host:port...]
        Run on a STOPPED node that survived the loss of a majority of the metadata voters for good.
        --voters names the surviving voters (this node among them), as in metadata-voters. The node's
        meta/raft is backed up to meta/raft-backup-<time>, every other node is forgotten (its replicas
        dropped), and the survivors become the metadata quorum. Recover every survivor alike, then start them.
      """;

  private RecoverMetadataCli() {}

  /** Runs {@code args} ({@code recover-metadata ...}); answers the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    String dataDir = null;
    String voters = null;
    for (int i = 1; i < args.length; i++) {
      boolean valued = i + 1 < args.length;
      if (args[i].equals("--data-dir") && valued) {
        dataDir = args[++i];
      } else if (args[i].equals("--voters") && valued) {
        voters = args[++i];
      } else {
        return usage(err, args[i].equals("--help") || args[i].equals("-h") ? null : "unexpected argument '" + args[i] + "'");
      }
    }
    if (dataDir == null || voters == null) {
      return usage(err, "recover-metadata needs --data-dir and --voters");
    }
    List<Voter> survivors;
    try {
      survivors = MetadataQuorumConfig.parseVoters(voters);
    } catch (IllegalArgumentException e) {
      return usage(err, "--voters: " + e.getMessage());
    }
    try {
      Set<String> forgotten = new MetadataRecovery(Path.of(dataDir), out).recover(survivors);
      out.println("recovered: voters " + survivors + ", forgotten " + forgotten);
      return 0;
    } catch (ClusterException | IOException e) {
      err.println("streamgate: recover-metadata refused: " + e.getMessage());
      return 1;
    }
  }

  private static int usage(PrintStream err, String problem) {
    if (problem != null) {
      err.println("streamgate: " + problem);
    }
    err.print(USAGE);
    return problem == null ? 0 : 2;
  }
}
