package io.stopguard.cli;

import io.stopguard.ops.HealthReport;
import io.stopguard.ops.ResultsLog;
import io.stopguard.store.Store;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "health-report",
    header = "Write the quarter's docs/INFRA_HEALTH_<YYYY>Q<n>.md.",
    mixinStandardHelpOptions = true,
    description = {
        "Write docs/INFRA_HEALTH_<YYYY>Q<n>.md: the quarter's incidents,",
        "time-to-restore percentiles, nightly results and keys status.",
        "Reads only the store and logs; no exchange calls.",
    })
final class HealthReportCommand implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Option(names = "--quarter", paramLabel = "YYYYQn", description = "Quarter to report, e.g. 2026Q4 (default: the current one).")
  String quarter;

  HealthReportCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Instant now = Instant.now();
    HealthReport.Quarter q = quarter == null ? HealthReport.Quarter.of(now) : HealthReport.Quarter.parse(quarter);
    Path h = home.home(cli);
    try (Store store = home.openStore(cli)) {
      Path file = HealthReport.write(h.resolve("docs"), q, store, new ResultsLog(h.resolve("logs/test_results.log")), now);
      cli.out().println("wrote " + file);
    }
    return ExitCodes.OK;
  }
}
