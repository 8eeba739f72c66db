package io.stopguard.guard;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Where the guard's time comes from: the clock it reads (grace periods, reconcile due times, incident
 * times) and the scheduler that runs its timers (reconcile ticks, looks again, WebSocket pings and
 * reconnects). Production uses the system's; tests pass a clock and a scheduler they move by hand, so
 * a grace period or a back-off passes when the test says so rather than after a sleep.
 *
 * <p>The watcher owns the scheduler from here on: {@link Watcher#close()} shuts it down.
 */
public record Timebase(Clock clock, ScheduledExecutorService scheduler) {
  public Timebase {
    Objects.requireNonNull(clock);
    Objects.requireNonNull(scheduler);
  }

  /** The system clock and two daemon timer threads (timers only hand work to virtual threads). */
  public static Timebase system() {
    return new Timebase(Clock.systemUTC(), Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "watch-scheduler");
      t.setDaemon(true);
      return t;
    }));
  }
}
