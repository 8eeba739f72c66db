package io.stopguard.guard;

import io.stopguard.store.Leases;
import io.stopguard.store.Store;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A static shard ({@code --shard i/n}) on a shared PostgreSQL store: its claim on the shard and on
 * alert delivery are lease rows that expire on the database's clock ({@code fleet_locks}), renewed
 * every TTL/5 on a connection of their own. They replace session advisory locks, which a host gone
 * without a FIN (power, partition, VM freeze) kept until the server's TCP keepalive gave up (about
 * 2 h 11 min by default): no shard delivered alerts meanwhile, and the shard's own restart was
 * refused. A lease ends TTL after its last renewal, however long the session lingers.
 *
 * <p>Not renewed for TTL/2, the shard fences itself ({@link #owns} false: the watcher drops its
 * accounts and acts on none) so that it has stopped before another watcher can take the shard at
 * TTL. Only one shard delivers the shared outbox at a time (no Telegram message twice).
 */
public final class ShardLease implements Ownership, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShardLease.class);

  private final Ownership shard;
  private final String name;
  private final String id;
  private final int ttlSeconds;
  private final Leases leases;
  private final Runnable lostToAnother;
  /** The shard's part of the process's time: its renewals, on the monotonic clock; closing ends its tasks. */
  private final Timebase time;
  private final ScheduledExecutorService timer;
  private volatile long renewedNanos;
  private volatile long deliveryNanos = Long.MIN_VALUE / 2;
  private volatile boolean fenced;
  private volatile boolean lost;
  private volatile String failing;
  private Runnable changed = () -> {};

  private ShardLease(Store store, int shard, int shards, String id, int ttlSeconds, Runnable lostToAnother, Timebase time) {
    this.time = time;
    this.timer = time.scheduler();
    this.shard = Ownership.shard(shard, shards);
    this.name = "watch shard " + shard + "/" + shards;
    this.id = id;
    this.ttlSeconds = ttlSeconds;
    this.leases = store.leasesOnOwnConnection(Duration.ofMillis(Math.max(500, ttlSeconds * 1000L / 5)));
    this.lostToAnother = lostToAnother;
  }

  /**
   * Takes shard {@code shard}/{@code shards}. A lease that is still being renewed belongs to a live
   * watcher: null, at once (after one and a half renewal intervals). One that is not (a watcher that
   * died, its host gone) is waited out, up to a TTL, and taken.
   */
  public static ShardLease take(Store store, int shard, int shards, String id, int ttlSeconds, Runnable lostToAnother,
      Timebase time) {
    ShardLease s = new ShardLease(store, shard, shards, id, ttlSeconds, lostToAnother, time);
    try {
      if (!s.leases.holdLock(s.name, id, ttlSeconds)) {
        long before = s.leases.lockExpiresInMs(s.name);
        sleep(ttlSeconds * 1000L * 3 / 10); // 1.5 renewal intervals: a live holder renews meanwhile
        long after = s.leases.lockExpiresInMs(s.name);
        if (!s.leases.holdLock(s.name, id, ttlSeconds)) {
          if (after > before) {
            s.leases.close();
            return null;
          }
          log.info("{}: the lease of a watcher that stopped renewing ends in {} ms; waiting for it", s.name, after);
          sleep(Math.max(0, after) + 200);
          if (!s.leases.holdLock(s.name, id, ttlSeconds)) {
            s.leases.close();
            return null;
          }
        }
      }
    } catch (RuntimeException e) {
      s.leases.close();
      throw e;
    }
    s.renewedNanos = time.nanoTime().getAsLong();
    return s;
  }

  /** Starts renewing; {@code onChange} runs when the shard fences itself or resumes (the watcher drops or takes its accounts). */
  public void start(Runnable onChange) {
    this.changed = onChange;
    long every = Math.max(200, ttlSeconds * 1000L / 5);
    timer.scheduleWithFixedDelay(this::round, every, every, TimeUnit.MILLISECONDS);
  }

  private void round() {
    try {
      if (!leases.holdLock(name, id, ttlSeconds)) {
        log.error("{}: another watcher took this shard while this one could not renew; stopping so it is not watched twice", name);
        lost = true;
        lostToAnother.run();
        return;
      }
      renewedNanos = time.nanoTime().getAsLong();
      if (failing != null) log.warn("{}: the database answers again", name);
      failing = null;
      if (fenced) {
        fenced = false;
        log.warn("{}: lease renewed; guarding again", name);
        changed.run();
      }
    } catch (RuntimeException e) {
      if (failing == null) log.warn("{}: cannot renew the shard's lease: {}", name, e.getMessage());
      failing = e.getMessage();
      fenceIfStale();
      return;
    }
    try {
      if (leases.holdLock(FleetDelivery.LOCK, id, ttlSeconds)) deliveryNanos = time.nanoTime().getAsLong();
    } catch (RuntimeException e) {
      log.debug("{}: cannot take the delivery lease: {}", name, e.getMessage()); // another shard delivers, or none: the outbox age says
    }
  }

  private void fenceIfStale() {
    if (!fenced && time.nanoTime().getAsLong() - renewedNanos > TimeUnit.SECONDS.toNanos(ttlSeconds) / 2) {
      fenced = true;
      log.error("{}: no lease renewal for half the {} s TTL: stopped guarding this shard so that another watcher may take it"
          + " ({})", name, ttlSeconds, failing);
      changed.run();
    }
  }

  private boolean fresh() {
    return time.nanoTime().getAsLong() - renewedNanos < TimeUnit.SECONDS.toNanos(ttlSeconds) / 2;
  }

  @Override
  public boolean owns(String userId) {
    return fresh() && shard.owns(userId);
  }

  @Override
  public boolean mayAct(String userId) {
    return owns(userId);
  }

  /** Asking again costs nothing (memory): ask before every write. */
  @Override
  public Duration actWindow() {
    return Duration.ZERO;
  }

  @Override
  public boolean wholeView() {
    return shard.wholeView();
  }

  /** Within TTL/2 of renewing the delivery lease: past that another shard may have it. */
  @Override
  public boolean delivers() {
    return time.nanoTime().getAsLong() - deliveryNanos < TimeUnit.SECONDS.toNanos(ttlSeconds) / 2;
  }

  public boolean fenced() {
    return fenced;
  }

  /** Stops renewing and ends both leases now, so another watcher takes over at once. */
  @Override
  public void close() {
    timer.shutdownNow();
    if (lost) { // the shard is another watcher's now: nothing of ours to end
      leases.close();
      return;
    }
    try {
      leases.releaseLock(FleetDelivery.LOCK, id);
      leases.releaseLock(name, id);
    } catch (RuntimeException e) {
      log.debug("{}: leases not released ({}); they expire in {} s", name, e.getMessage(), ttlSeconds);
    }
    leases.close();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
