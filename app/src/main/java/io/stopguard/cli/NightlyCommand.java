package io.stopguard.cli;

import io.stopguard.alert.Alerting;
import io.stopguard.check.CheckService;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.ops.NightlyChecks;
import io.stopguard.ops.ResultsLog;
import io.stopguard.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "nightly",
    header = "Run the self-checks; append ✅/❌ lines to logs/test_results.log.",
    mixinStandardHelpOptions = true,
    description = {
        "Run the nightly self-checks and append one line per check to",
        "logs/test_results.log:  <ISO-8601 UTC> ✅|❌ <check> <detail>",
        "",
        "Checks: run_risk_monitor check (the full stop-loss check, with flag,",
        "incidents, alerts and metrics), test_bitget_stop_orders (plan orders",
        "readable, a dry-run restore valid for every bare position), bitget_keys,",
        "bitget_clock_skew, database_integrity, metrics_file.",
        "Sends one Telegram summary when Telegram is configured.",
        "",
        "Exit codes: 0 all ✅, 1 at least one ❌, 2 usage error.",
        "Install it in cron with: stopguard install-cron",
    })
final class NightlyCommand implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Mixin
  ExchangeOptions exchange;

  NightlyCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    var config = home.config(cli);
    Alerting alerting = Alerting.from(cli.env(), config);
    try (Store store = home.openStore(cli)) {
      CheckService service = Services.checkService(cli, home, exchange, store, config, alerting, new StopguardMetrics());
      NightlyChecks checks = new NightlyChecks(store, exchange.check(cli, home, config.riskPolicy()), service, config.riskPolicy(),
          Services.metricsFile(cli, home, config), Clock.systemUTC());
      List<ResultsLog.Line> lines = checks.run();
      ResultsLog log = new ResultsLog(home.home(cli).resolve("logs/test_results.log"));
      log.append(lines);
      for (ResultsLog.Line l : lines) cli.out().println(l.format());
      boolean allOk = lines.stream().allMatch(ResultsLog.Line::ok);
      cli.out().flush();
      alerting.send(store, "nightly", alerting.texts().nightly(lines.stream().map(ResultsLog.Line::format).toList(), allOk),
          Instant.now());
      service.deliverAlerts();
      return allOk ? ExitCodes.OK : ExitCodes.UNPROTECTED;
    }
  }
}
