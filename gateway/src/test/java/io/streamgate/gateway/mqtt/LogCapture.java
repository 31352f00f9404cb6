package io.streamgate.gateway.mqtt;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What the node logs while a test runs (every logger, Vert.x's and Netty's included), to check that
 * bad input is logged as a refusal naming the client, at WARN, once, and never as an ERROR.
 */
final class LogCapture implements AutoCloseable {
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  LogCapture() {
    appender.start();
    root.addAppender(appender);
  }

  /** The lines logged at {@code level}, as formatted. */
  List<String> at(Level level) {
    synchronized (appender) {
      return appender.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** The ERROR lines, each with its exception's class if it had one. */
  List<String> errors() {
    synchronized (appender) {
      return appender.list.stream().filter(e -> e.getLevel() == Level.ERROR)
          .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getClassName()))
          .toList();
    }
  }

  /** The lines at WARN or above logged with a stack trace, each as its logger and message. */
  List<String> withStackTraces() {
    synchronized (appender) {
      return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN) && e.getThrowableProxy() != null)
          .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
    }
  }

  /** The WARN lines of loggers whose name starts with {@code prefix}. */
  List<String> warningsOf(String prefix) {
    synchronized (appender) {
      return appender.list.stream().filter(e -> e.getLevel() == Level.WARN && e.getLoggerName().startsWith(prefix))
          .map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** The WARN lines that mention {@code text}. */
  List<String> warningsAbout(String text) {
    return at(Level.WARN).stream().filter(line -> line.contains(text)).toList();
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
  }
}
