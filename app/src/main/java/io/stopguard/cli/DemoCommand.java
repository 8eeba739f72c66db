package io.stopguard.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo",
    header = "The whole story on a simulated Bitget in a few seconds, nothing to configure.",
    mixinStandardHelpOptions = true,
    description = {
        "The whole story on an embedded Bitget simulator, with nothing configured,",
        "in well under 30 seconds: three users, five positions, one of them bare.",
        "stopguard finds it, raises the flag, alerts (printed here without",
        "Telegram), restores the stop and confirms it; then a stop is cancelled",
        "\"from outside\" and the guard puts it back within a second. Ends with the",
        "metrics line, the incident log entry and what to run next.",
        "Your own trading.db is not touched: the demo has its own home.",
    })
final class DemoCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(names = "--home", paramLabel = "DIR",
      description = "Home for the demo's files, kept afterwards (default: a temporary directory, removed at the end).")
  Path home;

  @Option(names = "--no-color", description = "Plain output (also: NO_COLOR set, or not a terminal).")
  boolean noColor;

  DemoCommand(Cli cli) {
    this.cli = cli;
  }

  // The story lives in DemoStory: picocli reflects over this class for every command, and simulator
  // types in its signatures would load simulator classes on every start.
  @Override
  public Integer call() throws Exception {
    return new DemoStory(cli, home, noColor).call();
  }
}
