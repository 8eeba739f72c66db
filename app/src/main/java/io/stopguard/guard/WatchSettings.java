package io.stopguard.guard;

import io.stopguard.bitget.IpBudget;
import java.time.Duration;
import java.util.Locale;

/**
 * How {@code stopguard watch} behaves. {@code restore}: off (alert only), dry-run (alert with the
 * exact order), on (place it after {@code grace}).
 */
public record WatchSettings(Restore restore, Duration grace, Duration reconcileInterval, Duration keyRefresh,
    boolean webSocket, int parallelism, int maxRestoreAttempts, int shard, int shards, Duration escalateAfter) {

  /** How long a restore may go without a confirmed stop before it is escalated (with the attempt bound). */
  public static final Duration DEFAULT_ESCALATE_AFTER = Duration.ofSeconds(30);

  public WatchSettings(Restore restore, Duration grace, Duration reconcileInterval, Duration keyRefresh,
      boolean webSocket, int parallelism, int maxRestoreAttempts, int shard, int shards) {
    this(restore, grace, reconcileInterval, keyRefresh, webSocket, parallelism, maxRestoreAttempts, shard, shards,
        DEFAULT_ESCALATE_AFTER);
  }

  /** The same settings with another escalation bound. */
  public WatchSettings withEscalation(int maxAttempts, Duration after) {
    return new WatchSettings(restore, grace, reconcileInterval, keyRefresh, webSocket, parallelism, maxAttempts, shard, shards,
        after);
  }

  /** One watcher for all accounts (no sharding). */
  public WatchSettings(Restore restore, Duration grace, Duration reconcileInterval, Duration keyRefresh,
      boolean webSocket, int parallelism, int maxRestoreAttempts) {
    this(restore, grace, reconcileInterval, keyRefresh, webSocket, parallelism, maxRestoreAttempts, 0, 1);
  }

  public enum Restore {
    OFF, DRY_RUN, ON;

    public static Restore parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "off" -> OFF;
        case "dry-run", "dry_run", "dryrun" -> DRY_RUN;
        case "on" -> ON;
        default -> throw new IllegalArgumentException("restore must be off, dry-run or on (got '" + s + "')");
      };
    }
  }

  /**
   * REST requests a minute a watcher uses by default: 95 % of Bitget's 6000 per IP. While a one-off
   * command runs beside it (a nightly check) the watcher yields {@link #ONE_OFF_SHARE_PER_MINUTE} to
   * it ({@link OneOffMarker}), so the IP stays at 95 % either way.
   */
  public static final int DEFAULT_IP_REQUESTS_PER_MINUTE = 5700;

  /** REST requests a minute a one-off command takes beside a running watcher (10 % of the IP). */
  public static final int ONE_OFF_SHARE_PER_MINUTE = 600;

  /** The watcher's default per-IP budget: {@link #DEFAULT_IP_REQUESTS_PER_MINUTE} and 90 WebSockets. */
  public static IpBudget defaultBudget() {
    return IpBudget.of(DEFAULT_IP_REQUESTS_PER_MINUTE / 60.0,
        IpBudget.PUBLISHED_MAX_CONNECTIONS * 9 / 10, IpBudget.PUBLISHED_CONNECTS_PER_5_MIN);
  }

  public static final WatchSettings DEFAULT = new WatchSettings(Restore.DRY_RUN, Duration.ofSeconds(3),
      Duration.ofSeconds(30), Duration.ofSeconds(10), true, 64, 3);

  // Named settings, from DEFAULT: WatchSettings.DEFAULT.withRestore(ON).withGrace(Duration.ZERO)…

  public WatchSettings withRestore(Restore r) {
    return new WatchSettings(r, grace, reconcileInterval, keyRefresh, webSocket, parallelism, maxRestoreAttempts, shard, shards,
        escalateAfter);
  }

  public WatchSettings withGrace(Duration d) {
    return new WatchSettings(restore, d, reconcileInterval, keyRefresh, webSocket, parallelism, maxRestoreAttempts, shard, shards,
        escalateAfter);
  }

  /** How often each account is looked at without a push. */
  public WatchSettings withInterval(Duration d) {
    return new WatchSettings(restore, grace, d, keyRefresh, webSocket, parallelism, maxRestoreAttempts, shard, shards,
        escalateAfter);
  }

  /** How often the key table is read for added or deactivated keys. */
  public WatchSettings withKeyRefresh(Duration d) {
    return new WatchSettings(restore, grace, reconcileInterval, d, webSocket, parallelism, maxRestoreAttempts, shard, shards,
        escalateAfter);
  }

  /** Private WebSockets (false: every account polled). */
  public WatchSettings withWebSocket(boolean on) {
    return new WatchSettings(restore, grace, reconcileInterval, keyRefresh, on, parallelism, maxRestoreAttempts, shard, shards,
        escalateAfter);
  }

  /** Looks in flight at most. */
  public WatchSettings withParallelism(int n) {
    return new WatchSettings(restore, grace, reconcileInterval, keyRefresh, webSocket, n, maxRestoreAttempts, shard, shards,
        escalateAfter);
  }

  /** Shard {@code i} of {@code n} ({@code --shard i/n}). */
  public WatchSettings withShard(int i, int n) {
    return new WatchSettings(restore, grace, reconcileInterval, keyRefresh, webSocket, parallelism, maxRestoreAttempts, i, n,
        escalateAfter);
  }

  public WatchSettings {
    if (grace.isNegative()) throw new IllegalArgumentException("grace must be >= 0");
    if (reconcileInterval.toMillis() < 100) throw new IllegalArgumentException("reconcile interval must be >= 100 ms");
    if (maxRestoreAttempts < 1) throw new IllegalArgumentException("restore attempts must be >= 1");
    if (escalateAfter == null || escalateAfter.isNegative()) throw new IllegalArgumentException("escalation bound must be >= 0");
    if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1");
    if (shards < 1 || shard < 0 || shard >= shards) throw new IllegalArgumentException("shard must be i/n with 0 <= i < n");
  }
}
