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
  private volatile String deliveryLockError;
  /** When the delivery lease was last taken or renewed (nanoTime): delivering stops at TTL/2 without a renewal. */
  private volatile long deliveryRenewedNanos;
  static final String DELIVERY_LOCK = "alert delivery";
  /** Held accounts (since the previous round at least) that the watcher does not guard. */
  private volatile List<String> notGuarded = List.of();
  /** Accounts whose keys this instance cannot decrypt, as of the watcher's last key refresh: never claimed here. */
  private volatile java.util.Set<String> undecryptable = java.util.Set.of();
  private final java.util.function.Supplier<Guarding> guarding;
  /** The rounds' own connection and lock (renew, claim, heartbeat); the fencing check uses the store's. */
  private final Leases leases;

  /**
   * What the watcher guards (accounts with a usable key that Bitget accepts), and the accounts of the
   * whole fleet whose keys this instance cannot decrypt (another instance may: never claimed here,
   * given back if held).
   */
  public record Guarding(java.util.Set<String> guarded, java.util.Set<String> undecryptable, long sinceBitgetAnsweredMs) {}

  /** Live instances leaving through this one's egress address, itself included (Bitget's limits are per IP). */
  private volatile int egressShare = 1;
  private volatile java.util.function.IntConsumer onEgressShare = n -> { };

  /** Told how many live instances share this one's egress address whenever that changes (split the IP budget). */
  public FleetMember onEgressShare(java.util.function.IntConsumer consumer) {
    this.onEgressShare = consumer;
    return this;
  }

  private void shareEgress() {
    int n = leases.sameEgress(ttlSeconds, sourceIp, host);
    if (n == egressShare) return;
    log.warn("fleet: {} live instance(s) leave through {}: each now uses 1/{} of Bitget's per-IP budget ({} requests/min)",
        n, sourceIp != null ? sourceIp : host + "'s default address", n, requestBudgetPerMinute / n);
    egressShare = n;
    onEgressShare.accept(n);
  }

  /** Why this instance cannot guard any account now (Bitget has not answered it for a lease TTL), or null. */
  private volatile String unable;
  private volatile Runnable onChange = () -> { };
  /** The first round only announces this instance: instances started together then see each other before claiming. */
  private volatile boolean announced;

  /**
   * @param requestsSent REST requests this instance has sent so far (its IP budget's count)
   * @param requestBudgetPerMinute its per-IP request share, shown beside the rate in use
   */
  public FleetMember(Store store, String id, String host, String sourceIp, String listen, int ttlSeconds, IntSupplier webSockets,
      java.util.function.LongSupplier requestsSent, int requestBudgetPerMinute, java.util.function.Supplier<Guarding> guarding) {
    this.guarding = guarding;
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
    // Statements of a round are bounded well below the self-fence (TTL/2): a slow database fails a
    // round (and the next one retries) instead of holding it past the fence.
    this.leases = store.leasesOnOwnConnection(java.time.Duration.ofMillis(Math.max(500, ttlSeconds * 1000L / 5)));
  }

  public String id() {
    return id;
  }

  private long roundIntervalMs() {
    return Math.max(500, ttlSeconds * 1000L / 5);
  }

  /** When the latest round started (nanoTime): a long gap means this process was paused. */
  private volatile long lastRoundNanos = System.nanoTime();

  /** Joins: announces itself now, claims its share from the next round (TTL/5 later) on; the fence is checked every 250 ms. */
  public void start(Runnable onChange) {
    this.onChange = onChange;
    round();
    long every = roundIntervalMs();
    lastRoundNanos = System.nanoTime();
    // The claiming round comes 1 s after the announcement: time enough for instances started
    // together to see each other's heartbeat, without leaving accounts unguarded for a whole round.
    timer.scheduleWithFixedDelay(this::round, Math.min(every, 1000), every, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::fenceIfStale, 250, 250, TimeUnit.MILLISECONDS);
  }

  /**
   * One round. Renewal comes first and what the database says this instance holds is adopted in the
   * same round, whatever fails after it: an account owned in the database but not guarded here is
   * the one silent failure a fleet must never have. Optional steps (balancing, the unowned count,
   * the alert delivery lock) fail on their own, each saying so once.
   */
  private void round() {
    long started = System.nanoTime();
    long gapMs = (started - lastRoundNanos) / 1_000_000;
    lastRoundNanos = started;
    // No round for three intervals: this process was paused (SIGSTOP, VM freeze, GC) or stalled.
    // What it measured meanwhile (Bitget's last answer) says nothing about Bitget: judge next round.
    boolean paused = gapMs > 3 * roundIntervalMs();
    if (paused) log.warn("fleet: no round for {} s (this process was paused or stalled)", gapMs / 1000);
    Map<String, Long> now;
    try {
      now = new LinkedHashMap<>(leases.renew(id, ttlSeconds));
    } catch (RuntimeException e) {
      failed("cannot renew leases", e);
      delivering = false;
      return;
    }
    long renewedAt = System.nanoTime();
    List<String> lost = held.keySet().stream().filter(u -> !now.containsKey(u)).sorted().toList();
    if (!lost.isEmpty()) {
      log.warn("fleet: lost {} account(s) whose leases expired before this instance renewed them (paused or cut off?);"
          + " stopped guarding them: {}", lost.size(), String.join(" ", lost.subList(0, Math.min(lost.size(), 20))));
    }
    Guarding g = guarding.get();
    try {
      leases.heartbeat(new Leases.Heartbeat(id, host, sourceIp, listen, g.guarded().size(), g.undecryptable().size(),
          notGuarded.size(), unable, webSockets.getAsInt(), requestsPerMinute(), requestBudgetPerMinute / egressShare));
      shareEgress();
      leases.syncAccounts();
      balance(now, g, paused);
      failing = null;
    } catch (RuntimeException e) {
      failed("fleet round incomplete (heartbeat, account list or balancing)", e); // what is held is still adopted below
    }
    adopt(now, renewedAt, g);
    try {
      unowned = leases.unowned();
      int died = leases.diedWithin(ttlSeconds, DEATHS_WINDOW);
      if (died >= CRASH_LOOP_DEATHS && diedRecently < CRASH_LOOP_DEATHS) {
        log.warn("fleet: {} instance(s) died without a clean stop in the last {} min (a crash loop? each held its share"
            + " unguarded until its leases expired): stopguard fleet lists them as DEAD", died, DEATHS_WINDOW.toMinutes());
      }
      diedRecently = died;
    } catch (RuntimeException e) {
      failed("cannot count unowned accounts", e);
    }
    takeDeliveryLock();
  }

  /** How far back deaths are counted, and how many make a crash loop worth a WARN (the rule says the same). */
  static final java.time.Duration DEATHS_WINDOW = java.time.Duration.ofMinutes(10);
  static final int CRASH_LOOP_DEATHS = 3;
  private volatile int diedRecently;

  /** Instances that died without a clean stop in the last 10 minutes, as the database saw it at the last round. */
  public int diedRecently() {
    return diedRecently;
  }

  /** Claims up to the fair share, gives back above 1.2 × it, and gives back what this instance cannot decrypt. */
  private void balance(Map<String, Long> now, Guarding g, boolean paused) {
    if (!paused && g.sinceBitgetAnsweredMs() >= ttlSeconds * 1000L) {
      // Holding a lease must mean guarding: an instance Bitget does not answer (its egress blocked or
      // refused, its IP banned) gives everything back, so instances that reach Bitget take over.
      String why = "Bitget has not answered this instance for " + g.sinceBitgetAnsweredMs() / 1000 + " s";
      if (unable == null || !now.isEmpty()) {
        log.warn("fleet: {}: gave back its {} account(s) so that instances Bitget answers guard them", why, now.size());
      }
      unable = why;
      if (!now.isEmpty()) {
        leases.release(id, new ArrayList<>(now.keySet()));
        now.clear();
      }
      return;
    }
    if (unable != null) log.info("fleet: Bitget answers this instance again; it takes its share");
    unable = null;
    if (!g.undecryptable().equals(undecryptable) && !g.undecryptable().isEmpty()) {
      log.warn("fleet: this instance cannot decrypt the keys of {} account(s) (another master key?); it leaves them to"
          + " instances that can", g.undecryptable().size());
    }
    undecryptable = g.undecryptable();
    List<String> cannot = now.keySet().stream().filter(g.undecryptable()::contains).sorted().toList();
    if (!cannot.isEmpty()) {
      leases.release(id, cannot);
      cannot.forEach(now::remove);
      log.warn("fleet: gave back {} account(s) whose keys this instance cannot decrypt (another master key?), so an"
          + " instance that can guards them: {}", cannot.size(), String.join(" ", cannot));
    }
    int live = Math.max(1, leases.liveInstances(ttlSeconds));
    int total = leases.accounts();
    int fair = (total + live - 1) / live;
    int high = (int) Math.ceil(1.2 * total / live);
    liveInstances = live;
    if (!announced) {
      announced = true; // claim from the next round on, when the others starting now have heartbeated too
      return;
    }
    if (now.size() < fair || (unowned > 0 && now.size() <= high)) {
      // Up to the fair share: anything free. Beyond it, only what has been free for a whole TTL,
      // which no instance under its share wanted (the others cannot guard it): a free account is bare.
      Map<String, Long> got = new LinkedHashMap<>(leases.claim(id, Math.min(Math.max(0, fair - now.size()), CLAIM_BATCH),
          ttlSeconds, g.undecryptable(), false));
      if (unowned > 0) got.putAll(leases.claim(id, CLAIM_BATCH, ttlSeconds, g.undecryptable(), true));
      if (!got.isEmpty()) {
        log.info("fleet: claimed {} account(s): {}", got.size(), got.size() <= 50 ? String.join(" ", got.keySet())
            : String.join(" ", new ArrayList<>(got.keySet()).subList(0, 50)) + " …");
      }
      now.putAll(got);
    } else if (now.size() > high || (now.size() > fair && starving(fair))) {
      List<String> give = new ArrayList<>(now.keySet());
      give.sort(Comparator.reverseOrder());
      give = give.subList(0, Math.min(now.size() - fair, RELEASE_BATCH));
      leases.release(id, give);
      give.forEach(now::remove);
      log.info("fleet: gave back {} account(s) to balance {} instance(s): {}", give.size(), live, String.join(" ", give));
    }
  }

  /**
   * Some live instance that could take any account holds two or more fewer than the fair share:
   * give back down to the share even below 1.2 × it. Without this, from about five instances on a
   * joining one gets nothing (the others all sit at or under 1.2 × the new share).
   */
  private boolean starving(int fair) {
    int fewest = leases.fewestHeld(ttlSeconds);
    return fewest >= 0 && fewest < fair - 1;
  }

  /**
   * What the database says this instance holds becomes what it guards, now. Accounts held since the
   * previous round that the watcher does not guard are counted and told (a held account is one nobody
   * else will take).
   */
  private void adopt(Map<String, Long> now, long renewedAt, Guarding g) {
    Map<String, Long> before = held;
    boolean changed = fenced || !now.keySet().equals(before.keySet());
    if (fenced) log.warn("fleet: the database answers again; guarding {} account(s)", now.size());
    List<String> idle = now.keySet().stream().filter(u -> before.containsKey(u) && !g.guarded().contains(u)).sorted().toList();
    if (!idle.isEmpty() && notGuarded.isEmpty()) {
      log.warn("fleet: {} account(s) held in the database are not guarded by this instance: {}", idle.size(),
          String.join(" ", idle.subList(0, Math.min(idle.size(), 20))));
    } else if (idle.isEmpty() && !notGuarded.isEmpty()) {
      log.info("fleet: every account this instance holds is guarded again");
    }
    notGuarded = idle;
    lastRenewNanos = renewedAt;
    fenced = false;
    held = Map.copyOf(now);
    if (changed) onChange.run();
  }

  /**
   * One instance at a time delivers the shared alert outbox: the holder of the "alert delivery"
   * lease, renewed each round on the database's clock like the accounts'. Taking it may fail
   * without touching the leases.
   */
  private void takeDeliveryLock() {
    try {
      long t = System.nanoTime();
      boolean mine = leases.holdLock(DELIVERY_LOCK, id, ttlSeconds);
      if (mine) deliveryRenewedNanos = t;
      if (mine != delivering) log.info(mine ? "fleet: this instance delivers the alerts now" : "fleet: another instance delivers the alerts");
      delivering = mine;
      if (deliveryLockError != null) log.info("fleet: the alert delivery lock answers again");
      deliveryLockError = null;
    } catch (RuntimeException e) {
      delivering = false;
      if (deliveryLockError == null) {
        log.warn("fleet: cannot take the alert delivery lock (guarding goes on; alerts wait until some instance can"
            + " deliver them): {}", e.getMessage());
      }
      deliveryLockError = e.getMessage();
    }
  }

  /** Logs a failure once per kind of error, not once per round. */
  private void failed(String what, RuntimeException e) {
    String msg = what + ": " + e.getMessage();
    if (!msg.equals(failing)) log.warn("fleet: {}", msg);
    failing = msg;
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

  /**
   * Held and renewed (on the lease connection, which a stalled store does not hold) less than half
   * the TTL ago: no other instance can have claimed it yet. Memory only; asked before each send.
   */
  @Override
  public boolean mayPlaceWithoutStore(String userId) {
    return !fenced && held.containsKey(userId) && System.nanoTime() - lastRenewNanos < TimeUnit.SECONDS.toNanos(ttlSeconds) / 2;
  }

  /** {@link #mayAct} checks that the lease has at least TTL/3 left on the database's clock: good for that long. */
  @Override
  public java.time.Duration actWindow() {
    return java.time.Duration.ofSeconds(Math.max(1, ttlSeconds / 3));
  }

  /** The lease still this instance's at the epoch it claimed (no margin: only recording, nothing is sent). */
  @Override
  public boolean stillOwns(String userId) {
    Long epoch = held.get(userId);
    if (epoch == null || fenced) return false;
    return store.leases().holds(userId, id, epoch);
  }

  @Override
  public boolean wholeView() {
    return false;
  }

  /**
   * True while this instance holds the delivery lease, renewed within half the TTL: a holder that was
   * frozen stops delivering on waking, before any other can have taken the lease over (at its expiry),
   * so no alert goes out twice.
   */
  @Override
  public boolean delivers() {
    return delivering && System.nanoTime() - deliveryRenewedNanos < ttlSeconds * 500_000_000L;
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
    m.put("deliversAlerts", delivers());
    m.put("ownedNotGuarded", notGuarded.size());
    m.put("undecryptableAccounts", undecryptable.size());
    m.put("instancesOnThisEgress", egressShare);
    if (unable != null) m.put("unable", unable);
    if (failing != null) m.put("lastError", failing);
    if (deliveryLockError != null) m.put("deliveryLockError", deliveryLockError);
    return m;
  }

  /** Why this instance's part of the fleet is degraded, for /health (empty when it is not). */
  public List<String> degradedBecause() {
    List<String> why = new ArrayList<>();
    if (fenced) why.add("fenced: no lease renewal for half the TTL; guarding nothing until the database answers");
    String unableNow = unable;
    if (unableNow != null) why.add(unableNow + ": its accounts are left to the instances Bitget answers");
    List<String> idle = notGuarded;
    if (!idle.isEmpty()) {
      why.add(idle.size() + " account(s) held in the database but not guarded by this instance: users "
          + String.join(", ", idle.subList(0, Math.min(idle.size(), 20))) + (idle.size() > 20 ? " …" : ""));
    }
    java.util.Set<String> cannot = undecryptable;
    if (!cannot.isEmpty()) {
      why.add(cannot.size() + " account(s) left to other instances: this instance cannot decrypt their keys (is its master"
          + " key the fleet's?): users " + String.join(", ", cannot.stream().sorted().limit(20).toList())
          + (cannot.size() > 20 ? " …" : ""));
    }
    if (failing != null) why.add("fleet: " + failing);
    return why;
  }

  public int ownedNotGuarded() {
    return notGuarded.size();
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



  /** Leaves the fleet cleanly: leases end at once, so the others take over without waiting for expiry. */
  @Override
  public void close() {
    timer.shutdownNow();
    held = Map.of();
    try {
      leases.leave(id);
    } catch (RuntimeException e) {
      log.warn("fleet: could not leave cleanly ({}); my leases expire in {} s", e.getMessage(), ttlSeconds);
    }
    try {
      if (delivering) leases.releaseLock(DELIVERY_LOCK, id); // the next instance delivers from its next round
    } catch (RuntimeException e) {
      log.warn("fleet: could not give the alert delivery lock back ({}); it expires in {} s", e.getMessage(), ttlSeconds);
    }
    delivering = false;
    leases.close();
  }
}
