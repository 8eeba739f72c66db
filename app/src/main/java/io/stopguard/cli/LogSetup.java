package io.stopguard.cli;

import org.slf4j.LoggerFactory;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * Logging for the CLI, set up in code: warnings and errors to stderr (stdout is a contract, e.g. the
 * {@code stoploss_missing} line), Flyway quiet. Done here instead of in {@code logback.xml} because
 * parsing XML loads an XML parser and Logback's configuration model on every command, a visible part
 * of a one-off command's start-up. A {@code logback-test.xml} or {@code -Dlogback.configurationFile}
 * still wins, so tests and operators can configure Logback the usual way.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext ctx) {
    if (System.getProperty("logback.configurationFile") != null
        || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(ctx);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr);
    ctx.getLogger("org.flywaydb").setLevel(Level.ERROR);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * The guard is a service: what it does (restores, accounts picked up, WebSockets moved) is logged
   * at INFO, unlike one-off commands whose stderr carries warnings only. STOPGUARD_LOG_LEVEL
   * (e.g. DEBUG) overrides.
   */
  static void serviceLevel(String level) {
    Level l = level == null ? Level.INFO
        : Level.toLevel(level, null);
    if (l == null) throw new UsageException("STOPGUARD_LOG_LEVEL must be ERROR, WARN, INFO, DEBUG or TRACE (got '" + level + "')");
    if (LoggerFactory.getLogger("io.stopguard") instanceof ch.qos.logback.classic.Logger lb) lb.setLevel(l);
  }
}
