package io.stopguard.guard;

import io.stopguard.metrics.StopguardMetrics;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that this process did not run for a while (SIGSTOP, a VM pause or live migration, a long
 * GC, swapping): a tick every second that finds more than {@link #PAUSE_NANOS} of the monotonic
 * clock gone says so (WARN, a counter, /health for a minute) and has every account looked at at
 * once, since anything may have happened on the exchange meanwhile and no push was read.
 */
final class PauseDetector {
  private static final Logger log = LoggerFactory.getLogger(PauseDetector.class);
  static final long PAUSE_NANOS = TimeUnit.SECONDS.toNanos(5);
  static final long SHOWN_MS = 60_000;

  private final Clock clock;
  private final LongSupplier nanoTime;
  private final StopguardMetrics metrics;
  private final Runnable lookAtEveryAccount;
  private long lastTick;
  private volatile long pauses;
  private volatile Instant lastPauseEnded;
  private volatile long lastPauseSeconds;

  PauseDetector(Timebase time, StopguardMetrics metrics, Runnable lookAtEveryAccount) {
    this.clock = time.clock();
    this.nanoTime = time.nanoTime();
    this.lastTick = nanoTime.getAsLong();
    this.metrics = metrics;
    this.lookAtEveryAccount = lookAtEveryAccount;
  }

  /** On the socket timer, which never waits on the store or Bitget: its own lateness is the pause. */
  void start(ScheduledExecutorService timer) {
    lastTick = nanoTime.getAsLong();
    timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
  }

  void tick() {
    long now = nanoTime.getAsLong();
    long gap = now - lastTick;
    lastTick = now;
    if (gap < PAUSE_NANOS) return;
    long seconds = Math.round((gap - TimeUnit.SECONDS.toNanos(1)) / 1e9);
    pauses++;
    lastPauseSeconds = seconds;
    lastPauseEnded = clock.instant();
    metrics.recordPause();
    log.warn("this process was paused for {} s (SIGSTOP, a VM pause, a long GC or swapping): looking at every account now", seconds);
    lookAtEveryAccount.run();
  }

  long pauses() {
    return pauses;
  }

  /** "paused for N s at T" while the last pause ended less than a minute ago, else null. */
  String recent() {
    Instant at = lastPauseEnded;
    if (at == null || clock.millis() - at.toEpochMilli() > SHOWN_MS) return null;
    return "this process was paused for " + lastPauseSeconds + " s until " + at.truncatedTo(ChronoUnit.SECONDS)
        + " (every account looked at again)";
  }
}
