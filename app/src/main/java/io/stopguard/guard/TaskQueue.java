package io.stopguard.guard;

import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One part's tasks on the process's shared timer (OkHttp's TaskQueue over its TaskRunner): the part
 * schedules as on any {@link ScheduledExecutorService}, and its {@code shutdownNow} ends only its own
 * tasks; the timer threads belong to the root {@link Timebase} and end with it.
 *
 * <p>The timer threads only start tasks: each run goes to {@code runner} (a virtual thread in
 * production), so a part whose task waits on the database or on Bitget never delays another part's
 * timer. A fleet's self-fence must fire while its lease round hangs on a stalled database. Runs of
 * one periodic task never overlap: the next delay starts when a run ends (fixed delay), or a tick that
 * finds the previous run still going is skipped (fixed rate). A periodic task that throws is logged
 * and runs again at its next tick: a timer that silently stops is how a guard ends up guarding nothing.
 */
final class TaskQueue extends AbstractExecutorService implements ScheduledExecutorService {
  private static final Logger log = LoggerFactory.getLogger(TaskQueue.class);

  private final String name;
  private final ScheduledExecutorService timer;
  private final Executor runner;
  private final Set<Job<?>> jobs = ConcurrentHashMap.newKeySet();
  private volatile boolean shutdown;
  private int running; // guarded by this

  TaskQueue(String name, ScheduledExecutorService timer, Executor runner) {
    this.name = name;
    this.timer = timer;
    this.runner = runner;
  }

  /** Production's runner: every run on a virtual thread of its own. */
  static Executor virtualThreads() {
    return r -> Thread.ofVirtual().name("timer-task").start(r);
  }

  private final class Job<V> implements ScheduledFuture<V> {
    private final Callable<V> body;
    private final long periodMs; // 0: once; > 0: fixed delay; < 0: fixed rate
    private final CompletableFuture<V> result = new CompletableFuture<>();
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile ScheduledFuture<?> next;

    Job(Callable<V> body, long periodMs) {
      this.body = body;
      this.periodMs = periodMs;
    }

    void arm(long delayMs) {
      if (result.isDone() || shutdown) return;
      try {
        next = periodMs < 0 ? timer.scheduleAtFixedRate(this::fire, delayMs, -periodMs, TimeUnit.MILLISECONDS)
            : timer.schedule(this::fire, delayMs, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) { // the root's timer ended: so has this part
        result.cancel(false);
        jobs.remove(this);
      }
    }

    private void fire() {
      if (result.isDone() || shutdown) return;
      if (!busy.compareAndSet(false, true)) return; // fixed rate: the previous run is still going
      begin();
      try {
        runner.execute(this::run);
      } catch (RejectedExecutionException e) {
        busy.set(false);
        end();
      }
    }

    private void run() {
      try {
        V v = body.call();
        if (periodMs == 0) {
          result.complete(v);
          jobs.remove(this);
        }
      } catch (Throwable t) {
        if (periodMs == 0) {
          result.completeExceptionally(t);
          jobs.remove(this);
        } else {
          log.warn("{}: a periodic task failed and runs again at its next tick: {}", name, t.toString());
        }
      } finally {
        busy.set(false);
        end();
      }
      if (periodMs > 0) arm(periodMs);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      ScheduledFuture<?> n = next;
      if (n != null) n.cancel(false);
      jobs.remove(this);
      return result.cancel(false);
    }

    @Override
    public long getDelay(TimeUnit unit) {
      ScheduledFuture<?> n = next;
      return n == null ? 0 : n.getDelay(unit);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean isCancelled() {
      return result.isCancelled();
    }

    @Override
    public boolean isDone() {
      return result.isDone();
    }

    @Override
    public V get() throws InterruptedException, ExecutionException {
      return result.get();
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
      return result.get(timeout, unit);
    }
  }

  private synchronized void begin() {
    running++;
  }

  private synchronized void end() {
    running--;
    if (running == 0) notifyAll();
  }

  private <V> Job<V> add(Callable<V> body, long delayMs, long periodMs) {
    if (shutdown) throw new RejectedExecutionException(name + " is stopped");
    Job<V> job = new Job<>(body, periodMs);
    jobs.add(job);
    job.arm(Math.max(0, delayMs));
    return job;
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return add(Executors.callable(command), unit.toMillis(delay), 0);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return add(callable, unit.toMillis(delay), 0);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    if (period <= 0) throw new IllegalArgumentException("period must be > 0");
    return add(Executors.callable(command), unit.toMillis(initialDelay), -Math.max(1, unit.toMillis(period)));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    if (delay <= 0) throw new IllegalArgumentException("delay must be > 0");
    return add(Executors.callable(command), unit.toMillis(initialDelay), Math.max(1, unit.toMillis(delay)));
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.MILLISECONDS);
  }

  /** Ends this part's tasks (those waiting; a run in progress finishes: see {@link #awaitTermination}). */
  @Override
  public void shutdown() {
    shutdown = true;
    for (Job<?> j : List.copyOf(jobs)) j.cancel(false);
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown();
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown && running == 0;
  }

  /** Waits for this part's runs in progress to end (after {@link #shutdown}). */
  @Override
  public synchronized boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (!(shutdown && running == 0)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return false;
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }
}
