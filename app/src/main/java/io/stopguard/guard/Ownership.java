package io.stopguard.guard;

import java.time.Duration;

/**
 * Which accounts a watcher guards, and whether it may still act on one. Alone or with a static
 * {@code --shard i/n}, the answer is fixed; in a fleet ({@link FleetMember}) it follows leases in the
 * shared database and can change at any moment.
 */
public interface Ownership {
  boolean owns(String userId);

  /**
   * Asked inside the store transaction that records a restore's intent, right before anything is
   * sent to the exchange: false stops the restore (a fleet instance that lost the account's lease).
   */
  default boolean mayAct(String userId) {
    return true;
  }

  /**
   * How long a true {@link #mayAct} stays good: writes that leave later (budget waits, retries, a
   * pause) ask again first. Unbounded alone or with a static shard held in memory.
   */
  default Duration actWindow() {
    return Duration.ofDays(3650);
  }

  /**
   * Whether a stop may be placed on this account while the store does not answer, from what this
   * process knows in memory (docs/ARCHITECTURE.md, "Protection without the store"). Only a
   * placement on a position with no pos_loss is ever sent this way, never a cancel or a modify:
   * a second pos_loss is refused by Bitget or replaces the first, so at most one stop results.
   * Alone or with a static shard: always; in a fleet, while the lease is held unfenced.
   */
  default boolean mayPlaceWithoutStore(String userId) {
    return owns(userId);
  }

  /**
   * Asked inside the store transaction that records a look's verdicts: false drops them (a fleet
   * instance that lost the account while the look was out, say behind a partition, must not open
   * or close incidents for a position another instance now guards).
   */
  default boolean stillOwns(String userId) {
    return owns(userId);
  }

  /** True if this watcher sees every account, so the flag can follow its own view; else it follows the shared incidents. */
  default boolean wholeView() {
    return true;
  }

  /** Whether this watcher delivers the alert outbox (in a fleet: one instance at a time). */
  default boolean delivers() {
    return true;
  }

  /** {@code --shard i/n}: a stable hash of the user id. */
  static Ownership shard(int shard, int shards) {
    return new Ownership() {
      @Override
      public boolean owns(String userId) {
        return shards == 1 || Math.floorMod(userId.hashCode(), shards) == shard;
      }

      @Override
      public boolean wholeView() {
        return shards == 1;
      }
    };
  }
}
