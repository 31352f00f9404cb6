package io.streamgate.gateway;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

/** Logs go to stdout, one line per event: plain text by default, or one JSON object per line. */
final class Logging {
  private Logging() {}

  static void configure(GatewayConfig.LogFormat format) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    Encoder<ILoggingEvent> encoder;
    if (format == GatewayConfig.LogFormat.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setWithFormattedMessage(true);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithContext(false);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      encoder = json;
    } else {
      PatternLayoutEncoder text = new PatternLayoutEncoder();
      text.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n%ex{short}");
      encoder = text;
    }
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("stdout");
    console.setEncoder(encoder);
    console.start();
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(console);
    context.getLogger("io.netty").setLevel(Level.WARN);
    context.getLogger("com.hazelcast").setLevel(Level.WARN);
    // Vert.x registers its server gauges once per HTTP instance; the duplicates are expected.
    context.getLogger("io.micrometer.core.instrument.MeterRegistry").setLevel(Level.ERROR);
    // The metadata quorum: Ratis logs every role change and segment at INFO (Streamgate logs the
    // controller and lease changes itself), and a stack trace every 250 ms while a voter is away.
    context.getLogger("org.apache.ratis").setLevel(Level.WARN);
    context.getLogger("org.apache.ratis.util.LifeCycle").setLevel(Level.ERROR);
    context.getLogger("org.apache.ratis.server.leader.LogAppender").setLevel(Level.ERROR);
    // A request sent while the log elects a leader fails over to it; the caller logs what finally failed.
    context.getLogger("org.apache.ratis.client.impl.OrderedAsync").setLevel(Level.OFF);
  }
}
