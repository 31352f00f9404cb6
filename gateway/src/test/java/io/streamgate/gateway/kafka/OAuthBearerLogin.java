package io.streamgate.gateway.kafka;

import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerTokenCallback;

/**
 * A Kafka client's OAUTHBEARER login callback handler for tests: it hands the client the token
 * {@link #next} makes, from the options of the client's JAAS line, instead of the unsecured JWT
 * Kafka's default handler makes.
 */
abstract class OAuthBearerLogin implements AuthenticateCallbackHandler {
  /** A token as the client holds it: its value, whom it names, and when it starts and ends (epoch ms). */
  record Token(String value, String principal, long startMs, long expiresMs) {}

  private Map<String, ?> options;

  /** The token the client presents next; {@code options} are its JAAS line's. */
  abstract Token next(Map<String, ?> options);

  @Override
  public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
    options = jaasConfigEntries.get(0).getOptions();
  }

  @Override
  public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
    for (Callback callback : callbacks) {
      if (!(callback instanceof OAuthBearerTokenCallback tokenCallback)) {
        throw new UnsupportedCallbackException(callback);
      }
      Token token = next(options);
      tokenCallback.token(new OAuthBearerToken() {
        @Override
        public String value() {
          return token.value();
        }

        @Override
        public Set<String> scope() {
          return Set.of();
        }

        @Override
        public long lifetimeMs() {
          return token.expiresMs();
        }

        @Override
        public String principalName() {
          return token.principal();
        }

        @Override
        public Long startTimeMs() {
          return token.startMs();
        }
      });
    }
  }

  @Override
  public void close() {}
}
