package io.streamgate.gateway.security;

import io.streamgate.cluster.security.AclOperation;
import io.streamgate.cluster.security.Principal;
import io.streamgate.cluster.security.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail: authentication failures, denials and admin actions, one line each on the logger
 * {@value #LOGGER} as {@code key=value} pairs (who, what, from where; the log line has the when).
 * Never a secret: a failed authentication says why, not what was presented.
 */
public final class AuditLog {
  public static final String LOGGER = "streamgate.audit";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  /** {@code protocol}: http, websocket, sse, mqtt, kafka. {@code remote}: the client's address. */
  public void authenticationFailed(String protocol, String remote, String reason) {
    LOG.warn("event=authentication-failed protocol={} remote={} reason=\"{}\"", protocol, remote, quoted(reason));
  }

  public void denied(Principal who, String protocol, String remote, AclOperation operation, ResourceType type, String name) {
    LOG.warn("event=denied principal=\"{}\" protocol={} remote={} operation={} resource={}:\"{}\"", quoted(who.toString()), protocol,
        remote, operation, type, quoted(name));
  }

  /** An admin action that changed something: {@code action} e.g. create-acls, {@code target} what it touched. */
  public void adminAction(Principal who, String protocol, String remote, String action, String target) {
    LOG.info("event=admin principal=\"{}\" protocol={} remote={} action={} target=\"{}\"", quoted(who.toString()), protocol, remote,
        action, quoted(target));
  }

  /** Client-chosen text cannot forge another field or line. */
  private static String quoted(String text) {
    return text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r");
  }
}
