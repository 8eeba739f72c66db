package io.stopguard.guard;

import io.stopguard.store.Leases;
import io.stopguard.store.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's membership in the fleet (docs/FLEET.md): a heartbeat, and a lease in the shared
 * PostgreSQL store under which it owns accounts, renewed every {@code ttl / 5} (one row, whatever
 * it owns) and judged on the database's clock. Ownership is balanced: an instance claims free
 * accounts up to its fair share (ceil of accounts / live instances) at once — a free account is an
 * unguarded one — and offers, a few per round, what exceeds 1.2 × that share. An offer is a
 * hand-off: the owner guards the account until another instance claims it. Accounts holding
 * positions are offered to instances with WebSocket room, so none is polled while another instance
 * could push it.
 *
 * <p>Safety: every claim raises the lease's epoch, and a restore is sent only after
 * {@link #mayAct} found this instance's lease at that epoch, with a third of the TTL left, in the
 * transaction that records the intent. An instance that cannot renew for half the TTL stops
 * guarding its accounts (self-fence) before anyone else can claim them, and says so loudly.
 */
public final class FleetMember implements Ownership, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FleetMember.class);


  private final Store store;
  private final String id;
  private final String host;
  private final String sourceIp;
  private final String listen;
  private final int ttlSeconds;
  private final IntSupplier webSockets;
  private final LongSupplier requestsSent;
  private final int requestBudgetPerMinute;
  private long lastSent;
  /** The fleet's part of the process's time: its rounds and self-fence, on the monotonic clock. */
  private final Timebase time;
  private final ScheduledExecutorService timer;
  private long lastSentNanos;
  private volatile Map<String, Long> held = Map.of();
  private volatile long lastRenewNanos;
  private volatile boolean fenced;
  private volatile String failing;
  private volatile int unowned;
  /** Held accounts (since the previous round at least) that the watcher does not guard. */
  private volatile List<String> notGuarded = List.of();
  private final Supplier<Guarding> guarding;
  /** The rounds' own connection and lock (renew, claim, heartbeat); the fencing check uses the store's. */
  private final Leases leases;
  /** Who takes and offers which accounts (the round's optional step after renewal). */
  private final FleetBalance balancing;
  /** Whether this instance delivers the shared alert outbox. */
  private final FleetDelivery delivery;

  /**
   * What the watcher guards (accounts with a usable key that Bitget accepts), and the accounts of the
   * whole fleet whose keys this instance cannot decrypt (another instance may: never claimed here,
   * given back if held).
   */
  public record Guarding(Set<String> guarded, Set<String> undecryptable, long sinceBitgetAnsweredMs,
      Set<String> positioned, Set<String> polledPositioned, int webSocketRoom,
      Set<String> boundElsewhere, Set<String> notYetLooked) {
    /** Without positions (nothing to balance by them). */
    public Guarding(Set<String> guarded, Set<String> undecryptable, long sinceBitgetAnsweredMs) {
      this(guarded, undecryptable, sinceBitgetAnsweredMs, Set.of(), Set.of(), 0, Set.of(),
          Set.of());
    }

    public Guarding(Set<String> guarded, Set<String> undecryptable, long sinceBitgetAnsweredMs,
        Set<String> positioned, Set<String> polledPositioned, int webSocketRoom) {
      this(guarded, undecryptable, sinceBitgetAnsweredMs, positioned, polledPositioned, webSocketRoom, Set.of(),
          Set.of());
    }
  }

  /** Live instances leaving through this one's egress address, itself included (Bitget's limits are per IP). */
  private volatile int egressShare = 1;
  private volatile IntConsumer onEgressShare = n -> { };

  /** Told how many live instances share this one's egress address whenever that changes (split the IP budget). */
  public FleetMember onEgressShare(IntConsumer consumer) {
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

  private volatile Runnable onChange = () -> { };

  /**
   * @param requestsSent REST requests this instance has sent so far (its IP budget's count)
   * @param requestBudgetPerMinute its per-IP request share, shown beside the rate in use
   */
  public FleetMember(Store store, String id, String host, String sourceIp, String listen, int ttlSeconds, IntSupplier webSockets,
      LongSupplier requestsSent, int requestBudgetPerMinute, Supplier<Guarding> guarding, Timebase time) {
    this.time = time;
    this.timer = time.scheduler();
    this.lastSentNanos = now();
    this.lastRenewNanos = now();
    this.lastRoundNanos = now();
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
    this.leases = store.leasesOnOwnConnection(Duration.ofMillis(Math.max(500, ttlSeconds * 1000L / 5)));
    this.balancing = new FleetBalance(leases, id, ttlSeconds, sourceIp, time.nanoTime());
    this.delivery = new FleetDelivery(leases, id, ttlSeconds, time.nanoTime());
  }

  public String id() {
    return id;
  }

  private long roundIntervalMs() {
    return Math.max(500, ttlSeconds * 1000L / 5);
  }

  /** When the latest round started (nanoTime): a long gap means this process was paused. */
  private volatile long lastRoundNanos;

  private long now() {
    return time.nanoTime().getAsLong();
  }

  /** When {@link #announce} ran (nanoTime), or -1. */
  private long announcedAt = -1;

  /**
   * Announces this instance (a heartbeat; nothing is claimed) as early in the start as the store
   * allows, before the watcher is built: the second that instances started together give each other
   * to appear then passes while this one is still starting, instead of after it.
   */
  public void announce() {
    if (announcedAt >= 0) return;
    round();
    announcedAt = now();
  }

  /**
   * Joins: announces itself unless {@link #announce} did, claims its share 1 s after the
   * announcement (at once if that second has passed), then every round (TTL/5); the fence is checked
   * every 250 ms.
   */
  public void start(Runnable onChange) {
    this.onChange = onChange;
    announce();
    long every = roundIntervalMs();
    lastRoundNanos = now(); // building the rest of the process after the announcement is not a pause
    // The claiming round comes 1 s after the announcement: time enough for instances started
    // together to see each other's heartbeat, without leaving accounts unguarded for a whole round.
    long sinceAnnouncedMs = (now() - announcedAt) / 1_000_000;
    timer.scheduleWithFixedDelay(this::round, Math.max(0, Math.min(every, 1000) - sinceAnnouncedMs), every,
        TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::fenceIfStale, 250, 250, TimeUnit.MILLISECONDS);
  }

  /**
   * One round. Renewal comes first and what the database says this instance holds is adopted in the
   * same round, whatever fails after it: an account owned in the database but not guarded here is
   * the one silent failure a fleet must never have. Optional steps (balancing, the unowned count,
   * the alert delivery lock) fail on their own, each saying so once.
   */
  private void round() {
    if (closing) return;
    long started = now();
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
      delivery.stop();
      return;
    }
    long renewedAt = now();
    List<String> gone = held.keySet().stream().filter(u -> !now.containsKey(u)).sorted().toList();
    Map<String, Integer> offers = balancing.offered();
    List<String> handedOver = gone.stream().filter(offers::containsKey).toList();
    List<String> lost = gone.stream().filter(u -> !offers.containsKey(u)).toList();
    if (!handedOver.isEmpty()) {
      log.info("fleet: handed {} offered account(s) over to other instances: {}", handedOver.size(),
          String.join(" ", handedOver.subList(0, Math.min(handedOver.size(), 20))));
    }
    if (!lost.isEmpty()) {
      log.warn("fleet: lost {} account(s) whose leases expired before this instance renewed them (paused or cut off?);"
          + " stopped guarding them: {}", lost.size(), String.join(" ", lost.subList(0, Math.min(lost.size(), 20))));
    }
    Guarding g = guarding.get();
    try {
      if (closing) return; // a heartbeat after leave() would bring this instance back as a live ghost
      leases.heartbeat(new Leases.Heartbeat(id, host, sourceIp, listen, g.guarded().size(), g.undecryptable().size(),
          notGuarded.size(), balancing.unable(), webSockets.getAsInt(), requestsPerMinute(), requestBudgetPerMinute / egressShare,
          FleetBalance.positionsOf(now, g)));
      shareEgress();
      leases.syncAccounts();
      balancing.balance(now, g, paused, unowned);
      failing = null;
    } catch (RuntimeException e) {
      failed("fleet round incomplete (heartbeat, account list or balancing)", e); // what is held is still adopted below
    }
    adopt(now, renewedAt, g);
    try {
      unowned = leases.unowned();
      Map<String, String> cannot = leases.unservable(ttlSeconds);
      if (!cannot.keySet().equals(unservable.keySet()) && !cannot.isEmpty()) {
        log.warn("fleet: {} account(s) unowned: no live instance may use their keys (bound to other addresses): {}",
            cannot.size(), cannot);
      }
      unservable = cannot;
      int died = leases.diedWithin(ttlSeconds, DEATHS_WINDOW);
      if (died >= CRASH_LOOP_DEATHS && diedRecently < CRASH_LOOP_DEATHS) {
        log.warn("fleet: {} instance(s) died without a clean stop in the last {} min (a crash loop? each held its share"
            + " unguarded until its leases expired): stopguard fleet lists them as DEAD", died, DEATHS_WINDOW.toMinutes());
      }
      diedRecently = died;
    } catch (RuntimeException e) {
      failed("cannot count unowned accounts", e);
    }
    delivery.take();
  }

  /** Set by {@link #close}: no round may run (or heartbeat) once this instance is leaving. */
  private volatile boolean closing;

  /** Unowned accounts whose keys are bound to addresses no live instance leaves from: user → addresses. */
  private volatile Map<String, String> unservable = Map.of();

  /** How far back deaths are counted, and how many make a crash loop worth a WARN (the rule says the same). */
  static final Duration DEATHS_WINDOW = Duration.ofMinutes(10);
  static final int CRASH_LOOP_DEATHS = 3;
  private volatile int diedRecently;

  /** Instances that died without a clean stop in the last 10 minutes, as the database saw it at the last round. */
  public int diedRecently() {
    return diedRecently;
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

  /** Logs a failure once per kind of error, not once per round. */
  private void failed(String what, RuntimeException e) {
    String msg = what + ": " + e.getMessage();
    if (!msg.equals(failing)) log.warn("fleet: {}", msg);
    failing = msg;
  }

  /** REST requests a minute since the previous heartbeat. */
  private int requestsPerMinute() {
    long sent = requestsSent.getAsLong();
    long now = now();
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
    long sinceMs = (now() - lastRenewNanos) / 1_000_000;
    if (sinceMs < ttlSeconds * 500L) return;
    fenced = true;
    log.error("fleet: no lease renewal for {} ms (half the {} s TTL): stopped guarding my {} account(s) so another"
        + " instance can take them; {}", sinceMs, ttlSeconds, held.size(), failing == null ? "" : "last error: " + failing);
    held = Map.of();
    delivery.stop();
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
    long t = now();
    boolean mine = store.leases().stillHeld(userId, id, epoch, Math.max(1, ttlSeconds / 3));
    if (mine) balancing.actedOn(userId, t); // its offer ended in that check; not offered again within the send window
    return mine;
  }

  /**
   * Held and renewed (on the lease connection, which a stalled store does not hold) less than half
   * the TTL ago: no other instance can have claimed it yet. Memory only; asked before each send.
   */
  @Override
  public boolean mayPlaceWithoutStore(String userId) {
    // An offered account may be claimed by another instance at any moment, lease fresh or not: only
    // the store can say it is still ours, so without the store it waits for its taker.
    return !fenced && held.containsKey(userId) && !balancing.offeredOrOffering(userId)
        && now() - lastRenewNanos < TimeUnit.SECONDS.toNanos(ttlSeconds) / 2;
  }

  /** {@link #mayAct} checks that the lease has at least TTL/3 left on the database's clock: good for that long. */
  @Override
  public Duration actWindow() {
    return Duration.ofSeconds(Math.max(1, ttlSeconds / 3));
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

  /** True while this instance holds the delivery lease, renewed within half the TTL ({@link FleetDelivery}). */
  @Override
  public boolean delivers() {
    return delivery.delivers();
  }

  /** For /health: this instance's share of the fleet. */
  public FleetHealth health() {
    return new FleetHealth(id, held.size(), balancing.liveInstances(), unowned, ttlSeconds, fenced, delivers(), notGuarded.size(),
        balancing.undecryptable().size(), egressShare, unservable, balancing.unable(), failing, delivery.error());
  }

  /** Why this instance's part of the fleet is degraded, for /health (empty when it is not). */
  public List<String> degradedBecause() {
    List<String> why = new ArrayList<>();
    if (fenced) why.add("fenced: no lease renewal for half the TTL; guarding nothing until the database answers");
    String unableNow = balancing.unable();
    if (unableNow != null) why.add(unableNow + ": its accounts are left to the instances Bitget answers");
    List<String> idle = notGuarded;
    if (!idle.isEmpty()) {
      why.add(idle.size() + " account(s) held in the database but not guarded by this instance: users "
          + String.join(", ", idle.subList(0, Math.min(idle.size(), 20))) + (idle.size() > 20 ? " …" : ""));
    }
    Set<String> cannot = balancing.undecryptable();
    if (!cannot.isEmpty()) {
      why.add(cannot.size() + " account(s) left to other instances: this instance cannot decrypt their keys (is its master"
          + " key the fleet's?): users " + String.join(", ", cannot.stream().sorted().limit(20).toList())
          + (cannot.size() > 20 ? " …" : ""));
    }
    Map<String, String> noOne = unservable;
    if (!noOne.isEmpty()) {
      why.add(noOne.size() + " account(s) unowned: no live instance may use this key (bound to other addresses): "
          + noOne.entrySet().stream().limit(20).map(e -> e.getKey() + " (" + e.getValue() + ")").toList());
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
    // A round still running when this instance leaves would write its heartbeat after leave() deleted
    // the row: the others would count a ghost as live for a TTL, stay at their fair share, and leave
    // the accounts just given back unowned until they had been free a whole TTL (FleetFailoverTest's
    // rolling restart measured 6,008 ms once). No round starts from here on, and the one in flight ends first.
    closing = true;
    timer.shutdownNow();
    try {
      if (!timer.awaitTermination(Math.max(1, ttlSeconds / 2), TimeUnit.SECONDS)) {
        log.warn("fleet: a lease round did not end within {} s of stopping; leaving anyway", Math.max(1, ttlSeconds / 2));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    held = Map.of();
    try {
      leases.leave(id);
    } catch (RuntimeException e) {
      log.warn("fleet: could not leave cleanly ({}); my leases expire in {} s", e.getMessage(), ttlSeconds);
    }
    delivery.release(); // the next instance delivers from its next round
    leases.close();
  }
}
