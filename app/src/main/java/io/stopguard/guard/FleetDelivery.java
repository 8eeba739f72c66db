package io.stopguard.guard;

import java.util.function.LongSupplier;
import io.stopguard.store.Leases;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fleet instance at a time delivers the shared alert outbox: the holder of the "alert delivery"
 * lease, renewed each round on the database's clock like the accounts'. Taking it may fail without
 * touching the accounts' leases, and a holder that was frozen stops delivering on waking, before any
 * other can have taken the lease over (at its expiry), so no alert goes out twice.
 */
final class FleetDelivery {
  private static final Logger log = LoggerFactory.getLogger(FleetMember.class);
  static final String LOCK = "alert delivery";

  private final Leases leases;
  private final String id;
  private final int ttlSeconds;
  private final LongSupplier nanoTime;
  private volatile boolean delivering;
  private volatile String error;
  /** When the lease was last taken or renewed (nanoTime): delivering stops at TTL/2 without a renewal. */
  private volatile long renewedNanos;

  FleetDelivery(Leases leases, String id, int ttlSeconds, LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.leases = leases;
    this.id = id;
    this.ttlSeconds = ttlSeconds;
  }

  /** Takes or renews the lease; a failure is told once and delivery stops until it answers again. */
  void take() {
    try {
      long t = nanoTime.getAsLong();
      boolean mine = leases.holdLock(LOCK, id, ttlSeconds);
      if (mine) renewedNanos = t;
      if (mine != delivering) log.info(mine ? "fleet: this instance delivers the alerts now" : "fleet: another instance delivers the alerts");
      delivering = mine;
      if (error != null) log.info("fleet: the alert delivery lock answers again");
      error = null;
    } catch (RuntimeException e) {
      delivering = false;
      if (error == null) {
        log.warn("fleet: cannot take the alert delivery lock (guarding goes on; alerts wait until some instance can"
            + " deliver them): {}", e.getMessage());
      }
      error = e.getMessage();
    }
  }

  /** Stops delivering now (renewal failed, or the member fenced itself). */
  void stop() {
    delivering = false;
  }

  boolean delivers() {
    return delivering && nanoTime.getAsLong() - renewedNanos < ttlSeconds * 500_000_000L;
  }

  /** Why the lock could not be taken at the last try, or null. */
  String error() {
    return error;
  }

  /** Gives the lease back if held (a clean stop): another instance delivers from its next round. */
  void release() {
    try {
      if (delivering) leases.releaseLock(LOCK, id);
    } catch (RuntimeException e) {
      log.warn("fleet: could not give the alert delivery lock back ({}); it expires in {} s", e.getMessage(), ttlSeconds);
    }
    delivering = false;
  }
}
