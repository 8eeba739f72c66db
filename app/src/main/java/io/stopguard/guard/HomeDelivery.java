package io.stopguard.guard;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Static shards on SQLite ({@code --shard i/n}, one home, one trading.db, one alert outbox): each
 * watched its shard and each delivered the whole outbox, so two shards could send the same
 * Telegram message. The shard holding the home's {@code run/alert-delivery.lock} delivers; the OS
 * frees it when that watcher dies, and another shard takes it at its next delivery tick (a second).
 * On PostgreSQL, shards coordinate through lease rows instead ({@link ShardLease}).
 */
public final class HomeDelivery implements Ownership, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Watcher.class);
  private final Ownership shard;
  private final Path home;
  private WatchLock lock; // guarded by this

  public HomeDelivery(int shard, int shards, Path home) {
    this.shard = Ownership.shard(shard, shards);
    this.home = home;
  }

  @Override
  public boolean owns(String userId) {
    return shard.owns(userId);
  }

  @Override
  public boolean wholeView() {
    return shard.wholeView();
  }

  @Override
  public synchronized boolean delivers() {
    if (lock == null) {
      lock = WatchLock.tryAcquireNamed(home, "alert-delivery");
      if (lock != null) log.info("this shard delivers the alerts of every shard in {} (it holds run/alert-delivery.lock)", home);
    }
    return lock != null;
  }

  @Override
  public synchronized void close() {
    if (lock != null) lock.close();
    lock = null;
  }
}
