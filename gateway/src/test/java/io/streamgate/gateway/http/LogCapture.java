package io.streamgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Every line the node logs while it is open (all loggers), so that a test can hold hostile input to
 * "logged at most at WARN, with no stack trace".
 */
final class LogCapture implements AutoCloseable {
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  LogCapture() {
    appender.setContext(root.getLoggerContext());
    appender.start();
    root.addAppender(appender);
  }

  /** The events so far; a copy, as the node may still be logging. */
  List<ILoggingEvent> events() {
    synchronized (appender.list) {
      return List.copyOf(appender.list);
    }
  }

  /** No ERROR line, and no line (of any level) carrying a stack trace. */
  void assertNoErrorsOrStackTraces() {
    assertThat(events()).as("log lines at ERROR or with a stack trace")
        .filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.ERROR) || event.getThrowableProxy() != null)
        .extracting(event -> event.getLevel() + " " + event.getLoggerName() + " " + event.getFormattedMessage())
        .isEmpty();
  }

  /** The WARN lines whose message contains {@code text}. */
  List<String> warnings(String text) {
    return events().stream().filter(event -> event.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
        .filter(message -> message.contains(text)).toList();
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
  }
}
