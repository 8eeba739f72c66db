package io.stopguard.guard;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Where the guard's time comes from: the clock it reads (grace periods, reconcile due times, incident
 * times), the scheduler that runs its timers (reconcile ticks, looks again, key refreshes, figures),
 * and the one for what must never wait on the store: its WebSockets' pings and reconnects, and the
 * probes of Bitget's clock and reachability. Production uses the system's; tests
 * pass a clock and a scheduler they move by hand, so a grace period or a back-off passes when the
 * test says so rather than after a sleep.
 *
 * <p>The sockets' timer is separate in production because the scheduler's tasks may wait on the
 * store: a stalled database must never hold back a ping (Bitget closes a connection silent for 30 s,
 * and every account would go blind at once). Tests may pass one scheduler for both.
 *
 * <p>The watcher owns both from here on: {@link Watcher#close()} shuts them down.
 */
public record Timebase(Clock clock, ScheduledExecutorService scheduler, ScheduledExecutorService sockets) {
  public Timebase {
    Objects.requireNonNull(clock);
    Objects.requireNonNull(scheduler);
    Objects.requireNonNull(sockets);
  }

  /** One scheduler for everything (tests that move time by hand). */
  public Timebase(Clock clock, ScheduledExecutorService scheduler) {
    this(clock, scheduler, scheduler);
  }

  /**
   * The system clock, two daemon timer threads (timers only hand work to virtual threads), and one
   * for the WebSockets that touches nothing else.
   */
  public static Timebase system() {
    return new Timebase(Clock.systemUTC(), daemonTimer(2, "watch-scheduler"), daemonTimer(1, "watch-sockets"));
  }

  private static ScheduledExecutorService daemonTimer(int threads, String name) {
    return Executors.newScheduledThreadPool(threads, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }
}
