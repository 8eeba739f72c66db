package io.stopguard.ops;

import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.BitgetException;
import io.stopguard.bitget.Contract;
import io.stopguard.bitget.PlanType;
import io.stopguard.check.AccountResult;
import io.stopguard.check.CheckReport;
import io.stopguard.check.CheckService;
import io.stopguard.check.NoActiveKeysException;
import io.stopguard.check.StopLossCheck;
import io.stopguard.risk.Policy;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.risk.Protection;
import io.stopguard.risk.RestorePlan;
import io.stopguard.risk.RestorePlanner;
import io.stopguard.store.ActiveKeys;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Journal;
import io.stopguard.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The nightly self-checks, named as the runbook names them where it does. Each yields one
 * {@link ResultsLog.Line}; none throws, so one failure never hides the others.
 */
public final class NightlyChecks {
  static final long MAX_SKEW_MS = 5_000;

  private final Store store;
  private final StopLossCheck check;
  private final CheckService service;
  private final Policy policy;
  private final Path metricsFile;
  private final Clock clock;

  public NightlyChecks(Store store, StopLossCheck check, CheckService service, Policy policy, Path metricsFile, Clock clock) {
    this.store = store;
    this.check = check;
    this.service = service;
    this.policy = policy;
    this.metricsFile = metricsFile;
    this.clock = clock;
  }

  public List<ResultsLog.Line> run() {
    List<ResultsLog.Line> out = new ArrayList<>();
    CheckReport report = null;
    try {
      report = service.run().report();
      out.add(line(report.complete() && report.unprotected().isEmpty(), "run_risk_monitor check",
          report.complete() ? report.summaryLine() : "incomplete: " + firstError(report)));
    } catch (NoActiveKeysException e) {
      out.add(line(false, "run_risk_monitor check", "no active Bitget keys"));
    } catch (RuntimeException e) {
      out.add(line(false, "run_risk_monitor check", e.getMessage()));
    }
    ActiveKeys active = store.keys().active("bitget");
    List<ExchangeKey> keys = active.usable();
    out.add(stopOrders(keys));
    out.add(keysValid(report, active));
    out.add(clockSkew(keys));
    out.add(integrity());
    out.add(metricsFresh());
    return out;
  }

  /** Plan orders readable on every account, and a restore computable for every bare position (dry run). */
  private ResultsLog.Line stopOrders(List<ExchangeKey> keys) {
    if (keys.isEmpty()) return line(false, "test_bitget_stop_orders", "no active Bitget keys");
    int stops = 0;
    int dryRuns = 0;
    List<String> problems = new ArrayList<>();
    List<Contract> contracts = null;
    for (ExchangeKey k : keys) {
      BitgetClient c = check.client(k);
      try {
        var plans = c.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null);
        stops += (int) plans.stream().filter(o -> o.planType() == PlanType.POS_LOSS || o.planType() == PlanType.LOSS_PLAN).count();
        for (PositionVerdict v : Protection.evaluate(k.userId(), c.allPositions(), plans, policy)) {
          if (v.verdict().isProtected()) continue;
          if (contracts == null) contracts = c.contracts();
          var contract = contracts.stream().filter(x -> x.symbol().equalsIgnoreCase(v.position().symbol())).findFirst();
          if (contract.isEmpty()) {
            problems.add(v.key() + " unknown contract");
            continue;
          }
          RestorePlan plan = RestorePlanner.plan(v.position(), contract.get(), policy,
              store.journal().intendedStop(v.userId(), v.position().symbol(), v.position().holdSide().name(),
                  v.position().cTime()).map(Journal.IntendedStop::price).orElse(null));
          if (plan instanceof RestorePlan.Place) dryRuns++;
          else problems.add(v.key() + " no safe stop possible");
        }
      } catch (BitgetException e) {
        problems.add(k.userId() + " " + e.getMessage());
      }
    }
    String detail = stops + " stop orders on " + keys.size() + " account(s), " + dryRuns + " dry-run restore(s) valid";
    return line(problems.isEmpty(), "test_bitget_stop_orders", problems.isEmpty() ? detail : detail + "; " + String.join("; ", problems));
  }

  private ResultsLog.Line keysValid(CheckReport report, ActiveKeys keys) {
    if (keys.isEmpty()) return line(false, "bitget_keys", "no active Bitget keys");
    if (report == null && !keys.unusable().isEmpty()) report = CheckService.withUnusable(new CheckReport(List.of()), keys.unusable());
    if (report == null) return line(false, "bitget_keys", "not checked (the risk check did not run)");
    List<String> bad = new ArrayList<>();
    for (AccountResult a : report.accounts()) {
      if (!a.ok()) bad.add(a.userId() + " " + a.maskedKey() + ": " + a.error().getMessage());
    }
    return line(bad.isEmpty(), "bitget_keys", bad.isEmpty()
        ? keys.size() + " active key(s) valid (read); trade permission is proven at the first placement"
        : String.join("; ", bad));
  }

  private ResultsLog.Line clockSkew(List<ExchangeKey> keys) {
    if (keys.isEmpty()) return line(false, "bitget_clock_skew", "no active Bitget keys");
    try {
      long skew = check.client(keys.get(0)).syncClock();
      return line(Math.abs(skew) <= MAX_SKEW_MS, "bitget_clock_skew", (skew >= 0 ? "+" : "") + skew + " ms (limit ±" + MAX_SKEW_MS + ")");
    } catch (BitgetException e) {
      return line(false, "bitget_clock_skew", e.getMessage());
    }
  }

  private ResultsLog.Line integrity() {
    try {
      String r = store.integrityCheck();
      return line("ok".equals(r), "database_integrity", "PRAGMA integrity_check: " + r);
    } catch (RuntimeException e) {
      return line(false, "database_integrity", e.getMessage());
    }
  }

  private ResultsLog.Line metricsFresh() {
    try {
      if (!Files.exists(metricsFile)) return line(false, "metrics_file", metricsFile + " missing");
      Duration age = Duration.between(Files.getLastModifiedTime(metricsFile).toInstant(), clock.instant());
      boolean hasGauge = Files.readAllLines(metricsFile).stream().anyMatch(l -> l.startsWith("bitget_stoploss_missing "));
      boolean ok = hasGauge && age.compareTo(Duration.ofMinutes(10)) <= 0;
      return line(ok, "metrics_file", metricsFile.getFileName() + " " + (hasGauge ? "has" : "lacks")
          + " bitget_stoploss_missing, written " + age.toSeconds() + " s ago");
    } catch (IOException e) {
      return line(false, "metrics_file", e.getMessage());
    }
  }

  private static String firstError(CheckReport r) {
    return r.accounts().stream().filter(a -> !a.ok()).findFirst()
        .map(a -> "user " + a.userId() + ": " + a.error().getMessage()).orElse("?");
  }

  private ResultsLog.Line line(boolean ok, String name, String detail) {
    return new ResultsLog.Line(Instant.now(clock), ok, name, detail == null ? "" : detail);
  }
}
