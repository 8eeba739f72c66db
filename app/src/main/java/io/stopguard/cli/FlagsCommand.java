package io.stopguard.cli;

import io.stopguard.store.Flag;
import io.stopguard.store.Store;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "flags",
    header = "Show the risk flags (risk_flags in trading.db).",
    mixinStandardHelpOptions = true,
    description = {
        "Show the risk flags of trading.db, as",
        "  sqlite3 trading.db \"SELECT * FROM risk_flags\"",
        "would, without needing sqlite3.",
    })
final class FlagsCommand implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Option(names = "--json", description = "JSON output.")
  boolean json;

  FlagsCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    try (Store store = home.openStore(cli)) {
      List<Flag> flags = store.flags();
      if (json) {
        Json.print(cli.out(), flags);
      } else if (flags.isEmpty()) {
        cli.out().println("no flags yet (run: stopguard check)");
      } else {
        cli.out().printf("%-26s %-5s %-21s %s%n", "FLAG", "VALUE", "UPDATED_AT", "DETAIL");
        for (Flag f : flags) cli.out().printf("%-26s %-5d %-21s %s%n", f.flag(), f.value(), f.updatedAt(), f.detail());
      }
    }
    return ExitCodes.OK;
  }
}
