package io.stopguard.guard;

import io.stopguard.bitget.KeyInfo;
import io.stopguard.bitget.BitgetApiException;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.BitgetException;
import io.stopguard.bitget.BitgetWebSocket;
import io.stopguard.bitget.BitgetTransportException;
import io.stopguard.bitget.ErrorKind;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.Position;
import io.stopguard.check.AccountResult;
import io.stopguard.check.CheckReport;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.risk.Protection;
import io.stopguard.store.Incident;
import io.stopguard.store.AuditEntry;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Journal;
import io.stopguard.store.StoreException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One account under watch: its WebSocket, its looks (one at a time: a request during a look runs
 * another after it), the verdicts of the last look, and the restore of what is bare after the grace
 * period. Owned by {@link Watcher}; its collaborators are its {@link WatchContext} and its {@link Host}.
 */
final class AccountWatch implements BitgetWebSocket.Listener, Restorer.Account {
  private static final Logger log = LoggerFactory.getLogger(Watcher.class);
  /**
   * What an account's watch asks of the watcher while it runs (its seam, as {@link Restorer.Account}
   * is the restorer's): everything else it uses is fixed in its {@link WatchContext}.
   */
  interface Host {
    /** The watcher is closing: start nothing new. */
    boolean closed();

    /** Recompute the bitget_stoploss_missing flag from every account's verdicts. */
    void updateFlag();

    /** The store has stopped answering (known without asking it). */
    boolean storeStalled();

    /** Still this watcher's account (its shard, or its lease at the claimed epoch). */
    boolean stillOwns(String userId);

    /**
     * This look's turn to record (one at a time, bounded while the store is stalled; 0.5 s at most when
     * {@code bare}: a restore does not queue behind a slow store, it goes out without it); release
     * with {@link #recordingDone}.
     */
    boolean recordingTurn(boolean stalled, boolean bare);

    void recordingDone();

    /** May act on the account now without the store (its lease fresh in memory). */
    boolean mayActNow(String userId);

    /** This account's looks stopped being recorded (the store does not answer): told once per process, not per account. */
    void looksUnrecorded(String userId, String cause);

    /** This account's looks are recorded again, {@code replayed} of the outage's looks and requests with them. */
    void looksRecordedAgain(String userId, int replayed);
  }

  private final WatchContext c;
  private final Host host;
  final ExchangeKey key;
  final BitgetClient client;
  final AtomicBoolean running = new AtomicBoolean();
  final AtomicBoolean dirty = new AtomicBoolean();
  volatile long nextReconcileMs;
  /** The key's permissions are not asked by the sweep: never asked here, or asked already. */
  static final long NO_KEY_QUESTION = Long.MAX_VALUE;
  /** The key's permissions are asked once the account's first look is done: due from that look's end. */
  static final long KEY_QUESTION_AFTER_FIRST_LOOK = -1;
  /**
   * When the sweep may ask what this key may do (account/info), in clock millis, or one of the two
   * above. Asked through the sweep's lane like a look that came due then, so a cold start's
   * questions never go out ahead of its first looks (3,000 of them once held a fleet instance's
   * budget for 31 s while no account was looked at).
   */
  volatile long keyQuestionDueMs = NO_KEY_QUESTION;
  volatile BitgetWebSocket ws;
  volatile Instant lastOk;
  volatile String lastError;
  volatile ErrorKind lastErrorKind;
  /** The last look was refused with 40018: the key is bound to other addresses than this host's. */
  volatile boolean boundElsewhere;
  volatile int failedLooks;
  /** The last look could not be recorded (the store did not answer). */
  private volatile boolean storeFailing;
  /** A push said this account changed and no look has succeeded since. */
  volatile boolean pushUnseen;
  volatile List<PositionVerdict> verdicts = List.of();
  /** When each bare position was first seen bare: restore waits out the grace period from there. */
  final Map<String, Instant> bareSince = new ConcurrentHashMap<>();

  AccountWatch(WatchContext c, Host host, ExchangeKey key, BitgetClient client) {
    this.c = c;
    this.host = host;
    this.key = key;
    this.client = client;
  }

  void openWebSocket() {
    c.webSockets().incrementAndGet();
    ws = new BitgetWebSocket(c.webSocketUrl(), key.credentials(), key.demoTrading(), this,
        c.webSocketHttp(), () -> System.currentTimeMillis() + client.clockOffsetMillis(),
        BitgetWebSocket.PING_INTERVAL, c.socketTimer(), c.budget());
    ws.start();
  }

  /**
   * Asks Bitget once what this key may do and where from (account/info), and records it: a
   * permission removed or an address bound since the key was stored is told now, not at the first
   * restore. 40018 marks the key bound elsewhere (a fleet hands the account on). Never throws.
   */
  void askKeyInfo() {
    try {
      KeyInfo info = client.keyInfo();
      KeyInfo before = key.info();
      boolean changed = c.store().keys().recordInfo(key.exchange(), key.credentials().apiKey(), info);
      if (before != null && changed) {
        c.alerting().send(c.store(), "key-changed", c.alerting().texts().keyChanged(key.userId(), describe(before), describe(info),
            !Boolean.FALSE.equals(info.canTrade())), c.clock().instant());
        log.warn("user {}: the key's permissions or bound addresses changed on Bitget: now {}{} (was {}{}); check the key"
            + " (stopguard keys verify --user {})", key.userId(), String.join(",", info.authorities()),
            info.ips().isEmpty() ? "" : ", bound to " + String.join(",", info.ips()), String.join(",", before.authorities()),
            before.ips().isEmpty() ? "" : ", bound to " + String.join(",", before.ips()), key.userId());
      }
      if (Boolean.FALSE.equals(info.canTrade()) && key.mayRestore()) {
        log.warn("user {}: Bitget says this key cannot trade: a bare position cannot be restored with it (keys verify --user {})",
            key.userId(), key.userId());
      }
    } catch (BitgetApiException e) {
      if ("40018".equals(e.code())) boundElsewhere = true;
      log.info("user {}: cannot ask Bitget what the key may do: {}", key.userId(), e.getMessage());
    } catch (RuntimeException e) {
      log.debug("user {}: cannot ask Bitget what the key may do: {}", key.userId(), e.toString());
    }
  }

  private static String describe(KeyInfo i) {
    return String.join(",", i.authorities()) + (i.ips().isEmpty() ? "; any address" : "; bound to " + String.join(",", i.ips()));
  }

  /** Coalescing: one evaluation at a time per account; a request during one runs another after it. */
  void request() {
    if (host.closed() || retired) return;
    if (!running.compareAndSet(false, true)) {
      dirty.set(true);
      return;
    }
    c.workers().submit(() -> {
      try {
        do {
          dirty.set(false);
          try {
            evaluate();
          } catch (StoreException e) { // the store, not a bug: one line, and look again soon
            if (!storeFailing) log.warn("user {}: the store does not answer: {}", key.userId(), e.getMessage());
            storeFailing = true;
            lastError = "the store does not answer: " + e.getMessage();
            c.scheduler().schedule(this::request, 1, TimeUnit.SECONDS);
          } catch (RuntimeException e) { // never lose the account's loop to a surprise
            lastError = "internal error: " + (e.getMessage() == null ? "see the log" : e.getMessage());
            log.error("user {}: evaluation failed", key.userId(), e);
          }
        } while (dirty.get() && !host.closed());
      } finally {
        running.set(false);
        if (dirty.get()) request();
      }
    });
  }

  /** The positions of the last successful look, by symbol, side and opening time. */
  private volatile Set<String> heldAtLastLook = Set.of();

  private static Set<String> held(List<Position> positions) {
    Set<String> out = new HashSet<>();
    for (Position p : positions) out.add(p.symbol() + "|" + p.holdSide() + "|" + p.cTime());
    return out;
  }

  /** A position not held at the last look (or opened again since: a new opening time). */
  private boolean anyNew(List<Position> positions) {
    Set<String> before = heldAtLastLook;
    return positions.stream().anyMatch(p -> !before.contains(p.symbol() + "|" + p.holdSide() + "|" + p.cTime()));
  }

  /** The plan orders asked beside the positions; Bitget's refusal as it came. */
  private static List<PlanOrder> answer(Future<List<PlanOrder>> asked) {
    try {
      return asked.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BitgetTransportException("interrupted while waiting for the plan orders", false, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof BitgetException b) throw b;
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new IllegalStateException(e.getCause());
    }
  }

  void evaluate() {
    List<Position> positions;
    List<PlanOrder> plans;
    try {
      c.permits().acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    boolean pushed = pushUnseen; // a push arriving during this look sets it again for the next
    pushUnseen = false;
    try {
      if (lastOk == null) { // the first look: every position in it is new (below), so one after the other
        positions = client.allPositions();
        plans = client.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null);
      } else {
        // Positions and plan orders asked at once: one round trip, not two, after a push.
        Future<List<PlanOrder>> plansAsked = c.workers().submit(() -> client.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null));
        try {
          positions = client.allPositions();
        } finally {
          plans = answer(plansAsked); // waited for either way: no request of this look outlives it
        }
        // Asked together, the plan orders may be older than the positions. A position this account
        // held at its last look (same opening time) held it when the plan orders were read too, so
        // what they say of it is a state Bitget had. A new one was not there then: opened with its
        // stop in between it would look bare, and reopened it would look protected by the old
        // position's stop (and that stop would be recorded as its own). For a new position the plan
        // orders are asked again, after the positions, as a sequential look would.
        if (anyNew(positions)) plans = client.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null);
      }
    } catch (BitgetException e) {
      // One WARN per change of state, not per try: a refused key retried for hours is one line
      // (and /health, the metric), and the line when it answers again.
      ErrorKind lastErrorKindBefore = failedLooks == 0 ? null : lastErrorKind;
      if (failedLooks == 0 || e.kind() != lastErrorKind) log.warn("user {}: {}", key.userId(), e.getMessage());
      else log.debug("user {}: {} (failed look {})", key.userId(), e.getMessage(), failedLooks + 1);
      lastError = e.getMessage();
      lastErrorKind = e.kind();
      // Bitget 40018: the key is bound to other addresses than this instance's; a fleet hands it on
      boundElsewhere = e instanceof BitgetApiException api && "40018".equals(api.code());
      if (e instanceof BitgetApiException api && (api.code().equals("40018") || api.code().equals("40014"))
          && e.kind() != lastErrorKindBefore) {
        c.workers().submit(this::askKeyInfo); // the key changed on Bitget: what may it do now?
      }
      if (e.kind() == ErrorKind.CLOCK) c.bitget().timestampRefused();
      c.metrics().recordApiError(e instanceof BitgetApiException api ? api.code() : "transport");
      failedLooks++;
      if (pushed) pushUnseen = true;
      boolean transientFailure = e.kind() == ErrorKind.RETRYABLE || e.kind() == ErrorKind.CLOCK;
      if (knownBare() || transientFailure && (pushUnseen || lastOk == null)) {
        // A position known to be bare gets the next free request, not a healthy account's back-off;
        // so does one whose state is unknown for a reason: a push said it changed (a stop cancelled
        // during a 429 episode), or it was never seen (just started, just taken over), and the
        // failure will pass by itself (429, 5xx, network, clock; a refused key will not, and keeps
        // the back-off). Look again in 1 s, directly rather than through the reconcile lane; the IP
        // budget paces the request.
        nextReconcileMs = c.clock().millis() + c.settings().reconcileInterval().toMillis();
        c.scheduler().schedule(this::request, 1, TimeUnit.SECONDS);
        return;
      }
      // The account's state is unknown (perhaps a push said something changed): look again soon,
      // 2 s, 4 s, ... up to the interval, through the reconcile lane rather than at once.
      nextReconcileMs = c.clock().millis()
          + Math.min(c.settings().reconcileInterval().toMillis(), 1000L << Math.min(failedLooks, 10));
      return;
    } finally {
      c.permits().release();
    }
    c.bitget().answered();
    // Handed over (or the watcher closed) while this look was out: what it saw is another instance's
    // to record now; writing it could open an incident for a position the new owner already restored.
    if (retired || host.closed()) return;
    Instant previousLook = lastOk; // the last look that could still have seen the stops
    lastOk = c.clock().instant();
    if (keyQuestionDueMs == KEY_QUESTION_AFTER_FIRST_LOOK) keyQuestionDueMs = lastOk.toEpochMilli();
    if (failedLooks > 0) log.info("user {}: Bitget answers again after {} failed look(s)", key.userId(), failedLooks);
    lastError = null;
    lastErrorKind = null;
    boundElsewhere = false;
    failedLooks = 0;
    nextReconcileMs = c.clock().millis() + c.settings().reconcileInterval().toMillis();
    heldAtLastLook = held(positions);
    List<PositionVerdict> now = Protection.evaluate(key.userId(), positions, plans, c.policy());
    if (log.isDebugEnabled()) {
      log.debug("user {}: {}", key.userId(), now.stream().map(v -> v.key() + "=" + v.verdict()).toList());
    }
    List<PositionVerdict> before = verdicts;
    verdicts = now;
    c.metrics().recordAccount(before, now);
    Instant t = lastOk;
    Map<String, Unrecorded.BareSince> newlyBare = newlyBare(before, now, previousLook);
    bareSince.keySet().retainAll(now.stream().filter(v -> !v.verdict().isProtected()).map(PositionVerdict::key).toList());
    for (PositionVerdict v : now) if (!v.verdict().isProtected()) bareSince.putIfAbsent(v.key(), t);
    rememberStops(now);
    // The store is known to be stalled (a lock held elsewhere, a full disk, the database gone): the
    // restore goes out first, on memory, and the look waits with the others until the store answers.
    Set<String> sentWithoutStore = Set.of();
    boolean stalled = host.storeStalled();
    if (stalled) {
      unrecorded.look(new Unrecorded.Look(t, now, newlyBare));
      sentWithoutStore = restoreWithoutStore(now, plans, t);
    }
    CheckReport report = new CheckReport(List.of(new AccountResult(key.userId(), key.credentials().maskedKey(), now, null)));
    AtomicBoolean recorded = new AtomicBoolean();
    int[] replayed = {0};
    Map<String, BigDecimal> intended = new HashMap<>();
    Map<String, Incident> openIncidents = new HashMap<>(); // as this look's record leaves them (used after its commit)
    try {
      // One look at a time waits on the store, briefly, and none while it is stalled but the one
      // that asks whether it answers again: a store that hangs holds one look, not every account's.
      if (!host.recordingTurn(stalled, !bareSince.isEmpty())) throw new StoreException("the store is busy with another look: "
          + (c.store().lastWriteFailure() == null ? "it does not answer" : c.store().lastWriteFailure()), null);
      try {
        c.store().inTransaction(() -> { // all of it, or none
          if (!host.stillOwns(key.userId())) return; // lost while this look was out: its verdicts are stale
          replayed[0] = unrecorded.write(c.store(), c.service(), key);
          openIncidents.putAll(c.service().applyIncidents(report, List.of(key)).open());
          intended.putAll(recordIntendedStops(now));
          recorded.set(true);
        }, Watcher.LOOK_LOCK_WAIT);
      } finally {
        host.recordingDone();
      }
    } catch (StoreException e) {
      // One WARN per outage for the process (not per account: 10,000 lines) with the real cause;
      // /health says how long the store has been silent and each account's error.
      if (!storeFailing) host.looksUnrecorded(key.userId(), e.getMessage());
      storeFailing = true;
      lastError = "cannot record this look: " + e.getMessage();
      if (!stalled) {
        unrecorded.look(new Unrecorded.Look(t, now, newlyBare));
        restoreWithoutStore(now, plans, t);
      }
      c.scheduler().schedule(this::request, 1, TimeUnit.SECONDS); // the position may be bare: look again soon
      return;
    }
    boolean wasFailing = storeFailing;
    storeFailing = false;
    if (!recorded.get()) {
      if (wasFailing) host.looksRecordedAgain(key.userId(), 0);
      int dropped = unrecorded.discard();
      log.info("user {}: a look not recorded: the account is no longer this instance's{}", key.userId(),
          dropped == 0 ? "" : " (" + dropped + " look(s) and request(s) from a store outage dropped with it)");
      return;
    }
    unrecorded.written(replayed[0]);
    if (wasFailing) host.looksRecordedAgain(key.userId(), replayed[0]);
    else if (replayed[0] > 0) log.info("user {}: {} look(s) and request(s) from the store outage recorded", key.userId(), replayed[0]);
    intendedRecorded.putAll(intended);
    recordBareSince(newlyBare, now);
    host.updateFlag();
    if (c.settings().restore() == WatchSettings.Restore.OFF || cannotRestore(now)) return;
    if (c.settings().restore() == WatchSettings.Restore.ON) cancelOrphanedStops(positions, plans);
    // Restore inline, on the data just fetched: one look per cycle, and one evaluation per account
    // at a time, so this process never races itself on a position.
    for (PositionVerdict v : now) {
      if (v.verdict().isProtected() || sentWithoutStore.contains(v.key())) continue;
      Instant since = bareSince.getOrDefault(v.key(), t);
      Duration waited = Duration.between(since, c.clock().instant());
      if (waited.compareTo(c.settings().grace()) >= 0) {
        try {
          c.restorer().restore(this, v, plans, openIncidents.get(v.key()));
        } catch (BitgetException e) {
          log.info("restore of {}: {} (will look again)", v.key(), e.getMessage());
          c.scheduler().schedule(this::request, 1, TimeUnit.SECONDS);
        } catch (StoreException e) {
          // The store stopped answering between this look's record and the restore (its fence, an
          // audit row): the stop goes out without it now, not after another look.
          if (!storeFailing) log.warn("user {}: the store does not answer: {}", key.userId(), e.getMessage());
          storeFailing = true;
          lastError = "the store does not answer: " + e.getMessage();
          unrecorded.look(new Unrecorded.Look(t, now, Map.of()));
          restoreWithoutStore(List.of(v), plans, t);
          c.scheduler().schedule(this::request, 1, TimeUnit.SECONDS);
        }
      } else {
        c.scheduler().schedule(this::request, c.settings().grace().minus(waited).toMillis() + 1, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** What this account's watcher saw and sent while the store did not answer. */
  final Unrecorded unrecorded = new Unrecorded();
  /** Per position (symbol, side and opening time): the last pos_loss a look saw protect it (the trader's own stop, or the guard's). */
  private final Map<String, PlanOrder> lastStops = new ConcurrentHashMap<>();
  /** Per position: the intended stop this process last wrote to the store. */
  private final Map<String, BigDecimal> intendedRecorded = new ConcurrentHashMap<>();

  private static String stopKey(Position p) {
    return p.symbol() + "|" + p.holdSide() + "|" + p.cTime();
  }

  private void rememberStops(List<PositionVerdict> now) {
    // a closed position's stop is no guide, nor is it to the same symbol and side opened again
    lastStops.keySet().retainAll(now.stream().map(v -> stopKey(v.position())).toList());
    for (PositionVerdict v : now) {
      if (!v.verdict().isProtected()) continue;
      v.stops().stream().filter(o -> o.planType() == PlanType.POS_LOSS && o.triggerPrice() != null).findFirst()
          .ifPresent(o -> lastStops.put(stopKey(v.position()), o));
    }
  }

  /**
   * The stop each protected position carries becomes its intended stop in the store (when it
   * changed): a restore puts back the trader's own stop, in this process or any that takes over.
   */
  private Map<String, BigDecimal> recordIntendedStops(List<PositionVerdict> now) {
    Map<String, BigDecimal> written = new HashMap<>();
    for (PositionVerdict v : now) {
      PlanOrder o = v.verdict().isProtected() ? lastStops.get(stopKey(v.position())) : null;
      if (o == null || o.triggerPrice().compareTo(intendedRecorded.getOrDefault(v.key(), BigDecimal.ZERO)) == 0) continue;
      c.store().journal().setIntendedStop(key.userId(), v.position().symbol(), v.position().holdSide().name(), o.triggerPrice(),
          Journal.IntendedStop.OBSERVED, v.position().cTime(), lastOk);
      written.put(v.key(), o.triggerPrice());
    }
    return written;
  }

  /**
   * A key Bitget says cannot trade (stored with --read-only-ok for checks only): its account is
   * watched, bare positions open incidents and alerts, but nothing is sent. Said once per bare spell.
   */
  private boolean cannotRestore(List<PositionVerdict> now) {
    if (key.mayRestore()) return false;
    boolean bare = now.stream().anyMatch(v -> !v.verdict().isProtected());
    if (bare && !readOnlyTold) {
      log.warn("user {}: a position is bare and this key cannot trade (read-only, stored with --read-only-ok): watched,"
          + " cannot restore; place the stop by hand or give the account a key with futures trading", key.userId());
    }
    readOnlyTold = bare;
    return true;
  }

  private boolean readOnlyTold;

  /** Restores what is bare past its grace without the store; returns the positions a request went out for. */
  private Set<String> restoreWithoutStore(List<PositionVerdict> now, List<PlanOrder> plans, Instant t) {
    Set<String> sent = new HashSet<>();
    if (c.settings().restore() == WatchSettings.Restore.OFF || cannotRestore(now)) return sent;
    for (PositionVerdict v : now) {
      if (v.verdict().isProtected()) continue;
      Instant since = bareSince.getOrDefault(v.key(), t);
      Duration waited = Duration.between(since, t);
      if (waited.compareTo(c.settings().grace()) < 0) {
        c.scheduler().schedule(this::request, c.settings().grace().minus(waited).toMillis() + 1, TimeUnit.MILLISECONDS);
        continue;
      }
      try {
        if (c.restorer().restoreWithoutStore(this, v, plans, since)) sent.add(v.key());
      } catch (RuntimeException e) { // never lose the account's loop to a surprise here either
        log.warn("restore of {} without the store failed: {}", v.key(), e.toString());
        c.scheduler().schedule(this::request, 1, TimeUnit.SECONDS);
      }
    }
    return sent;
  }

  @Override
  public void onLive(Instant blindSince) {
    log.debug("user {}: WebSocket live (blind since {})", key.userId(), blindSince);
    request(); // reconcile after any blind period
  }

  @Override
  public void onPositions(List<Position> positions) {
    pushUnseen = true;
    request();
  }

  @Override
  public void onPlanOrders(List<PlanOrder> orders) {
    // Bitget's own time of a stop's cancel or trigger: when an incident opens on this position, the
    // time to detect is measured from it (StatusModel's timeline).
    for (PlanOrder o : orders) {
      String status = o.planStatus() == null ? "" : o.planStatus().toLowerCase(Locale.ROOT);
      boolean gone = status.startsWith("cancel") || status.equals("executed") || status.equals("triggered")
          || status.equals("filled") || status.equals("fail_trigger");
      if (!gone || o.symbol() == null || (o.planType() != PlanType.POS_LOSS && o.planType() != PlanType.LOSS_PLAN
          && o.planType() != PlanType.MOVING_PLAN)) continue;
      try {
        stopGoneAt.put(o.symbol().toUpperCase(Locale.ROOT), Instant.ofEpochMilli(Long.parseLong(o.uTime())));
      } catch (NumberFormatException | NullPointerException ignored) {
        // no usable time: the last look bounds it instead
      }
    }
    pushUnseen = true;
    request();
  }

  /** The time Bitget gave the latest cancel or trigger of a stop, per symbol (from pushes). */
  final Map<String, Instant> stopGoneAt = new ConcurrentHashMap<>();

  @Override
  public void onDown(String reason) {
    log.info("user {}: WebSocket down: {}", key.userId(), reason);
    // Bitget's WebSocket refuses a login timestamp too far from its clock (30013, 30014)
    if (reason != null && (reason.contains("error 30014") || reason.contains("error 30013"))) c.bitget().timestampRefused();
  }

  /**
   * For each position that just became bare: when it lost its stop, for the incident's time to
   * detect — Bitget's time from a push if one came since the previous look, else that look (an
   * upper bound). Pure: the look's values in, the times out.
   */
  private Map<String, Unrecorded.BareSince> newlyBare(List<PositionVerdict> before, List<PositionVerdict> now,
      Instant previousLook) {
    Map<String, Unrecorded.BareSince> out = new HashMap<>();
    for (PositionVerdict v : now) {
      if (v.verdict().isProtected()) continue;
      boolean wasProtected = before.stream().anyMatch(b -> b.key().equals(v.key()) && b.verdict().isProtected());
      if (!wasProtected) continue; // bare before (or new): its incident keeps the time it had
      Instant pushed = stopGoneAt.get(v.position().symbol().toUpperCase(Locale.ROOT));
      boolean exact = pushed != null && previousLook != null && !pushed.isBefore(previousLook) && !pushed.isAfter(c.clock().instant());
      Instant since = exact ? pushed : previousLook;
      if (since != null) out.put(v.key(), new Unrecorded.BareSince(since, exact));
    }
    return out;
  }

  /** Writes the times {@link #newlyBare} found to the positions' open incidents (display only: a failure is no error). */
  private void recordBareSince(Map<String, Unrecorded.BareSince> newlyBare, List<PositionVerdict> now) {
    if (newlyBare.isEmpty()) return;
    try {
      Unrecorded.writeBareSince(c.store(), key.userId(), newlyBare, now);
    } catch (RuntimeException e) {
      log.debug("user {}: time to detect not recorded: {}", key.userId(), e.getMessage());
    }
  }

  /**
   * A pos_loss this watcher placed (its audit row) on a symbol where the account no longer has a
   * position: Bitget may keep it when the position is closed (FIDELITY.md, posLossOnClose=keep), and
   * a stop the guard put there just before the trader closed would stay for good, and sit under the
   * symbol's next position. Cancelled, with the same lease check as a restore; a stop placed by
   * anyone else is left alone.
   */
  private void cancelOrphanedStops(List<Position> positions, List<PlanOrder> plans) {
    for (PlanOrder o : plans) {
      if (o.planType() != PlanType.POS_LOSS || o.clientOid() == null || o.symbol() == null) continue;
      if (positions.stream().anyMatch(p -> p.symbol().equalsIgnoreCase(o.symbol()))) continue;
      try {
        if (!c.store().journal().placedByWatch(key.userId(), o.clientOid()) || !host.mayActNow(key.userId())) continue;
        client.cancelPlanOrders(o.symbol(), PlanType.POS_LOSS, List.of(o.orderId()));
        c.store().journal().audit(new AuditEntry("watch", "cancel", key.userId(), o.symbol(),
            o.holdSide() == null ? null : o.holdSide().name(), PlanType.POS_LOSS.wire(),
            o.triggerPrice() == null ? null : o.triggerPrice().toPlainString(), null, o.orderId(), o.clientOid(), "ok",
            "its position is closed: a stop this guard placed, left behind"));
        log.info("user {}: cancelled the pos_loss it placed on {} ({}): its position is closed", key.userId(), o.symbol(),
            o.orderId());
      } catch (RuntimeException e) { // BitgetException or the store: the next look tries again
        log.warn("user {}: cannot cancel the pos_loss it left on {} after the position closed: {}", key.userId(), o.symbol(),
            e.getMessage());
      }
    }
  }

  /** The last look could not be recorded (counted in the watcher's {@code looksUnrecorded} until it is). */
  boolean looksUnrecorded() {
    return storeFailing;
  }

  /** Whether the last successful look saw a position without a valid stop. */
  boolean knownBare() {
    for (PositionVerdict v : verdicts) if (!v.verdict().isProtected()) return true;
    return false;
  }

  @Override
  public BitgetClient client() {
    return client;
  }

  @Override
  public ExchangeKey key() {
    return key;
  }

  @Override
  public void lookAgain() {
    request();
  }

  /** Look once more after this evaluation (the stop just placed should now be there). */
  @Override
  public void lookAgainAfterThis() {
    dirty.set(true);
  }

  @Override
  public PlanOrder lastStop(Position position) {
    return lastStops.get(stopKey(position));
  }

  @Override
  public void sentWithoutStore(String positionKey, AuditEntry audit) {
    unrecorded.sent(new Unrecorded.Sent(c.clock().instant(), positionKey, audit));
  }

  void close() {
    retired = true;
    closeWebSocket();
  }

  /** Set when the watcher stops guarding this account: scheduled looks and a look in flight then do nothing. */
  private volatile boolean retired;

  /** Back to polling (the next reconcile is already scheduled). */
  void closeWebSocket() {
    BitgetWebSocket s = ws;
    if (s != null) {
      ws = null;
      s.close();
      c.webSockets().decrementAndGet();
    }
  }
}
