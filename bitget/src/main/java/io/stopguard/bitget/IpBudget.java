package io.stopguard.bitget;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bitget's limits per egress IP, shared by every client and WebSocket of one process. Per-UID
 * limits are per account; these are not, and at scale they are the ones that bind:
 *
 * <ul>
 *   <li>REST: 6000 requests per IP per minute over all endpoints; once exceeded, Bitget takes
 *       5 minutes to recover. At 2 calls per account, one IP can reconcile at most 50 accounts a
 *       second, so 10,000 accounts need at least 200 s per sweep.
 *   <li>Private WebSocket: at most 100 connections per IP and 300 connection requests per IP per
 *       5 minutes; one login per connection, so at most 100 accounts per IP get pushes.
 * </ul>
 *
 * {@link #bitget()} keeps 10 % headroom under each. Periodic work (sweeps) is work-conserving but
 * yields: before it starts it asks {@link #tryAcquireBackground}, which says yes only while the main
 * bucket holds more than a reserve (a tenth of a second of tokens) that only foreground work — a
 * push-triggered look, a restore — may use, and paces it by a lane as fast as the whole budget. So
 * sweeps take whatever pushes and restores leave, up to the full rate, and a push never queues
 * behind a sweep for more than a moment. {@link #yieldPerMinute} lowers both while another process
 * on the same IP (a one-off command beside a watcher) uses its share.
 */
public final class IpBudget {
  public static final int PUBLISHED_REQUESTS_PER_MINUTE = 6000;
  public static final int PUBLISHED_MAX_CONNECTIONS = 100;
  public static final int PUBLISHED_CONNECTS_PER_5_MIN = 300;

  private final Bucket requests;
  private final Bucket background;
  private final Bucket connects;
  private final double requestsPerSecond;
  private final int maxConnections;
  /** Tokens of the main bucket only foreground work may take. */
  private final long reserve;
  private volatile int yieldedPerMinute;
  /** Processes leaving through the same IP, this one included, that split the budget evenly. */
  private volatile int sharedBy = 1;

  private IpBudget(double requestsPerSecond, int maxConnections, int connectsPer5Min) {
    this.requestsPerSecond = requestsPerSecond;
    this.maxConnections = maxConnections;
    if (Double.isInfinite(requestsPerSecond)) {
      requests = null;
      background = null;
      reserve = 0;
    } else {
      // Burst of one second's worth: over any minute at most 61 s of tokens (5,490 of 6,000 for 90/s).
      long perSecond = Math.max(1, (long) Math.floor(requestsPerSecond));
      requests = Bucket.builder().addLimit(perSecondLimit(perSecond)).build();
      reserve = Math.max(2, perSecond / 10);
      background = Bucket.builder().addLimit(backgroundLimit(perSecond)).build();
    }
    // 5 minutes of refill plus the burst stay under the published count: burst 30 + 240 = 270 of 300.
    connects = connectsPer5Min == Integer.MAX_VALUE ? null : Bucket.builder()
        .addLimit(Bandwidth.builder().capacity(Math.max(1, connectsPer5Min / 10))
            .refillGreedy(Math.max(1, connectsPer5Min * 8 / 10), Duration.ofMinutes(5)).build())
        .build();
  }

  private static Bandwidth perSecondLimit(long n) {
    return Bandwidth.builder().capacity(n).refillGreedy(n, Duration.ofSeconds(1)).build();
  }

  /**
   * The background lane: the budget's rate, with a burst of a quarter second — more than one tick
   * of the watcher's 200 ms scheduler, or the burst itself would cap the rate (it did: 45 of 95/s).
   */
  private static Bandwidth backgroundLimit(long perSecond) {
    return Bandwidth.builder().capacity(Math.max(2, perSecond / 4)).refillGreedy(perSecond, Duration.ofSeconds(1)).build();
  }

  private static final class Shared {
    static final IpBudget INSTANCE = bitget();
  }

  /**
   * One budget at Bitget's limits for the whole process: what clients and WebSockets built without
   * a budget of their own use, since they all leave through the same IP.
   */
  public static IpBudget shared() {
    return Shared.INSTANCE;
  }

  /** Bitget's published per-IP limits with 10 % headroom: 90 requests/s, 90 WebSockets, 270 connects per 5 min. */
  public static IpBudget bitget() {
    return new IpBudget(PUBLISHED_REQUESTS_PER_MINUTE / 60.0 * 0.9, PUBLISHED_MAX_CONNECTIONS * 9 / 10,
        PUBLISHED_CONNECTS_PER_5_MIN);
  }

  /**
   * Custom limits, e.g. for a process whose traffic leaves through a share of the IP.
   *
   * @param requestsPerSecond REST requests per second for all accounts together
   * @param maxConnections private WebSocket connections at once
   * @param connectsPer5Min connection attempts per 5 minutes (the budget uses 90 % of it)
   */
  public static IpBudget of(double requestsPerSecond, int maxConnections, int connectsPer5Min) {
    if (!(requestsPerSecond > 0) || maxConnections < 0 || connectsPer5Min < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
    return new IpBudget(requestsPerSecond, maxConnections, connectsPer5Min);
  }

  /** No limits (benchmarks of the guard's own capacity; never against Bitget). */
  public static IpBudget unlimited() {
    return new IpBudget(Double.POSITIVE_INFINITY, Integer.MAX_VALUE, Integer.MAX_VALUE);
  }

  /** REST requests per second this budget allows (infinite when unlimited): this process's share of the IP's. */
  public double requestsPerSecond() {
    return requestsPerSecond / sharedBy;
  }

  /** Requests per second periodic work may use when nothing else needs them: the whole rate, less what is yielded. */
  public double backgroundRequestsPerSecond() {
    return Double.isInfinite(requestsPerSecond) ? requestsPerSecond : perSecond();
  }

  /**
   * Gives up {@code perMinute} requests a minute to another process on the same IP (0: none), by
   * lowering this budget's rate for all work; used while a one-off command runs beside a watcher.
   */
  public synchronized void yieldPerMinute(int perMinute) {
    if (requests == null || perMinute == yieldedPerMinute) return;
    yieldedPerMinute = Math.max(0, perMinute);
    reconfigure();
  }

  /**
   * Splits the IP's budget evenly between {@code processes} that leave through it (this one
   * included): fleet instances on one host without their own egress address, or behind one NAT.
   * Bitget counts per IP, so two processes each spending the whole budget get the IP refused for
   * minutes, and every account on it goes blind.
   */
  public synchronized void shareWith(int processes) {
    int n = Math.max(1, processes);
    if (n == sharedBy) return;
    sharedBy = n;
    if (requests != null) reconfigure();
  }

  /** Processes this budget is split between (1: the IP is this process's alone). */
  public int sharedBy() {
    return sharedBy;
  }

  /** Whole requests a second this process may send now: its share, less what it yields, halved per throttle step. */
  private long perSecond() {
    return Math.max(1, ((long) Math.floor(requestsPerSecond / sharedBy) - (long) Math.ceil(yieldedPerMinute / 60.0)) >> throttleShift);
  }

  /** Halvings in force after 429s from Bitget (0..{@link #MAX_THROTTLE_SHIFT}). */
  private volatile int throttleShift;
  private volatile long throttleChangedNanos;
  static final int MAX_THROTTLE_SHIFT = 3;
  static final long THROTTLE_STEP_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final long THROTTLE_RECOVERY_NANOS = TimeUnit.SECONDS.toNanos(30);

  /**
   * Bitget answered 429 although this budget kept its share: someone else spends the IP too (an
   * unseen process, a NAT, Bitget lowering its limit). Halves the rate, at most once a second and
   * down to an eighth; each 30 s without another 429 doubles it back. Refusals cost the same
   * requests as answers and make Bitget refuse the IP for longer.
   */
  public synchronized void throttledByBitget() {
    if (requests == null) return;
    long now = System.nanoTime();
    if (throttleShift > 0 && now - throttleChangedNanos < THROTTLE_STEP_NANOS) {
      throttleChangedNanos = now; // still refused: the recovery clock starts again
      return;
    }
    throttleChangedNanos = now;
    if (throttleShift < MAX_THROTTLE_SHIFT) {
      throttleShift++;
      reconfigure();
    }
  }

  private void recoverFromThrottle() {
    if (throttleShift == 0 || System.nanoTime() - throttleChangedNanos < THROTTLE_RECOVERY_NANOS) return;
    synchronized (this) {
      if (throttleShift == 0 || System.nanoTime() - throttleChangedNanos < THROTTLE_RECOVERY_NANOS) return;
      throttleShift--;
      throttleChangedNanos = System.nanoTime();
      reconfigure();
    }
  }

  /** The fraction of its share this budget uses after Bitget's 429s (1, 1/2, 1/4 or 1/8). */
  public double throttle() {
    return 1.0 / (1 << throttleShift);
  }

  private void reconfigure() {
    long perSecond = perSecond();
    requests.replaceConfiguration(BucketConfiguration.builder().addLimit(perSecondLimit(perSecond)).build(),
        TokensInheritanceStrategy.AS_IS);
    background.replaceConfiguration(BucketConfiguration.builder().addLimit(backgroundLimit(perSecond)).build(),
        TokensInheritanceStrategy.AS_IS);
  }

  public int yieldedPerMinute() {
    return yieldedPerMinute;
  }

  /** Private WebSocket connections this process may hold open: its share of the IP's. */
  public int maxConnections() {
    return maxConnections == Integer.MAX_VALUE ? maxConnections : maxConnections / sharedBy;
  }

  /** Waits for one request's token (every REST attempt, retries included). */
  void acquire() throws InterruptedException {
    recoverFromThrottle();
    if (requests != null) requests.asBlocking().consume(1);
    sent.increment();
  }

  private final LongAdder sent = new LongAdder();

  /** REST requests sent through this budget so far (for "budget in use" figures). */
  public long requestsSent() {
    return sent.sum();
  }

  /**
   * Takes {@code n} tokens of the background lane if they are there (never waits): periodic work
   * asks before it starts and, refused, tries again on its next tick.
   */
  public boolean tryAcquireBackground(int n) {
    if (background == null) return true;
    // Only above the foreground reserve: the requests themselves take their tokens when they leave.
    if (requests.getAvailableTokens() < n + reserve) return false;
    return background.tryConsume(n);
  }

  /** Takes a connection attempt's token: 0 if granted, otherwise nanoseconds until one is available. */
  long tryConnect() {
    if (connects == null) return 0;
    ConsumptionProbe p = connects.tryConsumeAndReturnRemaining(1);
    return p.isConsumed() ? 0 : Math.max(1, p.getNanosToWaitForRefill());
  }
}
