package io.stopguard.guard;

import io.stopguard.bitget.ErrorKind;
import io.stopguard.config.Build;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.store.Outbox;
import io.stopguard.store.UnusableKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link Watcher} tells about itself: the per-account status and fleet-wide figures of
 * /health (with why it is degraded), the status page's account snapshots, the IP budget in use, and
 * the accounts it should guard but cannot (a metric, a WARN and one alert each, one when guarded again).
 */
final class WatchStatus {
  private static final Logger log = LoggerFactory.getLogger(Watcher.class);
  /** What this part asks of the watcher while it runs; everything else is its {@link WatchContext}. */
  interface Host {
    /** The accounts being watched now. */
    Collection<AccountWatch> accounts();

    /** Active keys of this shard that cannot be used, as of the last refresh. */
    List<UnusableKey> unusableKeys();

    /** Why the key table could not be read at the last refresh, or null. */
    String keysUnreadable();

    /** Whether the account is this watcher's (its shard, or its leases). */
    boolean owns(String userId);
  }

  private final WatchContext c;
  private final Host host;
  /** Unguarded accounts already alerted ("user key" → reason), so each episode alerts once. */
  private final Map<String, String> unguardedAlerted = new ConcurrentHashMap<>();

  WatchStatus(WatchContext c, Host host) {
    this.c = c;
    this.host = host;
    this.startedMs = c.clock().millis();
    this.storeAnsweredMs = startedMs;
  }

  /** /health never reads the store itself: what it shows from there is read every second beside it. */
  private volatile List<String> failingRestores = List.of();
  private volatile long storeAnsweredMs;
  private volatile String storeError;
  private final AtomicBoolean storeReading = new AtomicBoolean();
  /** A store that has not answered this long makes /health degraded (and the metric says for how long). */
  static final long STORE_SILENT_TOO_LONG_MS = 5_000;

  /**
   * Every second: the store's part of /health (escalated restores), read on a worker thread, so a
   * stalled store (a lock held by another process, a full disk, PostgreSQL gone) holds neither a
   * timer nor a /health request; it only makes the answer older, which /health then says.
   */
  void readStoreFigures() {
    if (!storeReading.compareAndSet(false, true)) { // the last read still waits on the store
      c.metrics().recordStoreSilent(storeSilentMs() / 1000.0);
      return;
    }
    c.workers().execute(() -> {
      try {
        failingRestores = c.restorer().failingRestoresOrThrow();
        if (storeError != null) log.info("the store answers again");
        storeError = null;
        storeAnsweredMs = c.clock().millis();
      } catch (RuntimeException e) {
        if (storeError == null) log.warn("the store does not answer: {}", e.getMessage());
        storeError = e.getMessage();
      } finally {
        storeReading.set(false);
        c.metrics().recordStoreSilent(storeSilentMs() / 1000.0);
      }
    });
  }

  /** How long the store has not answered: reads waiting (its lock held), or transactions failing (SQLite busy, disk full). */
  long storeSilentMs() {
    long now = c.clock().millis();
    long raw = Math.max(Math.max(0, now - storeAnsweredMs), c.store().writesFailingForMs());
    // One outage, one clock: reads that waited (a write holding the store's monitor through a busy
    // timeout) and writes that failed are two views of it; the silence runs from the earliest, and
    // does not fall back when one view clears while the other goes on (it flickered to "ok").
    synchronized (this) {
      if (raw <= 1_000) {
        silentSinceMs = 0;
        return raw;
      }
      if (silentSinceMs == 0 || now - raw < silentSinceMs) silentSinceMs = now - raw;
      return now - silentSinceMs;
    }
  }

  /** When the current store silence began (0: none). */
  private long silentSinceMs;

  List<String> failingRestores() {
    return failingRestores;
  }

  /** The watcher's figures into the metrics (every 5 s). */
  void recordFigures() {
    Fleet f = fleet();
    c.metrics().recordWatch(f.webSocket(), f.polled(), f.live(), f.oldestAgeMs() / 1000.0, f.sweepSeconds());
  }

  /** How long the oldest undelivered alert has waited (zero when none waits, or without Telegram). */
  private volatile Duration alertsWaiting = Duration.ZERO;
  /** A host clock further than this from Bitget's is told in /health (corrected, but something to fix). */
  static final long CLOCK_OFF_TOO_FAR_MS = 10_000;
  /** An alert waiting longer than this makes /health degraded: Telegram is unreachable, or no instance delivers. */
  static final Duration ALERTS_WAITING_TOO_LONG = Duration.ofSeconds(10);

  /**
   * Every few seconds, on every instance (not only the one delivering): the age of the oldest alert
   * still waiting, into a metric and /health. A deliverer that died or froze cannot say it itself.
   */
  void recordAlertsWaiting() {
    if (!c.alerting().telegramEnabled()) return;
    Instant now = c.clock().instant();
    Optional<Outbox.Waiting> oldest = c.store().outbox().oldestWaiting();
    Duration age = oldest.map(o -> Duration.between(o.since(), now)).filter(d -> !d.isNegative())
        .orElse(Duration.ZERO);
    boolean stuck = age.compareTo(ALERTS_WAITING_TOO_LONG) > 0;
    boolean wasStuck = alertsWaiting.compareTo(ALERTS_WAITING_TOO_LONG) > 0;
    if (stuck && !wasStuck) { // one line per outage, not one per try
      log.warn("alerts are not being delivered: the oldest has waited {} s ({})", age.toSeconds(),
          oldest.get().lastError() == null ? "no instance has tried yet: does any deliver?" : "last error: " + oldest.get().lastError());
    } else if (!stuck && wasStuck) {
      log.info("alerts are delivered again");
    }
    alertsWaiting = age;
    c.metrics().recordOldestUndeliveredAlert(age);
  }

  /** Status for /health. */
  List<AccountHealth> health() {
    List<AccountHealth> out = new ArrayList<>();
    for (AccountWatch a : host.accounts()) {
      out.add(new AccountHealth(a.key.userId(), a.key.credentials().maskedKey(),
          a.ws == null ? (c.settings().webSocket() ? "polled" : "off") : a.ws.state(),
          a.lastOk == null ? null : a.lastOk.toString(), a.lastError,
          a.key.mayRestore() ? null : Boolean.FALSE, // read-only key: watched, cannot restore
          a.key.info() != null && a.key.info().canWithdraw() ? "can withdraw funds" : null,
          a.verdicts.stream().filter(v -> !v.verdict().isProtected()).map(PositionVerdict::key).toList()));
    }
    return out;
  }

  List<Watcher.AccountSnapshot> snapshot() {
    List<Watcher.AccountSnapshot> out = new ArrayList<>(host.accounts().size());
    for (AccountWatch a : host.accounts()) {
      out.add(new Watcher.AccountSnapshot(a.key.userId(), a.key.credentials().maskedKey(), a.key.demoTrading(),
          a.ws == null ? (c.settings().webSocket() ? "polled" : "off") : a.ws.state(), a.lastOk, a.lastError, a.verdicts));
    }
    return out;
  }

  /** Every account of this shard with an active key that is not being guarded, and why. */
  List<Watcher.Unguarded> unguarded() {
    List<Watcher.Unguarded> out = new ArrayList<>();
    for (UnusableKey u : host.unusableKeys()) out.add(new Watcher.Unguarded(u.userId(), u.maskedKey(), u.reason()));
    for (AccountWatch a : host.accounts()) {
      if (a.lastErrorKind == ErrorKind.BAD_KEY || a.lastErrorKind == ErrorKind.PERMISSION) {
        out.add(new Watcher.Unguarded(a.key.userId(), a.key.credentials().maskedKey(), a.lastError));
      }
    }
    return out;
  }

  /** Metric, WARN and one alert per unguarded account (and one when it is guarded again). */
  void reportUnguarded() {
    List<Watcher.Unguarded> now = unguarded();
    c.metrics().recordUnguardedAccounts(now.size());
    Set<String> current = new HashSet<>();
    for (Watcher.Unguarded u : now) {
      String id = u.userId() + " " + u.key();
      current.add(id);
      if (unguardedAlerted.putIfAbsent(id, u.reason()) == null) {
        log.warn("user {} ({}) is NOT guarded: {}", u.userId(), u.key(), u.reason());
        alert(c.alerting().texts().unguarded(u.userId(), u.key(), u.reason()), "unguarded");
      }
    }
    for (String id : List.copyOf(unguardedAlerted.keySet())) {
      if (current.contains(id)) continue;
      unguardedAlerted.remove(id);
      String[] parts = id.split(" ", 2);
      if (!host.owns(parts[0])) { // a fleet member gave it back (or a shard lost it): its new owner reports on it
        log.info("user {} ({}) is no longer this instance's to guard", parts[0], parts[1]);
        continue;
      }
      log.info("user {} ({}) is guarded again", parts[0], parts[1]);
      alert(c.alerting().texts().guardedAgain(parts[0], parts[1]), "guarded-again");
    }
  }

  private void alert(String text, String kind) {
    c.alerting().send(c.store(), kind, text, c.clock().instant());
  }

  /** Fleet-wide figures for /health and the metrics. */
  private record Fleet(int accounts, int webSocket, int live, int polled, boolean allSeen, long oldestAgeMs, double sweepSeconds) {}

  private final long startedMs;

  private Fleet fleet() {
    long now = c.clock().millis();
    int ws = 0;
    int live = 0;
    int polled = 0;
    boolean allSeen = true;
    long oldestMs = 0;
    for (AccountWatch a : host.accounts()) {
      if (a.ws == null) polled++;
      else {
        ws++;
        if ("live".equals(a.ws.state())) live++;
      }
      if (a.lastOk == null) {
        allSeen = false;
        oldestMs = Math.max(oldestMs, now - startedMs);
      } else {
        oldestMs = Math.max(oldestMs, now - a.lastOk.toEpochMilli());
      }
    }
    double rate = c.budget().backgroundRequestsPerSecond();
    return new Fleet(host.accounts().size(), ws, live, polled, allSeen, oldestMs, Double.isInfinite(rate) ? 0 : host.accounts().size() * 2 / rate);
  }

  /** Fleet-wide figures for /health: how accounts are watched and how stale the oldest look is. */
  WatchHealth summary() {
    Fleet f = fleet();
    List<String> failing = failingRestores;
    long storeSilent = storeSilentMs();
    List<Watcher.Unguarded> unguarded = unguarded();
    List<String> why = new ArrayList<>();
    if (!failing.isEmpty()) why.add("restore failing for " + String.join(", ", failing));
    if (storeSilent > STORE_SILENT_TOO_LONG_MS) {
      String e = storeError != null ? storeError : c.store().lastWriteFailure();
      why.add("the store has not answered for " + storeSilent / 1000 + " s (a lock held by another process, a full disk,"
          + " the database unreachable): looks and restores wait on it" + (e == null ? "" : "; last error: " + e));
    }
    if (!unguarded.isEmpty()) {
      why.add(unguarded.size() + " account(s) not guarded: users "
          + String.join(", ", unguarded.stream().map(Watcher.Unguarded::userId).distinct().toList()));
    }
    if (host.keysUnreadable() != null) why.add("keys unreadable: " + host.keysUnreadable());
    long offset = c.bitget().offsetMillis();
    if (Math.abs(offset) > CLOCK_OFF_TOO_FAR_MS) {
      why.add("this host's clock is " + Math.round(Math.abs(offset) / 1000.0) + " s " + (offset < 0 ? "ahead of" : "behind")
          + " Bitget's (requests are signed with Bitget's time; fix NTP)");
    }
    double throttle = c.budget().throttle();
    if (throttle < 1) {
      why.add("Bitget answered 429 although this instance kept its per-IP share: it uses " + Math.round(throttle * 100)
          + " % of it until 30 s pass without a 429 (another process or a NAT on this IP?)");
    }
    String paused = c.pauses().recent();
    if (paused != null) why.add(paused);
    String clockError = c.bitget().error();
    if (clockError != null) why.add("cannot measure Bitget's clock: " + clockError);
    Duration waiting = alertsWaiting;
    if (waiting.compareTo(ALERTS_WAITING_TOO_LONG) > 0) {
      why.add("alerts are not being delivered: the oldest has waited " + waiting.toSeconds() + " s (Telegram unreachable,"
          + " or no instance delivers)");
    }
    long unseen = host.accounts().stream().filter(a -> a.lastOk == null).count();
    if (unseen > 0) why.add(unseen + " account(s) not looked at yet (starting, or every look fails: see lastError)");
    long lookFailing = host.accounts().stream().filter(a -> a.lastOk != null && a.lastError != null).count();
    if (lookFailing > 0) why.add(lookFailing + " account(s) whose last look failed (see lastError)");
    if (f.accounts() == 0 && unguarded.isEmpty()) why.add("no active Bitget keys in this shard: nothing is guarded");
    return new WatchHealth(Build.current().describe(), // which binary answers (a rolling upgrade)
        f.accounts(), f.live(), c.budget().maxConnections(), f.polled(),
        f.allSeen() && f.accounts() > 0 ? f.oldestAgeMs() / 1000 : null, // null: not all seen yet
        c.settings().reconcileInterval().toSeconds(), Math.round(f.sweepSeconds()), c.budget().yieldedPerMinute(),
        requestsPerMinute(), Double.isInfinite(c.budget().requestsPerSecond()) ? null : Math.round(c.budget().requestsPerSecond() * 60),
        failing, storeSilent / 1000, unguarded, offset, throttle, c.pauses().pauses(), waiting.toSeconds(), null, why);
  }

  /** (time, requests sent) every 5 s over the last minute: the IP budget in use, for /health and the status page. */
  private final ArrayDeque<long[]> sentSamples = new ArrayDeque<>();

  synchronized void sampleRequests() {
    long now = c.clock().millis();
    sentSamples.addLast(new long[] {now, c.budget().requestsSent()});
    while (sentSamples.size() > 2 && now - sentSamples.peekFirst()[0] > 60_000) sentSamples.pollFirst();
  }

  /** REST requests a minute this watcher sent lately (null until two samples exist). */
  synchronized Long requestsPerMinute() {
    if (sentSamples.size() < 2) return null;
    long[] first = sentSamples.peekFirst();
    long[] last = sentSamples.peekLast();
    long ms = last[0] - first[0];
    return ms <= 0 ? null : (last[1] - first[1]) * 60_000 / ms;
  }
}
