package io.stopguard.cli;

import io.stopguard.check.AccountResult;
import io.stopguard.check.CheckReport;
import io.stopguard.check.StopLossCheck;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.store.Store;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "check",
    mixinStandardHelpOptions = true,
    description = {
        "Finds open positions without a stop-loss on every active Bitget key and records the flag",
        "bitget_stoploss_missing in risk_flags (trading.db).",
        "",
        "Prints one line on stdout: stoploss_missing=[<user>:<SYMBOL>:<LONG|SHORT>, ...]",
        "(stoploss_missing=[] when every position is protected). 2 REST calls per account.",
        "",
        "Exit codes: 0 all protected, 1 unprotected positions found, 2 usage error,",
        "3 the check could not complete (network, keys, store): the flag is left as it was",
        "and the reason is printed on stderr.",
    })
final class CheckCommand implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Option(names = "--base-url", paramLabel = "URL",
      description = "Bitget endpoint. Default: $STOPGUARD_BITGET_BASE_URL, else https://api.bitget.com.")
  String baseUrl;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
      description = "Per-request timeout (default: ${DEFAULT-VALUE} s).")
  int timeoutSeconds;

  @Option(names = {"-v", "--verbose"}, description = "Also describe each unprotected position on stderr.")
  boolean verbose;

  CheckCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    if (timeoutSeconds < 1 || timeoutSeconds > 300) throw new UsageException("--timeout must be 1..300 seconds");
    StopLossCheck check = new StopLossCheck(HomeOptions.bitgetBaseUrl(cli, baseUrl), Duration.ofSeconds(timeoutSeconds), 32);
    try (Store store = home.openStore(cli)) {
      CheckReport report = check.runAndRecord(store);
      return report(cli, report, verbose);
    }
  }

  /** Prints a report the way {@code check} does and returns the exit code. Shared with {@code demo}. */
  static int report(Cli cli, CheckReport report, boolean verbose) {
    if (!report.complete()) {
      List<AccountResult> failed = report.accounts().stream().filter(a -> !a.ok()).toList();
      AccountResult first = failed.get(0);
      cli.err().println("stopguard check: incomplete, flag left unchanged: " + failed.size() + " of "
          + report.accounts().size() + " account(s) failed; user " + first.userId() + " (key " + first.maskedKey()
          + "): " + first.error().getMessage() + " — " + first.error().hint());
      return ExitCodes.INCOMPLETE;
    }
    cli.out().println(report.summaryLine());
    if (verbose) {
      for (PositionVerdict v : report.verdicts()) {
        if (v.verdict().isProtected()) continue;
        var p = v.position();
        cli.err().println(v.key() + " " + v.verdict() + ": size " + p.total().toPlainString() + ", entry "
            + p.openPriceAvg().toPlainString() + ", mark " + p.markPrice().toPlainString()
            + ", liquidation " + p.liquidationPrice().toPlainString());
      }
    }
    return report.unprotected().isEmpty() ? ExitCodes.OK : ExitCodes.UNPROTECTED;
  }
}
