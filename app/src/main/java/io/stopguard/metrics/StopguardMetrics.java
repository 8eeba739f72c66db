package io.stopguard.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.stopguard.config.Build;
import io.stopguard.risk.PositionVerdict;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * stopguard's Prometheus metrics, in one registry: written as a textfile after every check
 * ({@code metrics/bitget_stoploss_missing.prom}, for node_exporter's textfile collector) and served
 * on {@code /metrics} by the long-running mode. Formatting is client_java's, never by hand.
 */
public final class StopguardMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final AtomicLong alertsDropped = new AtomicLong();
  private final AtomicLong alertsSent = new AtomicLong();

  {
    // What is running: a rolling upgrade shows old and new side by side (Prometheus' own build_info)
    Build b = Build.current();
    Info.builder().name("stopguard_build_info")
        .help("The stopguard binary: version, the commit it was built from, and the Java it runs on")
        .labelNames("version", "revision", "java").register(registry)
        .addLabelValues(b.version(), b.revision(), Runtime.version().toString());
  }

  private final Gauge missing = Gauge.builder().name("bitget_stoploss_missing")
      .help("1 while at least one open Bitget position has no valid stop-loss (the runbook's flag), else 0")
      .register(registry);
  private final Gauge positionProtected = Gauge.builder().name("bitget_position_protected")
      .help("Per open position: 1 protected by a valid stop-loss, 0 not; verdict says why")
      .labelNames("user_id", "symbol", "side", "verdict").register(registry);
  private final Gauge lastSuccess = Gauge.builder().name("stopguard_last_successful_check_timestamp_seconds")
      .help("Unix time of the last check that saw every account").register(registry);
  private final Gauge duration = Gauge.builder().name("stopguard_check_duration_seconds")
      .help("Wall time of the last check").register(registry);
  private final Gauge complete = Gauge.builder().name("stopguard_check_complete")
      .help("1 if the last check saw every account, 0 if some failed (flag left unchanged)").register(registry);
  private final Counter apiErrors = Counter.builder().name("stopguard_bitget_api_errors")
      .help("Bitget API errors met by checks, by Bitget's code (transport for no answer)")
      .labelNames("code").register(registry);
  private final Gauge storeSilent = Gauge.builder().name("stopguard_store_silent_seconds")
      .help("Seconds since the store last answered a read of the watcher's (0 while it answers)").register(registry);
  private final Counter pauses = Counter.builder().name("stopguard_process_pauses")
      .help("Times this process found itself paused for more than 5 s (SIGSTOP, VM pause, long GC, swapping)")
      .register(registry);
  private final Counter restoreFailures = Counter.builder().name("stopguard_restore_failures")
      .help("Automatic restores that failed").register(registry);
  private final Counter restores = Counter.builder().name("stopguard_restores")
      .help("Stops placed by automatic restore").register(registry);
  private final Counter restoreEscalations = Counter.builder().name("stopguard_restore_escalations")
      .help("Restores declared failing: no confirmed stop within the attempt or time bound").register(registry);
  private final Gauge restoresFailing = Gauge.builder().name("stopguard_restores_failing")
      .help("Open incidents whose restore is escalated (failing): an operator must act").register(registry);
  private final Gauge unguardedAccounts = Gauge.builder().name("stopguard_unguarded_accounts")
      .help("Accounts with an active key the watcher cannot guard (key unusable or refused by Bitget): see /health")
      .register(registry);
  private final Gauge alertsQueued = Gauge.builder().name("stopguard_alerts_queued")
      .help("Alerts waiting in the outbox for Telegram").register(registry);
  private final Gauge alertsOldest = Gauge.builder().name("stopguard_alerts_oldest_undelivered_seconds")
      .help("Age of the oldest alert waiting in the outbox (0 when none); every instance of a fleet reports it, not only"
          + " the one delivering").register(registry);
  private final Gauge clockOffset = Gauge.builder().name("stopguard_bitget_clock_offset_seconds")
      .help("Bitget's clock minus this host's, as last measured; requests are signed with Bitget's time").register(registry);
  private final Gauge openIncidents = Gauge.builder().name("stopguard_open_incidents")
      .help("Unprotected-position incidents not yet restored or resolved").register(registry);

  private final Gauge watchAccounts = Gauge.builder().name("stopguard_watch_accounts")
      .help("Accounts the watcher guards, by how: websocket (pushes + reconcile) or polled (reconcile only)")
      .labelNames("mode").register(registry);
  private final Gauge watchLive = Gauge.builder().name("stopguard_watch_websockets_live")
      .help("Private WebSockets logged in and subscribed").register(registry);
  private final Gauge watchOldest = Gauge.builder().name("stopguard_watch_oldest_reconcile_age_seconds")
      .help("Age of the oldest successful look at any account (unseen accounts count from the watcher's start)")
      .register(registry);
  private final Gauge watchSweep = Gauge.builder().name("stopguard_watch_full_reconcile_seconds")
      .help("Time one reconcile of every account needs within the per-IP request budget").register(registry);

  private final Gauge fleetOwned = Gauge.builder().name("stopguard_fleet_accounts_owned")
      .help("Accounts this fleet instance holds a lease on").register(registry);
  private final Gauge fleetUnowned = Gauge.builder().name("stopguard_fleet_unowned_accounts")
      .help("Accounts with an active key that no fleet instance holds a live lease on (as the database sees it)")
      .register(registry);
  private final Gauge fleetHeldNotGuarded = Gauge.builder().name("stopguard_fleet_owned_unguarded_accounts")
      .help("Accounts this fleet instance has held a lease on for a round or more that its watcher does not guard")
      .register(registry);
  private final Gauge fleetDied = Gauge.builder().name("stopguard_fleet_instances_died_10m")
      .help("Fleet instances that stopped without a clean stop in the last 10 minutes (each held its accounts unguarded"
          + " until their leases expired; several mean a crash loop), as the database sees it").register(registry);
  private final Gauge fleetFenced = Gauge.builder().name("stopguard_fleet_fenced")
      .help("1 while this instance cannot renew its leases and has stopped acting on its accounts").register(registry);

  public StopguardMetrics() {
    CounterWithCallback.builder().name("stopguard_alerts_dropped")
        .help("Alerts given up on (Telegram rejected them or they were too old): lost")
        .callback(cb -> cb.call(alertsDropped.get())).register(registry);
    CounterWithCallback.builder().name("stopguard_alerts_sent")
        .help("Alerts Telegram accepted").callback(cb -> cb.call(alertsSent.get())).register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /**
   * Records a check. {@code flagValue}: the flag as it now stands in the store (unchanged if
   * incomplete); {@code errorCodes}: Bitget's code (or "transport") of each account that failed.
   */
  public synchronized void recordCheck(boolean completeCheck, List<PositionVerdict> verdicts, List<String> errorCodes,
      Duration took, Instant lastSuccessfulCheck, int flagValue) {
    missing.set(flagValue);
    duration.set(took.toNanos() / 1e9);
    complete.set(completeCheck ? 1 : 0);
    if (lastSuccessfulCheck != null) lastSuccess.set(lastSuccessfulCheck.getEpochSecond());
    positionProtected.clear();
    for (PositionVerdict v : verdicts) {
      var p = v.position();
      positionProtected.labelValues(v.userId(), p.symbol(), p.holdSide().name(), v.verdict().name())
          .set(v.verdict().isProtected() ? 1 : 0);
    }
    for (String code : errorCodes) apiErrors.labelValues(code).inc();
  }

  /**
   * Replaces one account's per-position gauges (the watcher evaluates accounts one at a time).
   * {@code previous}: the account's last verdicts, whose label sets are removed first.
   */
  public synchronized void recordAccount(List<PositionVerdict> previous, List<PositionVerdict> now) {
    for (PositionVerdict v : previous) {
      var p = v.position();
      positionProtected.remove(v.userId(), p.symbol(), p.holdSide().name(), v.verdict().name());
    }
    for (PositionVerdict v : now) {
      var p = v.position();
      positionProtected.labelValues(v.userId(), p.symbol(), p.holdSide().name(), v.verdict().name())
          .set(v.verdict().isProtected() ? 1 : 0);
    }
  }

  /** The watcher's summary: flag value and when every account was last seen. */
  public void recordFlag(int flagValue, Instant allAccountsSeenAt) {
    missing.set(flagValue);
    complete.set(1);
    if (allAccountsSeenAt != null) lastSuccess.set(allAccountsSeenAt.getEpochSecond());
  }

  /** The watcher's fleet figures (every few seconds). */
  public void recordWatch(int webSocketAccounts, int polledAccounts, int live, double oldestAgeSeconds,
      double fullReconcileSeconds) {
    watchAccounts.labelValues("websocket").set(webSocketAccounts);
    watchAccounts.labelValues("polled").set(polledAccounts);
    watchLive.set(live);
    watchOldest.set(oldestAgeSeconds);
    watchSweep.set(fullReconcileSeconds);
  }

  public void recordStoreSilent(double seconds) {
    storeSilent.set(seconds);
  }

  public void recordPause() {
    pauses.inc();
  }

  public void recordApiError(String code) {
    apiErrors.labelValues(code).inc();
  }

  public void recordAlerts(long queued, long droppedTotal, long sentTotal) {
    alertsQueued.set(queued);
    alertsDropped.set(droppedTotal);
    alertsSent.set(sentTotal);
  }

  public void recordOldestUndeliveredAlert(Duration age) {
    alertsOldest.set(age.toMillis() / 1000.0);
  }

  public void recordClockOffset(long offsetMillis) {
    clockOffset.set(offsetMillis / 1000.0);
  }

  public void recordOpenIncidents(int n) {
    openIncidents.set(n);
  }

  public void restoreSucceeded() {
    restores.inc();
  }

  public void restoreEscalated() {
    restoreEscalations.inc();
  }

  public void recordFleet(int owned, int unowned, int heldNotGuarded, boolean fenced, int diedRecently) {
    fleetDied.set(diedRecently);
    fleetOwned.set(owned);
    fleetHeldNotGuarded.set(heldNotGuarded);
    fleetUnowned.set(unowned);
    fleetFenced.set(fenced ? 1 : 0);
  }

  public void recordUnguardedAccounts(int n) {
    unguardedAccounts.set(n);
  }

  public void recordRestoresFailing(int n) {
    restoresFailing.set(n);
  }

  public void restoreFailed() {
    restoreFailures.inc();
  }

  /** Writes the textfile atomically: a temp file in the same directory, then a rename. */
  public void writeTextfile(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      try {
        try (OutputStream out = Files.newOutputStream(tmp)) {
          PrometheusTextFormatWriter.create().write(out, registry.scrape());
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics file " + file + ": " + e.getMessage(), e);
    }
  }
}
