package io.stopguard.cli;

import io.stopguard.bitget.IpBudget;
import io.stopguard.check.AccountResult;
import io.stopguard.alert.Alerting;
import io.stopguard.check.CheckReport;
import io.stopguard.check.CheckService;
import io.stopguard.check.NoActiveKeysException;
import io.stopguard.guard.WatchLock;
import io.stopguard.incident.Decision;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.store.Store;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "check",
    header = "Find positions without a valid stop-loss; print stoploss_missing=[...] and set the flag.",
    mixinStandardHelpOptions = true,
    description = {
        "Find open positions without a valid stop-loss on every active Bitget key",
        "and record the flag bitget_stoploss_missing in risk_flags (trading.db).",
        "",
        "Prints one line on stdout:",
        "  stoploss_missing=[<user>:<SYMBOL>:<LONG|SHORT>, ...]",
        "listing every position that is not PROTECTED: MISSING, WRONG_SIDE,",
        "BEYOND_LIQUIDATION, UNDERSIZED or HOLD_SIDE_MISMATCH (see -v or --json).",
        "2 REST calls per account, whatever the number of positions.",
        "",
        "A full check (no --user) also keeps incidents, queues Telegram alerts",
        "(TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID), appends ended incidents to",
        "docs/incident_log.md and writes metrics/bitget_stoploss_missing.prom.",
        "",
        "Exit codes: 0 all protected, 1 unprotected positions found, 2 usage",
        "error, 3 the check could not complete (network, keys, store): then the",
        "flag is left as it was and the reason is printed on stderr.",
    })
final class CheckCommand implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Mixin
  ExchangeOptions exchange;

  @Option(names = "--user", paramLabel = "ID",
      description = "Check only this user's keys. The flag is not written (a partial look must not clear it).")
  String user;

  @Option(names = "--json", description = "Print the full report as JSON instead of the summary line.")
  boolean json;

  @Option(names = {"-v", "--verbose"}, description = "Also describe each unprotected position on stderr.")
  boolean verbose;

  CheckCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    var config = home.config(cli);
    try (Store store = home.openStore(cli)) {
      CheckReport report;
      CheckService service = null;
      if (user == null) {
        boolean besideWatcher = WatchLock.anyHeld(home.home(cli));
        String notice = slowNotice(store.keys().active("bitget").size(), ExchangeOptions.oneOffBudget(besideWatcher), besideWatcher);
        if (notice != null) cli.err().println(notice);
        // The full check: flag, incidents, alerts, incident log, metrics file.
        // Without Telegram the alert is still shown, on stderr (stdout keeps the stoploss_missing line).
        Alerting alerting = Alerting.from(cli.env(), config);
        if (!alerting.telegramEnabled()) alerting = alerting.withConsole(cli.err());
        service = Services.checkService(cli, home, exchange, store, config, alerting, new StopguardMetrics());
        CheckService.Outcome outcome = service.run();
        report = outcome.report();
        if (!alerting.telegramEnabled()
            && outcome.decisions().stream().anyMatch(d -> !(d instanceof Decision.Changed))) {
          cli.err().println("(Telegram is not configured — TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID, or stopguard.yaml:"
              + " alerts are printed here only)");
        }
      } else {
        // One user's keys only: the flag and incidents are left alone (a partial look must not clear them).
        var keys = store.keys().active("bitget", user);
        if (keys.isEmpty()) throw new NoActiveKeysException(store.where() + " for user " + user);
        report = CheckService.withUnusable(exchange.check(cli, home, config.riskPolicy()).run(keys.usable()), keys.unusable());
      }
      int code;
      if (json) {
        Json.print(cli.out(), toJson(report));
        code = !report.complete() ? ExitCodes.INCOMPLETE : report.unprotected().isEmpty() ? ExitCodes.OK : ExitCodes.UNPROTECTED;
      } else {
        code = report(cli, report, verbose);
      }
      cli.out().flush();
      if (service != null) service.deliverAlerts(); // after the results are out: Telegram never delays them
      return code;
    }
  }

  /**
   * Said before a check that Bitget's per-IP budget makes long (over 30 s), so nobody at 3 a.m.
   * mistakes it for a hang; null otherwise.
   */
  static String slowNotice(int accounts, IpBudget budget, boolean besideWatcher) {
    double seconds = accounts * 2 / budget.requestsPerSecond();
    if (!(seconds > 30)) return null;
    return String.format(Locale.ROOT, "stopguard check: %,d accounts at %.0f requests/s (%s): about %s",
        accounts, budget.requestsPerSecond(),
        besideWatcher ? "a watcher runs in this home and keeps most of Bitget's per-IP budget"
            : "Bitget allows 6000 requests per IP a minute",
        seconds < 120 ? Math.round(seconds) + " s" : Math.round(seconds / 60) + " min");
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
        if (!v.verdict().isProtected()) cli.err().println(describe(v));
      }
    }
    return report.unprotected().isEmpty() ? ExitCodes.OK : ExitCodes.UNPROTECTED;
  }

  static String describe(PositionVerdict v) {
    var p = v.position();
    return v.key() + " " + v.verdict() + ": size " + p.total().toPlainString() + ", entry " + p.openPriceAvg().toPlainString()
        + ", mark " + p.markPrice().toPlainString() + ", liquidation " + p.liquidationPrice().toPlainString()
        + (v.reasons().isEmpty() ? "" : "; " + String.join("; ", v.reasons()));
  }

  static Map<String, Object> toJson(CheckReport report) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("summary", report.complete() ? report.summaryLine() : null);
    m.put("complete", report.complete());
    m.put("unprotected", report.unprotected());
    List<Map<String, Object>> positions = new ArrayList<>();
    for (PositionVerdict v : report.verdicts()) positions.add(verdictJson(v));
    m.put("positions", positions);
    List<Map<String, Object>> errors = new ArrayList<>();
    for (AccountResult a : report.accounts()) {
      if (a.ok()) continue;
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("userId", a.userId());
      e.put("key", a.maskedKey());
      e.put("error", a.error().getMessage());
      e.put("hint", a.error().hint());
      errors.add(e);
    }
    m.put("errors", errors);
    return m;
  }

  static Map<String, Object> verdictJson(PositionVerdict v) {
    var p = v.position();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", v.key());
    m.put("userId", v.userId());
    m.put("symbol", p.symbol());
    m.put("side", p.holdSide().name());
    m.put("posMode", p.posMode() == null ? null : p.posMode().wire());
    m.put("size", p.total());
    m.put("entry", p.openPriceAvg());
    m.put("mark", p.markPrice());
    m.put("liquidation", p.liquidationPrice());
    m.put("unrealizedPL", p.unrealizedPL());
    m.put("verdict", v.verdict().name());
    m.put("reasons", v.reasons());
    List<Map<String, Object>> stops = new ArrayList<>();
    for (var o : v.stops()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("orderId", o.orderId());
      s.put("clientOid", o.clientOid());
      s.put("planType", o.planType().wire());
      s.put("triggerPrice", o.triggerPrice());
      s.put("triggerType", o.triggerType());
      s.put("size", o.size());
      stops.add(s);
    }
    m.put("stops", stops);
    return m;
  }
}
