package io.stopguard.cli;

import java.util.Map;
import java.util.LinkedHashMap;
import java.util.Collections;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "stopguard",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
        "Keeps every open Bitget USDT-M futures position protected by an exchange-side stop-loss.",
        "",
        "Start with: stopguard demo",
    },
    footer = {
        "",
        "Environment:",
        "  STOPGUARD_HOME              home directory (trading.db, logs/, metrics/, docs/)",
        "  STOPGUARD_DB                SQLite file (default HOME/trading.db) or postgresql://user@host:port/db",
        "  STOPGUARD_BITGET_BASE_URL   Bitget endpoint, e.g. a simulator (default https://api.bitget.com)",
        "  STOPGUARD_CONFIG            policy file (default HOME/stopguard.yaml, optional)",
        "  STOPGUARD_MASTER_KEY        base64 AES-256 key for stored secrets (default HOME/master.key)",
        "  TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID   alerts (TELEGRAM_API_URL overrides the Bot API URL)",
        "",
        "Exit codes: 0 ok / all protected, 1 unprotected positions, 2 usage error, 3 could not complete.",
    })
public final class StopguardCommand implements Runnable {
  /**
   * The subcommands, by name, in the order {@code --help} lists them. Registered by {@link Main}:
   * all of them when the first argument names none (help, a typo, nothing), else only the one
   * named, since building every command's model costs a one-off command tens of milliseconds.
   */
  static final Map<String, Class<?>> SUBCOMMANDS = subcommands(CheckCommand.class, WatchCommand.class,
      PositionsCommand.class, StopOrdersCommand.class, PlaceStopCommand.class, FlagsCommand.class, NightlyCommand.class,
      InstallCronCommand.class, HealthReportCommand.class, KeysCommand.class, DbCommand.class, FleetCommand.class,
      ProbeCommand.class, SimCommand.class, DemoCommand.class, CommandLine.HelpCommand.class);

  private static Map<String, Class<?>> subcommands(Class<?>... classes) {
    Map<String, Class<?>> m = new LinkedHashMap<>();
    for (Class<?> c : classes) m.put(c.getAnnotation(Command.class).name(), c);
    return Collections.unmodifiableMap(m);
  }

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
