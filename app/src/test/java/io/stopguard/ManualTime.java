package io.stopguard;

import io.stopguard.guard.Timebase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Time a test moves by hand: a {@link FakeClock} and a scheduler whose timers fire only inside
 * {@link #advance}, in due order, on the test's thread, with the clock set to each timer's due time.
 * The guard under test still does its I/O for real (its looks run on its own threads, the simulator
 * answers over HTTP); only the waiting is taken out — a grace period or a back-off passes when the
 * test says so. Thread-safe: the guard's threads schedule while the test advances.
 */
public final class ManualTime {
  private final FakeClock clock;
  /** One per guard built on this time (a watcher shuts its own down when closed); one clock for all. */
  private final List<Scheduler> schedulers = new CopyOnWriteArrayList<>();

  public ManualTime(Instant start) {
    this.clock = new FakeClock(start);
  }

  public ManualTime() {
    this(Instant.now());
  }

  /** What a guard is built with: the shared clock and a scheduler of its own (its close shuts that down). */
  public Timebase timebase() {
    Scheduler s = new Scheduler();
    schedulers.add(s);
    return new Timebase(clock, s);
  }

  public FakeClock clock() {
    return clock;
  }

  /** Moves the clock by {@code d}, running every timer that falls due on the way (and those they schedule). */
  public void advance(Duration d) {
    Instant target = clock.instant().plus(d);
    for (Task t; (t = nextDue(target.toEpochMilli())) != null; ) {
      Instant due = Instant.ofEpochMilli(t.dueMs);
      if (due.isAfter(clock.instant())) clock.advance(Duration.between(clock.instant(), due));
      t.owner.run(t, clock.millis());
    }
    if (target.isAfter(clock.instant())) clock.advance(Duration.between(clock.instant(), target));
  }

  /** The soonest timer due by {@code upToMs} over every guard's scheduler, taken off its queue. */
  private Task nextDue(long upToMs) {
    Scheduler first = null;
    long firstDue = Long.MAX_VALUE;
    for (Scheduler s : schedulers) {
      Long due = s.firstDue();
      if (due != null && due <= upToMs && due < firstDue) {
        first = s;
        firstDue = due;
      }
    }
    return first == null ? null : first.nextDue(upToMs);
  }

  /** Delays of the one-shot timers pending now, soonest first (what the guards decided to wait). */
  public List<Duration> pendingOneShots() {
    List<Duration> out = new ArrayList<>();
    for (Scheduler s : schedulers) out.addAll(s.oneShotDelays(clock.millis()));
    out.sort(null);
    return out;
  }

  private final class Task extends FutureTask<Object> implements RunnableScheduledFuture<Object> {
    final long seq;
    final long periodMs; // 0: once; > 0: fixed rate; < 0: fixed delay
    volatile long dueMs;

    final Scheduler owner;

    Task(Scheduler owner, Callable<Object> c, long dueMs, long periodMs, long seq) {
      super(c);
      this.owner = owner;
      this.dueMs = dueMs;
      this.periodMs = periodMs;
      this.seq = seq;
    }

    @Override
    public boolean isPeriodic() {
      return periodMs != 0;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueMs - clock.millis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      Task t = (Task) o;
      return dueMs != t.dueMs ? Long.compare(dueMs, t.dueMs) : Long.compare(seq, t.seq);
    }

    @Override
    public void run() {
      if (isPeriodic()) runAndReset();
      else super.run();
    }
  }

  private final class Scheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long seq;
    private boolean shutdown;

    synchronized Task nextDue(long upToMs) {
      Task t = queue.peek();
      if (t == null || t.dueMs > upToMs) return null;
      return queue.poll();
    }

    synchronized Long firstDue() {
      queue.removeIf(Task::isCancelled);
      Task t = queue.peek();
      return t == null ? null : t.dueMs;
    }

    synchronized List<Duration> oneShotDelays(long nowMs) {
      List<Duration> out = new ArrayList<>();
      queue.stream().filter(t -> !t.isPeriodic() && !t.isCancelled()).sorted()
          .forEach(t -> out.add(Duration.ofMillis(t.dueMs - nowMs)));
      return out;
    }

    void run(Task t, long nowMs) {
      if (t.isCancelled()) return;
      t.run();
      if (t.isPeriodic() && !t.isDone()) {
        t.dueMs = t.periodMs > 0 ? t.dueMs + t.periodMs : nowMs - t.periodMs;
        synchronized (this) {
          if (!shutdown) queue.add(t);
        }
      }
    }

    private synchronized Task add(Callable<Object> c, long delayMs, long periodMs) {
      if (shutdown) throw new RejectedExecutionException("shut down");
      Task t = new Task(this, c, clock.millis() + Math.max(0, delayMs), periodMs, seq++);
      queue.add(t);
      return t;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return add(Executors.callable(command), unit.toMillis(delay), 0);
    }

    @SuppressWarnings("unchecked")
    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      return (ScheduledFuture<V>) add((Callable<Object>) callable, unit.toMillis(delay), 0);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
      if (period <= 0) throw new IllegalArgumentException("period must be > 0");
      return add(Executors.callable(command), unit.toMillis(initialDelay), unit.toMillis(period));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      if (delay <= 0) throw new IllegalArgumentException("delay must be > 0");
      return add(Executors.callable(command), unit.toMillis(initialDelay), -unit.toMillis(delay));
    }

    @Override
    public void execute(Runnable command) {
      schedule(command, 0, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void shutdown() {
      shutdown = true;
      queue.clear();
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown();
      return List.of();
    }

    @Override
    public synchronized boolean isShutdown() {
      return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
