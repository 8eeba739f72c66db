package io.stopguard.guard;

import io.stopguard.check.StopLossCheck;
import io.stopguard.metrics.StopguardMetrics;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Bitget answers this process, and by which clock: the watcher signs every request and
 * WebSocket login with Bitget's time (measured over the public time endpoint at start, every
 * minute, and at once after Bitget refused a timestamp), and knows how long ago Bitget last
 * answered at all (a fleet member that Bitget does not answer gives its leases back). Its timers
 * run on the timer that never waits on the store; its requests on the watcher's workers.
 */
final class BitgetContact {
  private static final Logger log = LoggerFactory.getLogger(Watcher.class);

  private final StopLossCheck check;
  private final StopguardMetrics metrics;
  private final Clock clock;
  private final ExecutorService workers;
  private final BooleanSupplier closed;
  /** A reachability probe is out (one at a time: a hung one must not pile up more). */
  private final AtomicBoolean probing = new AtomicBoolean();
  /** When Bitget last answered this process (a look, or its time endpoint): clock millis. */
  private volatile long lastAnsweredMs;
  private volatile long lastSyncRequestMs;
  /** Why Bitget's clock could not be measured at the last try, or null. */
  private volatile String error;

  BitgetContact(StopLossCheck check, StopguardMetrics metrics, Clock clock, ExecutorService workers, BooleanSupplier closed) {
    this.check = check;
    this.metrics = metrics;
    this.clock = clock;
    this.workers = workers;
    this.closed = closed;
    this.lastAnsweredMs = clock.millis();
  }

  /** Measures Bitget's clock now (before any WebSocket logs in), then keeps measuring and probing on {@code timer}. */
  void start(ScheduledExecutorService timer) {
    sync();
    timer.scheduleWithFixedDelay(() -> workers.execute(this::sync), 60, 60, TimeUnit.SECONDS);
    // When no look has succeeded for 2 s (no accounts, every look fails, or every look waits on a
    // stalled store), the public time endpoint tells whether Bitget answers: at most one request
    // every 2 s, under 1 % of the IP budget. Never on a timer that may wait on the store, or a store
    // stall would read as "Bitget does not answer".
    timer.scheduleWithFixedDelay(() -> {
      if (clock.millis() - lastAnsweredMs > 2_000 && probing.compareAndSet(false, true)) {
        workers.execute(() -> {
          try {
            sync();
          } finally {
            probing.set(false);
          }
        });
      }
    }, 1, 1, TimeUnit.SECONDS);
  }

  /** A request to Bitget succeeded. */
  void answered() {
    lastAnsweredMs = clock.millis();
  }

  /** How long ago Bitget last answered this process. */
  long sinceAnsweredMs() {
    return clock.millis() - lastAnsweredMs;
  }

  /** Bitget refused a timestamp (40004/40008, WebSocket 30013/30014): measure again now, at most every 5 s. */
  void timestampRefused() {
    long now = clock.millis();
    if (now - lastSyncRequestMs < 5_000) return;
    lastSyncRequestMs = now;
    workers.execute(this::sync);
  }

  /** Bitget's clock minus this host's, as measured (ms). */
  long offsetMillis() {
    return check.serverClock().offsetMillis();
  }

  /** Why Bitget's clock could not be measured at the last try, or null. */
  String error() {
    return error;
  }

  private void sync() {
    if (closed.getAsBoolean()) return;
    long before = check.serverClock().offsetMillis();
    boolean first = !check.serverClock().measured();
    try {
      long offset = check.syncClock();
      answered();
      metrics.recordClockOffset(offset);
      if (error != null) log.info("Bitget's clock measured again: offset {} ms", offset);
      error = null;
      if ((first && Math.abs(offset) > 1_000) || (!first && Math.abs(offset - before) > 1_000)) {
        log.warn("this host's clock is {} s {} Bitget's: requests are signed with Bitget's time; fix NTP",
            Math.round(Math.abs(offset) / 1000.0), offset < 0 ? "ahead of" : "behind");
      }
    } catch (RuntimeException e) {
      if (error == null) log.warn("cannot measure Bitget's clock: {}", e.getMessage());
      error = e.getMessage();
    }
  }
}
