package io.stopguard.guard;

import io.stopguard.alert.Alerting;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.IpBudget;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.store.ActiveKeys;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Flag;
import io.stopguard.store.UnusableKey;
import io.stopguard.store.Store;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code stopguard watch}: every active account in one process. Per account, a push on the private
 * WebSocket (or its coming back after a gap) triggers an immediate re-evaluation over REST
 * (2 calls); a periodic reconcile catches what pushes miss. Unprotected positions become incidents
 * and alerts; with restore on, a stop is placed after a grace period, idempotently.
 *
 * <p>The store has one connection behind its monitor ({@link Store}); looks record one at a time
 * ({@link #recording}), and what must not wait on it runs on timers of its own ({@link Timebase}).
 */
public final class Watcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Watcher.class);

  private final Store store;
  private final StopLossCheck check;
  private final CheckService service;
  private final Policy policy;
  private final Alerting alerting;
  private final StopguardMetrics metrics;
  private final WatchSettings settings;
  private final URI webSocketUrl;
  private final Clock clock;

  private final Map<Long, AccountWatch> accounts = new ConcurrentHashMap<>();
  /** Timers: reconcile ticks, looks again after a grace or a failure, WebSocket pings (see {@link Timebase}). */
  private final ScheduledExecutorService scheduler;
  /**
   * WebSocket pings and reconnects, and the probes of Bitget's clock and reachability: never behind a
   * task that waits on the store (see {@link Timebase}).
   */
  private final ScheduledExecutorService socketTimer;
  private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
  /** One HTTP client (one selector thread) for every account's WebSocket: 10,000 accounts, not 10,000 threads. */
  private final HttpClient webSocketHttp;
  /** Which accounts this watcher guards: its shard, or its leases in a fleet. Set before {@link #start}. */
  private volatile Ownership ownership;
  private final Semaphore permits;
  private final IpBudget budget;
  /** Accounts holding a private WebSocket: Bitget allows at most 100 connections per IP. */
  private final AtomicInteger webSockets = new AtomicInteger();
  private volatile int warnedSweepFor = -1;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Restorer restorer;
  /** Bitget's clock and whether Bitget answers this process. */
  private final BitgetContact bitget;
  private final PauseDetector pauses;
  private volatile int lastFlag = -1;
  /** Active keys of this shard that cannot be used (undecryptable, bad characters): reported, never dropped. */
  private volatile List<UnusableKey> unusableKeys = List.of();
  /** Users with an active key (of any instance) that this process cannot decrypt, as of the last refresh. */
  private volatile Set<String> undecryptable = Set.of();
  /** Why the key table could not be read at the last refresh, or null. */
  private volatile String keysUnreadable;

  Watcher(Store store, StopLossCheck check, CheckService service, Policy policy, Alerting alerting,
      StopguardMetrics metrics, WatchSettings settings, URI webSocketUrl, Timebase time) {
    this.store = store;
    this.check = check;
    this.service = service;
    this.policy = policy;
    this.alerting = alerting;
    this.metrics = metrics;
    this.settings = settings;
    this.webSocketUrl = webSocketUrl;
    this.clock = time.clock();
    this.scheduler = time.scheduler();
    this.socketTimer = time.sockets();
    this.permits = new Semaphore(settings.parallelism());
    this.budget = check.ipBudget();
    this.ownership = Ownership.shard(settings.shard(), settings.shards());
    HttpClient.Builder ws = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor());
    if (check.localAddress() != null) ws.localAddress(check.localAddress()); // --source-ip: this instance's egress IP
    this.webSocketHttp = ws.build();
    this.bitget = new BitgetContact(check, metrics, clock, workers, closed::get);
    this.pauses = new PauseDetector(time, metrics, () -> accounts.values().forEach(AccountWatch::request));
    this.restorer = new Restorer(store, policy, alerting, metrics, settings, clock, scheduler, closed::get, () -> ownership,
        service::contract); // one contract cache for alerts' suggestions and restores
    this.context = new WatchContext(store, settings, clock, scheduler, socketTimer, workers, service, restorer, metrics, alerting,
        policy, budget, webSocketUrl, webSocketHttp, bitget, pauses, webSockets, permits);
    this.status = new WatchStatus(context, new WatchStatus.Host() {
      @Override
      public Collection<AccountWatch> accounts() {
        return accounts.values();
      }

      @Override
      public List<UnusableKey> unusableKeys() {
        return unusableKeys;
      }

      @Override
      public String keysUnreadable() {
        return keysUnreadable;
      }

      @Override
      public boolean owns(String userId) {
        return Watcher.this.owns(userId);
      }
    });
  }

  /** No look in flight or asked for (tests settle on it between steps of hand-moved time). */
  boolean idle() {
    return accounts.values().stream().noneMatch(a -> a.running.get() || a.dirty.get());
  }

  /** What every account's watch and the status share (explicit, fixed at construction). */
  private final WatchContext context;

  /** The seam each {@link AccountWatch} asks the watcher through while it runs. */
  private final AccountWatch.Host accountHost = new AccountWatch.Host() {
    @Override
    public boolean closed() {
      return closed.get();
    }

    @Override
    public void updateFlag() {
      Watcher.this.updateFlag();
    }

    @Override
    public boolean storeStalled() {
      return Watcher.this.storeStalled();
    }

    @Override
    public boolean stillOwns(String userId) {
      return Watcher.this.stillOwns(userId);
    }

    @Override
    public boolean recordingTurn(boolean stalled, boolean bare) {
      return Watcher.this.recordingTurn(stalled, bare);
    }

    @Override
    public void recordingDone() {
      long started = turnHeldSinceNanos; // one turn at a time: this look's own
      if (started != 0) {
        double took = (System.nanoTime() - started) / 1e6;
        recordMs = recordMs == 0 ? took : recordMs + (took - recordMs) / 4;
      }
      turnHeldSinceNanos = 0;
      recording.release();
    }

    @Override
    public boolean mayActNow(String userId) {
      return Watcher.this.mayActNow(userId);
    }

    @Override
    public void looksUnrecorded(String userId, String cause) {
      Watcher.this.looksUnrecorded(userId, cause);
    }

    @Override
    public void looksRecordedAgain(String userId, int replayed) {
      Watcher.this.looksRecordedAgain(userId, replayed);
    }
  };

  /** Accounts whose last look could not be recorded, and the outage's looks and requests recorded since. */
  private int unrecordedAccounts;
  private long replayedSinceOutage;

  /** The first account of an outage says it (WARN, with the cause); the others only at DEBUG. */
  synchronized void looksUnrecorded(String userId, String cause) {
    if (unrecordedAccounts++ == 0) {
      replayedSinceOutage = 0;
      log.warn("looks cannot be recorded, the store does not answer: {} (user {} first; each account's looks are kept and"
          + " recorded when it answers; the status page shows each account's error)", cause, userId);
    } else {
      log.debug("user {}: this look cannot be recorded, the store does not answer: {}", userId, cause);
    }
  }

  /** The last account of an outage to record again says it (INFO, with what was recorded late). */
  synchronized void looksRecordedAgain(String userId, int replayed) {
    replayedSinceOutage += replayed;
    log.debug("user {}: looks are recorded again ({} look(s) and request(s) from the outage recorded)", userId, replayed);
    if (unrecordedAccounts > 0 && --unrecordedAccounts == 0) {
      log.info("looks are recorded again; {} look(s) and request(s) from the store outage recorded at their real times",
          replayedSinceOutage);
    }
  }

  /**
   * A watcher of {@code store}'s keys, looking through {@code check} and recording through
   * {@code service}; every other part named, with defaults: the default policy and settings, no
   * alerts, its own metrics, no WebSocket URL, and the system's time (which it then owns).
   */
  public static WatcherBuilder builder(Store store, StopLossCheck check, CheckService service) {
    return new WatcherBuilder(store, check, service);
  }

  /** Guards what {@code o} owns instead of the settings' shard (a fleet member); call before {@link #start}. */
  public Watcher ownedBy(Ownership o) {
    this.ownership = o;
    return this;
  }

  /** Whether this watcher's shard or leases include {@code userId} now. */
  boolean owns(String userId) {
    return ownership.owns(userId);
  }

  /** Whether this watcher may send orders for the account now (the fleet's lease checked in a transaction). */
  boolean mayActNow(String userId) {
    AtomicBoolean mine = new AtomicBoolean();
    store.inTransaction(() -> mine.set(ownership.mayAct(userId)));
    return mine.get();
  }

  /**
   * The store is known not to answer now: transactions failing (SQLite's lock held elsewhere, a
   * full disk), or its reads waiting over 2 s (a table lock, the database gone). A look then
   * restores before it waits on the store (see {@link Restorer#restoreWithoutStore}).
   */
  boolean storeStalled() {
    return store.writesFailingForMs() > 0 || status.storeSilentMs() > STORE_STALLED_MS;
  }

  static final long STORE_STALLED_MS = 2_000;

  /** A look's transaction waits this long at most for a lock another session holds (PostgreSQL). */
  static final Duration LOOK_LOCK_WAIT = Duration.ofSeconds(2);

  /**
   * A restore's intent (the incident to restoring, under the lease check) waits this long at most
   * for a lock: the stop goes out without the store after it (Restorer.restoreWithoutStore via the
   * look). Behind another transaction's 2 s wait on the store's connection and then 2 s of its own,
   * a stop cancelled as trading.db was locked stayed off for 4.9 s (bench/chaos seed 71).
   */
  static final Duration RESTORE_LOCK_WAIT = Duration.ofMillis(500);

  /** The turn to record a look: one at a time, so a store that hangs holds one look, not all. */
  private final Semaphore recording = new Semaphore(1, true);

  /**
   * Waits for the turn to record a look: up to 2 s while the store answers, not at all while it is
   * stalled (another look is already asking it). False: record later, restore without the store.
   */
  boolean recordingTurn(boolean stalled, boolean bare) {
    try {
      boolean turn;
      if (stalled) {
        turn = recording.tryAcquire();
      } else {
        // Waits while the recorder moves, up to 20 s; gives up when one look has held the turn for
        // over 2 s: a store that hangs holds one look, not every account's, and a slow one (a
        // distant database, a cold start) is waited for instead of called silent. A look with a
        // bare position waits 0.5 s at most: then it restores on memory (restoreWithoutStore).
        long deadline = System.nanoTime() + (bare ? TimeUnit.MILLISECONDS.toNanos(500) : TimeUnit.SECONDS.toNanos(20));
        do {
          turn = recording.tryAcquire(250, TimeUnit.MILLISECONDS);
          long held = turnHeldSinceNanos;
          if (!turn && held != 0 && System.nanoTime() - held > TimeUnit.SECONDS.toNanos(2)) break;
          // The look ahead failed (transactions failing now): this look takes the stalled way, not a
          // turn that would hold the store's connection through another doomed transaction. Not the
          // once-a-second read's silence: behind a slow recorder that read waits too, and is no failure.
          if (!turn && store.writesFailingForMs() > 0) break;
        } while (!turn && System.nanoTime() < deadline);
      }
      if (turn) turnHeldSinceNanos = System.nanoTime();
      return turn;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Inside the transaction that records a look: whether the account is still this watcher's (see {@link Ownership#stillOwns}). */
  boolean stillOwns(String userId) {
    return ownership.stillOwns(userId);
  }

  /**
   * The owned set changed (a fleet member claimed, gave back or fenced): accounts no longer owned
   * are dropped at once, without the store (a fenced instance's database may be gone: its looks,
   * WebSockets and alerts about accounts others now guard must stop anyway), then the keys of
   * newly owned ones are read.
   */
  public void ownershipChanged() {
    if (closed.get()) return;
    // Not on the scheduler: its threads may be waiting on the very database that fenced us.
    workers.execute(() -> {
      try {
        dropUnowned();
      } catch (RuntimeException e) {
        log.warn("cannot drop the accounts this instance no longer holds: {}", e.toString());
      }
    });
    scheduler.execute(this::refreshKeys);
  }

  private void dropUnowned() {
    int dropped = 0;
    for (AccountWatch a : List.copyOf(accounts.values())) {
      if (ownership.owns(a.key.userId())) continue;
      stopWatching(a, "no longer this instance's");
      dropped++;
    }
    if (dropped > 0) log.info("{} account(s) handed over; guarding {} now", dropped, accounts.size());
  }

  /** Stops guarding one account: its WebSocket and pending looks end, its positions leave the metrics. */
  private void stopWatching(AccountWatch a, String why) {
    if (accounts.remove(a.key.id()) == null) return; // the other path got there first
    a.close();
    if (a.looksUnrecorded()) looksRecordedAgain(a.key.userId(), 0); // no longer counted as an account the store does not take
    metrics.recordAccount(a.verdicts, List.of());
    log.info("stopped watching user {} ({})", a.key.userId(), why);
    // Stops this instance placed while the store did not answer are in its memory only, and end with
    // this account's watch (handed over, or its key gone): they will not be written, so say so, once.
    List<String> placed = a.unrecorded.pending().stream()
        .filter(e -> e instanceof Unrecorded.Sent s && "place".equals(s.audit().action()))
        .map(e -> (Unrecorded.Sent) e).map(s -> s.positionKey() + " at " + s.at() + " (order " + s.audit().orderId() + ")")
        .toList();
    if (!placed.isEmpty()) {
      log.warn("user {}: {} stop(s) placed without the store while this instance held the account will not be recorded"
          + " ({}; its incident and audit rows are missing): {}", a.key.userId(), placed.size(), why,
          String.join(", ", placed));
    }
  }

  /**
   * For the fleet: the users this watcher guards (a usable key that Bitget has not refused), and
   * those of every account whose keys this process cannot decrypt.
   */
  public FleetMember.Guarding guarding() {
    Set<String> guarded = new HashSet<>();
    for (AccountWatch a : accounts.values()) guarded.add(a.key.userId());
    for (Unguarded u : status.unguarded()) guarded.remove(u.userId());
    Set<String> positioned = new HashSet<>();
    Set<String> polled = new HashSet<>();
    for (AccountWatch a : accounts.values()) {
      if (a.verdicts.isEmpty() || !guarded.contains(a.key.userId())) continue;
      positioned.add(a.key.userId());
      if (a.ws == null) polled.add(a.key.userId());
    }
    int room = settings.webSocket() ? Math.max(0, budget.maxConnections() - webSockets.get()) : 0;
    Set<String> boundElsewhere = new HashSet<>();
    Set<String> notYetLooked = new HashSet<>();
    for (AccountWatch a : accounts.values()) {
      if (a.boundElsewhere) boundElsewhere.add(a.key.userId());
      if (a.lastOk == null) notYetLooked.add(a.key.userId());
    }
    return new FleetMember.Guarding(Set.copyOf(guarded), undecryptable, bitget.sinceAnsweredMs(), Set.copyOf(positioned),
        Set.copyOf(polled), room, Set.copyOf(boundElsewhere), Set.copyOf(notYetLooked));
  }

  /** WebSockets open now (for the fleet's heartbeat). */
  public int webSocketCount() {
    return webSockets.get();
  }

  public void start() {
    bitget.start(socketTimer); // Bitget's clock first: a login timestamped by a skewed clock is refused (30014)
    pauses.start(socketTimer);
    refreshKeys();
    scheduler.scheduleWithFixedDelay(this::refreshKeys, settings.keyRefresh().toMillis(), settings.keyRefresh().toMillis(),
        TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(this::tick, 200, 200, TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(this::deliver, 1, 1, TimeUnit.SECONDS);
    scheduler.scheduleWithFixedDelay(this::publishFleet, 0, 5, TimeUnit.SECONDS);
    scheduler.scheduleWithFixedDelay(status::readStoreFigures, 0, 1, TimeUnit.SECONDS);
  }


  // ------------------------------------------------------------------ accounts

  private void refreshKeys() {
    if (closed.get()) return;
    try {
      Ownership own = ownership;
      // Whose keys were left out as not this instance's, as decided by this very scan: ownership can
      // change under it, and an account handed over must not be logged as "key deactivated".
      Set<String> notMine = ConcurrentHashMap.newKeySet();
      Predicate<String> mine = u -> {
        boolean m = own.owns(u);
        if (!m) notMine.add(u);
        return m;
      };
      ActiveKeys all = store.keys().active("bitget", mine); // only its own share decrypted (and kept)
      undecryptable = all.unusable().stream().filter(UnusableKey::undecryptable).map(UnusableKey::userId)
          .collect(Collectors.toUnmodifiableSet());
      ActiveKeys active = all.ofUsers(u -> !notMine.contains(u));
      unusableKeys = active.unusable();
      List<ExchangeKey> keys = active.usable();
      service.refreshContractsInBackground(keys); // for alerts' restore suggestions, never fetched inside a transaction
      Set<String> withOpenIncident = new HashSet<>();
      if (accounts.isEmpty()) (store.incidents().open()).forEach(i -> withOpenIncident.add(i.userId()));
      Set<Long> live = ConcurrentHashMap.newKeySet();
      for (ExchangeKey k : keys) {
        live.add(k.id());
        accounts.computeIfAbsent(k.id(), id -> {
          AccountWatch a = new AccountWatch(context, accountHost, k, check.client(k));
          if (settings.webSocket() && webSockets.get() < budget.maxConnections()) {
            // The WebSocket's first onLive evaluates the account; evaluating before it too would
            // cost a second look for nothing. If it is not live within 5 s, look anyway.
            a.nextReconcileMs = clock.millis()
                + ThreadLocalRandom.current().nextLong(Math.max(1, settings.reconcileInterval().toMillis()));
            a.openWebSocket();
            scheduler.schedule(() -> {
              if (a.lastOk == null) a.request();
            }, 5, TimeUnit.SECONDS);
          } else if (withOpenIncident.contains(k.userId())) {
            a.request(); // a restart resumes open incidents at once
          } else {
            a.nextReconcileMs = 0; // polled: due now, paced by the IP budget's background lane
          }
          log.info("watching user {} ({})", k.userId(), k.credentials().maskedKey());
          // what the key may do, and where from, before any restore needs it; keys asked before are asked
          // again when Bitget refuses them (40014, 40018): one request per key, not per key per start
          // In a fleet only: where a key may be used decides which instance may guard it. A single
          // watcher leaves the question to keys verify / import --verify and to Bitget's refusals,
          // so a cold start spends its IP budget on looks, not on questions.
          // Asked by the sweep after the account's first look: looks come first on a cold start.
          if (k.info() == null && ownership instanceof FleetMember) a.keyQuestionDueMs = AccountWatch.KEY_QUESTION_AFTER_FIRST_LOOK;
          return a;
        });
      }
      boolean removed = false;
      for (AccountWatch a : List.copyOf(accounts.values())) {
        if (!live.contains(a.key.id())) {
          stopWatching(a, unusableKeys.stream().anyMatch(u -> u.id() == a.key.id()) ? "its key became unusable"
              : notMine.contains(a.key.userId()) || !own.owns(a.key.userId()) ? "no longer this instance's" : "key deactivated");
          removed = true;
        }
      }
      if (removed) updateFlag(); // its positions no longer count towards the flag
      if (settings.webSocket()) {
        promoteToWebSocket();
        rebalanceWebSockets();
      }
      warnIfSweepTooSlow();
      status.reportUnguarded();
    } catch (RuntimeException e) {
      keysUnreadable = e.getMessage();
      log.warn("cannot refresh keys: {}", e.getMessage());
      return;
    }
    keysUnreadable = null;
  }

  /**
   * Free WebSocket slots (a key was deactivated) go to polled accounts, those holding positions
   * first: they are the ones a push protects.
   */
  private void promoteToWebSocket() {
    int free = budget.maxConnections() - webSockets.get();
    if (free <= 0) return;
    List<AccountWatch> polled = accounts.values().stream().filter(a -> a.ws == null)
        .sorted(Comparator.comparing((AccountWatch a) -> a.verdicts.isEmpty()).thenComparingLong(a -> a.key.id()))
        .limit(free).toList();
    for (AccountWatch a : polled) a.openWebSocket();
  }

  /**
   * With more accounts than sockets, a socket on an account without positions protects nothing:
   * move it to a polled account that holds some. Two per refresh at most, so swaps never take more
   * than a fifth of the IP's connect budget (they cost a connect each).
   */
  private void rebalanceWebSockets() {
    List<AccountWatch> wanting = accounts.values().stream()
        .filter(a -> a.ws == null && a.lastOk != null && !a.verdicts.isEmpty()).limit(2).toList();
    if (wanting.isEmpty()) return;
    List<AccountWatch> idle = accounts.values().stream()
        .filter(a -> a.ws != null && a.lastOk != null && a.verdicts.isEmpty()).limit(wanting.size()).toList();
    for (int i = 0; i < idle.size(); i++) {
      idle.get(i).closeWebSocket();
      wanting.get(i).openWebSocket();
      log.info("WebSocket moved from user {} (no positions) to user {}", idle.get(i).key.userId(), wanting.get(i).key.userId());
    }
  }

  /** Bitget's 6000 requests/IP/min bound a sweep; say so once when the interval cannot be kept. */
  private void warnIfSweepTooSlow() {
    int n = accounts.size();
    double sweep = n * 2 / budget.backgroundRequestsPerSecond();
    if (n == warnedSweepFor || sweep * 1000 <= settings.reconcileInterval().toMillis()) return;
    warnedSweepFor = n;
    log.warn("{} accounts: one reconcile of all takes >= {} s within Bitget's per-IP limit ({} requests/s for"
            + " periodic work), longer than the {} s interval; {} accounts have a WebSocket, the rest are polled."
            + " Split the accounts with --shard i/n over watchers on separate egress IPs to keep the interval.",
        n, Math.round(sweep), Math.round(budget.backgroundRequestsPerSecond()), settings.reconcileInterval().toSeconds(),
        webSockets.get());
  }

  /**
   * Periodic reconciles: each due account, as far as the IP budget's background lane allows this
   * tick; the rest stay due for the next one. Push-triggered looks and restores bypass the lane.
   */
  private void tick() {
    try {
      reconcileDue();
    } catch (RuntimeException e) { // a scheduled task that throws is never run again: no reconcile would ever run
      log.warn("reconcile round failed (next in 200 ms): {}", e.getMessage() == null ? "no detail" : e.getMessage());
    }
  }

  private void reconcileDue() {
    long now = clock.millis();
    record Due(AccountWatch account, long since, boolean keyQuestion) {}
    List<Due> due = new ArrayList<>();
    for (AccountWatch a : accounts.values()) {
      long since = a.nextReconcileMs; // read once: an evaluation may move it meanwhile
      if (now >= since && !a.running.get()) due.add(new Due(a, since, false));
      long asked = a.keyQuestionDueMs;
      if (asked >= 0 && asked <= now) due.add(new Due(a, asked, true));
    }
    // Most overdue first: when the budget cannot keep the interval, every account still gets its
    // turn once per sweep instead of the first ones in map order getting all of it. A key's question
    // is due from its account's first look: after every first look, before the second ones.
    due.sort(Comparator.comparingLong(Due::since));
    // A stalled store takes no turns (looks restore on memory and move on): nothing piles up to wait for.
    boolean stalled = !due.isEmpty() && storeStalled();
    for (Due d : due) {
      if (!stalled && recorderBehind(now)) return;
      if (!budget.tryAcquireBackground(d.keyQuestion() ? 1 : 2)) return;
      if (d.keyQuestion()) {
        d.account().keyQuestionDueMs = AccountWatch.NO_KEY_QUESTION;
        workers.submit(d.account()::askKeyInfo);
        continue;
      }
      d.account().nextReconcileMs = now + settings.reconcileInterval().toMillis();
      d.account().request();
    }
  }

  /**
   * How much recording the looks in flight may stand for before the sweep starts no more: looks are
   * recorded one at a time, and a sweep faster than the store piled them up behind it until each
   * gave up after {@link #recordingTurn}'s 2 s ("the store is busy with another look", a WARN per
   * account). Half of that wait: looks in flight × the recent time to record one. Pushes and
   * restores are not held, nor is the sweep while the store is stalled: its looks take no turn
   * then (they restore on memory), and a polled account must still be looked at.
   */
  static final long RECORDING_BACKLOG_MS = 1_000;

  /** The recent time a look took to record, ms (weighted towards the last few), 0 before the first. */
  private volatile double recordMs;
  /** Since when the look that records now has held the turn (nanoTime), or 0: over 2 s, the store hangs. */
  private volatile long turnHeldSinceNanos;

  /** Since when (clock ms) the sweep has waited for the recorder, or -1; the scheduler's thread only. */
  private long recorderBehindSinceMs = -1;
  private boolean recorderBehindTold;

  /** The recorder is behind: the sweep waits (and says so once when that lasts 10 s), or it caught up. */
  private boolean recorderBehind(long now) {
    // looks waiting for their turn, and those still out at Bitget (their permit is given back before they record)
    int ahead = recording.getQueueLength() + settings.parallelism() - permits.availablePermits();
    if (ahead * recordMs < RECORDING_BACKLOG_MS) {
      if (recorderBehindTold) log.info("the store records looks as fast as they come again; sweeps go on at the IP budget's pace");
      recorderBehindSinceMs = -1;
      recorderBehindTold = false;
      return false;
    }
    if (recorderBehindSinceMs < 0) recorderBehindSinceMs = now;
    if (!recorderBehindTold && now - recorderBehindSinceMs >= 10_000) {
      recorderBehindTold = true;
      log.warn("the store records looks slower than Bitget answers them (for {} s): sweeps wait for it, so each account"
          + " is looked at less often than the interval; a slow or distant database? ({})", (now - recorderBehindSinceMs) / 1000,
          store.where());
    }
    return true;
  }

  private void deliver() {
    try {
      if (alerting.telegramEnabled() && ownership.delivers()) service.deliverAlerts(); // in a fleet: one instance
      if (deliveryError != null) log.info("alert delivery works again");
      deliveryError = null;
    } catch (RuntimeException e) {
      // one line per kind of failure (a full disk refused the metrics file every second for as long as it lasted)
      if (!String.valueOf(e.getMessage()).equals(deliveryError)) log.warn("alert delivery: {}", e.getMessage());
      deliveryError = String.valueOf(e.getMessage());
    }
  }

  private volatile String deliveryError;

  /** What this watcher tells: /health, the status page's snapshots, unguarded accounts. */
  private final WatchStatus status;

  /** Status for /health. */
  public List<AccountHealth> health() {
    return status.health();
  }

  /** Fleet-wide figures for /health: how accounts are watched and how stale the oldest look is. */
  public WatchHealth summary() {
    return status.summary();
  }

  /**
   * One account as the status page shows it: its key (masked), how it is watched, when it was last
   * looked at, and the verdicts of that look. Values only: the page never touches the watcher's state.
   */
  public record AccountSnapshot(String userId, String maskedKey, boolean demo, String webSocket, Instant lastOk, String lastError,
      List<PositionVerdict> verdicts) {}

  public List<AccountSnapshot> snapshot() {
    return status.snapshot();
  }

  /** Every account of this shard with an active key that is not being guarded, and why. */
  public List<Unguarded> unguarded() {
    return status.unguarded();
  }

  /** A client for one of this watcher's accounts (the status page asks it for the account's equity), if it guards it. */
  public Optional<BitgetClient> client(String userId) {
    return accounts.values().stream().filter(a -> a.key.userId().equals(userId)).findFirst().map(a -> a.client);
  }

  /** An account this watcher should guard but cannot: its key is unusable or Bitget refuses it. */
  public record Unguarded(String userId, String key, String reason) {}

  /** Every 5 s. Never throws: a scheduled task that throws is never run again, silently. */
  private void publishFleet() {
    try {
      status.sampleRequests();
      metrics.recordRestoresFailing(status.failingRestores().size());
      status.reportUnguarded();
      service.settleFlaps();
      status.recordFigures();
      status.recordAlertsWaiting();
      // Only from a complete view: before every account was looked at, "nothing bare" is not known.
      if (!accounts.isEmpty() && accounts.values().stream().allMatch(a -> a.lastOk != null)) updateFlag(true);
    } catch (RuntimeException e) {
      log.warn("fleet figures, unguarded accounts or flapping positions not updated: {}", e.getMessage());
    }
  }

  public int accountCount() {
    return accounts.size();
  }

  // one account: AccountWatch

  /** After a look: writes the flag if it changed since this process last wrote it. */
  void updateFlag() {
    updateFlag(false);
  }

  /**
   * The flag is 1 while any position is bare. A watcher that sees every account judges from its own
   * view; a shard or fleet member only sees part, so it judges from the open incidents all of them
   * write to the shared store (else one member would clear another's alarm). After a look it is
   * written when it changed since this process last wrote it; every few seconds
   * ({@code reassert}) it is compared with the stored row and written again if another writer (a
   * second instance with an older view, an operator) left it different.
   */
  void updateFlag(boolean reassert) {
    List<String> bare = new ArrayList<>();
    Instant oldest = null;
    if (!ownership.wholeView()) {
      try {
        store.incidents().open().forEach(i -> bare.add(i.key()));
      } catch (RuntimeException e) {
        log.warn("flag not updated: cannot read open incidents: {}", e.getMessage());
        return;
      }
    }
    for (AccountWatch a : accounts.values()) {
      if (ownership.wholeView()) for (PositionVerdict v : a.verdicts) if (!v.verdict().isProtected()) bare.add(v.key());
      if (a.lastOk == null) oldest = Instant.EPOCH;
      else if (oldest == null || a.lastOk.isBefore(oldest)) oldest = a.lastOk;
    }
    Collections.sort(bare);
    int flag = bare.isEmpty() ? 0 : 1;
    metrics.recordFlag(flag, oldest == Instant.EPOCH ? null : oldest);
    if (reassert && flag == lastFlag) {
      int stored = store.flag(Store.FLAG_STOPLOSS_MISSING).map(Flag::value).orElse(-1);
      if (stored != flag) {
        log.warn("the {} flag read {} in the store while this watcher sees {}: written again",
            Store.FLAG_STOPLOSS_MISSING, stored, flag);
        lastFlag = -1;
      }
    }
    if (flag != lastFlag) {
      lastFlag = flag;
      store.setFlag(Store.FLAG_STOPLOSS_MISSING, flag == 1, "stoploss_missing=[" + String.join(", ", bare) + "]");
    }
  }

  /** Stops scheduling, closes WebSockets, lets in-flight work finish (up to 10 s). */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    for (AccountWatch a : accounts.values()) a.close();
    scheduler.shutdownNow();
    socketTimer.shutdownNow();
    workers.shutdown();
    try {
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
