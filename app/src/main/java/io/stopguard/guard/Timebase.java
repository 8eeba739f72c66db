package io.stopguard.guard;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

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
 * <p>{@code nanoTime} is the monotonic clock for measuring gaps (a process pause): the system's in
 * production, the test's clock in tests.
 *
 * <p>Ownership, as HikariCP's housekeeping executor: whoever closes a timebase ends what it created.
 * A root ({@link #system()}, or a test's) owns its threads; {@link #part} gives one part of a process
 * (the watcher, the fleet, the page) a view whose shutdown ends only that part's tasks, so the
 * process ({@code watch.WatchProcess}) closes its parts in order and the threads last. A watcher
 * given a root shuts it down when closed (tests, the demo, the benchmarks).
 *
 * <p>{@code runner} runs the tasks of a part: virtual threads in production, so the two timer threads
 * only ever start work; the caller's thread in tests, so a timer's work is done when
 * {@code advance} returns.
 */
public record Timebase(Clock clock, ScheduledExecutorService scheduler, ScheduledExecutorService sockets,
    LongSupplier nanoTime, Executor runner) {
  public Timebase {
    Objects.requireNonNull(clock);
    Objects.requireNonNull(scheduler);
    Objects.requireNonNull(sockets);
    Objects.requireNonNull(nanoTime);
    Objects.requireNonNull(runner);
  }

  public Timebase(Clock clock, ScheduledExecutorService scheduler, ScheduledExecutorService sockets, LongSupplier nanoTime) {
    this(clock, scheduler, sockets, nanoTime, TaskQueue.virtualThreads());
  }

  /**
   * One scheduler for everything, and the clock as the monotonic one (tests that move time by hand:
   * a test that takes a while in real time between two steps is no pause).
   */
  public Timebase(Clock clock, ScheduledExecutorService scheduler) {
    this(clock, scheduler, scheduler, () -> clock.millis() * 1_000_000L, Runnable::run);
  }

  /**
   * The same clock and timer threads for one part of the process: its {@code scheduler} and
   * {@code sockets} end only the part's own tasks when shut down, and run each task on the runner.
   */
  public Timebase part(String name) {
    return new Timebase(clock, new TaskQueue(name, scheduler, runner), new TaskQueue(name + "-sockets", sockets, runner),
        nanoTime, runner);
  }

  /** Milliseconds on the monotonic clock (gaps, ages; never a date). */
  public long monotonicMillis() {
    return nanoTime.getAsLong() / 1_000_000L;
  }

  /** Ends every task and, on a root, the timer threads. */
  public void close() {
    scheduler.shutdownNow();
    sockets.shutdownNow();
  }

  /** A daemon timer of {@code threads} named {@code name}: every scheduled executor of the process is made here. */
  public static ScheduledExecutorService daemonTimer(int threads, String name) {
    return Executors.newScheduledThreadPool(threads, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * The system clock, two daemon timer threads (timers only hand work to virtual threads), and one
   * for the WebSockets that touches nothing else.
   */
  public static Timebase system() {
    return new Timebase(Clock.systemUTC(), daemonTimer(2, "watch-scheduler"), daemonTimer(1, "watch-sockets"), System::nanoTime);
  }
}
