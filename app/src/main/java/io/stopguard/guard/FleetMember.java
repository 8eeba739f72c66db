package io.stopguard.guard;

import io.stopguard.store.Leases;
import io.stopguard.store.Store;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's membership in the fleet (docs/FLEET.md): a heartbeat, and leases on accounts in
 * the shared PostgreSQL store, renewed every {@code ttl / 5} and judged on the database's clock.
 * Ownership is balanced: an instance claims free accounts up to its fair share (ceil of accounts /
 * live instances) at once — a free account is an unguarded one — and gives back, a few per round,
 * what exceeds 1.2 × that share, so a joining instance fills up and WebSockets move gradually.
 *
 * <p>Safety: every claim raises the lease's epoch, and a restore is sent only after
 * {@link #mayAct} found this instance's lease at that epoch, with a third of the TTL left, in the
 * transaction that records the intent. An instance that cannot renew for half the TTL stops
 * guarding its accounts (self-fence) before anyone else can claim them, and says so loudly.
 */
public final class FleetMember implements Ownership, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FleetMember.class);

  /**
   * Accounts claimed per round at most: an unowned account is unguarded, so a takeover claims
   * everything up to the fair share at once (its WebSockets then connect at the pace of Bitget's
   * connect budget, polled until they do); this only bounds one statement's size.
   */
  static final int CLAIM_BATCH = 2_000;
  /** Accounts given back per round at most when rebalancing: owned accounts move gradually. */
  static final int RELEASE_BATCH = 50;

  private final Store store;
  private final String id;
  private final String host;
  private final String sourceIp;
  private final String listen;
  private final int ttlSeconds;
  private final IntSupplier webSockets;
  private final java.util.function.LongSupplier requestsSent;
  private final int requestBudgetPerMinute;
  private long lastSent;
  private long lastSentNanos = System.nanoTime();
  private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "fleet");
    t.setDaemon(true);
    return t;
  });
  private volatile Map<String, Long> held = Map.of();
  private volatile long lastRenewNanos = System.nanoTime();
  private volatile boolean fenced;
  private volatile String failing;
  private volatile int liveInstances;
  private volatile int unowned;
  private volatile boolean delivering;
  private io.stopguard.store.ExclusiveLock deliveryLock;
  private volatile Runnable onChange = () -> { };
  /** The first round only announces this instance: instances started together then see each other before claiming. */
  private volatile boolean announced;

  /**
   * @param requestsSent REST requests this instance has sent so far (its IP budget's count)
   * @param requestBudgetPerMinute its per-IP request share, shown beside the rate in use
   */
  public FleetMember(Store store, String id, String host, String sourceIp, String listen, int ttlSeconds, IntSupplier webSockets,
      java.util.function.LongSupplier requestsSent, int requestBudgetPerMinute) {
    this.requestsSent = requestsSent;
    this.requestBudgetPerMinute = requestBudgetPerMinute;
    if (ttlSeconds < 3) throw new IllegalArgumentException("lease TTL must be >= 3 s");
    this.store = store;
    this.id = id;
    this.host = host;
    this.sourceIp = sourceIp;
    this.listen = listen;
    this.ttlSeconds = ttlSeconds;
    this.webSockets = webSockets;
  }

  public String id() {
    return id;
  }

  /** Joins: announces itself now, claims its share from the next round (TTL/5 later) on; the fence is checked every 250 ms. */
  public void start(Runnable onChange) {
    this.onChange = onChange;
    round();
    long every = Math.max(500, ttlSeconds * 1000L / 5);
    // The claiming round comes 1 s after the announcement: time enough for instances started
    // together to see each other's heartbeat, without leaving accounts unguarded for a whole round.
    timer.scheduleWithFixedDelay(this::round, Math.min(every, 1000), every, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::fenceIfStale, 250, 250, TimeUnit.MILLISECONDS);
  }

  private void round() {
    try {
      Leases leases = store.leases();
      leases.heartbeat(id, host, sourceIp, listen, held.size(), webSockets.getAsInt(), requestsPerMinute(), requestBudgetPerMinute);
      leases.syncAccounts();
      Map<String, Long> now = new LinkedHashMap<>(leases.renew(id, ttlSeconds));
      long renewedAt = System.nanoTime();
      int live = Math.max(1, leases.liveInstances(ttlSeconds));
      int total = leases.accounts();
      int fair = (total + live - 1) / live;
      int high = (int) Math.ceil(1.2 * total / live);
      if (!announced) {
        announced = true; // claim from the next round on, when the others starting now have heartbeated too
      } else if (now.size() < fair) {
        Map<String, Long> got = leases.claim(id, Math.min(fair - now.size(), CLAIM_BATCH), ttlSeconds);
        if (!got.isEmpty()) {
          log.info("fleet: claimed {} account(s): {}", got.size(), got.size() <= 50 ? String.join(" ", got.keySet())
              : String.join(" ", new ArrayList<>(got.keySet()).subList(0, 50)) + " …");
        }
        now.putAll(got);
      } else if (now.size() > high) {
        List<String> give = new ArrayList<>(now.keySet());
        give.sort(Comparator.reverseOrder());
        give = give.subList(0, Math.min(now.size() - fair, RELEASE_BATCH));
        leases.release(id, give);
        give.forEach(now::remove);
        log.info("fleet: gave back {} account(s) to balance {} instance(s): {}", give.size(), live, String.join(" ", give));
      }
      liveInstances = live;
      unowned = leases.unowned();
      lastRenewNanos = renewedAt;
      failing = null;
      if (deliveryLock != null && !deliveryLock.held()) dropDeliveryLock(); // its session died: another may hold it now
      if (deliveryLock == null) deliveryLock = store.tryExclusive("stopguard alert delivery");
      delivering = deliveryLock != null;
      boolean changed = fenced || !now.keySet().equals(held.keySet());
      if (fenced) log.warn("fleet: the database answers again; guarding {} account(s)", now.size());
      fenced = false;
      held = Map.copyOf(now);
      if (changed) onChange.run();
    } catch (RuntimeException e) {
      if (failing == null) log.warn("fleet: cannot renew leases: {}", e.getMessage());
      failing = e.getMessage();
      dropDeliveryLock();
    }
  }

  /** REST requests a minute since the previous heartbeat. */
  private int requestsPerMinute() {
    long sent = requestsSent.getAsLong();
    long now = System.nanoTime();
    double minutes = (now - lastSentNanos) / 60e9;
    int rate = minutes <= 0 ? 0 : (int) Math.round((sent - lastSent) / minutes);
    lastSent = sent;
    lastSentNanos = now;
    return rate;
  }

  /**
   * Half the TTL without a renewal: stop acting on every account before any lease can expire and
   * another instance claim it. Runs on its own timer so a round stuck on the network cannot delay it.
   */
  private void fenceIfStale() {
    if (fenced || held.isEmpty()) return;
    long sinceMs = (System.nanoTime() - lastRenewNanos) / 1_000_000;
    if (sinceMs < ttlSeconds * 500L) return;
    fenced = true;
    log.error("fleet: no lease renewal for {} ms (half the {} s TTL): stopped guarding my {} account(s) so another"
        + " instance can take them; {}", sinceMs, ttlSeconds, held.size(), failing == null ? "" : "last error: " + failing);
    held = Map.of();
    delivering = false;
    onChange.run();
  }

  @Override
  public boolean owns(String userId) {
    return held.containsKey(userId);
  }

  @Override
  public boolean mayAct(String userId) {
    Long epoch = held.get(userId);
    if (epoch == null || fenced) return false;
    return store.leases().stillHeld(userId, id, epoch, Math.max(1, ttlSeconds / 3));
  }

  @Override
  public boolean wholeView() {
    return false;
  }

  @Override
  public boolean delivers() {
    return delivering;
  }

  /** For /health: this instance's share of the fleet. */
  public Map<String, Object> health() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("instance", id);
    m.put("accountsOwned", held.size());
    m.put("liveInstances", liveInstances);
    m.put("unownedAccounts", unowned);
    m.put("leaseTtlSeconds", ttlSeconds);
    m.put("fenced", fenced);
    m.put("deliversAlerts", delivering);
    if (failing != null) m.put("lastError", failing);
    return m;
  }

  public int owned() {
    return held.size();
  }

  public int unownedAccounts() {
    return unowned;
  }

  public boolean fenced() {
    return fenced;
  }

  private void dropDeliveryLock() {
    delivering = false;
    if (deliveryLock != null) {
      deliveryLock.close();
      deliveryLock = null;
    }
  }

  /** Leaves the fleet cleanly: leases end at once, so the others take over without waiting for expiry. */
  @Override
  public void close() {
    timer.shutdownNow();
    held = Map.of();
    try {
      store.leases().leave(id);
    } catch (RuntimeException e) {
      log.warn("fleet: could not leave cleanly ({}); my leases expire in {} s", e.getMessage(), ttlSeconds);
    }
    dropDeliveryLock();
  }
}
